// In-guest tests of mmap and friends as a hostile program uses them: a
// running program mapped shared and writable, exec of a file mapped so,
// stores racing write-backs, copies to and from file mappings, memory
// exhausted around file pages, and region splits until the list is full.
// Each test gives back every page it took (testrun checks the program).
#include "user.h"
#include "test.h"

#define PGSIZE 4096
#define RW (PROT_READ | PROT_WRITE)

static char buf[2 * PGSIZE];

// Create name holding n bytes, byte i being 'a' + i % 26; returns a
// descriptor opened with mode.
static int
make_file(const char *name, int n, int mode)
{
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  expect(fd >= 0, "cannot create %s", name);
  for (int done = 0; done < n;) {
    int m = n - done < (int)sizeof(buf) ? n - done : (int)sizeof(buf);
    for (int i = 0; i < m; i++)
      buf[i] = 'a' + (done + i) % 26;
    expect(write(fd, buf, m) == m, "cannot write %s", name);
    done += m;
  }
  close(fd);
  fd = open(name, mode);
  expect(fd >= 0, "cannot open %s", name);
  return fd;
}

// This program's own file runs (this process's text is mapped from it):
// a shared mapping of it may not be writable, as write() to it fails, and
// nothing reaches the file.
static void
running_program_shared_write(void)
{
  expect(copy_file("mmapbadtest", "mb.prog") == 0, "cannot copy mmapbadtest");
  int fd = open("mb.prog", O_RDONLY);
  expect(fd >= 0 && read(fd, buf, 64) == 64, "cannot read mb.prog");
  close(fd);
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "mb.prog", "hold", 0 };
    exec("mb.prog", argv);
    exit(1);
  }
  pause(5);   // until the child runs mb.prog
  fd = open("mb.prog", O_RDWR);
  char *w = mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0);
  char *r = mmap(0, PGSIZE, PROT_READ, MAP_SHARED, fd, 0);
  int prot = r != MAP_FAILED ? mprotect(r, PGSIZE, RW) : 0;
  int same = r != MAP_FAILED && memcmp(r, buf, 64) == 0;
  kill(pid);
  wait(0);
  if (w != MAP_FAILED)
    munmap(w, PGSIZE);
  if (r != MAP_FAILED)
    munmap(r, PGSIZE);
  expect(fd >= 0, "cannot open the running program");
  expect(w == MAP_FAILED, "a running program was mapped shared and writable");
  expect(r != MAP_FAILED, "a running program could not be mapped shared read-only");
  expect(prot == -1, "mprotect made a running program's page writable");
  expect(same, "the mapping does not show the file");
  char *p;
  // Once it has ended, the file may be mapped writable again.
  p = mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0);
  expect(p != MAP_FAILED, "a program that ended still refuses a shared writable mapping");
  munmap(p, PGSIZE);
  close(fd);
  unlink("mb.prog");
}

// A file mapped shared and writable may not be run (ETXTBSY): its text
// could change under the program. A read-only shared or a private
// mapping does not stop exec.
static void
exec_shared_writable(void)
{
  expect(copy_file("echo", "mb.echo") == 0, "cannot copy echo");
  int fd = open("mb.echo", O_RDWR);
  expect(fd >= 0, "cannot open mb.echo");
  char *p = mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "mb.echo", 0 };
    exec("mb.echo", argv);
    exit(7);   // exec refused
  }
  int st;
  expect(wait(&st) == pid && st == 7, "a file mapped shared and writable was run (status %d)", st);
  munmap(p, PGSIZE);
  p = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  pid = fork();
  if (pid == 0) {
    char *argv[] = { "mb.echo", 0 };
    exec("mb.echo", argv);
    exit(7);
  }
  expect(wait(&st) == pid && st == 0, "a file mapped private could not be run (status %d)", st);
  munmap(p, PGSIZE);
  close(fd);
  unlink("mb.echo");
}

#define STORES 400000

