// The fuzzer's reading of the page tables (fuzz.h), straight from the
// Sv39 format and never through the code under test: leaves, megapages,
// swapped-out PTEs and the marks of tables shared since a fork; and from
// them, what an access must allocate (page_need, mreach, mfits).
#include "fuzz.h"

#define RWX (PTE_R | PTE_W | PTE_X)

// The level-1 entry of va's span, or 0 when no level-1 table holds it.
static pte_t
span_entry(pagetable_t pt, uint64 va)
{
  pte_t top = pt[PX(2, va)];
  if (!(top & PTE_V) || (top & RWX))
    return 0;
  return ((pagetable_t)PTE2PA(top))[PX(1, va)];
}

static int
is_mark(pte_t e)
{
  return (e & (PTE_V | PTE_SHTABLE)) == PTE_SHTABLE;
}

// The last-level entry of va, in the process's own table or in one it
// shares since a fork (whose mark still names it); 0 if there is none.
static pte_t *
l0_entry(pagetable_t pt, uint64 va)
{
  pte_t e = span_entry(pt, va);
  if (!is_mark(e) && (!(e & PTE_V) || (e & RWX)))
    return 0;
  return &((pagetable_t)PTE2PA(e))[PX(0, va)];
}

// The leaf PTE that maps page va, 0 if none: for a page of a megapage,
// the megapage's PTE with that page's physical address in it, so that it
// reads as a small page's would. Through a shared table's mark, the PTE
// the table holds, as the process's own walk (without alloc) sees it.
pte_t
leaf(pagetable_t pt, uint64 va)
{
  pte_t top = pt[PX(2, va)];
  if ((top & PTE_V) && (top & RWX))
    fuzz_fail("gigapage at %#lx", va);
  pte_t e = span_entry(pt, va);
  if ((e & PTE_V) && (e & RWX))
    return e + PA2PTE(PGROUNDDOWN(va) & (LARGE_PGSIZE - 1));
  pte_t *pte = l0_entry(pt, va);
  return pte && (*pte & PTE_V) ? *pte : 0;
}

// The slot of page va's swapped-out PTE, or -1 when it is not in swap.
long
swap_slot(pagetable_t pt, uint64 va)
{
  pte_t *pte = l0_entry(pt, va);
  return pte && (*pte & (PTE_V | PTE_SWAP)) == PTE_SWAP ? (long)(*pte >> PTE_SWAP_SHIFT) : -1;
}

// The table fork shares at va's span (its physical address), or 0 when
// the span is no shared table's.
uint64
span_mark(pagetable_t pt, uint64 va)
{
  pte_t e = span_entry(pt, va);
  return is_mark(e) ? PTE2PA(e) : 0;
}

// Is va's table shared with another process, so that the first access
// there copies it (and makes its writable PTEs copy-on-write, taking a
// reference on each page)? The last sharer takes its table over as it is.
int
span_copied(pagetable_t pt, uint64 va)
{
  uint64 t = span_mark(pt, va);
  return t && kref_get(t) > 1;
}

// Does a megapage map va?
int
large_leaf(pagetable_t pt, uint64 va)
{
  pte_t e = span_entry(pt, va);
  return (e & PTE_V) && (e & RWX);
}

// Is every page of the 2 MiB block holding pte's page held by one
// reference (so a store to the megapage may simply make it writable)?
int
block_private(pte_t pte)
{
  uint64 base = PTE2PA(pte) & ~(LARGE_PGSIZE - 1);
  for (uint64 i = 0; i < LARGE_PAGES; i++)
    if (kref_get(base + i * PGSIZE) != 1)
      return 0;
  return 1;
}

int
raw_rights(pte_t pte)
{
  return (pte & PTE_R ? VM_R : 0) | (pte & PTE_W ? VM_W : 0) |
         (pte & PTE_X ? VM_X : 0) | (pte & PTE_U ? VM_U : 0) |
         (pte & PTE_COW ? VM_COW : 0);
}

int
is_zero(pte_t pte)
{
  return PTE2PA(pte) == machine_zero_page();
}

// The leaf PTE maps a page that someone else maps too (or the zero page).
int
shared(pte_t pte)
{
  return is_zero(pte) || kref_get(PTE2PA(pte)) > 1;
}

static int
seen(uint64 *set, int *n, int cap, uint64 x)
{
  for (int i = 0; i < *n; i++)
    if (set[i] == x)
      return 1;
  if (*n == cap)
    fuzz_fail("model: table set full");
  set[(*n)++] = x;
  return 0;
}

// Page-table pages a megapage at va needs: the level-1 table, if missing
// and not counted yet.
uint64
tables_large(struct tables *t, uint64 va)
{
  int missing = t->pt ? pt_missing_tables(t->pt, va) : 2;
  return missing == 2 && !seen(t->l1, &t->n1, MAXMPAGES, va >> 30);
}

// The page a demotion of the megapage at va needs for its last-level
// table, unless counted already.
uint64
table_split(struct tables *t, uint64 va)
{
  return !seen(t->l0, &t->n0, MAXMPAGES, va >> 21);
}

uint64
tables_for(struct tables *t, uint64 va)
{
  int missing = t->pt ? pt_missing_tables(t->pt, va) : 2;
  uint64 need = 0;
  if (missing == 2 && !seen(t->l1, &t->n1, MAXMPAGES, va >> 30))
    need++;
  if (missing >= 1 && !seen(t->l0, &t->n0, MAXMPAGES, va >> 21))
    need++;
  return need;
}

// The page that making va's span t->pt's own takes (forkshare.c): a copy
// of a table another process shares, once per span; nothing for the last
// sharer, which takes its table over.
uint64
own_need(struct tables *t, uint64 va)
{
  return t->pt && span_copied(t->pt, va) &&
         !seen(t->own, &t->nown, MAXMPAGES, va / PT_LEAF_SPAN);
}

