// mmaptest: munmap of any range, fork, write-back at exit and msync,
// and mprotect.
#include "mmaptest.h"

// munmap of a head, a tail, a hole (splitting the region), a range over
// two mappings and a gap, and of nothing at all.
void
munmap_ranges(void)
{
  long before = freepages();
  char *p = mmap(0, 10 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(p != MAP_FAILED, "mmap failed");
  for (int i = 0; i < 10; i++)
    p[i * PGSIZE] = 'A' + i;
  expect(munmap(p, PGSIZE) == 0, "munmap of the head failed");
  expect(munmap(p + 9 * PGSIZE, PGSIZE) == 0, "munmap of the tail failed");
  expect(munmap(p + 4 * PGSIZE, 2 * PGSIZE) == 0, "munmap of a hole failed");
  int gone[10] = { 1, 0, 0, 0, 1, 1, 0, 0, 0, 1 };
  for (int i = 0; i < 10; i++) {
    if (gone[i])
      expect(kills(p + i * PGSIZE, 0), "page %d is still there", i);
    else
      expect(p[i * PGSIZE] == 'A' + i, "page %d lost its byte", i);
  }
  expect(munmap(p + 4 * PGSIZE, 2 * PGSIZE) == 0, "munmap of nothing did not return 0");
  expect(munmap(p + 2 * PGSIZE, 5 * PGSIZE) == 0, "munmap over two pieces failed");
  expect(p[PGSIZE] == 'B' && p[7 * PGSIZE] == 'H', "munmap took too much");
  expect(kills(p + 3 * PGSIZE, 0) && kills(p + 6 * PGSIZE, 0), "pages 3 and 6 are there");
  expect(munmap(p, 10 * PGSIZE) == 0, "munmap of the rest failed");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}

void
fork_shares_and_copies(void)
{
  int fd = make_file("mm.f7", O_RDWR);
  char *sh = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *pr = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  char *an = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  expect(sh != MAP_FAILED && pr != MAP_FAILED && an != MAP_FAILED, "mmap failed");
  pr[0] = 'p';
  int pid = fork();
  if (pid == 0) {
    sh[1] = 'c';
    pr[1] = 'c';
    an[PGSIZE] = 'c';
    exit(pr[0] == 'p' ? 0 : 1);
  }
  int st;
  expect(wait(&st) == pid && st == 0, "the child did not see the private store from before fork");
  expect(sh[1] == 'c', "a shared file mapping did not share the child's store");
  expect(an[PGSIZE] == 'c', "a shared anonymous mapping did not share the child's store");
  expect(pr[1] == pattern(1), "a private mapping showed the child's store");
  munmap(sh, 4 * PGSIZE);
  munmap(pr, 4 * PGSIZE);
  munmap(an, 2 * PGSIZE);
  close(fd);
  expect(file_byte("mm.f7", 1) == 'c', "the child's shared store is not in the file");
  unlink("mm.f7");
}

// exit writes a shared mapping's stores back without munmap or msync.
void
exit_writes_back(void)
{
  int fd = make_file("mm.f8", O_RDWR);
  int pid = fork();
  if (pid == 0) {
    char *p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    p[7] = '#';
    exit(0);
  }
  wait(0);
  close(fd);
  expect(file_byte("mm.f8", 7) == '#', "the store did not survive exit");
  unlink("mm.f8");
}

void
msync_writes(void)
{
  int fd = make_file("mm.f9", O_RDWR);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  struct memstat a, b;
  memstat(&a);
  p[PGSIZE] = '%';
  expect(msync(p, 4 * PGSIZE, 0) == 0, "msync failed");
  memstat(&b);
  expect(b.writebacks == a.writebacks + 1, "msync wrote back %ld pages, not 1",
         (long)(b.writebacks - a.writebacks));
  p[PGSIZE + 1] = '%';   // the page stays writable: a second msync writes it again
  expect(msync(p, 4 * PGSIZE, 0) == 0, "msync failed");
  memstat(&a);
  expect(a.writebacks == b.writebacks + 1, "the second msync did not write the page");
  munmap(p, 4 * PGSIZE);
  close(fd);
  expect(file_byte("mm.f9", PGSIZE + 1) == '%', "the store is not in the file");
  unlink("mm.f9");
}

void
protect(void)
{
  warm();
  long before = freepages();
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 4; i++)
    p[i * PGSIZE] = i + 1;
  expect(mprotect(p + PGSIZE, 2 * PGSIZE, PROT_READ) == 0, "mprotect failed");
  expect(kills(p + PGSIZE, 1) && kills(p + 2 * PGSIZE, 1), "a store to a read-only page was allowed");
  expect(p[PGSIZE] == 2 && p[2 * PGSIZE] == 3, "mprotect lost the pages' contents");
  p[0] = 9;
  p[3 * PGSIZE] = 9;
  expect(mprotect(p + 2 * PGSIZE, PGSIZE, PROT_NONE) == 0, "mprotect PROT_NONE failed");
  expect(kills(p + 2 * PGSIZE, 0), "a read of a PROT_NONE page was allowed");
  expect(mprotect(p, 4 * PGSIZE, PROT_READ | PROT_WRITE) == 0, "mprotect back failed");
  p[PGSIZE] = 7;
  expect(p[PGSIZE] == 7 && p[2 * PGSIZE] == 3, "the pages changed");
  expect(mprotect(p, 8 * PGSIZE, PROT_READ) == -1, "mprotect past the mapping was allowed");
  expect(mprotect(p + 1, PGSIZE, PROT_READ) == -1, "an unaligned mprotect was allowed");
  expect(mprotect(p, PGSIZE, 8) == -1, "unknown rights were allowed");
  expect(p[0] == 9, "a refused mprotect changed something");
  p[0] = 1;
  munmap(p, 4 * PGSIZE);

  int fd = make_file("mm.fa", O_RDONLY);
  char *q = mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  expect(q != MAP_FAILED, "a read-only shared mapping of a read-only file was refused");
  expect(mprotect(q, PGSIZE, PROT_READ | PROT_WRITE) == -1,
         "mprotect gave PROT_WRITE to a shared mapping of a read-only file");
  munmap(q, PGSIZE);
  close(fd);
  unlink("mm.fa");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}
