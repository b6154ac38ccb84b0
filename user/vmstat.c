// vmstat [SECONDS [COUNT]]: memory and paging activity, one line per
// interval, like the Unix command: free and cached pages, swap slots in
// use, then per second over the interval the faults (minor and major),
// pages read back from swap (in) and written to it (out), and pages
// evicted. Without SECONDS one line of totals since boot; with it, a line
// every SECONDS seconds, COUNT times (forever without COUNT), so that a
// workload running in the background can be watched:
//
//   $ swaptest swap:heap_roundtrip & vmstat 1 10
#include "user.h"

#define TICKS_PER_SECOND 10   // uptime() counts ticks of 0.1 s (SPEC.md)

static void
header(void)
{
  printf("%8s %8s %8s %8s %8s %8s %8s %8s\n", "free", "cached", "swapped", "minor/s",
         "major/s", "in/s", "out/s", "evict/s");
}

static uint64
evictions(const struct memstat *st)
{
  return st->evict_anon + st->evict_file + st->evict_dirty;
}

// One line: the state now, and the counters' growth from a to b over
// secs seconds (secs == 0: totals since boot).
static void
line(const struct memstat *a, const struct memstat *b, int secs)
{
  int d = secs > 0 ? secs : 1;
  printf("%8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu\n", b->free, b->cached, b->swap_used,
         (b->minor_faults - a->minor_faults) / d, (b->major_faults - a->major_faults) / d,
         (b->swap_ins - a->swap_ins) / d, (b->swap_outs - a->swap_outs) / d,
         (evictions(b) - evictions(a)) / d);
}

int
main(int argc, char **argv)
{
  int secs = argc > 1 ? atoi(argv[1]) : 0;
  int count = argc > 2 ? atoi(argv[2]) : -1;
  if (argc > 3 || secs < 0 || (argc > 1 && secs == 0)) {
    fprintf(2, "usage: vmstat [SECONDS [COUNT]]\n");
    exit(2);
  }
  struct memstat prev, now;
  memset(&prev, 0, sizeof(prev));
  if (memstat(&now) != 0) {
    fprintf(2, "vmstat: memstat failed\n");
    exit(1);
  }
  header();
  line(&prev, &now, 0);
  for (int i = 1; secs > 0 && i != count; i++) {
    prev = now;
    pause(secs * TICKS_PER_SECOND);
    if (memstat(&now) != 0)
      exit(1);
    line(&prev, &now, secs);
  }
  exit(0);
}