// One process stores a counter into a shared file page over and over
// while another writes the page back with msync: a write-back must never
// put older bytes back into the page.
static void
writeback_keeps_stores(void)
{
  int fd = make_file("mb.wb", PGSIZE, O_RDWR);
  volatile long *p = mmap(0, PGSIZE, RW, MAP_SHARED, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  p[0] = 0;
  p[1] = 0;   // set when the storer is done
  int pid = fork();
  if (pid == 0) {
    for (long i = 1; i <= STORES; i++) {
      if (p[0] != i - 1) {
        printf("store %ld found %ld\n", i, p[0]);
        p[1] = 2;
        exit(1);
      }
      p[0] = i;
    }
    p[1] = 1;
    exit(0);
  }
  int syncs = 0;
  while (p[1] == 0) {
    expect(msync((void *)p, PGSIZE, 0) == 0, "msync failed");
    syncs++;
  }
  int st;
  expect(wait(&st) == pid && st == 0, "a write-back undid a store (after %d msyncs)", syncs);
  munmap((void *)p, PGSIZE);
  close(fd);
  unlink("mb.wb");
}

// read(), write() and pipes with buffers in file mappings: shared,
// private, read-only, and past the end of the file.
static void
copies_with_mappings(void)
{
  int fd = make_file("mb.cp", PGSIZE + 100, O_RDWR);
  char *sh = mmap(0, 3 * PGSIZE, RW, MAP_SHARED, fd, 0);
  char *pr = mmap(0, 3 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
  char *ro = mmap(0, 2 * PGSIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  expect(sh != MAP_FAILED && pr != MAP_FAILED && ro != MAP_FAILED, "mmap failed");
  // read() of the file into its own shared mapping, shifted by one page.
  expect(read(fd, sh + PGSIZE, 100) == 100, "read into the shared mapping failed");
  expect(memcmp(sh, sh + PGSIZE, 100) == 0, "read into the shared mapping");
  // Past the page where the file ends: refused, nothing stored.
  expect(read(fd, sh + 2 * PGSIZE, 10) == -1, "read into a page past the end of the file");
  expect(read(fd, ro, 10) == -1, "read into a read-only mapping");
  // write() from a private mapping whose page was stored to.
  pr[0] = '!';
  int wfd = open("mb.cp", O_RDWR);
  expect(write(wfd, pr, 10) == 10, "write from a private mapping failed");
  close(wfd);
  expect(sh[0] == '!' && ro[0] == '!' && pr[0] == '!', "the write is not seen");
  expect(write(fd, pr + 2 * PGSIZE, 10) == -1, "write from past the end of the file");
  // A pipe from one mapping into another.
  int p[2];
  expect(pipe(p) == 0, "pipe failed");
  expect(write(p[1], ro + 1, 50) == 50, "pipe write from a mapping failed");
  expect(read(p[0], pr + PGSIZE, 50) == 50, "pipe read into a mapping failed");
  expect(memcmp(pr + PGSIZE, ro + 1, 50) == 0, "the pipe's bytes");
  expect(write(p[1], sh + 2 * PGSIZE, 8) == -1, "a pipe write from past the end of the file");
  expect(write(p[1], "12345678", 8) == 8, "pipe write failed");
  expect(read(p[0], ro + PGSIZE, 8) == -1, "pipe read into a read-only mapping");
  close(p[0]);
  close(p[1]);
  munmap(sh, 3 * PGSIZE);
  munmap(pr, 3 * PGSIZE);
  munmap(ro, 2 * PGSIZE);
  close(fd);
  unlink("mb.cp");
}

// With every free page eaten by the heap, touching file pages either
// works (clean cached pages are reclaimed) or kills only the toucher,
// and every page comes back.
static void
exhausted_memory(void)
{
  int fd = make_file("mb.oom", 40 * PGSIZE, O_RDWR);
  // Exhaustion of RAM itself: with eviction on, the heap would first fill
  // the swap disk (user/swaptest.c tests that, with little RAM).
  int evict = vmconfig(VMCONF_EVICT, 0);
  int pid = fork();
  if (pid == 0) {
    char *m = mmap(0, 40 * PGSIZE, RW, MAP_SHARED, fd, 0);
    char *q = mmap(0, 40 * PGSIZE, RW, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED || q == MAP_FAILED)
      exit(2);
    while (sbrk(64 * PGSIZE) != (char *)-1)
      ;
    while (sbrk(PGSIZE) != (char *)-1)
      ;
    for (int i = 0; i < 40; i++) {
      m[i * PGSIZE] = 'S';
      q[i * PGSIZE] = 'P';
    }
    exit(0);
  }
  int st;
  int w = wait(&st);
  vmconfig(VMCONF_EVICT, evict);
  expect(w == pid && (st == 0 || st == -1), "the child ended with %d", st);
  close(fd);
  unlink("mb.oom");
}

// munmap of holes in one mapping until the region list is full: the
// split that does not fit is refused, every page keeps its bytes.
static void
holes_until_full(void)
{
  int n = 140;
  char *p = mmap(0, n * PGSIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(p != MAP_FAILED, "mmap failed");
  for (int i = 0; i < n; i++)
    p[i * PGSIZE] = i;
  int holes = 0, refused = 0;
  for (int i = 1; i < n; i += 2) {
    if (munmap(p + i * PGSIZE, PGSIZE) == 0)
      holes++;
    else
      refused++;
    if (refused == 1 && mprotect(p + (i + 1) * PGSIZE, PGSIZE, PROT_READ) == -1)
      refused++;
  }
  expect(holes > 10 && refused > 1, "%d holes made, %d refused", holes, refused);
  for (int i = 0; i < n; i += 2)
    expect(p[i * PGSIZE] == (char)i, "page %d lost its byte", i);
  expect(munmap(p, n * PGSIZE) == 0, "munmap of the whole failed");
}

static struct test tests[] = {
  { "mmapbad:running_program_shared_write", running_program_shared_write },
  { "mmapbad:exec_shared_writable", exec_shared_writable },
  { "mmapbad:writeback_keeps_stores", writeback_keeps_stores },
  { "mmapbad:copies_with_mappings", copies_with_mappings },
  { "mmapbad:exhausted_memory", exhausted_memory },
  { "mmapbad:holes_until_full", holes_until_full },
};

int
main(int argc, char *argv[])
{
  if (argc == 2 && strcmp(argv[1], "hold") == 0) {
    for (;;)
      pause(100);
  }
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
