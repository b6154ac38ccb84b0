// vmbench: how much the memory system's operations cost. Prints numbers;
// it passes or fails nothing (docs/benchmarks.md records the results).
//
//   vmbench [MiB] [rounds]
//
// Times come from uptime() in ticks of 0.1 s, so each case repeats its
// work for `rounds` rounds to last long enough to measure.
#include "user.h"

#define PGSIZE 4096

static int mib = 32;
static int rounds = 10;

// Grow the heap by n bytes with grow(), write one byte in every page,
// give the memory back.
static void
touch_heap(char *(*grow)(int), int n)
{
  char *p = grow(n);
  if (p == (char *)-1) {
    printf("vmbench: cannot grow by %d bytes\n", n);
    exit(1);
  }
  for (int off = 0; off < n; off += PGSIZE)
    p[off] = 1;
  sbrk(-n);
}

static void
report(const char *what, int t0, int t1, long units, const char *unit)
{
  int ticks = t1 - t0;
  printf("%s: %d ticks, %d us per %s\n", what, ticks,
         units ? (int)((long)ticks * 100000 / units) : 0, unit);
}

static void
bench_touch(void)
{
  int n = mib << 20;
  long pages = (long)rounds * (n / PGSIZE);
  int t0 = uptime();
  for (int r = 0; r < rounds; r++)
    touch_heap(sbrk, n);
  int t1 = uptime();
  for (int r = 0; r < rounds; r++)
    touch_heap(sbrklazy, n);
  int t2 = uptime();
  report("touch heap grown eagerly", t0, t1, pages / 1000, "1000 pages");
  report("touch heap grown lazily", t1, t2, pages / 1000, "1000 pages");
  if (t1 > t0)
    printf("lazy / eager: %d%%\n", (t2 - t1) * 100 / (t1 - t0));
}

// The cost of entering and leaving the kernel, which every fault pays too.
static void
bench_syscall(void)
{
  int n = 20000 * rounds;
  int t0 = uptime();
  for (int i = 0; i < n; i++)
    getpid();
  int t1 = uptime();
  report("getpid", t0, t1, n / 1000, "1000 calls");
}

static void
bench_fork(void)
{
  int n = mib << 20;
  char *p = sbrk(n);
  for (int off = 0; off < n; off += PGSIZE)
    p[off] = 1;
  int t0 = uptime();
  for (int r = 0; r < rounds; r++) {
    int pid = fork();
    if (pid == 0)
      exit(0);
    wait(0);
  }
  int t1 = uptime();
  for (int r = 0; r < rounds; r++) {
    int pid = fork();
    if (pid == 0) {
      for (int off = 0; off < n; off += PGSIZE)
        p[off] = 2;
      exit(0);
    }
    wait(0);
  }
  int t2 = uptime();
  report("fork+exit+wait, heap touched", t0, t1, rounds, "fork");
  report("fork, child writes every page", t1, t2, rounds, "fork");
  sbrk(-n);
}

int
main(int argc, char *argv[])
{
  if (argc > 1)
    mib = atoi(argv[1]);
  if (argc > 2)
    rounds = atoi(argv[2]);
  if (mib <= 0 || rounds <= 0) {
    fprintf(2, "usage: vmbench [MiB] [rounds]\n");
    exit(1);
  }
  printf("vmbench: %d MiB, %d rounds\n", mib, rounds);
  bench_syscall();
  bench_touch();
  bench_fork();
  exit(0);
}
