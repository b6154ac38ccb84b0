// swaptest's tests of file pages under memory pressure (docs/paging.md,
// "File pages"): a shared mapping stored to beyond the RAM left has its
// pages written back to the file as they are evicted, and read() finds
// every byte there; clean pages that processes map (a read-only shared
// mapping, a private one never written, a program's text) are dropped,
// and come back from the file.
#include "swaptest.h"

#define FILEPAGES 64   // 256 KiB: near the largest file (MAXFILE, 268 KiB)
#define NFILES 2
#define LEFT 32        // pages of RAM the dirty test leaves free

static char pagebuf[PG];

// Make file path, npg pages long, page n holding pattern(tag, n, ...).
static void
make_file(const char *path, uint64 npg, uint64 tag)
{
  int fd = open(path, O_CREATE | O_RDWR | O_TRUNC);
  expect(fd >= 0, "cannot create %s", path);
  for (uint64 n = 0; n < npg; n++) {
    uint64 *w = (uint64 *)pagebuf;
    for (int i = 0; i < PG / 8; i++)
      w[i] = pattern(tag, n, i);
    expect(write(fd, pagebuf, PG) == PG, "writing page %lu of %s failed", n, path);
  }
  close(fd);
}

// The first page of file path (npg pages long), as read() shows it, whose
// words are not pattern(tag, n, ...), or -1.
static long
check_file(const char *path, uint64 npg, uint64 tag)
{
  int fd = open(path, O_RDONLY);
  expect(fd >= 0, "cannot open %s", path);
  long bad = -1;
  for (uint64 n = 0; n < npg && bad < 0; n++) {
    if (read(fd, pagebuf, PG) != PG)
      bad = n;
    uint64 *w = (uint64 *)pagebuf;
    for (int i = 0; i < PG / 8 && bad < 0; i++)
      if (w[i] != pattern(tag, n, i))
        bad = n;
  }
  close(fd);
  return bad;
}

