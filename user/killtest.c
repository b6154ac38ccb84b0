// killtest: kill reaches every sleeper. A process asleep in a system call
// (pause, a pipe, the console, wait) must notice kill and die at once,
// however much work the call still had before it: each test puts a child
// to sleep in one such call, kills it, and expects it reaped with status
// -1 within a second. Prints one PASS/FAIL line per test (user/test.h).
#include "user.h"
#include "test.h"

#define TICKS_PER_SECOND 10
#define CONSOLE_BYTES (512 * 1024)
#define PIPE_BYTES (64 * 1024)

// Is pid still in the process table (a zombie counts)?
static int
alive(int pid)
{
  static struct procinfo pi[NPROC];
  int n = procinfo(pi, NPROC);

  for (int i = 0; i < n && i < NPROC; i++)
    if (pi[i].pid == pid)
      return 1;
  return 0;
}

// Fork a child that runs sleeper(ready). The sleeper writes an int to
// ready just before it goes to sleep: the pid of a process of its own
// that will end once it is dead, or 0. Kill the child a little after;
// it must be reaped with status -1 (so it was still asleep) within a
// second, and the process it named must be gone soon after. midline:
// the child printed to the console, which may now be in mid-line.
static void
kill_sleeper(void (*sleeper)(int ready), int midline)
{
  int ready[2], other = -1, st = 0;

  expect(pipe(ready) == 0, "pipe failed");
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    close(ready[0]);
    sleeper(ready[1]);
    exit(0);
  }
  close(ready[1]);
  expect(read(ready[0], &other, sizeof(other)) == sizeof(other),
         "the child did not get to its sleep");
  close(ready[0]);
  pause(2);   // from "about to sleep" to asleep

  int t0 = uptime();
  expect(kill(pid) == 0, "kill(%d) failed", pid);
  int w = wait(&st);
  int took = uptime() - t0;
  if (midline)
    printf("\n");
  expect(w == pid, "wait returned %d, not the child %d", w, pid);
  expect(st == -1, "the killed child exited with %d, not -1: it was not asleep", st);
  expect(took <= TICKS_PER_SECOND, "the killed child took %d ticks to die", took);

  for (int i = 0; other > 0 && alive(other) && i < 5 * TICKS_PER_SECOND; i++)
    pause(1);
  expect(other <= 0 || !alive(other), "process %d outlived the killed child", other);
}

static void
say_ready(int ready, int other)
{
  write(ready, &other, sizeof(other));
  close(ready);
}

static void
sleep_in_pause(int ready)
{
  say_ready(ready, 0);
  pause(100 * TICKS_PER_SECOND);
}

// Read an empty pipe whose write end stays open (this process holds it).
static void
sleep_in_pipe_read(int ready)
{
  int p[2];
  char c;

  if (pipe(p) < 0)
    exit(1);
  say_ready(ready, 0);
  read(p[0], &c, 1);
}

// Write far more than a pipe holds into one nobody reads (this process
// holds the read end, so the write waits for room rather than failing).
static void
sleep_in_pipe_write(int ready)
{
  int p[2];
  char *buf = sbrklazy(PIPE_BYTES);

  if (pipe(p) < 0)
    exit(1);
  say_ready(ready, 0);
  write(p[1], buf, PIPE_BYTES);
}

// Read the console, where nobody types.
static void
sleep_in_console_read(int ready)
{
  char buf[16];

  say_ready(ready, 0);
  read(0, buf, sizeof(buf));
}

// The hostile writer: half a megabyte of a lazily grown buffer (every page
// the shared zero page, so it costs no memory) to the console, which
// drains it at the UART's pace. Killed, it must stop at once, not after
// the rest of its bytes.
static void
sleep_in_console_write(int ready)
{
  char *buf = sbrklazy(CONSOLE_BYTES);

  say_ready(ready, 0);
  write(1, buf, CONSOLE_BYTES);
}

// Wait for a child of its own that sleeps reading a pipe; the child ends
// when this process dies and the pipe's write end closes with it.
static void
sleep_in_wait(int ready)
{
  int p[2];
  char c;

  if (pipe(p) < 0)
    exit(1);
  int pid = fork();
  if (pid < 0)
    exit(1);
  if (pid == 0) {
    close(p[1]);
    read(p[0], &c, 1);
    exit(0);
  }
  close(p[0]);
  say_ready(ready, pid);
  wait(0);
}

static void t_pause(void) { kill_sleeper(sleep_in_pause, 0); }
static void t_pipe_read(void) { kill_sleeper(sleep_in_pipe_read, 0); }
static void t_pipe_write(void) { kill_sleeper(sleep_in_pipe_write, 0); }
static void t_console_read(void) { kill_sleeper(sleep_in_console_read, 0); }
static void t_console_write(void) { kill_sleeper(sleep_in_console_write, 1); }
static void t_wait(void) { kill_sleeper(sleep_in_wait, 0); }

static struct test tests[] = {
  { "kill:pause", t_pause },
  { "kill:pipe_read", t_pipe_read },
  { "kill:pipe_write", t_pipe_write },
  { "kill:console_read", t_console_read },
  { "kill:console_write", t_console_write },
  { "kill:wait", t_wait },
};

int
main(int argc, char **argv)
{
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
