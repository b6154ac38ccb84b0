// lpbench: what large pages (VMCONF_LARGEPAGE) change, for tools/lpbench.py,
// which times it and writes the numbers into docs/benchmarks.md. It passes
// or fails nothing.
//
//   lpbench CASE MiB rounds large faultaround
//
//   touch-eager  sbrk MiB, write a byte in every page, shrink; rounds times
//   touch-lazy   the same with sbrklazy
//   random       sbrk MiB (untimed), then rounds million loads and stores
//                at random pages of it
//
// with large pages and fault-around on (1) or off (0) for the run, set
// back afterwards. As vmbench does, it prints a line just before and just
// after the timed work, which the host times:
//
//   lpbench: begin touch-lazy
//   lpbench: end touch-lazy 163840 pages 14 ticks
//   lpbench: faults 71 tables 4 large 31 per round
//
// faults is the page faults taken per round, tables the page-table pages
// of the process with its heap fully there, large the large pages mapped
// whole or promoted per round (for random: with its heap).
#include "user.h"

#define PGSIZE 4096

static int mib, rounds;

static void
die(const char *what)
{
  fprintf(2, "lpbench: %s\n", what);
  exit(1);
}

// This process's page-table pages now.
static long
tables(void)
{
  static struct procinfo pi[NPROC];
  int n = procinfo(pi, NPROC);
  for (int i = 0; i < n && i < NPROC; i++)
    if (pi[i].pid == getpid())
      return pi[i].tables;
  die("procinfo does not show this process");
  return 0;
}

static long tables_full;   // tables() with the heap fully there

// Grow with grow(), write every page, shrink; rounds times.
static long
grow_touch_shrink(char *(*grow)(int))
{
  int n = mib << 20;
  for (int r = 0; r < rounds; r++) {
    char *p = grow(n);
    if (p == (char *)-1)
      die("cannot grow the heap");
    for (int off = 0; off < n; off += PGSIZE)
      p[off] = 1;
    if (r == rounds - 1)
      tables_full = tables();
    sbrk(-n);
  }
  return (long)rounds * (n / PGSIZE);
}

static char *heap;   // random's heap

// rounds million loads and stores at pseudo-random pages of the heap.
static long
random_access(void)
{
  long pages = ((long)mib << 20) / PGSIZE;
  uint seed = 12345;
  long sum = 0;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < 1000000; i++) {
      seed = seed * 1103515245 + 12345;
      char *p = heap + ((seed >> 4) % pages) * PGSIZE + (seed & 0xff8);
      sum += *p;
      *p = (char)i;
    }
  }
  if (sum == 42)
    printf("lpbench: %ld\n", sum);   // keeps the loads
  return (long)rounds * 1000000;
}

static char *sbrk_eager(int n) { return sbrk(n); }

int
main(int argc, char *argv[])
{
  if (argc != 6)
    die("usage: lpbench touch-eager|touch-lazy|random MiB rounds large faultaround");
  char *name = argv[1];
  mib = atoi(argv[2]);
  rounds = atoi(argv[3]);
  int random = strcmp(name, "random") == 0;
  if (mib <= 0 || mib > 1024 || rounds <= 0 ||
      (!random && strcmp(name, "touch-eager") != 0 && strcmp(name, "touch-lazy") != 0))
    die("bad arguments");
  int oldlarge = vmconfig(VMCONF_LARGEPAGE, atoi(argv[4]));
  int oldfa = vmconfig(VMCONF_FAULTAROUND, atoi(argv[5]));
  if (oldlarge < 0 || oldfa < 0)
    die("vmconfig failed");
  struct memstat a, b, made;
  memstat(&made);
  if (random) {
    heap = sbrk(mib << 20);
    if (heap == (char *)-1)
      die("cannot grow the heap");
    for (long off = 0; off < ((long)mib << 20); off += PGSIZE)
      heap[off] = 1;
    tables_full = tables();
  }
  memstat(&a);
  printf("lpbench: begin %s\n", name);
  int t0 = uptime();
  long units = random ? random_access()
               : grow_touch_shrink(strcmp(name, "touch-lazy") == 0 ? sbrklazy : sbrk_eager);
  int t1 = uptime();
  printf("lpbench: end %s %ld %s %d ticks\n", name, units, random ? "accesses" : "pages",
         t1 - t0);
  memstat(&b);
  // random's large pages were made with its heap, before the timing.
  if (!random)
    made = a;
  printf("lpbench: faults %ld tables %ld large %ld per round\n",
         (long)(b.faults - a.faults) / rounds, tables_full,
         (long)(b.large_mapped + b.large_promoted - made.large_mapped - made.large_promoted) /
           (random ? 1 : rounds));
  vmconfig(VMCONF_LARGEPAGE, oldlarge);
  vmconfig(VMCONF_FAULTAROUND, oldfa);
  exit(0);
}
