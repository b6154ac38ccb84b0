// pagingexp: the learner's experiment of docs/paging.md, run by the
// kernel itself. A program touches a working set of PAGES pages with REFS
// references in one of three patterns, under one replacement policy, and
// prints what the memory system did meanwhile:
//
//   pagingexp POLICY PATTERN PAGES REFS [SEED]
//     POLICY   fifo, clock, aging or random (set with vmconfig, then put back)
//     PATTERN  loop     0, 1, ..., PAGES-1, over and over
//              random   pages drawn uniformly
//              hotcold  80% of references to a hot fifth of the pages,
//                       the rest spread over the cold tail
//   pagingexp frames    how many pages a working set can have in memory now
//
// The trace is that of tools/pagesim.py in kind (the same patterns, the
// same 80/20 split), drawn from its own generator. The working set is
// heap from sbrklazy; each page is written once (its number in its first
// word) before the references start, so the counts below are those of the
// references alone. Each reference reads the page's first word and checks
// it: a page that came back from swap wrong stops the run.
//
// Output, one line (tools/pagingexp.py reads it):
//   pagingexp: POLICY PATTERN PAGES REFS faults F ins I outs O ticks T
// F: faults taken during the references, I and O: pages read from and
// written to swap, T: clock ticks the references took.
#include "user.h"

#define PGSIZE 4096

static const char *policies[] = { "fifo", "clock", "aging", "random" };   // POLICY_*

static unsigned rng = 1;

// xorshift32: small, and the same on every run with the same seed.
static unsigned
next(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static int
page_for(const char *pattern, long i, long pages)
{
  if (strcmp(pattern, "loop") == 0)
    return i % pages;
  if (strcmp(pattern, "random") == 0)
    return next() % pages;
  long hot = pages / 5 > 0 ? pages / 5 : 1;
  if (hot == pages || next() % 10 < 8)
    return next() % hot;
  return hot + next() % (pages - hot);
}

static void
die(const char *msg)
{
  printf("pagingexp: %s\n", msg);
  exit(1);
}

static void
usage(void)
{
  die("usage: pagingexp fifo|clock|aging|random loop|random|hotcold PAGES REFS [SEED]"
      " | pagingexp frames");
}

int
main(int argc, char *argv[])
{
  if (argc == 2 && strcmp(argv[1], "frames") == 0) {
    printf("pagingexp: frames %ld\n", freepages());
    exit(0);
  }
  if (argc < 5)
    usage();
  int policy = -1;
  for (int i = 0; i < 4; i++)
    if (strcmp(argv[1], policies[i]) == 0)
      policy = i;
  const char *pattern = argv[2];
  long pages = atoi(argv[3]), refs = atoi(argv[4]);
  if (argc > 5)
    rng = atoi(argv[5]) ? atoi(argv[5]) : 1;
  if (policy < 0 || pages < 1 || refs < 0 ||
      (strcmp(pattern, "loop") && strcmp(pattern, "random") && strcmp(pattern, "hotcold")))
    usage();

  int old = vmconfig(VMCONF_POLICY, policy);
  if (old < 0)
    die("vmconfig failed");
  // Large pages off meanwhile: the experiment compares the policies on
  // the pages the simulator has, 4 KiB ones. (A megapage goes to swap
  // page by page too, once demoted, but until then its 512 pages share
  // one accessed bit, which the simulator does not model.)
  int lp = vmconfig(VMCONF_LARGEPAGE, 0);
  char *ws = sbrklazy(pages * PGSIZE);
  if (ws == (char *)-1)
    die("sbrklazy failed");
  for (long p = 0; p < pages; p++)
    *(long *)(ws + p * PGSIZE) = p;

  struct memstat a, b;
  memstat(&a);
  int t0 = uptime();
  for (long i = 0; i < refs; i++) {
    long p = page_for(pattern, i, pages);
    if (*(long *)(ws + p * PGSIZE) != p) {
      printf("pagingexp: page %ld holds %ld after %ld references\n", p,
             *(long *)(ws + p * PGSIZE), i);
      exit(1);
    }
  }
  int t1 = uptime();
  memstat(&b);
  vmconfig(VMCONF_POLICY, old);
  vmconfig(VMCONF_LARGEPAGE, lp);
  printf("pagingexp: %s %s %ld %ld faults %lu ins %lu outs %lu ticks %d\n", policies[policy],
         pattern, pages, refs,
         (b.zero_fill + b.zero_map + b.cow_copy + b.cow_reuse + b.swap_ins) -
         (a.zero_fill + a.zero_map + a.cow_copy + a.cow_reuse + a.swap_ins),
         b.swap_ins - a.swap_ins, b.swap_outs - a.swap_outs, t1 - t0);
  exit(0);
}
