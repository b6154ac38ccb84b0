// In-guest tests of user memory: sbrk (eager, lazy, shrink, limits), the
// fault path (zero-fill and every access that must kill), the kernel's
// copies onto lazy pages, fork's copy, exec's checks, and memory
// exhaustion. Every test runs in a child of its own (run_isolated), and
// testrun checks that the free-page count is the same after the program.
#include "user.h"
#include "test.h"

#define PGSIZE 4096
#define PGROUNDDOWN(a) ((uint64)(a) & ~(uint64)(PGSIZE - 1))
#define MAXVA (1L << 38)

static void store_above_break(void) { char *p = sbrk(0); p[PGSIZE] = 1; }

// ---- sbrk

static void
eager_grow(void)
{
  char *old = sbrk(0);
  long before = freepages();
  char *p = sbrk(10 * PGSIZE);
  expect(p == old, "sbrk returned %p, break was %p", p, old);
  expect(sbrk(0) == old + 10 * PGSIZE, "break did not move by 10 pages");
  long used = before - freepages();
  expect(used >= 10 && used <= 12, "eager sbrk of 10 pages used %ld pages", used);
  for (int i = 0; i < 10 * PGSIZE; i++)
    expect(p[i] == 0, "new eager memory not zero at %d", i);
  for (int i = 0; i < 10 * PGSIZE; i += 100)
    p[i] = i;
  for (int i = 0; i < 10 * PGSIZE; i += 100)
    expect(p[i] == (char)i, "eager memory lost a write at %d", i);
}

static void
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
static void
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
static void
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

static void
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

static void
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
static void
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

static void
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

// ---- accesses that kill

static void load_above_break(void) { volatile char *p = sbrk(0); p += 2 * PGSIZE; (void)*p; }
static void store_guard(void) { int x; char *g = (char *)PGROUNDDOWN(&x) - 1; *g = 1; }
static void load_guard(void) { int x; volatile char *g = (char *)PGROUNDDOWN(&x) - 100; (void)*g; }
static void store_text(void) { *(volatile char *)(uint64)store_text = 0; }
static void load_kernel(void) { (void)*(volatile char *)0x80000000L; }
static void store_kernel(void) { *(volatile char *)0x80001000L = 1; }
static void load_trampoline(void) { (void)*(volatile char *)(MAXVA - PGSIZE); }
static void store_trapframe(void) { *(volatile char *)(MAXVA - 2 * PGSIZE) = 1; }
static void load_maxva(void) { (void)*(volatile char *)MAXVA; }
static void load_noncanonical(void) { (void)*(volatile char *)0x8000000000000000L; }
static void load_high(void) { (void)*(volatile char *)0xfffffffffffff000L; }
static void exec_heap(void)
{
  char *p = sbrk(PGSIZE);
  p[0] = 0x13;   // nop; the page is not executable anyway
  ((void (*)(void))p)();
}
static void exec_lazy_heap(void) { char *p = sbrklazy(PGSIZE); ((void (*)(void))p)(); }
// Reading a supervisor register is illegal in user mode: the kill line
// shows the instruction, 0x10002573, and the pc in program text.
static void illegal_instruction(void) { asm volatile("csrr a0, sstatus" ::: "a0"); }
static void breakpoint(void) { asm volatile("ebreak"); }
// An atomic must be aligned: the kill line names the odd heap address.
static void
misaligned_atomic(void)
{
  char *p = sbrk(PGSIZE);
  asm volatile("amoadd.w zero, zero, (%0)" : : "r"(p + 1) : "memory");
}
// Each frame touches its own stack, so the recursion meets the guard page.
static int
recurse(int n)
{
  volatile char frame[64];
  frame[0] = n;
  if (n > 1000000)   // never reached: a page of stack holds far fewer frames
    return 0;
  return recurse(n + 1) + frame[0];
}
static void stack_overflow(void) { recurse(0); }

