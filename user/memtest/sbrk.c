// memtest's heap tests: sbrk eager and lazy, fault-around, shrinking and
// its limits, and the kernel's copies (read, write, pipe, exec, wait) onto
// lazy heap pages and from bad pointers.
#include "memtest.h"

// ---- sbrk

void
eager_grow(void)
{
  char *old = sbrk(0);
  char *p = 0;
  long used = 0;
  // The free count is the whole machine's: a page another hart lets go
  // of meanwhile (a page table it switched away from) shows as one page
  // fewer used. Such a measurement is taken again, up to three times; a
  // lazy sbrk would use no page every time.
  for (int tries = 0; tries < 3; tries++) {
    long before = freepages();
    p = sbrk(10 * PGSIZE);
    expect(p == old, "sbrk returned %p, break was %p", p, old);
    expect(sbrk(0) == old + 10 * PGSIZE, "break did not move by 10 pages");
    used = before - freepages();
    if (used >= 10 && used <= 12)
      break;
    expect(sbrk(-10 * PGSIZE) == old + 10 * PGSIZE, "shrinking back failed");
  }
  expect(used >= 10 && used <= 12, "eager sbrk of 10 pages used %ld pages", used);
  for (int i = 0; i < 10 * PGSIZE; i++)
    expect(p[i] == 0, "new eager memory not zero at %d", i);
  for (int i = 0; i < 10 * PGSIZE; i += 100)
    p[i] = i;
  for (int i = 0; i < 10 * PGSIZE; i += 100)
    expect(p[i] == (char)i, "eager memory lost a write at %d", i);
}

void
lazy_grow(void)
{
  long before = freepages();
  char *p = sbrklazy(1000 * PGSIZE);
  expect(p != (char *)-1, "sbrklazy failed");
  expect(freepages() == before, "lazy sbrk used %ld pages", before - freepages());
  p[500 * PGSIZE + 7] = 'x';
  long used = before - freepages();
  expect(used >= 1 && used <= 3, "one touch used %ld pages", used);
  expect(p[500 * PGSIZE + 7] == 'x', "lazy page lost its byte");
  expect(p[500 * PGSIZE + 8] == 0, "lazy page not zero-filled");
  // A read of an untouched page sees zeros.
  expect(p[10 * PGSIZE] == 0, "untouched lazy page not zero");
  expect(p[999 * PGSIZE + 4095] == 0, "last lazy byte not zero");
}

// A one-gigabyte lazy heap with a few sparse touches costs a few pages.
void
lazy_sparse(void)
{
  long before = freepages();
  char *p = sbrklazy(1 << 30);
  expect(p != (char *)-1, "sbrklazy 1 GiB failed");
  for (long off = 0; off < (1L << 30); off += 64L << 20)
    p[off] = 1;
  long used = before - freepages();
  expect(used >= 16 && used <= 16 * 3 + 2, "16 sparse touches used %ld pages", used);
  expect(sbrk(-(1 << 30)) == p + (1 << 30), "shrinking the lazy heap failed");
  // The page-table pages the touches needed go back too.
  expect(freepages() == before, "shrink left %ld pages in use", before - freepages());
}

// Fault-around maps ahead for a sequential toucher, but never past the
// break; a scattered toucher gets exactly the pages it touches.
void
fault_around(void)
{
  long before = freepages();
  char *p = sbrklazy(300 * PGSIZE);
  for (int i = 0; i < 300; i++)
    p[i * PGSIZE] = i;
  long used = before - freepages();
  expect(used >= 300 && used <= 302, "300 sequential touches used %ld pages", used);
  for (int i = 0; i < 300; i++)
    expect(p[i * PGSIZE] == (char)i && p[i * PGSIZE + 1] == 0, "page %d holds wrong data", i);
  expect(child_status(store_above_break) == -1, "the page above the break became usable");

  // (q starts where the sequential run stopped: begin one page in, or the
  // first touch would continue that run.)
  before = freepages();
  char *q = sbrklazy(100 * PGSIZE);
  for (int i = 1; i < 100; i += 2)
    q[i * PGSIZE] = 1;
  used = before - freepages();
  expect(used >= 50 && used <= 52, "50 scattered touches used %ld pages", used);
}

