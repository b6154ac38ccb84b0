// The in-guest test protocol. Every check prints exactly one line at the
// start of a line, "PASS name" or "FAIL name: why", and tools/runtests.py
// collects those lines from the console.
//
// A test is a function run by run_isolated in a child process of its own,
// so a test that crashes, hangs in a loop the kernel kills, or leaves state
// behind in its process cannot disturb the tests after it. Inside a test,
// expect() ends the test at the first failed condition.
#ifndef LAZULI_TEST_H
#define LAZULI_TEST_H

// The exit status of a test process that has already printed its FAIL line,
// so the parent knows not to print a second one.
#define TEST_REPORTED 97

// Print "PASS name", or "FAIL name: why" and count a failure.
void pass(const char *name);
void fail(const char *name, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

// Run fn in a forked child. PASS name when the child returns from fn (or
// exits 0); FAIL name when it exits non-zero, reporting the status unless
// the child reported the failure itself. Returns 1 when the test passed.
int run_isolated(const char *name, void (*fn)(void));

// A program's tests. run_tests runs those named in argv[1..] (a name no
// test has is a FAIL), or all of them when there are no arguments, each
// with run_isolated. Returns 1 when every test it ran passed.
struct test {
  const char *name;
  void (*fn)(void);
};
int run_tests(struct test *tests, int n, int argc, char **argv);

// Inside a test run by run_isolated: when cond is false, print
// "FAIL <test>: why" and exit the test process with TEST_REPORTED.
void expect(int cond, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

// Run fn in a forked child and return its exit status (-1 if the kernel
// killed it), or a value below -999 if fork or wait failed.
int child_status(void (*fn)(void));

// Inside a test: wait for a child, which must be pid, and return its exit
// status (-1 if the kernel killed it).
int wait_child(int pid);

// Inside a test: wait for child pid, which must exit 0; what names it in
// the FAIL line.
void wait_child_ok(int pid, const char *what);

// Inside a test: reap n children in whatever order they end; each must be
// one of pids[0..n-1] and exit 0.
void reap_children(int *pids, int n);

// Fork a child that does nothing; returns how many free pages the fork
// cost, as the child sees it right after, or -1.
long fork_cost(void);

// Copy file from to file to (created or emptied); returns 0 or -1.
int copy_file(const char *from, const char *to);

// Exit 0 when no check of this process failed, 1 otherwise.
void test_exit(void) __attribute__((noreturn));

#endif