static struct {
  const char *name;
  void (*fn)(void);
} killers[] = {
  { "load above the break", load_above_break },
  { "store above the break", store_above_break },
  { "store to the guard page", store_guard },
  { "load from the guard page", load_guard },
  { "store to program text", store_text },
  { "load from kernel memory", load_kernel },
  { "store to kernel memory", store_kernel },
  { "load from the trampoline", load_trampoline },
  { "store to the trap frame", store_trapframe },
  { "load at MAXVA", load_maxva },
  { "load at a non-canonical address", load_noncanonical },
  { "load at the top of the address space", load_high },
  { "execute the heap", exec_heap },
  { "execute a lazy heap page", exec_lazy_heap },
  { "overflow the stack", stack_overflow },
  { "execute an illegal instruction", illegal_instruction },
  { "execute a breakpoint", breakpoint },
  { "a misaligned atomic", misaligned_atomic },
};

static void
bad_accesses(void)
{
  for (int i = 0; i < sizeof(killers) / sizeof(killers[0]); i++) {
    int st = child_status(killers[i].fn);
    expect(st == -1, "%s: exit status %d, want -1 (killed)", killers[i].name, st);
  }
}

// ---- the kernel touching lazy pages

static void
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

static void
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
static void
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

static void
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

// ---- fork

static void
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
static void
fork_lazy(void)
{
  sbrklazy(2000 * PGSIZE);
  long used = fork_cost();
  expect(used >= 0 && used < 100, "fork of a 2000-page lazy heap used %ld pages", used);
}

// A copying fork with too little memory for the copy fails cleanly with -1
// (a copy-on-write fork needs no such memory: cowtest covers it).
static void
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
static void
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

static void
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

static void
exhaust_eager(void)
{
  long before = freepages();
  int st = child_status(exhaust_eager_child);
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

static void
exhaust_lazy(void)
{
  long before = freepages();
  int st = child_status(exhaust_lazy_child);
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

// ---- exec's checks

static char *elfimage;
static int elfsize;

static void
load_echo(void)
{
  struct stat st;
  int fd = open("/echo", O_RDONLY);
  expect(fd >= 0 && fstat(fd, &st) == 0, "cannot open /echo");
  elfimage = malloc(st.size);
  elfsize = st.size;
  expect(read(fd, elfimage, elfsize) == elfsize, "cannot read /echo");
  close(fd);
}

// Fields of the ELF64 header and of a program header, by offset.
#define E_MACHINE 18
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define P_TYPE 0
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40

static uint64 *
phfield(char *img, int off)
{
  uint64 phoff = *(uint64 *)(img + E_PHOFF);
  int phnum = *(ushort *)(img + E_PHNUM);
  for (int i = 0; i < phnum; i++) {
    char *ph = img + phoff + i * 56;
    if (*(uint *)(ph + P_TYPE) == 1)   // the first PT_LOAD
      return (uint64 *)(ph + off);
  }
  return 0;
}

#define EXEC_RETURNED 77

// Write img (size n) to /badelf and exec it in a child, which must get -1
// from exec with its memory unchanged and no page lost.
static void
try_exec(const char *what, char *img, int n)
{
  unlink("/badelf");
  int fd = open("/badelf", O_CREATE | O_WRONLY);
  expect(fd >= 0, "create /badelf");
  expect(write(fd, img, n) == n, "write /badelf");
  close(fd);
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "badelf", 0 };
    char *canary = sbrk(0) - 1;
    char c = *canary;
    long before = freepages();
    int r = exec("/badelf", argv);
    expect(r == -1, "%s: exec returned %d", what, r);
    expect(*canary == c, "%s: failed exec changed the caller's memory", what);
    expect(freepages() == before, "%s: failed exec leaked %ld pages", what,
           before - freepages());
    exit(EXEC_RETURNED);
  }
  int st;
  wait(&st);
  unlink("/badelf");
  expect(st == EXEC_RETURNED, "%s: exec did not fail (child status %d)", what, st);
}