void
shrink_frees(void)
{
  long before = freepages();
  char *p = sbrk(20 * PGSIZE);
  memset(p, 'a', 20 * PGSIZE);
  expect(sbrk(-20 * PGSIZE) == p + 20 * PGSIZE, "shrink returned a wrong old break");
  expect(sbrk(0) == p, "break did not go back");
  long diff = before - freepages();
  expect(diff == 0, "shrink left %ld pages in use", diff);
  // Growing again gives zeroed pages, not the old contents.
  char *q = sbrk(20 * PGSIZE);
  for (int i = 0; i < 20 * PGSIZE; i++)
    expect(q[i] == 0, "regrown memory shows old data at %d", i);
}

static void
touch_after_shrink(void)
{
  char *p = sbrk(PGSIZE);
  p[0] = 1;
  sbrk(-PGSIZE);
  p[0] = 2;   // must kill
}

void
shrink_then_touch(void)
{
  expect(child_status(touch_after_shrink) == -1, "a store above the break after shrink was not killed");
}

// The heap's start: the stack is the one page just below it.
static char *
heap_start(void)
{
  int x;
  return (char *)PGROUNDDOWN(&x) + PGSIZE;
}

static void
shrink_to_heapbase(void)
{
  char *brk = sbrk(0), *base = heap_start();
  if (sbrk(-(int)(brk - base)) != brk || sbrk(0) != base)
    exit(1);
  exit(0);
}

// A shrink that would end below the heap's start (into the stack or the
// program, or below zero) does nothing and returns the old break, as in
// xv6: its usertests call sbrk(-(sbrk(0) + 1)) and expect exactly that.
void
shrink_too_far(void)
{
  char *heapbase = heap_start();
  char *p = sbrk(2 * PGSIZE);
  char *brk = sbrk(0);
  for (int i = 0; i < 2 * PGSIZE; i++)
    p[i] = i % 251;
  long before = freepages();
  int tries[] = { -(int)(uint64)brk - 1, -(int)(uint64)brk,
                  -(int)(brk - heapbase) - 1, -0x7fffffff - 1 };
  for (int i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    char *r = sbrk(tries[i]);
    expect(r == brk, "sbrk(%d) returned %p, want the old break %p", tries[i], r, brk);
    expect(sbrk(0) == brk, "sbrk(%d) moved the break to %p", tries[i], sbrk(0));
  }
  expect(freepages() == before, "shrinks that did nothing freed %ld pages",
         freepages() - before);
  for (int i = 0; i < 2 * PGSIZE; i++)
    expect(p[i] == (char)(i % 251), "heap byte %d changed", i);
  // One byte less is allowed: the boundary is the heap's start.
  expect(child_status(shrink_to_heapbase) == 0, "a shrink to the heap's start failed");
}

void
limits(void)
{
  char *brk = sbrk(0);
  long before = freepages();
  expect(sys_sbrk(0x7fffffff, SBRK_EAGER) == (char *)-1, "eager sbrk of 2 GiB succeeded");
  expect(sbrk(0) == brk && freepages() == before, "a failed sbrk changed something");
  expect(sys_sbrk(PGSIZE, 7) == (char *)-1, "sbrk with a bad type succeeded");
  expect(sbrk(0) == brk, "the break moved");
  // Lazily, the heap may grow up to the trap frame, not past it.
  char *p = sbrklazy(0x7ffff000);
  expect(p != (char *)-1, "lazy 2 GiB failed");
  int n = 0;
  while (sbrklazy(0x7ffff000) != (char *)-1)
    n++;
  expect(n > 10 && n < 200, "lazy growth stopped after %d steps", n);
  expect((uint64)sbrk(0) <= MAXVA - 2 * PGSIZE, "the break passed the trap frame");
  expect(freepages() == before, "lazy growth used memory");
}

