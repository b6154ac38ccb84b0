// proctest: processes. fork, exec, exit and wait, kill, getpid, the process
// table limit, orphans, pause and uptime (killing sleepers is killtest's).
// Prints one PASS/FAIL line per test (user/test.h).
//
// proctest re-executes itself with a first argument that selects a helper
// mode (argument checks for the exec tests); run without arguments it runs
// the tests.
#include "user.h"
#include "test.h"

#define SELF "/proctest"
#define WILD ((void *)0xffffffffff000UL)   // far above MAXVA

// The arguments the exec test passes; the helper mode compares what it
// receives with this same table.
static char *argtab[] = {
  SELF, "-argcheck", "one", "", "three words here",
  "0123456789012345678901234567890123456789012345678901234567890123456789",
  "last", 0
};

static int
count(char **v)
{
  int n = 0;

  while (v[n])
    n++;
  return n;
}

// Helper mode: exit 0 if argv is exactly argtab, else the 1-based index
// of the first difference (or 100 for a wrong count).
static int
argcheck(int argc, char **argv)
{
  int n = count(argtab);

  if (argc != n || argv[argc] != 0)
    return 100;
  for (int i = 0; i < n; i++)
    if (strcmp(argv[i], argtab[i]) != 0)
      return i + 1;
  // exec must start the program with sp 16-byte aligned. Every frame the
  // compiler makes is a multiple of 16 bytes, so sp here is aligned exactly
  // when it was at entry.
  uint64 sp;
  asm volatile("mv %0, sp" : "=r"(sp));
  if (sp % 16 != 0)
    return 101;
  return 0;
}

// --- fork, exit, wait

static int global = 42;

static void
t_fork(void)
{
  int local = 7, st, pid;
  int *heap = malloc(sizeof(int));

  expect(heap != 0, "malloc failed");
  *heap = 1234;
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    // The child sees the parent's memory as it was, then changes its copy.
    int ok = global == 42 && local == 7 && *heap == 1234;
    global = 1;
    local = 2;
    *heap = 3;
    exit(ok ? 0 : 1);
  }
  st = wait_child(pid);
  expect(st == 0, "child did not see the parent's values (status %d)", st);
  expect(global == 42 && local == 7 && *heap == 1234,
         "child's writes reached the parent: %d %d %d", global, local, *heap);
}

static void
t_exit_status(void)
{
  static int codes[] = { 0, 1, 42, 255, 256, -1, -42, 1000000, -2147483647 };
  int n = sizeof(codes) / sizeof(codes[0]);
  int pids[sizeof(codes) / sizeof(codes[0])];
  int st, w, found;

  // One at a time.
  for (int i = 0; i < n; i++) {
    int pid = fork();
    expect(pid >= 0, "fork failed");
    if (pid == 0)
      exit(codes[i]);
    st = 12345;
    st = wait_child(pid);
    expect(st == codes[i], "exit(%d) was reported as %d", codes[i], st);
  }

  // All at once: each status must come back with its own pid.
  for (int i = 0; i < n; i++) {
    pids[i] = fork();
    expect(pids[i] >= 0, "fork failed");
    if (pids[i] == 0) {
      pause(i % 3);
      exit(codes[i]);
    }
  }
  for (int k = 0; k < n; k++) {
    w = wait(&st);
    found = 0;
    for (int i = 0; i < n; i++) {
      if (pids[i] == w) {
        expect(st == codes[i], "pid %d exited %d, wait said %d", w, codes[i], st);
        pids[i] = 0;
        found = 1;
      }
    }
    expect(found, "wait returned %d, not one of the children", w);
  }
  expect(wait(&st) == -1, "wait found a child after all were reaped");
}

static void
t_wait_null(void)
{
  int pid = fork();

  expect(pid >= 0, "fork failed");
  if (pid == 0)
    exit(3);
  expect(wait(0) == pid, "wait(0) did not return the child's pid");
  expect(wait(0) == -1, "wait(0) with no children did not return -1");
}

static void
t_wait_nochild(void)
{
  int st = 77;

  expect(wait(&st) == -1, "wait with no children did not return -1");
  expect(wait(0) == -1, "wait(0) with no children did not return -1");
}

static void
t_wait_badptr(void)
{
  int pid = fork();

  expect(pid >= 0, "fork failed");
  if (pid == 0)
    exit(5);
  pause(1);
  expect(wait(WILD) == -1, "wait into an address beyond MAXVA did not fail");
  // Whether that child is still waitable is the kernel's choice; clean up.
  while (wait(0) >= 0)
    ;
}

static void
t_getpid(void)
{
  int me = getpid(), pid, st;

  expect(me > 0, "getpid returned %d", me);
  expect(getpid() == me, "getpid changed between calls");
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0)
    exit(getpid());
  st = wait_child(pid);
  expect(st == pid, "child's getpid %d is not fork's return %d", st, pid);
  expect(pid != me, "child has the parent's pid");
}

