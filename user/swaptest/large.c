// swaptest: large pages go to swap. Eager sbrks take whole 2 MiB blocks
// as megapages; under pressure reclaim demotes them (large_demoted) and
// sends their pages out like small ones, and they come back byte for
// byte.
#include "swaptest.h"

// The memstat counters before a large-page test, which needs swap and
// large pages on (swaptest switches them on for its run).
static void
large_start(struct memstat *a)
{
  expect(have_swap(), "no swap disk");
  expect(vmconfig(VMCONF_LARGEPAGE, -1) == 1, "large pages are off");
  getstat(a);
}

// An eager sbrk of twice RAM: its aligned 2 MiB blocks are megapages
// while free blocks last (an evicted megapage frees a whole block for the
// next one), and they go to swap as small pages do, each demoted first.
// Every byte comes back.
void
large_eager_overcommit(void)
{
  struct memstat a, b;
  large_start(&a);
  uint64 n = ram_pages() * 2;
  char *p = sbrk(n * PG);
  expect(p != (char *)-1, "eager sbrk of %lu pages (RAM: %lu) failed", n, a.total);
  fill(p, n, 11);
  long bad = check(p, n, 11);
  getstat(&b);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
  expect(b.large_mapped - a.large_mapped >= 2, "%lu megapages mapped",
         b.large_mapped - a.large_mapped);
  expect(b.large_demoted > a.large_demoted && b.swap_outs - a.swap_outs >= n - a.total,
         "%lu megapages demoted, %lu pages to swap for %lu pages in %lu of RAM",
         b.large_demoted - a.large_demoted, b.swap_outs - a.swap_outs, n, a.total);
}

// A child takes every free 2 MiB block as megapages (an eager sbrk) and
// sleeps on a pipe; then this process needs RAM's worth of pages, for
// which the child's megapages must make room (demoted, then evicted).
// Afterwards the child finds every byte of its memory.
void
large_pages_make_room(void)
{
  struct memstat a, mid, b;
  large_start(&a);
  uint64 m = a.free_blocks[MEMSTAT_ORDERS - 1] * 512;
  int ready[2], go[2];
  expect(m >= 1024 && pipe(ready) == 0 && pipe(go) == 0, "%lu pages in free blocks", m);
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    char *p = sbrk(m * PG);
    if (p == (char *)-1)
      exit(2);
    fill(p, m, 12);
    char c = 'r';
    write(ready[1], &c, 1);
    if (read(go[0], &c, 1) != 1)
      exit(3);
    exit(check(p, m, 12) >= 0 ? 4 : 0);
  }
  char c;
  expect(read(ready[0], &c, 1) == 1, "the child did not get ready");
  getstat(&mid);
  uint64 n = ram_pages();
  char *p = sbrk(n * PG);
  long bad = -2;
  if (p != (char *)-1) {
    fill(p, n, 13);
    bad = check(p, n, 13);
  }
  write(go[1], "g", 1);
  int status = wait_child(pid);
  getstat(&b);
  expect(status == 0, "the child ended with %d (2: its sbrk failed, 4: its memory came "
         "back wrong)", status);
  expect(p != (char *)-1, "eager sbrk of %lu pages failed beside %lu pages of megapages",
         n, m);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
  expect(mid.large_mapped - a.large_mapped >= m / 512 - 1 &&
         b.large_demoted > mid.large_demoted,
         "%lu of %lu blocks mapped whole, %lu demoted", mid.large_mapped - a.large_mapped,
         m / 512, b.large_demoted - mid.large_demoted);
}
