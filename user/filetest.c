// filetest: the file system through its system calls. Files, offsets,
// fstat, unlink and link, directories and paths, the largest file, many
// processes creating files in one directory, descriptor limits and bad
// arguments. Everything happens under /ft, which is removed at the end.
// Prints one PASS/FAIL line per test (user/test.h).
//
// The tests are in user/filetest/, one file per concern.
#include "filetest/filetest.h"

static struct test tests[] = {
  { "file:create_rw", t_create_rw },
  { "file:through_file", t_through_file },
  { "file:empty_path", t_empty_path },
  { "file:trunc", t_trunc },
  { "file:offsets", t_offsets },
  { "file:fstat", t_fstat },
  { "file:unlink", t_unlink },
  { "file:link", t_link },
  { "file:dirs", t_dirs },
  { "file:unlink_dir", t_unlink_dir },
  { "file:maxfile", t_maxfile },
  { "file:concurrent", t_concurrent },
  { "file:nofile", t_nofile },
  { "file:nfile", t_nfile },
  { "file:bad_args", t_bad_args },
  { "file:long_path", t_long_path },
};

int
main(int argc, char **argv)
{
  struct stat st;
  int allpassed;

  rmtree("/ft", 0);   // whatever an interrupted run left
  if (mkdir("/ft") != 0 || stat("/ft", &st) != 0 || st.type != T_DIR) {
    fail("file:setup", "cannot make the directory /ft");
    test_exit();
  }
  allpassed = run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  // Tests that pass leave nothing behind; a failed one may.
  if (allpassed) {
    if (unlink("/ft") == 0)
      pass("file:cleanup");
    else
      fail("file:cleanup", "/ft is not empty after the tests");
  }
  rmtree("/ft", 0);
  test_exit();
}
