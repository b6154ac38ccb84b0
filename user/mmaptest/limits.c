// mmaptest: bad input to every call, and the heap's limit below the
// mappings.
#include "mmaptest.h"

void
bad_input(void)
{
  int fd = make_file("mm.fb", O_RDONLY);
  int rw = open("mm.fb", O_RDWR);
  int dir = open(".", O_RDONLY);
  int wo = open("mm.fb", O_WRONLY);
  int rwx = PROT_READ | PROT_WRITE;
  struct memstat a, b;
  memstat(&a);
  long before = freepages();
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 15, 0) == MAP_FAILED, "a closed fd");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, -3, 0) == MAP_FAILED, "a negative fd");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, dir, 0) == MAP_FAILED, "a directory");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, 1, 0) == MAP_FAILED, "the console");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED, "a write-only fd");
  expect(mmap(0, PGSIZE, rwx, MAP_SHARED, fd, 0) == MAP_FAILED,
         "a shared writable mapping of a read-only fd");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, rw, 100) == MAP_FAILED, "an unaligned offset");
  expect(mmap(0, 0, PROT_READ, MAP_PRIVATE, rw, 0) == MAP_FAILED, "length 0");
  expect(mmap(0, -PGSIZE, PROT_READ, MAP_PRIVATE, rw, 0) == MAP_FAILED, "a length that wraps");
  expect(mmap(0, 1L << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED,
         "a length past MAXVA");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | 0x100, rw, 0) == MAP_FAILED, "an unknown flag");
  expect(mmap(0, PGSIZE, PROT_READ, 0, rw, 0) == MAP_FAILED, "neither shared nor private");
  expect(mmap(0, PGSIZE, PROT_READ, MAP_SHARED | MAP_PRIVATE, rw, 0) == MAP_FAILED,
         "both shared and private");
  expect(mmap(0, PGSIZE, 0x10, MAP_PRIVATE, rw, 0) == MAP_FAILED, "unknown rights");
  expect(mmap((void *)TRAPFRAME_VA, 2 * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, rw, 0) == MAP_FAILED,
         "MAP_FIXED over the trap frame and trampoline");
  expect(mmap((void *)0x1001, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, rw, 0) == MAP_FAILED,
         "an unaligned MAP_FIXED address");
  expect(mmap((void *)0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, rw, 0) == MAP_FAILED,
         "MAP_FIXED over the program");
  expect(munmap((void *)0x1001, PGSIZE) == -1, "an unaligned munmap");
  expect(munmap(0, 0) == -1, "a munmap of length 0");
  expect(munmap((void *)TRAPFRAME_VA, 2 * PGSIZE) == -1, "a munmap of the trap frame");
  expect(freepages() == before, "refused calls took %ld pages", before - freepages());
  memstat(&b);
  expect(b.file_mapped == a.file_mapped && b.file_reads == a.file_reads, "refused calls read pages");

  // Too many regions: fill the list, then a hole (which splits a region)
  // and an mprotect of a middle page are refused and change nothing.
  char *big = mmap(0, 3 * PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(big != MAP_FAILED, "mmap failed");
  char *maps[100];
  int n = 0;
  while (n < 100 && (maps[n] = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED)
    n++;
  expect(n > 10 && n < 100, "%d more regions were allowed", n);
  expect(munmap(big + PGSIZE, PGSIZE) == -1, "a hole with no room for the split");
  expect(mprotect(big + PGSIZE, PGSIZE, PROT_NONE) == -1, "an mprotect with no room for the splits");
  expect(big[PGSIZE] == 0 && big[2 * PGSIZE] == 0, "a refused call unmapped or protected a page");
  for (int i = 0; i < n; i++)
    munmap(maps[i], PGSIZE);
  expect(munmap(big + PGSIZE, PGSIZE) == 0, "a hole failed with room for the split");
  expect(munmap(big, 3 * PGSIZE) == 0, "munmap failed");
  close(fd);
  close(rw);
  close(dir);
  close(wo);
  unlink("mm.fb");
}

// sbrk never grows into a mapping; a mapping never lands in the heap.
void
heap_limit(void)
{
  char *brk = sbrk(0);
  char *at = (char *)(((uint64)brk + 16 * PGSIZE) & ~(uint64)(PGSIZE - 1));
  char *p = mmap(at, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  expect(p == at, "MAP_FIXED above the break did not map at %p (%p)", at, p);
  expect(sbrk(32 * PGSIZE) == (char *)-1, "sbrk grew into a mapping");
  expect(sbrklazy(32 * PGSIZE) == (char *)-1, "sbrklazy grew into a mapping");
  expect(sbrk(0) == brk, "a refused sbrk moved the break");
  expect(sbrk(8 * PGSIZE) == brk, "sbrk below the mapping failed");
  char *q = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(q != MAP_FAILED && q >= (char *)sbrk(0), "a mapping was placed below the break");
  p[0] = 1;
  expect(mmap(at, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == at,
         "MAP_FIXED over a mapping failed");
  expect(p[0] == 0, "MAP_FIXED did not replace the old mapping");
  munmap(at, PGSIZE);
  munmap(q, PGSIZE);
  sbrk(-8 * PGSIZE);
}
