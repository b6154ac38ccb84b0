// pipetest: pipes. Order, transfers larger than the pipe's buffer, EOF,
// writes with no reader, which fds pipe and dup hand out, and bad
// arguments. Prints one PASS/FAIL line per test (user/test.h).
#include "user.h"
#include "test.h"

#define WILD ((void *)0xffffffffff000UL)   // far above MAXVA
#define BIG 100000                         // bytes: many pipe buffers' worth

static char buf[8192];

// The byte at position i of a long transfer. Not periodic with any small
// period, so a lost, repeated or reordered chunk shows.
static uchar
pattern(int i)
{
  return (i * 7 + i / 251) & 0xff;
}

// fstat works only on inodes, so ask dup whether fd is open.
static int
isopen(int fd)
{
  int d = dup(fd);

  if (d < 0)
    return 0;
  close(d);
  return 1;
}

// Messages written one after another come out in the same order, and a
// read returns what is there without waiting for the full count.
static void
t_order(void)
{
  static char *msgs[] = { "first ", "second ", "", "third-and-longer ", "4" };
  char want[64], got[64];
  int p[2], n = 0, r;

  expect(pipe(p) == 0, "pipe failed");
  want[0] = 0;
  for (int i = 0; i < 5; i++) {
    int len = strlen(msgs[i]);
    expect(write(p[1], msgs[i], len) == len, "write of message %d failed", i);
    strcpy(want + n, msgs[i]);
    n += len;
  }
  r = read(p[0], got, sizeof(got));
  expect(r == n, "read of %d waiting bytes returned %d", n, r);
  expect(memcmp(got, want, n) == 0, "bytes came out in a different order");
  close(p[0]);
  close(p[1]);
}

// A child writes BIG bytes in chunks of awkward sizes; the parent reads
// them back in chunks of other sizes.
static void
t_large(void)
{
  static int wsizes[] = { 1, 7, 100, 511, 512, 513, 1000, 4096 };
  static int rsizes[] = { 1, 3, 256, 700, 2000, 5000, 8192 };
  int p[2], pid, total = 0, r, k = 0;

  expect(pipe(p) == 0, "pipe failed");
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    int off = 0, n, j = 0;
    close(p[0]);
    while (off < BIG) {
      n = wsizes[j++ % 8];
      if (n > BIG - off)
        n = BIG - off;
      for (int i = 0; i < n; i++)
        buf[i] = pattern(off + i);
      if (write(p[1], buf, n) != n)
        exit(1);
      off += n;
    }
    exit(0);
  }
  close(p[1]);
  while ((r = read(p[0], buf, rsizes[k++ % 7])) > 0) {
    for (int i = 0; i < r; i++)
      expect((uchar)buf[i] == pattern(total + i),
             "byte %d is %d, expected %d", total + i, (uchar)buf[i],
             pattern(total + i));
    total += r;
    expect(total <= BIG, "read more than the %d bytes written", BIG);
  }
  expect(r == 0, "read returned %d instead of EOF", r);
  expect(total == BIG, "read %d of %d bytes", total, BIG);
  close(p[0]);
  wait_child_ok(pid, "writer");
}

// Two writers at once: every byte of each arrives.
static void
t_two_writers(void)
{
  int p[2], pids[2], counts[2] = { 0, 0 }, r;

  expect(pipe(p) == 0, "pipe failed");
  for (int w = 0; w < 2; w++) {
    pids[w] = fork();
    expect(pids[w] >= 0, "fork failed");
    if (pids[w] == 0) {
      char chunk[100];
      close(p[0]);
      memset(chunk, 'a' + w, sizeof(chunk));
      for (int i = 0; i < 200; i++)
        if (write(p[1], chunk, sizeof(chunk)) != sizeof(chunk))
          exit(1);
      exit(0);
    }
  }
  close(p[1]);
  while ((r = read(p[0], buf, 333)) > 0) {
    for (int i = 0; i < r; i++) {
      expect(buf[i] == 'a' || buf[i] == 'b', "stray byte %d", buf[i]);
      counts[buf[i] - 'a']++;
    }
  }
  close(p[0]);
  reap_children(pids, 2);   // the writers may end in either order
  expect(counts[0] == 20000 && counts[1] == 20000,
         "got %d and %d bytes, expected 20000 of each", counts[0], counts[1]);
}

// A byte goes back and forth between two processes many times.
static void
t_pingpong(void)
{
  int to[2], from[2], pid;
  uchar c;

  expect(pipe(to) == 0 && pipe(from) == 0, "pipe failed");
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    close(to[1]);
    close(from[0]);
    while (read(to[0], &c, 1) == 1) {
      c++;
      if (write(from[1], &c, 1) != 1)
        exit(1);
    }
    exit(0);
  }
  close(to[0]);
  close(from[1]);
  c = 0;
  for (int i = 0; i < 200; i++) {
    uchar sent = c;
    expect(write(to[1], &c, 1) == 1, "write failed in round %d", i);
    expect(read(from[0], &c, 1) == 1, "read failed in round %d", i);
    expect(c == (uchar)(sent + 1), "round %d: sent %d, got %d back", i, sent, c);
  }
  close(to[1]);
  close(from[0]);
  wait_child_ok(pid, "echoing child");
}

// Read sees EOF only when every write end, in every process, is closed.
static void
t_eof(void)
{
  int p[2], pid, r;
  char c;

  expect(pipe(p) == 0, "pipe failed");
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    close(p[0]);
    pause(3);
    write(p[1], "x", 1);
    exit(0);   // exit closes the child's write end
  }
  close(p[1]);
  // The child still holds a write end, so this read must wait for its byte
  // rather than report EOF.
  r = read(p[0], &c, 1);
  expect(r == 1 && c == 'x', "read returned %d before the writer was done", r);
  r = read(p[0], &c, 1);
  expect(r == 0, "read after all writers exited returned %d, not 0", r);
  r = read(p[0], &c, 1);
  expect(r == 0, "second read at EOF returned %d", r);
  close(p[0]);
  wait_child_ok(pid, "writer");
}

