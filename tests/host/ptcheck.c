// Checkers that read the simulated machine's page tables in the Sv39
// format directly, independently of the code under test: visitors of
// their entries, and the accounting checks of every page's reference
// count and every swap slot's (host.h). The RAM itself: machine.c.
#include <stdio.h>
#include <string.h>
#include "arch/riscv/sv39.h"
#include "host.h"

static void
visit(pagetable_t pt, int level, uint64 va, const struct ptvisitor *v,
      int (*shared)(uint64 pa, void *arg))
{
  if (v->table)
    v->table((uint64)pt, v->arg);
  for (uint64 i = 0; i < 512; i++) {
    pte_t pte = pt[i];
    uint64 a = va | (i << (PGSHIFT + 9 * level));
    if (level == 1 && (pte & (PTE_V | PTE_SHTABLE)) == PTE_SHTABLE) {
      if (shared && shared(PTE2PA(pte), v->arg))
        visit((pagetable_t)PTE2PA(pte), 0, a, v, shared);
      continue;
    }
    if (!(pte & PTE_V))
      continue;
    if (level > 0 && !(pte & (PTE_R | PTE_W | PTE_X)))
      visit((pagetable_t)PTE2PA(pte), level - 1, a, v, shared);
    else if (v->leaf)
      v->leaf(a, pte, level, v->arg);
  }
}

void
pt_visit(pagetable_t pt, const struct ptvisitor *v)
{
  visit(pt, 2, 0, v, 0);
}

void
pt_visit_shared(pagetable_t pt, const struct ptvisitor *v, int (*shared)(uint64 pa, void *arg))
{
  visit(pt, 2, 0, v, shared);
}

// A table is in use while any entry is not zero: a valid one, a
// swapped-out PTE (a slot) or a shared table's mark.
static int
empty_below(pagetable_t pt, int level, uint64 va, int (*excused)(uint64 va, void *arg),
            void *arg)
{
  int n = 0, used = 0;
  for (uint64 i = 0; i < 512; i++) {
    pte_t pte = pt[i];
    if (pte == 0)
      continue;
    used = 1;
    if (level > 0 && (pte & PTE_V) && !(pte & (PTE_R | PTE_W | PTE_X)))
      n += empty_below((pagetable_t)PTE2PA(pte), level - 1,
                       va | (i << (PGSHIFT + 9 * level)), excused, arg);
  }
  return n + (level < 2 && !used && !(level == 0 && excused && excused(va, arg)));
}

int
pt_empty_tables(pagetable_t pt, int (*excused)(uint64 va, void *arg), void *arg)
{
  return empty_below(pt, 2, 0, excused, arg);
}

// A shared table's mark counts as a table: the span becomes the process's
// own (a copy, or the table itself) before anything is mapped there.
int
pt_missing_tables(pagetable_t pt, uint64 va)
{
  for (int level = 2; level > 0; level--) {
    pte_t pte = pt[PX(level, va)];
    if (level == 1 && (pte & (PTE_V | PTE_SHTABLE)) == PTE_SHTABLE)
      return 0;
    if (!(pte & PTE_V))
      return level;
    pt = (pagetable_t)PTE2PA(pte);
  }
  return 0;
}

static int
is_swap_pte(pte_t pte)
{
  return (pte & (PTE_V | PTE_SWAP)) == PTE_SWAP;
}

// The swapped-out PTEs below a level-`level` table; with shared tables,
// into a shared table's mark when enter says so.
static void
visit_swapped(pagetable_t pt, int level, uint64 va, int (*enter)(uint64 pa, void *arg),
              void (*fn)(uint64 va, pte_t pte, void *arg), void *arg)
{
  for (uint64 i = 0; i < 512; i++) {
    pte_t pte = pt[i];
    uint64 a = va | (i << (PGSHIFT + 9 * level));
    if (level == 0) {
      if (is_swap_pte(pte))
        fn(a, pte, arg);
      continue;
    }
    if (level == 1 && (pte & (PTE_V | PTE_SHTABLE)) == PTE_SHTABLE) {
      if (enter(PTE2PA(pte), arg))
        visit_swapped((pagetable_t)PTE2PA(pte), 0, a, enter, fn, arg);
      continue;
    }
    if ((pte & PTE_V) && !(pte & (PTE_R | PTE_W | PTE_X)))
      visit_swapped((pagetable_t)PTE2PA(pte), level - 1, a, enter, fn, arg);
  }
}

