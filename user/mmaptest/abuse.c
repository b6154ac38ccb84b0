// mmaptest: bad input beyond bad_input's: file offsets far past the end
// or near the top of the offset range, MAP_FIXED, munmap and mprotect at
// the stack and the top of user space, copies into and out of pages the
// caller may not use that way, and shared anonymous memory larger than
// the machine's. Each call fails with -1 or kills only the caller, and
// every page comes back.
#include "mmaptest.h"

#define RW (PROT_READ | PROT_WRITE)
#define PGROUNDDOWN(a) ((uint64)(a) & ~(uint64)(PGSIZE - 1))

// Offsets past the end of the file are accepted (as on Linux) and every
// access there kills; an offset whose end wraps is refused. The page
// cache keeps 32 bits of a page index: page 2^32 + 1 of a small file
// must not be mistaken for its page 1.
void
far_offsets(void)
{
  warm();
  long before = freepages();
  int fd = make_file("mm.off", O_RDWR);
  char *p = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 1L << 40);
  expect(p != MAP_FAILED, "an offset past the end was refused");
  expect(kills(p, 0), "a read past the end of the file was allowed");
  expect(munmap(p, PGSIZE) == 0, "munmap failed");
  p = mmap(0, 2 * PGSIZE, RW, MAP_SHARED, fd, 0x7ffffffffffff000L);
  expect(p != MAP_FAILED, "an offset at 2^63 was refused");
  expect(kills(p, 1) && kills(p + PGSIZE, 0), "an access at offset 2^63 was allowed");
  expect(read(fd, p, 10) == -1, "read into a mapping past the end");
  expect(msync(p, 2 * PGSIZE, 0) == 0, "msync of nothing failed");
  expect(munmap(p, 2 * PGSIZE) == 0, "munmap failed");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, -PGSIZE) == MAP_FAILED,
         "an offset whose end wraps to 0");
  expect(mmap(0, 2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, -PGSIZE) == MAP_FAILED,
         "an offset whose end wraps");
  p = mmap(0, 3 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, (1L << 44) + PGSIZE);
  char *q = mmap(0, 3 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, PGSIZE);
  expect(p != MAP_FAILED && q != MAP_FAILED, "mmap failed");
  expect(q[0] == pattern(PGSIZE), "the file's page 1");
  expect(kills(p, 0) && kills(p + PGSIZE, 0), "page 2^32 + 1 of a small file was readable");
  munmap(p, 3 * PGSIZE);
  munmap(q, 3 * PGSIZE);
  close(fd);
  unlink("mm.off");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}

// The heap's start: the stack is the one page just below it.
static char *
heap_start(void)
{
  int x;
  return (char *)PGROUNDDOWN(&x) + PGSIZE;
}

// MAP_FIXED over the stack or its guard page, at MAXVA or above, or with
// a length that passes the top is refused, as are munmap and mprotect
// with lengths that wrap; the last page below the trap frame may be
// mapped and unmapped.
void
fixed_places(void)
{
  char *stack = heap_start() - PGSIZE;
  int anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
  expect(mmap(stack, PGSIZE, RW, anon, -1, 0) == MAP_FAILED, "MAP_FIXED over the stack");
  expect(mmap(stack - PGSIZE, PGSIZE, RW, anon, -1, 0) == MAP_FAILED, "MAP_FIXED over the guard");
  expect(mmap((char *)TRAPFRAME_VA - PGSIZE, 2 * PGSIZE, RW, anon, -1, 0) == MAP_FAILED,
         "MAP_FIXED into the trap frame");
  expect(mmap((char *)TRAPFRAME_VA + 2 * PGSIZE, PGSIZE, RW, anon, -1, 0) == MAP_FAILED,
         "MAP_FIXED at MAXVA");
  expect(mmap((char *)-PGSIZE, PGSIZE, RW, anon, -1, 0) == MAP_FAILED, "MAP_FIXED at the top");
  expect(mmap((char *)(1000L * PGSIZE), -999L * PGSIZE, RW, anon, -1, 0) == MAP_FAILED,
         "MAP_FIXED with a length that wraps");
  char *p = mmap((char *)TRAPFRAME_VA - PGSIZE, PGSIZE, RW, anon, -1, 0);
  expect(p == (char *)TRAPFRAME_VA - PGSIZE, "MAP_FIXED of the last user page failed");
  p[PGSIZE - 1] = 7;
  expect(munmap(p, 3 * PGSIZE) == -1, "munmap into the trap frame");
  expect(munmap(p, -PGSIZE) == -1, "munmap with a length that wraps");
  expect(mprotect(p, -PGSIZE, PROT_READ) == -1, "mprotect with a length that wraps");
  expect(p[PGSIZE - 1] == 7, "a refused call took the page");
  expect(munmap(p, PGSIZE) == 0, "munmap failed");
  expect(mprotect(stack - PGSIZE, PGSIZE, RW) == -1, "mprotect gave the guard page rights");
  expect(mprotect(sbrk(0), PGSIZE, RW) == -1, "mprotect of the heap");
}