// Writing to a pipe whose read end is closed fails instead of blocking,
// and does not kill the writer.
static void
t_no_reader(void)
{
  int p[2], pid, r;

  expect(pipe(p) == 0, "pipe failed");
  close(p[0]);
  r = write(p[1], "abc", 3);
  expect(r == -1, "write with no reader returned %d", r);
  r = write(p[1], "abc", 3);
  expect(r == -1, "second write with no reader returned %d", r);
  close(p[1]);

  // The reader goes away while the writer is blocked on a full pipe.
  expect(pipe(p) == 0, "pipe failed");
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    close(p[0]);
    memset(buf, 'z', sizeof(buf));
    r = write(p[1], buf, sizeof(buf));
    if (r == sizeof(buf))
      exit(1);   // all written, though nobody read most of it
    if (write(p[1], buf, 1) != -1)
      exit(2);
    exit(0);
  }
  close(p[1]);
  expect(read(p[0], buf, 10) == 10, "read from the writer failed");
  pause(2);
  close(p[0]);
  wait_child_ok(pid, "writer (1: a blocked write completed with no reader, "
         "2: a later write did not fail)");
}

// pipe and dup hand out the lowest free descriptors; a pipe end stays
// usable through any of its descriptors until the last one closes.
static void
t_fds_dup(void)
{
  int p[2], d, r;
  char got[8];

  expect(pipe(p) == 0, "pipe failed");
  expect(p[0] >= 3 && p[1] >= 3 && p[0] != p[1],
         "pipe returned fds %d and %d", p[0], p[1]);
  expect(isopen(p[0]) && isopen(p[1]), "pipe fds are not open");

  // Close the original write end; the duplicate keeps the pipe writable.
  d = dup(p[1]);
  expect(d >= 0 && d != p[0] && d != p[1], "dup returned %d", d);
  close(p[1]);
  expect(write(d, "hi", 2) == 2, "write through the dup failed");
  r = read(p[0], got, sizeof(got));
  expect(r == 2 && got[0] == 'h' && got[1] == 'i', "read %d bytes", r);

  // dup takes the lowest free fd: close stdin and dup the read end to 0.
  close(0);
  expect(dup(p[0]) == 0, "dup did not return the free fd 0");
  close(p[0]);
  expect(write(d, "yo", 2) == 2, "write failed");
  r = read(0, got, sizeof(got));
  expect(r == 2 && got[0] == 'y' && got[1] == 'o', "read via fd 0: %d", r);
  close(d);
  r = read(0, got, sizeof(got));
  expect(r == 0, "read after the last writer closed returned %d", r);
  close(0);

  // Both ends of a new pipe reuse the lowest free slots, 0 first.
  expect(pipe(p) == 0, "pipe failed");
  expect(p[0] == 0 || p[1] == 0, "pipe did not reuse fd 0 (got %d, %d)", p[0], p[1]);
  close(p[0]);
  close(p[1]);
}

// The wrong end, bad descriptors, bad pointers, and a process that runs
// out of descriptors.
static void
t_bad_args(void)
{
  int p[2], q[2], r, n = 0, last = -1;
  char c = 'c';

  expect(pipe(p) == 0, "pipe failed");
  expect(write(p[0], &c, 1) == -1, "write to the read end did not fail");
  expect(read(p[1], &c, 1) == -1, "read from the write end did not fail");
  expect(write(p[1], &c, 0) == 0, "write of 0 bytes did not return 0");
  // Data waits in the pipe, so a kernel that mishandles the reads below
  // returns something wrong instead of blocking forever.
  expect(write(p[1], "ok", 2) == 2, "write failed");
  r = write(p[1], buf, -1);
  expect(r == -1, "write of -1 bytes returned %d", r);
  r = read(p[0], buf, -5);
  expect(r == -1, "read of -5 bytes returned %d", r);
  r = write(p[1], WILD, 10);
  expect(r == -1, "write from a wild pointer returned %d", r);
  r = read(p[0], WILD, 2);
  expect(r == -1, "read into a wild pointer returned %d", r);
  close(p[0]);
  close(p[1]);

  // pipe into a wild pointer fails and leaves no descriptor behind.
  expect(pipe(WILD) == -1, "pipe into a wild pointer did not fail");
  expect(pipe(q) == 0, "pipe failed");
  expect(q[0] == p[0] || q[1] == p[0], "the failed pipe leaked fds: got %d %d",
         q[0], q[1]);
  close(q[0]);
  close(q[1]);

  // Fill the table but one slot: pipe needs two, so it fails, and the one
  // free slot is still free afterwards.
  while ((r = dup(1)) >= 0) {
    n++;
    last = r;
  }
  expect(n > 0 && n < NOFILE, "dup succeeded %d times", n);
  close(last);
  expect(pipe(q) == -1, "pipe with one free fd did not fail");
  expect(dup(1) == last, "failed pipe did not give back its first fd");
  expect(pipe(q) == -1, "pipe with no free fd did not fail");
}

static struct test tests[] = {
  { "pipe:order", t_order },
  { "pipe:large", t_large },
  { "pipe:two_writers", t_two_writers },
  { "pipe:pingpong", t_pingpong },
  { "pipe:eof", t_eof },
  { "pipe:no_reader", t_no_reader },
  { "pipe:fds_dup", t_fds_dup },
  { "pipe:bad_args", t_bad_args },
};

int
main(int argc, char **argv)
{
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