static int
enter_always(uint64 pa, void *arg)
{
  (void)pa;
  (void)arg;
  return 1;
}

void
pt_visit_swapped(pagetable_t pt, void (*fn)(uint64 va, pte_t pte, void *arg), void *arg)
{
  visit_swapped(pt, 2, 0, enter_always, fn, arg);
}

void
pt_visit_all(pagetable_t pt, const struct ptvisitor *v)
{
  visit(pt, 2, 0, v, enter_always);
}

// ---- reference counts

struct refcount {
  int *want;              // per managed page
  int *writable;          // per managed page: private leaves that map it with W
  int *seen;              // per managed page: a shared table already visited
  uint64 first, npages;
  struct vmspace *vm;     // whose page table is being visited
  char *msg;
  size_t msgsz;
  int bad;
};

static void
count(struct refcount *rc, uint64 pa, const char *what)
{
  if (rc->bad)
    return;
  if (pa % PGSIZE || pa < rc->first || pa >= rc->first + rc->npages * PGSIZE) {
    snprintf(rc->msg, rc->msgsz, "%s %#lx is not a page of RAM", what, pa);
    rc->bad = 1;
    return;
  }
  rc->want[(pa - rc->first) / PGSIZE]++;
}

static void
count_table(uint64 pa, void *arg)
{
  count(arg, pa, "page-table page");
}

// A shared table's page holds one reference per sharer; its PTEs hold
// theirs once, for all the sharers. The first sharer's visit goes into
// it (and counts the table there), the others count it here.
static int
count_shared_table(uint64 pa, void *arg)
{
  struct refcount *rc = arg;
  if (pa >= rc->first && pa < rc->first + rc->npages * PGSIZE &&
      !rc->seen[(pa - rc->first) / PGSIZE]) {
    rc->seen[(pa - rc->first) / PGSIZE] = 1;
    return 1;
  }
  count(rc, pa, "shared page-table page");
  return 0;
}

static void
count_cached(void *arg, uint64 pa)
{
  count(arg, pa, "cached page");
}

static void
count_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  struct refcount *rc = arg;
  if (level > 1 && !rc->bad) {
    snprintf(rc->msg, rc->msgsz, "gigapage at va %#lx", va);
    rc->bad = 1;
  }
  // A megapage must be aligned; it holds a reference on each of its pages.
  uint64 npages = level == 1 ? 512 : 1;
  if (PTE2PA(pte) % (npages * PGSIZE) != 0 && !rc->bad) {
    snprintf(rc->msg, rc->msgsz, "megapage at va %#lx maps unaligned %#lx", va, PTE2PA(pte));
    rc->bad = 1;
  }
  if ((pte & PTE_W) && (pte & PTE_COW) && !rc->bad) {
    snprintf(rc->msg, rc->msgsz, "va %#lx is writable and copy-on-write", va);
    rc->bad = 1;
  }
  // A block held whole has one count for all its pages, which only large
  // mappings share: a small PTE owns a count of its page's own, so a
  // demotion must have split the block's count first.
  uint64 blk = PTE2PA(pte) & ~(LARGE_PGSIZE - 1);
  if (level == 0 && blk >= rc->first && blk + LARGE_PGSIZE <= rc->first + rc->npages * PGSIZE &&
      kref_whole(blk) > 0 && !rc->bad) {
    snprintf(rc->msg, rc->msgsz, "va %#lx: a small PTE in a block held whole", va);
    rc->bad = 1;
  }
  // A shared region's page is writable wherever it is mapped, by design.
  struct vma *r = vma_find(rc->vm, va);
  for (uint64 i = 0; i < npages && !rc->bad; i++) {
    uint64 pa = PTE2PA(pte) + i * PGSIZE;
    count(rc, pa, "leaf target");
    if ((pte & PTE_W) && !(r && r->shared) && !rc->bad)
      rc->writable[(pa - rc->first) / PGSIZE]++;
  }
}

