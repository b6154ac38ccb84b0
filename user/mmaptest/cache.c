// mmaptest: the page cache shared by mappings, read() and write(),
// running programs, and O_TRUNC unmapping pages past the new end.
#include "mmaptest.h"

// Reading a file's page through the cache costs one read from the file;
// a second mapping of it, or a second process, finds it there.
void
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
void
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
void
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

void
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
