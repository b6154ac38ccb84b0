// In-guest tests of mmap, munmap, mprotect and msync, and of the page
// cache they share with read() and write(): anonymous and file mappings,
// shared and private, the end of the file, munmap of any range, fork,
// rights, bad input, the heap's limit, and exact page accounting (each
// test gives back every page it took; testrun checks the whole program).
//
// The tests are in user/mmaptest/, one file per concern.
#include "mmaptest/mmaptest.h"

static struct test tests[] = {
  { "mmap:anonymous", anonymous },
  { "mmap:file_private_read", file_private_read },
  { "mmap:past_end_of_file", past_end_of_file },
  { "mmap:shared_store_seen_by_read", shared_store_seen_by_read },
  { "mmap:write_seen_through_mapping", write_seen_through_mapping },
  { "mmap:private_stores_stay", private_stores_stay },
  { "mmap:outlives_close_and_unlink", outlives_close_and_unlink },
  { "mmap:munmap_ranges", munmap_ranges },
  { "mmap:fork_shares_and_copies", fork_shares_and_copies },
  { "mmap:exit_writes_back", exit_writes_back },
  { "mmap:msync_writes", msync_writes },
  { "mmap:protect", protect },
  { "mmap:bad_input", bad_input },
  { "mmap:heap_limit", heap_limit },
  { "mmap:cache_shares_pages", cache_shares_pages },
  { "mmap:running_program", running_program },
  { "mmap:truncate_unmaps", truncate_unmaps },
  { "mmap:far_offsets", far_offsets },
  { "mmap:fixed_places", fixed_places },
  { "mmap:copies_refused", copies_refused },
  { "mmap:shared_anon_too_big", shared_anon_too_big },
};

int
main(int argc, char *argv[])
{
  if (argc == 4 && strcmp(argv[1], "hold") == 0)
    hold(argv[2], argv[3]);
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
