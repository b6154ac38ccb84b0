// In-guest tests of mmap, munmap, mprotect and msync, and of the page
// cache they share with read() and write(): anonymous and file mappings,
// shared and private, the end of the file, munmap of any range, fork,
// rights, bad input, the heap's limit, and exact page accounting (each
// test gives back every page it took; testrun checks the whole program).
#include "user.h"
#include "test.h"

#define PGSIZE 4096
#define FILE_BYTES (3 * PGSIZE + 1000)   // three pages and a partial one
#define TRAPFRAME_VA ((1L << 38) - 2 * PGSIZE)   // Sv39: then the trampoline

// The byte at offset i of the test files.
static char
pattern(int i)
{
  return 'a' + i % 23;
}

// The buffer make_file and file_byte use. A test that counts pages from
// before its first make_file calls warm first: each test runs in a forked
// child, where the first store to a page of it copies the page.
static char buf[FILE_BYTES];

static void
warm(void)
{
  for (int i = 0; i < FILE_BYTES; i += PGSIZE)
    buf[i] = 0;
}

// Create name holding FILE_BYTES bytes of pattern; returns its descriptor
// opened with mode (the file is closed and reopened).
static int
make_file(const char *name, int mode)
{
  for (int i = 0; i < FILE_BYTES; i++)
    buf[i] = pattern(i);
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  expect(fd >= 0, "cannot create %s", name);
  expect(write(fd, buf, FILE_BYTES) == FILE_BYTES, "cannot write %s", name);
  close(fd);
  fd = open(name, mode);
  expect(fd >= 0, "cannot open %s", name);
  return fd;
}

static int
holds_pattern(char *p, int from, int to)
{
  for (int i = from; i < to; i++)
    if (p[i] != pattern(i))
      return 0;
  return 1;
}

// The byte at offset off of file name, read with read().
static char
file_byte(const char *name, int off)
{
  int fd = open(name, O_RDONLY);
  expect(fd >= 0, "cannot open %s", name);
  int n = read(fd, buf, sizeof(buf));
  close(fd);
  expect(n > off, "%s has %d bytes", name, n);
  return buf[off];
}

static char *target;   // what touch_target reads, in a child
static int writes;     // touch_target writes rather than reads

static void
touch_target(void)
{
  if (writes)
    *target = 1;
  else
    printf("%d\n", *(volatile char *)target);
}

// Is an access to p refused (the process touching it killed)?
static int
kills(char *p, int write)
{
  target = p;
  writes = write;
  return child_status(touch_target) == -1;
}

static void
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

static void
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
static void
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

static void
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

static void
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

static void
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

static void
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

// munmap of a head, a tail, a hole (splitting the region), a range over
// two mappings and a gap, and of nothing at all.
static void
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

static void
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
static void
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

static void
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

static void
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

static void
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
static void
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

// Reading a file's page through the cache costs one read from the file;
// a second mapping of it, or a second process, finds it there.
static void
cache_shares_pages(void)
{
  int fd = make_file("mm.fc", O_RDONLY);
  struct memstat a, b;
  char *p = mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  char *q = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  memstat(&a);
  expect(p[0] == pattern(0), "the mapping does not show the file");
  expect(q[0] == pattern(0), "the second mapping does not show the file");
  memstat(&b);
  expect(b.file_reads - a.file_reads <= 1, "one page was read %ld times",
         (long)(b.file_reads - a.file_reads));
  expect(b.pc_hits - a.pc_hits >= 1, "the second mapping missed the cache");
  long before = freepages();
  int pid = fork();
  if (pid == 0) {
    struct memstat c;
    memstat(&c);
    exit(p[0] == pattern(0) && q[0] == pattern(0) ? 0 : 1);
  }
  int st;
  wait(&st);
  expect(st == 0, "the child does not see the pages");
  expect(freepages() == before, "%ld pages are missing after the child", before - freepages());
  munmap(p, PGSIZE);
  munmap(q, PGSIZE);
  close(fd);
  unlink("mm.fc");
}

// Start "PROG hold R W" with the pipes ready and go: it says it runs by a
// byte to ready's write end W, then waits for go to reach its end (the
// caller closes go[1]). Returns its pid.
static int
start_holder(const char *prog, int *readyp, int *gop)
{
  int ready = readyp[1], go = gop[0];
  int pid = fork();
  if (pid == 0) {
    close(readyp[0]);
    close(gop[1]);
    char r[4] = { '0' + go / 10, '0' + go % 10, 0 }, w[4] = { '0' + ready / 10, '0' + ready % 10, 0 };
    char *argv[] = { (char *)prog, "hold", r, w, 0 };
    exec(prog, argv);
    exit(1);
  }
  return pid;
}

// The page vmdump shows at va in pid's table, and its PTI_* facts.
static uint64
page_of(int pid, uint64 va, int *info)
{
  static struct ptentry e[300];
  int n = vmdump(pid, e, 300);
  for (int i = 0; i < n && i < 300; i++) {
    if (e[i].leaf && e[i].va == va) {
      *info = e[i].info;
      return e[i].pa;
    }
  }
  return 0;
}

// "mmaptest hold R W" (running_program): one byte to fd W, then wait for
// fd R to reach its end.
static void
hold(char *r, char *w)
{
  char c;
  write(atoi(w), "r", 1);
  read(atoi(r), &c, 1);
  exit(0);
}