// Hold all the RAM that could be had but about left pages, in a shared
// anonymous mapping: its pages are never evicted (its sharers must see
// one page), so what is left is all there is. Sets *len to its length.
static char *
hold_ram(uint64 left, uint64 *len)
{
  long avail = freepages();
  expect(avail > (long)left + 64, "only %ld pages free", avail);
  uint64 n = avail - left;
  n -= n / 512 + 4;   // its page tables come out of the same RAM
  char *p = mmap(0, n * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  expect(p != MAP_FAILED, "holding %lu pages of RAM failed", n);
  *len = n * PG;
  return p;
}

// Two files of FILEPAGES pages each are mapped shared and every page
// stored to, with LEFT pages of RAM free: most pages must be written back
// and dropped while the stores go on, with swap or without. read() then
// finds every store in the files, and so do the mappings.
void
file_dirty_writeback(void)
{
  static const char *names[NFILES] = { "dirty0", "dirty1" };
  char *map[NFILES];
  int fd[NFILES];
  for (int k = 0; k < NFILES; k++)
    make_file(names[k], FILEPAGES, 50 + k);
  struct memstat a, b;
  getstat(&a);
  uint64 heldlen;
  char *held = hold_ram(LEFT, &heldlen);
  for (int k = 0; k < NFILES; k++) {
    fd[k] = open(names[k], O_RDWR);
    expect(fd[k] >= 0, "cannot open %s", names[k]);
    map[k] = mmap(0, FILEPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd[k], 0);
    expect(map[k] != MAP_FAILED, "mmap of %s failed", names[k]);
  }
  for (int k = 0; k < NFILES; k++)
    fill(map[k], FILEPAGES, 60 + k);
  for (int k = 0; k < NFILES; k++) {
    long bad = check_file(names[k], FILEPAGES, 60 + k);
    expect(bad < 0, "read() of %s: page %ld is not what was stored through the mapping",
           names[k], bad);
  }
  getstat(&b);
  expect(b.evict_dirty > a.evict_dirty, "no dirty file page was evicted (%lu written "
         "back, %lu pages free at most)", b.writebacks - a.writebacks, (uint64)LEFT);
  for (int k = 0; k < NFILES; k++) {
    long bad = check(map[k], FILEPAGES, 60 + k);
    expect(bad < 0, "the mapping of %s shows page %ld wrong", names[k], bad);
    expect(munmap(map[k], FILEPAGES * PG) == 0, "munmap failed");
    close(fd[k]);
    expect(unlink(names[k]) == 0, "unlink of %s failed", names[k]);
  }
  expect(munmap(held, heldlen) == 0, "munmap failed");
}

// The resident pages of pid's program text (its executable region), and
// its address in *va; -1 when there is none.
static long
text_resident(int pid, uint64 *va)
{
  static struct vmregion r[64];
  int n = vmregions(pid, r, 64);
  for (int i = 0; i < n && i < 64; i++) {
    if (r[i].prot & PROT_EXEC) {
      *va = r[i].start;
      return r[i].resident;
    }
  }
  return -1;
}

// Clean file pages that processes map go under pressure: a shared
// read-only mapping, a private one never written, and the text of cat,
// waiting on a pipe. After sweeps of the heap none is resident; they come
// back from the file, and cat still runs.
void
file_clean_dropped(void)
{
  expect(have_swap(), "no swap disk");
  int in[2], out[2];
  expect(pipe(in) == 0 && pipe(out) == 0, "pipe failed");
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    close(0);
    dup(in[0]);
    close(1);
    dup(out[1]);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    char *argv[] = { "cat", 0 };
    exec("cat", argv);
    exit(127);
  }
  close(in[0]);
  close(out[1]);
  char buf[8];
  // cat echoes a line once it runs: its text is in, and it waits again.
  expect(write(in[1], "ready\n", 6) == 6 && read(out[0], buf, 6) == 6 &&
         memcmp(buf, "ready\n", 6) == 0, "cat did not echo");
  uint64 textva = 0;
  expect(text_resident(pid, &textva) > 0, "cat's text is not resident");

  uint64 npg = 32;
  make_file("cleanfile", npg, 70);
  int fd = open("cleanfile", O_RDWR);
  expect(fd >= 0, "cannot open cleanfile");
  char *s = mmap(0, npg * PG, PROT_READ, MAP_SHARED, fd, 0);
  char *q = mmap(0, npg * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  expect(s != MAP_FAILED && q != MAP_FAILED, "mmap failed");
  expect(check(s, npg, 70) < 0 && check(q, npg, 70) < 0, "the mappings show the file wrong");
  expect(region_resident(getpid(), (uint64)s) == (long)npg &&
         region_resident(getpid(), (uint64)q) == (long)npg, "the mappings are not resident");
  struct memstat a, b;
  getstat(&a);
  long rs = npg, rq = npg, rt = 1;
  for (int tries = 0; tries < 6 && (rs || rq || rt); tries++) {
    sweep(ram_pages() * 5 / 4);
    rs = region_resident(getpid(), (uint64)s);
    rq = region_resident(getpid(), (uint64)q);
    rt = text_resident(pid, &textva);
  }
  getstat(&b);
  expect(rs == 0 && rq == 0 && rt == 0, "still resident after the sweeps: %ld pages of "
         "the shared mapping, %ld of the private one, %ld of cat's text", rs, rq, rt);
  expect(b.evict_file > a.evict_file, "evict_file did not move");
  expect(check(s, npg, 70) < 0 && check(q, npg, 70) < 0,
         "the mappings show the file wrong after their pages were dropped");
  expect(write(in[1], "hello\n", 6) == 6 && read(out[0], buf, 6) == 6 &&
         memcmp(buf, "hello\n", 6) == 0, "cat did not echo after its text was dropped");
  close(in[1]);
  expect(wait_child(pid) == 0, "cat failed");
  close(out[0]);
  expect(munmap(s, npg * PG) == 0 && munmap(q, npg * PG) == 0, "munmap failed");
  close(fd);
  expect(unlink("cleanfile") == 0, "unlink failed");
}
