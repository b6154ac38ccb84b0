// mmaptest: anonymous and file mappings, shared and private, the end of
// the file, and stores seen through read() and write().
#include "mmaptest.h"

void
anonymous(void)
{
  long before = freepages();
  char *p = mmap(0, 10 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(p != MAP_FAILED, "mmap failed");
  expect(freepages() == before, "mmap took %ld pages before any touch", before - freepages());
  expect(p[5 * PGSIZE] == 0, "a fresh page is not zero");
  for (int i = 0; i < 10; i++)
    p[i * PGSIZE + 7] = i;
  expect(before - freepages() >= 10, "ten touched pages took %ld", before - freepages());
  for (int i = 0; i < 10; i++)
    expect(p[i * PGSIZE + 7] == i, "page %d lost its byte", i);
  expect(munmap(p, 10 * PGSIZE) == 0, "munmap failed");
  expect(freepages() == before, "after munmap %ld pages are missing", before - freepages());
  expect(kills(p, 0), "a read after munmap was allowed");
}

void
file_private_read(void)
{
  int fd = make_file("mm.f1", O_RDONLY);
  long before = freepages();
  char *p = mmap(0, 4 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  expect(freepages() == before, "mmap read or took %ld pages", before - freepages());
  expect(holds_pattern(p, 0, FILE_BYTES), "the mapping does not show the file");
  for (int i = FILE_BYTES; i < 4 * PGSIZE; i++)
    expect(p[i] == 0, "byte %d past the end of the file is %d, not 0", i, p[i]);
  expect(kills(p, 1), "a store to a read-only mapping was allowed");
  expect(munmap(p, 4 * PGSIZE) == 0, "munmap failed");
  close(fd);
  unlink("mm.f1");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}

// A mapping longer than the file: the page after the one holding the end
// of the file kills, as SIGBUS does on Linux.
void
past_end_of_file(void)
{
  int fd = make_file("mm.f2", O_RDONLY);
  char *p = mmap(0, 6 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  expect(p[FILE_BYTES + 5] == 0, "the last partial page is not zero past the end");
  expect(kills(p + 4 * PGSIZE, 0), "a read past the file's last page was allowed");
  expect(kills(p + 5 * PGSIZE + 9, 0), "a read two pages past the end was allowed");
  munmap(p, 6 * PGSIZE);
  close(fd);
  unlink("mm.f2");
}

void
shared_store_seen_by_read(void)
{
  int fd = make_file("mm.f3", O_RDWR);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  p[10] = 'Z';
  p[2 * PGSIZE + 3] = 'Y';
  expect(file_byte("mm.f3", 10) == 'Z', "read() does not see a store through the mapping");
  expect(file_byte("mm.f3", 2 * PGSIZE + 3) == 'Y', "read() misses the store on page 2");
  munmap(p, 4 * PGSIZE);
  close(fd);
  expect(file_byte("mm.f3", 10) == 'Z', "the store is gone after munmap");
  unlink("mm.f3");
}

void
write_seen_through_mapping(void)
{
  int fd = make_file("mm.f4", O_RDWR);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  char *q = mmap(0, 4 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED && q != MAP_FAILED, "mmap failed");
  expect(p[PGSIZE + 1] == pattern(PGSIZE + 1), "the mapping does not show the file");
  expect(q[PGSIZE + 1] == pattern(PGSIZE + 1), "the private mapping does not show the file");
  expect(write(fd, "HELLO", 5) == 5, "write failed");
  expect(p[0] == 'H' && p[4] == 'O', "a shared mapping does not see write()");
  expect(q[0] == 'H', "an untouched private page does not see write()");
  munmap(p, 4 * PGSIZE);
  munmap(q, 4 * PGSIZE);
  close(fd);
  unlink("mm.f4");
}

void
private_stores_stay(void)
{
  int fd = make_file("mm.f5", O_RDONLY);
  long before = freepages();
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED, "a private writable mapping of a read-only file was refused");
  p[100] = '!';
  expect(p[100] == '!' && p[101] == pattern(101), "the private copy is wrong");
  expect(file_byte("mm.f5", 100) == pattern(100), "a private store reached the file");
  munmap(p, 4 * PGSIZE);
  close(fd);
  expect(file_byte("mm.f5", 100) == pattern(100), "a private store reached the file later");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
  unlink("mm.f5");
}

void
outlives_close_and_unlink(void)
{
  warm();
  long before = freepages();
  int fd = make_file("mm.f6", O_RDWR);
  char *p = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  close(fd);
  expect(unlink("mm.f6") == 0, "unlink failed");
  expect(holds_pattern(p, 0, FILE_BYTES), "the mapping lost the file after close and unlink");
  p[0] = 'q';
  expect(p[0] == 'q', "a store after unlink was lost");
  expect(munmap(p, 4 * PGSIZE) == 0, "munmap failed");
  expect(open("mm.f6", O_RDONLY) < 0, "the unlinked file is back");
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}