// --- exec

static void
t_exec_args(void)
{
  int pid, st;

  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    exec(SELF, argtab);
    exit(200);
  }
  st = wait_child(pid);
  expect(st != 200, "exec %s failed", SELF);
  expect(st == 0, "exec'd program saw different arguments (code %d)", st);
}

static void
t_exec_maxarg(void)
{
  static char *argv[MAXARG];   // MAXARG - 1 strings and the null
  int pid, st;

  argv[0] = SELF;
  argv[1] = "-argcount";
  for (int i = 2; i < MAXARG - 1; i++)
    argv[i] = "x";
  argv[MAXARG - 1] = 0;
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    exec(SELF, argv);
    exit(200);
  }
  st = wait_child(pid);
  expect(st == MAXARG - 1, "exec with %d arguments: status %d", MAXARG - 1, st);
}

static void
t_exec_toomany(void)
{
  static char *argv[3 * MAXARG + 1];
  int pid, st;

  argv[0] = SELF;
  argv[1] = "-argcount";
  for (int i = 2; i < 3 * MAXARG; i++)
    argv[i] = "y";
  argv[3 * MAXARG] = 0;
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    if (exec(SELF, argv) == -1)
      exit(0);
    exit(201);
  }
  st = wait_child(pid);
  expect(st != 3 * MAXARG, "exec accepted %d arguments (MAXARG is %d)",
         3 * MAXARG, MAXARG);
  expect(st == 0, "exec with too many arguments: status %d", st);
}

static void
t_exec_fail(void)
{
  static char *argv[] = { "nosuchprogram", 0 };
  static char *wildarg[] = { SELF, WILD, 0 };
  int sentinel = 0x5a5a;
  int fd;

  global = 99;
  expect(exec("/nosuchprogram", argv) == -1, "exec of a missing file did not fail");
  expect(sentinel == 0x5a5a && global == 99, "failed exec changed the caller");
  expect(exec(WILD, argv) == -1, "exec with a wild path did not fail");
  expect(exec(SELF, WILD) == -1, "exec with a wild argv did not fail");
  expect(exec(SELF, wildarg) == -1, "exec with a wild argv[1] did not fail");

  // A file that is not an ELF executable.
  fd = open("/proctest.junk", O_CREATE | O_WRONLY | O_TRUNC);
  expect(fd >= 0, "cannot create /proctest.junk");
  for (int i = 0; i < 40; i++)
    expect(write(fd, "this is not an ELF file\n", 24) == 24, "write failed");
  close(fd);
  argv[0] = "/proctest.junk";
  fd = exec("/proctest.junk", argv);
  unlink("/proctest.junk");
  expect(fd == -1, "exec of a text file did not fail");
  expect(sentinel == 0x5a5a && global == 99, "failed exec changed the caller");
}

// --- kill

static void
t_kill_running(void)
{
  int pid, st;

  for (int round = 0; round < 6; round++) {
    pid = fork();
    expect(pid >= 0, "fork failed");
    if (pid == 0) {
      for (volatile int spin = 0;; spin++)
        ;
    }
    if (round % 2)
      pause(1);   // let it reach user mode on another hart
    expect(kill(pid) == 0, "kill(%d) of a running child failed", pid);
    st = wait_child(pid);
    expect(st == -1, "killed child exited with %d, not -1", st);
  }
  // The pid is gone now.
  expect(kill(pid) == -1, "kill of a reaped pid did not fail");
  expect(kill(-5) == -1, "kill(-5) did not fail");
}

static void
t_kill_self(void)
{
  int pid, st;

  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    kill(getpid());
    pause(50);
    exit(0);
  }
  st = wait_child(pid);
  expect(st == -1, "process that killed itself exited with %d", st);
}

// --- the process table

// Fork until fork fails, with every child alive, then reap them all.
static void
t_fork_many(void)
{
  int pids[NPROC + 1], p[2], n = 0, pid, st, reaped = 0;
  char c;

  expect(pipe(p) == 0, "pipe failed");
  while (n <= NPROC) {
    pid = fork();
    if (pid < 0)
      break;
    if (pid == 0) {
      // Block until the parent closes the write end.
      close(p[1]);
      read(p[0], &c, 1);
      exit(0);
    }
    pids[n++] = pid;
  }
  close(p[1]);
  while ((pid = wait(&st)) >= 0) {
    int mine = 0;
    for (int i = 0; i < n; i++)
      if (pids[i] == pid)
        mine = 1;
    expect(mine, "wait returned %d, which this test never forked", pid);
    expect(st == 0, "child %d exited %d", pid, st);
    reaped++;
  }
  close(p[0]);
  expect(n <= NPROC - 2, "%d forks succeeded: more than NPROC=%d processes "
         "with init and this one", n, NPROC);
  expect(n >= NPROC - 10, "only %d forks succeeded before fork failed", n);
  expect(reaped == n, "forked %d children, reaped %d", n, reaped);

  // Every slot is free again.
  pid = fork();
  expect(pid >= 0, "fork failed after all children were reaped");
  if (pid == 0)
    exit(9);
  st = wait_child(pid);
  expect(st == 9, "child exited %d, expected 9", st);
}