static void
bad_elf(void)
{
  load_echo();
  sbrk(PGSIZE)[0] = 'c';   // a canary in the caller's heap
  char *img = malloc(elfsize);

#define MUTATE(what, stmt) do { \
    memcpy(img, elfimage, elfsize); \
    stmt; \
    try_exec(what, img, elfsize); \
  } while (0)

  MUTATE("bad magic", img[1] = 'X');
  MUTATE("32-bit class", img[4] = 1);
  MUTATE("wrong machine", *(ushort *)(img + E_MACHINE) = 62);
  MUTATE("bad phentsize", *(ushort *)(img + E_PHENTSIZE) = 12);
  MUTATE("too many phdrs", *(ushort *)(img + E_PHNUM) = 0xffff);
  MUTATE("phoff past the end", *(uint64 *)(img + E_PHOFF) = 1L << 40);
  MUTATE("phoff wraps", *(uint64 *)(img + E_PHOFF) = 0xffffffffffffffe0L);
  MUTATE("memsz < filesz", *phfield(img, P_MEMSZ) = *phfield(img, P_FILESZ) - 1);
  MUTATE("unaligned vaddr", *phfield(img, P_VADDR) += 8);
  MUTATE("vaddr wraps", *phfield(img, P_VADDR) = 0xfffffffffffff000L);
  MUTATE("memsz wraps", *phfield(img, P_MEMSZ) = 0xfffffffffffff000L);
  MUTATE("into the trampoline", *phfield(img, P_VADDR) = MAXVA - 2 * PGSIZE);
  MUTATE("huge memsz", *phfield(img, P_MEMSZ) = 1L << 37);
  MUTATE("offset wraps", *phfield(img, P_OFFSET) = 0xffffffffffffff00L);
  MUTATE("offset past 4 GiB", *phfield(img, P_OFFSET) += 1L << 32);
  MUTATE("filesz past the end", *phfield(img, P_FILESZ) = *phfield(img, P_MEMSZ) = 1 << 20);
  memcpy(img, elfimage, elfsize);
  try_exec("truncated", img, 40);
  try_exec("empty", img, 0);

  // The untouched image runs: the mutations, not the method, failed.
  int pid = fork();
  if (pid == 0) {
    int fd = open("/goodelf", O_CREATE | O_WRONLY);
    write(fd, elfimage, elfsize);
    close(fd);
    char *argv[] = { "goodelf", 0 };
    close(1);
    exec("/goodelf", argv);
    exit(9);
  }
  int st;
  wait(&st);
  unlink("/goodelf");
  expect(st == 0, "the unmodified ELF did not run: status %d", st);
}

int
main(void)
{
  run_isolated("mem:eager_grow", eager_grow);
  run_isolated("mem:lazy_grow", lazy_grow);
  run_isolated("mem:lazy_sparse", lazy_sparse);
  run_isolated("mem:fault_around", fault_around);
  run_isolated("mem:shrink_frees", shrink_frees);
  run_isolated("mem:shrink_then_touch", shrink_then_touch);
  run_isolated("mem:shrink_too_far", shrink_too_far);
  run_isolated("mem:limits", limits);
  run_isolated("mem:bad_accesses", bad_accesses);
  run_isolated("mem:copy_to_lazy", copy_to_lazy);
  run_isolated("mem:copy_from_lazy", copy_from_lazy);
  run_isolated("mem:path_on_lazy", path_on_lazy);
  run_isolated("mem:copy_bad_pointers", copy_bad_pointers);
  run_isolated("mem:fork_copies", fork_copies);
  run_isolated("mem:fork_lazy", fork_lazy);
  run_isolated("mem:fork_nomem", fork_nomem);
  run_isolated("mem:fork_storm", fork_storm);
  run_isolated("mem:fresh_pages_zero", fresh_pages_zero);
  run_isolated("mem:exhaust_eager", exhaust_eager);
  run_isolated("mem:exhaust_lazy", exhaust_lazy);
  run_isolated("mem:bad_elf", bad_elf);
  test_exit();
}