// Two processes running one program share its text pages through the
// page cache. While it runs, its file refuses write() and O_TRUNC; it
// may be unlinked, and it runs on.
static void
running_program(void)
{
  expect(copy_file("mmaptest", "mm.prog") == 0, "cannot copy mmaptest");
  warm();
  int info;
  page_of(getpid(), 0, &info);   // vmdump's buffer: its pages are taken now
  long before = freepages();
  int ready[2], go[2];
  pipe(ready);
  pipe(go);
  int p1 = start_holder("mm.prog", ready, go);
  int p2 = start_holder("mm.prog", ready, go);
  close(ready[1]);
  close(go[0]);
  char c;
  expect(read(ready[0], &c, 1) == 1 && read(ready[0], &c, 1) == 1, "the programs did not start");
  // The page holding hold(), which both have run.
  uint64 text = (uint64)hold & ~(uint64)(PGSIZE - 1);
  int i1 = 0, i2 = 0;
  uint64 a1 = page_of(p1, text, &i1), a2 = page_of(p2, text, &i2);
  expect(a1 != 0 && a1 == a2, "the two processes map text page 0 at %lx and %lx", a1, a2);
  expect((i1 & PTI_FILE) && (i1 & PTI_SHARED), "vmdump says %d for a shared text page", i1);

  int fd = open("mm.prog", O_RDWR);
  expect(fd >= 0, "cannot open the running program");
  expect(read(fd, buf, 16) == 16, "cannot read the running program");
  close(fd);
  fd = open("mm.prog", O_RDWR);
  expect(write(fd, buf, 16) == -1, "a write to a running program was allowed");
  close(fd);
  expect(open("mm.prog", O_RDWR | O_TRUNC) < 0, "a running program was truncated");
  expect(unlink("mm.prog") == 0, "a running program could not be unlinked");

  close(go[1]);
  int st1, st2;
  expect(wait(&st1) > 0 && wait(&st2) > 0 && st1 == 0 && st2 == 0,
         "the programs ended with %d and %d", st1, st2);
  close(ready[0]);
  expect(freepages() == before, "%ld pages are missing", before - freepages());
}

// Emptying a file (O_TRUNC) takes its pages from every process that maps
// it, before that process next runs user code: one asleep, one spinning
// on another hart, and the process that emptied it. Each then finds the
// mapping past the end of the file, and is killed by its next access.
static char *spin_page;

static void
spin_on(void)
{
  for (;;)
    (void)*(volatile char *)spin_page;
}

static void
truncate_unmaps(void)
{
  int fd = make_file("mm.trunc", O_RDWR);
  char *p = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  expect(holds_pattern(p, 0, 2 * PGSIZE), "the mapping does not show the file");
  int go[2];
  expect(pipe(go) == 0, "pipe failed");
  int sleeper = fork();
  if (sleeper == 0) {
    char c;
    read(go[0], &c, 1);   // asleep while the file is emptied
    exit(p[PGSIZE + 5] == pattern(PGSIZE + 5) ? 0 : 2);
  }
  spin_page = p;
  int spinner = fork();
  if (spinner == 0)
    spin_on();
  pause(2);   // both have run and mapped the pages
  int t = open("mm.trunc", O_RDWR | O_TRUNC);
  expect(t >= 0, "cannot empty mm.trunc");
  close(t);
  expect(write(go[1], "x", 1) == 1, "cannot wake the sleeper");
  for (int n = 0; n < 2; n++) {   // they end in either order
    int st, pid = wait(&st);
    expect(pid == sleeper || pid == spinner, "wait returned %d", pid);
    expect(st == -1, "a process %s while the file was emptied %s", pid == sleeper ? "asleep" :
           "running", pid == sleeper ? "read its old bytes" : "kept reading it");
  }
  expect(kills(p, 0), "the process that emptied the file still reads it");
  close(go[0]);
  close(go[1]);
  expect(munmap(p, 2 * PGSIZE) == 0, "munmap failed");
  close(fd);
  unlink("mm.trunc");
}

static struct test tests[] = {
  { "mmap:anonymous", anonymous },
  { "mmap:file_private_read", file_private_read },
  { "mmap:past_end_of_file", past_end_of_file },
  { "mmap:shared_store_seen_by_read", shared_store_seen_by_read },
  { "mmap:write_seen_through_mapping", write_seen_through_mapping },
  { "mmap:private_stores_stay", private_stores_stay },
  { "mmap:outlives_close_and_unlink", outlives_close_and_unlink },
  { "mmap:munmap_ranges", munmap_ranges },
  { "mmap:fork_shares_and_copies", fork_shares_and_copies },
  { "mmap:exit_writes_back", exit_writes_back },
  { "mmap:msync_writes", msync_writes },
  { "mmap:protect", protect },
  { "mmap:bad_input", bad_input },
  { "mmap:heap_limit", heap_limit },
  { "mmap:cache_shares_pages", cache_shares_pages },
  { "mmap:running_program", running_program },
  { "mmap:truncate_unmaps", truncate_unmaps },
};

int
main(int argc, char *argv[])
{
  if (argc == 4 && strcmp(argv[1], "hold") == 0)
    hold(argv[2], argv[3]);
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