int
machine_check_refs(struct vmspace *const *vms, int n, char *msg, size_t msgsz)
{
  static int want[RAM_MAX_PAGES], writable[RAM_MAX_PAGES], seen[RAM_MAX_PAGES];
  struct refcount rc = { want, writable, seen, machine_first_page(), ktotalpages(), 0, msg,
                         msgsz, 0 };
  memset(want, 0, sizeof(want));
  memset(writable, 0, sizeof(writable));
  memset(seen, 0, sizeof(seen));
  uint64 zero_page = machine_zero_page();
  if (zero_page)
    count(&rc, zero_page, "zero page");   // the kernel's own reference
  pcache_visit(count_cached, &rc);   // the page cache's own references
  struct ptvisitor v = { count_table, count_leaf, &rc };
  for (int i = 0; i < n; i++) {
    rc.vm = vms[i];
    if (vms[i]->pagetable)
      pt_visit_shared(vms[i]->pagetable, &v, count_shared_table);
  }
  for (void **p = machine_exhausted(); p && !rc.bad; p = *p)
    count(&rc, (uint64)p, "page held by machine_exhaust");
  if (rc.bad)
    return -1;

  uint64 unheld = 0;
  for (uint64 i = 0; i < rc.npages; i++) {
    uint64 pa = rc.first + i * PGSIZE;
    int got = kref_get(pa);
    if (got != want[i]) {
      snprintf(msg, msgsz, "page %#lx: kref_get %d, but %d references exist", pa, got, want[i]);
      return -1;
    }
    // Shared pages (the zero page is shared with the kernel) are
    // read-only everywhere: a write must fault and get its own copy.
    if (writable[i] && want[i] > 1) {
      snprintf(msg, msgsz, "page %#lx has %d references but %d writable mapping(s)",
               pa, want[i], writable[i]);
      return -1;
    }
    if (want[i] == 0)
      unheld++;
  }
  if (zero_page) {
    const uchar *z = (const uchar *)zero_page;
    for (int i = 0; i < PGSIZE; i++) {
      if (z[i] != 0) {
        snprintf(msg, msgsz, "zero page byte %d is %#x", i, z[i]);
        return -1;
      }
    }
  }
  if (kfreecount() != unheld) {
    snprintf(msg, msgsz, "kfreecount %lu, but %lu pages have no reference", kfreecount(), unheld);
    return -1;
  }
  return 0;
}

// ---- swap slots

struct slotcount {
  int *want;         // per slot: swapped-out PTEs naming it
  int *seen;         // per managed page: a shared table already visited
  uint64 first, nslots;
  char *msg;
  size_t msgsz;
  int bad;
};

// A shared table's PTEs hold their slot references once, for all the
// sharers: only the first sharer's visit goes in.
static int
enter_once(uint64 pa, void *arg)
{
  struct slotcount *sc = arg;
  uint64 i = (pa - sc->first) / PGSIZE;
  if (pa < sc->first || i >= RAM_MAX_PAGES || sc->seen[i])
    return 0;
  sc->seen[i] = 1;
  return 1;
}

static void
count_slot(uint64 va, pte_t pte, void *arg)
{
  struct slotcount *sc = arg;
  uint64 slot = pte >> PTE_SWAP_SHIFT;
  if (sc->bad)
    return;
  if (slot >= sc->nslots) {
    snprintf(sc->msg, sc->msgsz, "va %#lx names slot %lu of %lu", va, slot, sc->nslots);
    sc->bad = 1;
    return;
  }
  sc->want[slot]++;
}

int
machine_check_slots(struct vmspace *const *vms, int n, char *msg, size_t msgsz)
{
  static int want[SWAP_MAXSLOTS], seen[RAM_MAX_PAGES];
  struct slotcount sc = { want, seen, machine_first_page(), swap_total(), msg, msgsz, 0 };
  memset(want, 0, sizeof(want));
  memset(seen, 0, sizeof(seen));
  for (int i = 0; i < n; i++)
    if (vms[i]->pagetable)
      visit_swapped(vms[i]->pagetable, 2, 0, enter_once, count_slot, &sc);
  if (sc.bad)
    return -1;
  uint64 used = 0;
  for (uint64 s = 0; s < sc.nslots; s++) {
    if (swap_refs((int)s) != want[s]) {
      snprintf(msg, msgsz, "slot %lu: swap_refs %d, but %d swapped-out PTEs name it", s,
               swap_refs((int)s), want[s]);
      return -1;
    }
    used += want[s] > 0;
  }
  if (swap_used() != used) {
    snprintf(msg, msgsz, "swap_used %lu, but %lu slots are named", swap_used(), used);
    return -1;
  }
  return 0;
}