// Pages ptshare_own_ends(pt, from, to) takes (before munmap, a shrink,
// mmap): a table copy for each partly covered end span another process
// shares. The second end needs none when it is the first's span.
uint64
own_ends_need(pagetable_t pt, uint64 from, uint64 to)
{
  if (from >= to)
    return 0;
  int first = from % PT_LEAF_SPAN != 0;
  uint64 n = first && span_copied(pt, from);
  if (to % PT_LEAF_SPAN != 0 && span_copied(pt, to) &&
      !(first && from / PT_LEAF_SPAN == to / PT_LEAF_SPAN))
    n++;
  return n;
}

// Pages ptshare_own_range(pt, from, to) takes (before mprotect): a copy of
// each table of the range's spans another process shares.
uint64
own_range_need(pagetable_t pt, uint64 from, uint64 to)
{
  uint64 n = 0;
  for (uint64 a = from & ~((uint64)PT_LEAF_SPAN - 1); a < to; a += PT_LEAF_SPAN)
    n += span_copied(pt, a);
  return n;
}

// Pages an allowed access a to page va0 of p must allocate: none if the
// PTE allows it already or it is a write to a copy-on-write page p holds
// alone; a copy for a write to a shared one; a page for one in swap; the
// tables for a read of a lazy page while the zero page is on; else a
// zeroed page and its tables. In a span whose table another process
// shares, the copy of the table first, after which every present page is
// shared (a write copies it).
uint64
page_need(struct proc *p, uint64 va0, enum access a, struct tables *t)
{
  pagetable_t pt = p->vm.pagetable;
  uint64 own = own_need(t, va0);
  int copied = span_copied(pt, va0);
  pte_t pte = leaf(pt, va0);
  if (!pte && swap_slot(pt, va0) >= 0)
    return own + 1;
  if (!pte) {
    uint64 tables = tables_for(t, va0);
    return own + (a == ACCESS_READ && opt_zeropage ? tables : 1 + tables);
  }
  if (raw_rights(pte) & access_prot(a))
    return own + (copied && a == ACCESS_WRITE);
  // A megapage shared copy-on-write is made writable when p holds every
  // page of it alone, else demoted (a table) and then broken for va0.
  if (a == ACCESS_WRITE && (pte & PTE_COW) && large_leaf(pt, va0) && !block_private(pte))
    return table_split(t, va0) + shared(pte);
  if (a == ACCESS_WRITE && (pte & PTE_COW))
    return own + (copied || shared(pte));
  fuzz_fail("page %#lx: rights %#x refuse access %d the model allows",
            va0, raw_rights(pte), a);
}

// The model's copy of len bytes at va, page by page, as copyin/copyout
// do: each page must allow the access and be made ready while free pages
// last (page_need), with extra pages more than mavail() (what eviction
// may make free). Returns the number of leading bytes the copy reaches;
// len if all of it.
uint64
mreach(struct proc *p, uint64 va, uint64 len, enum access a, uint64 extra)
{
  struct tables t = { .pt = p->vm.pagetable };
  uint64 avail = mavail() + extra, done = 0;
  while (done < len) {
    uint64 cur = va + done;
    uint64 va0 = PGROUNDDOWN(cur);
    if (!mallowed(p, cur, a))
      return done;
    uint64 need = page_need(p, va0, a, &t);
    if (need > avail)
      return done;
    avail -= need;
    uint64 n = PGSIZE - (cur - va0);
    done += n < len - done ? n : len - done;
  }
  return len;
}

// For an allowed access a to page va0 of p: *sure, memory surely suffices
// for it; *can, it may (eviction may make room: evict_room). For a file
// page the model knows no more: the pages it takes (page-table pages, a
// page read in on a cache miss, a private copy) are sure to be there when
// free; reclaim may find more (the clean cached pages nobody maps) or
// spoil a hit by taking the page.
void
mfits(struct proc *p, uint64 va0, enum access a, int *sure, int *can)
{
  struct tables t = { .pt = p->vm.pagetable };
  struct region *r = mregion(p, va0);
  uint64 need, slack = 0;
  if (!r || !r->file) {
    need = page_need(p, va0, a, &t);
    *sure = need <= mavail();
    *can = need <= mavail() + evict_room(p, va0, PGSIZE);
    return;
  }
  // Only a private mapping's span is ever shared by fork.
  uint64 own = own_need(&t, va0);
  int copied = span_copied(p->vm.pagetable, va0);
  pte_t pte = leaf(p->vm.pagetable, va0);
  if (!pte && swap_slot(p->vm.pagetable, va0) >= 0) {
    need = 1;   // its private copy, back from swap
  } else if (!pte) {
    uchar *c = mcached(r->file - 1, (r->off + (va0 - r->start)) / PGSIZE);
    if (c)
      kfree(c);
    int copy = a == ACCESS_WRITE && !r->shared;
    need = tables_for(&t, va0) + !c + copy;
    slack = !c && copy;   // the page read in is reclaimable once copied
  } else if (raw_rights(pte) & access_prot(a)) {
    need = copied && a == ACCESS_WRITE;
  } else if (a == ACCESS_WRITE && (pte & PTE_COW)) {
    need = copied || shared(pte);
  } else if (a == ACCESS_WRITE && r->shared) {
    need = 0;   // a clean shared page: marked dirty and made writable
  } else {
    fuzz_fail("file page %#lx: rights %#x refuse access %d the model allows",
              va0, raw_rights(pte), a);
  }
  need += own;
  *sure = need <= kfreecount();
  *can = need - slack <= mavail() + evict_room(p, va0, PGSIZE);
}
