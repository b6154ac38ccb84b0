// Eviction of anonymous pages to swap (docs/paging.md, "How a page goes"):
// the reclaimer (reclaim.c) has the policy choose pages, each held and
// copied while still mapped (rmap_evict_pick), writes the copies to
// consecutive slots, and only then turns the PTEs of the pages that still
// hold their copy into those slots (rmap_evict_finish). The reverse map's
// records and its search for a page's PTEs are rmap.c's (rmap.h).
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"
#include "mm/rmap.h"

// lk's page is mapped through lk->large megapages: demote every one, each
// inside its owner's visit, so that every mapper has a small PTE to
// convert. The pages for their tables are taken first, with no lock held
// (kalloc may drop cache pages, which takes rm.lock: not under a visit's
// locks); when one is missing, nothing is demoted. Returns 0 when every
// megapage was demoted, else -1: no page for a table, or a mapper not
// visited now. Then the page stays for all its mappers (one left with
// its megapage would keep it in RAM anyway).
static int
demote_mappers(struct look *lk, int f, struct vmspace *hint)
{
  struct look dm = { .pa = lk->pa, .va = lk->va, .slot = -1, .demote = 1 };
  int r = -1;
  for (int i = 0; i < lk->large; i++) {
    void **table = kalloc();
    if (table == 0)
      goto out;
    *table = dm.tables;
    dm.tables = table;
  }
  look_for(&dm, hint);
  acquire(&rm.lock);
  pass_block_used(&dm, f);
  release(&rm.lock);
  r = dm.large == lk->large && dm.demoted == dm.large ? 0 : -1;
out:
  while (dm.tables) {
    void **table = dm.tables;
    dm.tables = *table;
    kfree(table);
  }
  return r;
}

// The pages of the batch being written (rmap_evict_pick), each held with
// a reference of the eviction's until rmap_evict_finish.
static struct chosen {
  int frame;
  uint64 pa, va;
  struct vmspace *hint;
  int mappers;
} chosen[RMAP_BATCH];
static int nchosen;

// Choose the anonymous page of frame f for swap: count its mappers, demote
// a megapage that maps it in every process, take a reference so that it
// stays while its copy goes to the disk, and copy it to dst. No PTE
// changes yet: the page stays where it is until its slot holds it
// (rmap_evict_finish). Returns 1 when the page was chosen, 0 when it
// cannot go now.
static int
choose(int f, char *dst)
{
  uint64 pa = pa_of(f);
  struct vmspace *hint = rm.pages[f].vm;
  struct look lk = { .pa = pa, .va = (uint64)rm.pages[f].vpn * PGSIZE, .slot = -1,
                     .hold = 1 };
  look_for(&lk, hint);
  acquire(&rm.lock);
  renew_hint(&lk, f);
  pass_block_used(&lk, f);
  if (lk.unshareable && rm.pages[f].vpn == lk.va / PGSIZE && !repl_present(&rm.repl, f))
    rm.pages[f].kind = RM_NONE;   // never evictable: not tried again
  release(&rm.lock);
  if (lk.mappers == 1)
    hint = lk.found;   // the later looks go straight to it
  int ok = !lk.unshareable && lk.mappers > 0 && lk.mappers + lk.held == kref_get(pa);
  // (else a mapper runs elsewhere, or the kernel holds it too)
  if (ok && lk.large > 0) {
    ok = demote_mappers(&lk, f, hint) == 0;
    if (ok && !lk.held) {   // its mappers were all megapages: hold it now
      struct look hl = { .pa = pa, .va = lk.va, .slot = -1, .hold = 1 };
      look_for(&hl, hint);
      lk.held = hl.held;
      ok = hl.held && hl.large == 0 && hl.mappers + 1 == kref_get(pa);
    }
  }
  if (!ok) {
    if (lk.held)
      kfree(P2V(pa));
    return 0;
  }
  memmove(dst, P2V(pa), PGSIZE);
  chosen[nchosen++] = (struct chosen){ f, pa, lk.va, hint, lk.mappers };
  return 1;
}

// Choose up to n pages (at most RMAP_BATCH) by the current policy for
// swap, their contents copied to buf, n pages long, in order. Returns how
// many were chosen; the caller writes them to consecutive slots and then
// calls rmap_evict_finish. Callers hold the reclaimer's lock (reclaim.c),
// so one eviction runs at a time.
int
rmap_evict_pick(int n, char *buf)
{
  if (n > RMAP_BATCH)
    n = RMAP_BATCH;
  nchosen = 0;
  // A page passed over is tried again later; give up after every tracked
  // page had its chance.
  int tries = rmap_tracked() + 1;
  while (nchosen < n && tries-- > 0) {
    acquire(&rm.lock);
    int f = repl_victim(&rm.repl, vm_policy);
    release(&rm.lock);
    if (f < 0)
      break;
    if (choose(f, buf + (uint64)nchosen * PGSIZE))
      continue;
    acquire(&rm.lock);
    if (rm.pages[f].kind == RM_ANON && !repl_present(&rm.repl, f))
      repl_add(&rm.repl, f);   // still a candidate: it joins as the youngest
    release(&rm.lock);
  }
  return nchosen;
}

// The pages rmap_evict_pick chose, whose copies in buf went to slots
// first, first + 1, ... (each holding one reference of the caller's) when
// written is set, or could not be written (a disk error). Written: every
// PTE that maps such a page and the page still holds what its slot holds
// gets the slot (each under its owner's lock while the owner is stopped),
// and the page is freed once no PTE maps it. A page stored to since its
// copy was made (possible until its PTE changes) keeps its PTEs: a slot
// only ever stands for what it holds. Not written: every page stays as
// it was, and its slot goes back free with the caller's reference. So a
// PTE names a slot only once the slot holds the page. Returns the pages
// sent to swap.
int
rmap_evict_finish(int first, const char *buf, int written)
{
  int done = 0;
  for (int i = 0; i < nchosen; i++) {
    struct chosen *c = &chosen[i];
    int slot = first + i;
    struct look lk = { .pa = c->pa, .va = c->va, .own = 1, .slot = -1 };
    if (written) {
      for (int k = 0; k < c->mappers; k++)
        swap_dup(slot);
      lk.slot = slot;
      lk.budget = c->mappers;
      lk.data = buf + (uint64)i * PGSIZE;
      look_for(&lk, c->hint);
      for (int k = lk.converted; k < lk.budget; k++)
        swap_free(slot);   // references for PTEs that went or changed meanwhile
    }
    for (int k = 0; k < lk.converted; k++)
      kfree(P2V(c->pa));
    if (lk.converted > 0) {
      VMSTAT_INC(evict_anon);
      done++;
    }
    kfree(P2V(c->pa));   // the eviction's reference: the page goes with the last
    if (lk.converted > 0)
      continue;
    acquire(&rm.lock);
    if (rm.pages[c->frame].kind == RM_ANON && !repl_present(&rm.repl, c->frame))
      repl_add(&rm.repl, c->frame);   // still a candidate
    release(&rm.lock);
  }
  nchosen = 0;
  return done;
}