// ---- the kernel touching lazy pages

void
copy_to_lazy(void)
{
  // read() into a lazy buffer that spans three untouched pages.
  char *p = sbrklazy(4 * PGSIZE);
  int fd = open("/README.md", O_RDONLY);
  expect(fd >= 0, "open README.md");
  char *buf = p + PGSIZE - 100;
  int n = read(fd, buf, 2 * PGSIZE + 200);
  expect(n > 1000, "read into lazy memory returned %d", n);
  close(fd);
  fd = open("/README.md", O_RDONLY);
  char first[64];
  expect(read(fd, first, sizeof(first)) == sizeof(first), "second read");
  close(fd);
  expect(memcmp(first, buf, sizeof(first)) == 0, "lazy buffer holds wrong data");

  // pipe() and wait() write their results into lazy memory.
  int *fds = (int *)(p + 3 * PGSIZE + 16);
  expect(pipe(fds) == 0, "pipe into lazy memory failed");
  expect(write(fds[1], "hi", 2) == 2, "pipe write");
  close(fds[1]);
  close(fds[0]);
  int *st = (int *)(sbrklazy(PGSIZE) + 8);
  int pid = fork();
  if (pid == 0)
    exit(42);
  expect(wait(st) == pid && *st == 42, "wait into lazy memory: status %d", *st);
}

void
copy_from_lazy(void)
{
  // write() from a lazy buffer never touched: the kernel reads zeros.
  char *p = sbrklazy(2 * PGSIZE);
  int fds[2];
  expect(pipe(fds) == 0, "pipe");
  expect(write(fds[1], p + PGSIZE - 10, 20) == 20, "write from lazy memory failed");
  char got[20];
  memset(got, 'x', sizeof(got));
  expect(read(fds[0], got, 20) == 20, "read back");
  for (int i = 0; i < 20; i++)
    expect(got[i] == 0, "byte %d from lazy memory is %d", i, got[i]);
  close(fds[0]);
  close(fds[1]);
}

// A path whose terminating NUL is the first byte of a page never touched.
void
path_on_lazy(void)
{
  char *p = sbrklazy(2 * PGSIZE);
  const char *name = "/README.md";
  int len = strlen(name);
  char *path = p + PGSIZE - len;
  memcpy(path, name, len);   // touches only the first page
  int fd = open(path, O_RDONLY);
  expect(fd >= 0, "open of a path ending at a lazy page failed");
  close(fd);
  // exec's argument strings may sit in lazy memory too.
  char *argv[3] = { p + PGSIZE - 5, p + PGSIZE + 100, 0 };
  memcpy(argv[0], "echo", 4);   // NUL on the untouched page
  int pid = fork();
  if (pid == 0) {
    close(1);   // keep the console clean: echo's output is not the point
    exec("/echo", argv);
    exit(55);
  }
  int st;
  wait(&st);
  expect(st == 0, "exec with lazy argument strings: status %d", st);
}

void
copy_bad_pointers(void)
{
  int fd = open("/README.md", O_RDONLY);
  // Reading into program text (not writable) fails; the process lives.
  expect(read(fd, (char *)(uint64)copy_bad_pointers, 10) == -1, "read into text succeeded");
  expect(read(fd, sbrk(0) + PGSIZE, 10) == -1, "read above the break succeeded");
  expect(read(fd, (char *)0x80000000L, 10) == -1, "read into the kernel succeeded");
  expect(read(fd, (char *)(MAXVA - PGSIZE), 10) == -1, "read into the trampoline succeeded");
  expect(read(fd, (char *)0xffffffffffffff00L, 200) == -1, "read at the top succeeded");
  expect(write(1, (char *)MAXVA, 10) == -1, "write from MAXVA succeeded");
  expect(open((char *)0x3fffffff000L, O_RDONLY) == -1, "open of a wild path succeeded");
  expect(wait((int *)0x80000000L) == -1, "wait into the kernel succeeded");
  close(fd);
}
