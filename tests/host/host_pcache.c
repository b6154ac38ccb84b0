// The page cache's counts (pcache_count) checked against the cache
// itself: pagecache.c keeps them as pages change, and a change it missed
// shows here as a difference from going through every cached page.
#include <stdio.h>
#include "host.h"

struct walk {
  uint64 cached, reclaimable;
};

// A page is as good as free when it is clean and the cache's reference
// is its only one: what pagecache.c promises to count.
static void
walk_page(void *arg, uint64 pa)
{
  struct walk *w = arg;
  w->cached++;
  if (!page_info(pa)->dirty && kref_get(pa) == 1)
    w->reclaimable++;
}

int
machine_check_pcache(char *msg, size_t msgsz)
{
  struct walk w = { 0, 0 };
  pcache_visit(walk_page, &w);
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  if (cached == w.cached && reclaimable == w.reclaimable)
    return 0;
  snprintf(msg, msgsz, "pcache_count says %lu cached, %lu reclaimable; the cache holds %lu, %lu "
           "of them clean and held by nobody else", cached, reclaimable, w.cached, w.reclaimable);
  return -1;
}