// Create many more orphans than the process table holds. Each child forks
// a grandchild and exits, so the grandchild is re-parented to init, which
// must reap it; if orphans were never reaped, fork would soon fail.
static void
t_orphans(void)
{
  int p[2], pid, st, tries, retries = 0;
  char c;

  expect(pipe(p) == 0, "pipe failed");
  for (int i = 0; i < 2 * NPROC; i++) {
    for (tries = 0; (pid = fork()) < 0 && tries < 100; tries++)
      pause(1);
    expect(pid >= 0, "fork kept failing after %d orphans: are orphans reaped?", i);
    if (pid == 0) {
      close(p[0]);
      pid = fork();
      if (pid < 0)
        exit(2);
      if (pid == 0) {
        // An orphan that is still running when its parent exits.
        if (i % 8 == 0)
          pause(1);
        exit(0);
      }
      // Or an orphan that is already a zombie when its parent exits.
      if (i % 8 == 4)
        pause(1);
      exit(0);
    }
    st = wait_child(pid);
    if (st == 2) {
      // The child's fork failed: the table is full of orphans for now.
      expect(++retries < 100, "forks kept failing after %d orphans: are "
             "orphans reaped?", i);
      pause(1);
      i--;
      continue;
    }
    expect(st == 0, "child exited %d", st);
  }
  expect(wait(&st) == -1, "wait returned a grandchild");
  // Every grandchild holds the write end; EOF means all of them exited.
  close(p[1]);
  expect(read(p[0], &c, 1) == 0, "read from the orphans' pipe returned data");
  close(p[0]);
  pause(2);   // let init reap the last ones before testrun counts pages
}

// --- time

static void
t_pause_uptime(void)
{
  int t0, t1;

  t0 = uptime();
  expect(t0 >= 0, "uptime returned %d", t0);
  expect(pause(0) == 0, "pause(0) did not return 0");
  expect(pause(5) == 0, "pause(5) did not return 0");
  t1 = uptime();
  expect(t1 - t0 >= 5, "pause(5) returned after %d ticks", t1 - t0);
  expect(t1 - t0 < 100, "pause(5) took %d ticks", t1 - t0);
}

// init (pid 1) must outlive everybody: kill refuses it, and it still
// reaps orphans afterwards.
static void
t_kill_init(void)
{
  expect(kill(1) == -1, "kill(1) did not fail");
  int pid = fork();
  if (pid == 0) {
    if (fork() == 0) {   // an orphan for init to reap
      pause(2);
      exit(0);
    }
    exit(0);
  }
  int st;
  expect(wait(&st) == pid && st == 0, "child did not exit cleanly");
  pause(5);   // the orphan has exited by now; a living init has reaped it
  static struct procinfo pi[NPROC];   // 4 KiB: too much for the stack page
  int n = procinfo(pi, NPROC);
  expect(n > 0, "procinfo failed");
  int init_alive = 0;
  for (int i = 0; i < n; i++) {
    expect(pi[i].state != PS_ZOMBIE, "pid %d is a zombie nobody reaped", pi[i].pid);
    if (pi[i].pid == 1 && pi[i].state != PS_ZOMBIE)
      init_alive = 1;
  }
  expect(init_alive, "init is gone");
}

static struct test tests[] = {
  { "proc:fork", t_fork },
  { "proc:exit_status", t_exit_status },
  { "proc:wait_null", t_wait_null },
  { "proc:wait_nochild", t_wait_nochild },
  { "proc:wait_badptr", t_wait_badptr },
  { "proc:getpid", t_getpid },
  { "proc:exec_args", t_exec_args },
  { "proc:exec_maxarg", t_exec_maxarg },
  { "proc:exec_toomany", t_exec_toomany },
  { "proc:exec_fail", t_exec_fail },
  { "proc:kill_running", t_kill_running },
  { "proc:kill_self", t_kill_self },
  { "proc:kill_init", t_kill_init },
  { "proc:fork_many", t_fork_many },
  { "proc:orphans", t_orphans },
  { "proc:pause_uptime", t_pause_uptime },
};

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "-argcheck") == 0)
    exit(argcheck(argc, argv));
  if (argc > 1 && strcmp(argv[1], "-argcount") == 0) {
    for (int i = 2; i < argc; i++)
      if (strcmp(argv[i], "x") != 0 && strcmp(argv[i], "y") != 0)
        exit(-3);
    exit(argc);
  }

  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
