// memtest's fork tests (copies, lazy heaps, out of memory, a storm), that
// fresh pages never show old data, and running out of memory.
#include "memtest.h"

// ---- fork

void
fork_copies(void)
{
  char *p = sbrk(8 * PGSIZE);
  for (int i = 0; i < 8; i++)
    p[i * PGSIZE] = 'A' + i;
  int fds[2];
  pipe(fds);
  int pid = fork();
  if (pid == 0) {
    char ok = 1;
    for (int i = 0; i < 8; i++)
      if (p[i * PGSIZE] != 'A' + i)
        ok = 0;
    for (int i = 0; i < 8; i++)
      p[i * PGSIZE] = 'z';
    write(fds[1], &ok, 1);
    exit(0);
  }
  char ok = 0;
  read(fds[0], &ok, 1);
  wait(0);
  expect(ok == 1, "child did not see the parent's memory");
  for (int i = 0; i < 8; i++)
    expect(p[i * PGSIZE] == 'A' + i, "child's write reached the parent");
  close(fds[0]);
  close(fds[1]);
}

// Lazy pages the parent never touched are not allocated for the child.
void
fork_lazy(void)
{
  sbrklazy(2000 * PGSIZE);
  long used = fork_cost();
  expect(used >= 0 && used < 100, "fork of a 2000-page lazy heap used %ld pages", used);
}

// A copying fork with too little memory for the copy fails cleanly with -1
// (a copy-on-write fork needs no such memory: cowtest covers it).
void
fork_nomem(void)
{
  long freep = freepages();
  long grab = freep * 6 / 10;
  char *p = sbrk(grab * PGSIZE);
  expect(p != (char *)-1, "could not grow by %ld pages", grab);
  for (long i = 0; i < grab; i++)
    p[i * PGSIZE] = 1;
  int cow = vmconfig(VMCONF_COW, 0);
  long before = freepages();
  int pid = fork();
  if (pid == 0)
    exit(0);
  long after = freepages();
  vmconfig(VMCONF_COW, cow);
  if (pid > 0)
    wait(0);
  expect(pid == -1, "fork with memory for a copy unavailable returned %d", pid);
  expect(after == before, "failed fork leaked %ld pages", before - after);
  sbrk(-grab * PGSIZE);
}

static void
storm_child(void)
{
  for (int i = 0; i < 4; i++) {
    int pid = fork();
    if (pid == 0) {
      sbrk(PGSIZE)[0] = 1;
      exit(0);
    }
  }
  while (wait(0) > 0)
    ;
}

// Many processes forking at once, until the table is full.
void
fork_storm(void)
{
  long before = freepages();
  for (int round = 0; round < 3; round++) {
    int n = 0;
    for (int i = 0; i < 40; i++) {
      int pid = fork();
      if (pid < 0)
        break;
      if (pid == 0) {
        storm_child();
        exit(0);
      }
      n++;
    }
    expect(n > 10, "only %d forks succeeded", n);
    for (int i = 0; i < n; i++)
      expect(wait(0) > 0, "a storm child was lost");
  }
  expect(freepages() == before, "the storm leaked %ld pages", before - freepages());
}

// ---- old data never shows through

static void
scribble(void)
{
  char *p = sbrk(64 * PGSIZE);
  memset(p, 0x5a, 64 * PGSIZE);
}

void
fresh_pages_zero(void)
{
  child_status(scribble);
  char *p = sbrk(64 * PGSIZE);
  for (int i = 0; i < 64 * PGSIZE; i++)
    expect(p[i] == 0, "eager page shows old data at %d", i);
  child_status(scribble);
  char *q = sbrklazy(64 * PGSIZE);
  for (int i = 0; i < 64 * PGSIZE; i++)
    expect(q[i] == 0, "lazy page shows old data at %d", i);
}

// ---- exhaustion

static void
exhaust_eager_child(void)
{
  int mb = 0;
  while (sbrk(1 << 20) != (char *)-1)
    mb++;
  // Each failing sbrk gave back what it had taken: a smaller one fits.
  expect(mb > 10, "eager growth stopped after %d MiB", mb);
  char *brk = sbrk(0);
  expect(sbrk(1 << 20) == (char *)-1 && sbrk(0) == brk, "failed sbrk moved the break");
  int pg = 0;
  while (sbrk(PGSIZE) != (char *)-1)
    pg++;
  expect(pg < 256 + 3, "after a failed 1 MiB sbrk, %d more pages fit", pg);
}

// These exhaust RAM itself: with eviction on, the heap would first fill
// the swap disk (user/swaptest.c tests that, with little RAM).
void
exhaust_eager(void)
{
  long before = freepages();
  int evict = vmconfig(VMCONF_EVICT, 0);
  int st = child_status(exhaust_eager_child);
  vmconfig(VMCONF_EVICT, evict);
  expect(st == 0, "eager exhaustion child: status %d", st);
  expect(freepages() == before, "eager exhaustion leaked %ld pages", before - freepages());
}

static void
exhaust_lazy_child(void)
{
  char *p = sbrklazy(0x7ffff000);
  for (long i = 0; i < 0x7ffff000; i += PGSIZE)
    p[i] = 1;   // dies when memory runs out
  exit(0);
}

void
exhaust_lazy(void)
{
  long before = freepages();
  int evict = vmconfig(VMCONF_EVICT, 0);
  int st = child_status(exhaust_lazy_child);
  vmconfig(VMCONF_EVICT, evict);
  expect(st == -1, "lazy exhaustion: status %d, want -1", st);
  expect(freepages() == before, "lazy exhaustion leaked %ld pages", before - freepages());
  // The kernel still works: fork and exec.
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "echo", 0 };
    close(1);
    exec("/echo", argv);
    exit(3);
  }
  wait(&st);
  expect(st == 0, "exec after exhaustion: status %d", st);
}

