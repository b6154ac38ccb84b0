// swaptest: contents that go to swap and come back byte for byte.
#include "swaptest.h"

// The heap: 1.5x RAM filled and read back; pages went out and came back.
void
heap_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  struct memstat a, b;
  getstat(&a);
  uint64 n = ram_pages() * 3 / 2;
  char *p = sbrklazy(n * PG);
  expect(p != (char *)-1, "sbrk of %lu pages failed", n);
  fill(p, n, 1);
  long bad = check(p, n, 1);
  getstat(&b);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
  expect(b.swap_outs - a.swap_outs >= n - a.total && b.evict_anon > a.evict_anon,
         "%lu pages went to swap for %lu pages in %lu of RAM", b.swap_outs - a.swap_outs,
         n, a.total);
  expect(b.swap_ins > a.swap_ins && b.major_faults > a.major_faults,
         "%lu pages came back, %lu major faults", b.swap_ins - a.swap_ins,
         b.major_faults - a.major_faults);
}

// An eager sbrk bigger than the free RAM succeeds while swap has room.
void
eager_overcommit(void)
{
  expect(have_swap(), "no swap disk");
  uint64 n = ram_pages() * 5 / 4;
  char *p = sbrk(n * PG);
  expect(p != (char *)-1, "eager sbrk of %lu pages (RAM: %lu) failed", n, ram_pages());
  fill(p, n, 2);
  long bad = check(p, n, 2);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
}

// The stack page goes to swap while this process waits for a child that
// sweeps memory, and comes back whole, and so does the status word wait
// stores there. (A process that sweeps itself touches its stack all the
// while; and a process asleep in wait holds none of its pages in RAM.)
// The child tells through a pipe whether it saw the parent's stack leave
// RAM.
void
stack_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  volatile uint64 local[256];
  for (int i = 0; i < 256; i++)
    local[i] = pattern(3, 0, i);
  int parent = getpid();
  uint64 sp = (uint64)local;
  int fds[2];
  expect(pipe(fds) == 0, "pipe failed");
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    char out = 0;
    for (int tries = 0; tries < 6 && !out; tries++) {
      sweep(ram_pages() * 5 / 4);
      out = region_resident(parent, sp) == 0;
    }
    write(fds[1], &out, 1);
    exit(7);
  }
  int status = -5;
  int waited = wait(&status);
  expect(waited == pid && status == 7, "wait returned %d with status %d", waited, status);
  char out = 0;
  int got = read(fds[0], &out, 1);
  close(fds[0]);
  close(fds[1]);
  int ok = 1;
  for (int i = 0; i < 256; i++)
    if (local[i] != pattern(3, 0, i))
      ok = 0;
  expect(ok, "the stack came back wrong");
  expect(got == 1 && out, "the stack never left RAM while the child swept");
}

// An anonymous private mapping of 1.2x RAM: out and back.
void
mmap_anon_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  uint64 n = ram_pages() * 6 / 5;
  char *p = mmap(0, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(p != MAP_FAILED, "mmap of %lu pages failed", n);
  fill(p, n, 4);
  long res = region_resident(getpid(), (uint64)p);
  long bad = check(p, n, 4);
  expect(res >= 0 && (uint64)res < n, "all %lu pages stayed resident", n);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
  expect(munmap(p, n * PG) == 0, "munmap failed");
}

// A private mapping of a file, every page written (private copies), then
// a sweep: the copies come back, and the file is as it was.
void
mmap_private_file_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  int npg = 32;
  int fd = open("swapfile", O_CREATE | O_RDWR | O_TRUNC);
  expect(fd >= 0, "cannot create swapfile");
  char buf[512];
  for (int i = 0; i < npg * PG / 512; i++) {
    memset(buf, 'a' + i % 26, sizeof(buf));
    expect(write(fd, buf, sizeof(buf)) == sizeof(buf), "write failed");
  }
  char *p = mmap(0, npg * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  fill(p, npg, 5);
  int tries = 0;
  for (; tries < 6 && region_resident(getpid(), (uint64)p) != 0; tries++)
    sweep(ram_pages() * 5 / 4);
  long res = region_resident(getpid(), (uint64)p);
  long bad = check(p, npg, 5);
  expect(res == 0, "%ld of %d pages still resident after %d sweeps", res, npg, tries);
  expect(bad < 0, "page %ld of the private copies came back wrong", bad);
  expect(munmap(p, npg * PG) == 0, "munmap failed");
  close(fd);
  fd = open("swapfile", O_RDONLY);
  for (int i = 0; i < npg * PG / 512; i++) {
    expect(read(fd, buf, sizeof(buf)) == sizeof(buf), "read failed");
    for (int j = 0; j < 512; j++)
      expect(buf[j] == 'a' + i % 26, "the file changed at byte %d", i * 512 + j);
  }
  close(fd);
  unlink("swapfile");
}
