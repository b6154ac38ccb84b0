// The in-guest test helpers (user/test.h).
//
// A FAIL line is printed with one vfprintf call per piece; the library's
// printf writes each call in one write, and only one process of a test
// prints at a time (the parent waits while its test child runs), so lines
// do not interleave.
#include "../user.h"
#include "../test.h"

static const char *current = "unnamed";   // the test this process runs
static int failures;                      // FAIL lines this process printed

void
pass(const char *name)
{
  printf("PASS %s\n", name);
}

static void
vfail(const char *name, const char *fmt, va_list ap)
{
  printf("FAIL %s: ", name);
  vfprintf(1, fmt, ap);
  printf("\n");
  failures++;
}

void
fail(const char *name, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfail(name, fmt, ap);
  va_end(ap);
}

void
expect(int cond, const char *fmt, ...)
{
  va_list ap;

  if (cond)
    return;
  va_start(ap, fmt);
  vfail(current, fmt, ap);
  va_end(ap);
  exit(TEST_REPORTED);
}

int
run_isolated(const char *name, void (*fn)(void))
{
  int pid, w, status;

  pid = fork();
  if (pid < 0) {
    fail(name, "fork failed");
    return 0;
  }
  if (pid == 0) {
    current = name;
    fn();
    exit(0);
  }
  // The caller has no other children, but skip any stray one rather than
  // mistake its status for the test's.
  status = 0;
  while ((w = wait(&status)) != pid) {
    if (w < 0) {
      fail(name, "wait lost the test process (pid %d)", pid);
      return 0;
    }
  }
  if (status == 0) {
    pass(name);
    return 1;
  }
  if (status == TEST_REPORTED)
    failures++;
  else if (status == -1)
    fail(name, "test process was killed (status -1)");
  else
    fail(name, "test process exited with status %d", status);
  return 0;
}

// Read every page of the program's segments, so that each is mapped
// before the tests fork. exec maps a program from its file and brings a
// page in when it is first touched; without this, the first call of a
// function in a page not yet used would take a page from the free count
// in the middle of a test that counts pages exactly.
static void
fault_in_program(void)
{
  static struct vmregion r[32];
  int n = vmregions(getpid(), r, 32);
  for (int i = 0; i < n && i < 32; i++)
    if (r[i].kind == VR_SEGMENT)
      for (uint64 a = r[i].start; a < r[i].end; a += 4096)
        (void)*(volatile char *)a;
}

int
run_tests(struct test *tests, int n, int argc, char **argv)
{
  int ok = 1, found;

  fault_in_program();
  if (argc < 2) {
    for (int i = 0; i < n; i++)
      ok &= run_isolated(tests[i].name, tests[i].fn);
    return ok;
  }
  for (int a = 1; a < argc; a++) {
    found = 0;
    for (int i = 0; i < n; i++) {
      if (strcmp(argv[a], tests[i].name) == 0) {
        ok &= run_isolated(tests[i].name, tests[i].fn);
        found = 1;
      }
    }
    if (!found) {
      fail(argv[a], "no such test");
      ok = 0;
    }
  }
  return ok;
}

int
child_status(void (*fn)(void))
{
  int pid = fork();
  if (pid < 0)
    return -1000;
  if (pid == 0) {
    fn();
    exit(0);
  }
  int status = -2000;
  if (wait(&status) != pid)
    return -3000;
  return status;
}

int
wait_child(int pid)
{
  int st = 12345, w = wait(&st);
  expect(w == pid, "wait returned %d, not the child %d", w, pid);
  return st;
}

void
wait_child_ok(int pid, const char *what)
{
  int st = wait_child(pid);
  expect(st == 0, "the %s (pid %d) exited with status %d", what, pid, st);
}

void
reap_children(int *pids, int n)
{
  for (int k = 0; k < n; k++) {
    int st = 12345, w = wait(&st), mine = 0;
    for (int i = 0; i < n; i++)
      if (pids[i] == w)
        mine = 1;
    expect(mine, "wait returned %d, not one of the children", w);
    expect(st == 0, "child %d exited with status %d", w, st);
  }
}

long
fork_cost(void)
{
  int fds[2];
  if (pipe(fds) < 0)
    return -1;
  long before = freepages();
  int pid = fork();
  if (pid == 0) {
    long used = before - freepages();
    write(fds[1], &used, sizeof(used));
    exit(0);
  }
  long used = -1;
  if (pid > 0) {
    read(fds[0], &used, sizeof(used));
    wait(0);
  }
  close(fds[0]);
  close(fds[1]);
  return used;
}

int
copy_file(const char *from, const char *to)
{
  char b[512];
  int in = open(from, O_RDONLY), out = open(to, O_CREATE | O_TRUNC | O_WRONLY);
  int n = 0;
  while (in >= 0 && out >= 0 && (n = read(in, b, sizeof(b))) > 0)
    if (write(out, b, n) != n)
      n = -1;
  close(in);
  close(out);
  return in >= 0 && out >= 0 && n == 0 ? 0 : -1;
}

void
test_exit(void)
{
  exit(failures ? 1 : 0);
}