// System calls that copy into PROT_NONE pages, read-only shared file
// pages and a pipe's fds half into one fail, leaving no descriptor open
// and nothing changed.
void
copies_refused(void)
{
  warm();
  long before = freepages();
  int fd = make_file("mm.cp", O_RDONLY);
  char *none = mmap(0, PGSIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *shnone = mmap(0, PGSIZE, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  char *ro = mmap(0, 2 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  expect(none != MAP_FAILED && shnone != MAP_FAILED && ro != MAP_FAILED, "mmap failed");
  int p[2];
  expect(pipe(p) == 0, "pipe failed");
  expect(write(p[1], none, 10) == -1, "write from a PROT_NONE page");
  expect(write(p[1], shnone, 10) == -1, "write from a shared PROT_NONE page");
  expect(write(p[1], "0123456789", 10) == 10, "write failed");
  expect(read(p[0], none, 10) == -1, "read into a PROT_NONE page");
  expect(read(p[0], ro, 10) == -1, "read into a read-only shared file page");
  expect(read(p[0], ro + PGSIZE - 5, 10) == -1, "read across read-only shared file pages");
  expect(pipe((int *)ro) == -1, "pipe() into a read-only page");
  expect(pipe((int *)(ro + 2 * PGSIZE - 4)) == -1, "pipe() half into a read-only page");
  expect(pipe((int *)none) == -1, "pipe() into a PROT_NONE page");
  expect(wait((int *)ro) == -1, "wait into a read-only page");
  char *argv[] = { "echo", 0 }, *argv2[] = { "echo", none, 0 };
  expect(exec(none, argv) == -1, "exec of a path in a PROT_NONE page");
  expect(exec("echo", (char **)none) == -1, "exec with argv in a PROT_NONE page");
  expect(exec("echo", argv2) == -1, "exec with a string in a PROT_NONE page");
  expect(open(none, O_RDONLY) == -1, "open of a path in a PROT_NONE page");
  expect(fstat(fd, (struct stat *)ro) == -1, "fstat into a read-only page");
  expect(memstat((struct memstat *)(ro + PGSIZE)) == -1, "memstat into a read-only page");
  expect(procinfo((struct procinfo *)none, 1) == -1, "procinfo into a PROT_NONE page");
  expect(vmregions(getpid(), (struct vmregion *)ro, 1) == -1, "vmregions into a read-only page");
  expect(vmdump(getpid(), (struct ptentry *)none, 1) == -1, "vmdump into a PROT_NONE page");
  expect(holds_pattern(ro, 0, 2 * PGSIZE), "the read-only file pages changed");
  // The failed pipe() calls left no descriptor: 0-2, fd and p's are open.
  int d = dup(0);
  expect(d == 6, "dup gave fd %d, want 6", d);
  close(d);
  close(p[0]);
  close(p[1]);
  munmap(none, PGSIZE);
  munmap(shnone, PGSIZE);
  munmap(ro, 2 * PGSIZE);
  close(fd);
  unlink("mm.cp");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}

// Shared anonymous memory is allocated at mmap time: more than the
// machine has free is refused, giving back every page taken on the way
// and leaving the swap disk as it was.
void
shared_anon_too_big(void)
{
  struct memstat a, b;
  memstat(&a);
  long before = freepages();
  long sizes[] = { 1L << 30, (a.total + 16) * PGSIZE, (before + 1) * PGSIZE };
  for (int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    char *p = mmap(0, sizes[i], RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    expect(p == MAP_FAILED, "a shared mapping of %ld pages fit", sizes[i] / PGSIZE);
    expect(freepages() == before, "a refused mapping of %ld pages kept %ld pages",
           sizes[i] / PGSIZE, before - freepages());
  }
  memstat(&b);
  expect(b.swap_used == a.swap_used, "swap slots in use went from %ld to %ld",
         (long)a.swap_used, (long)b.swap_used);
}
