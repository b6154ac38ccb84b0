// The fuzzer's reading of the page tables (fuzz.h), straight from the
// Sv39 format and never through the code under test, and from it what an
// access must allocate (page_need, mreach, mfits).
#include "fuzz.h"

// The leaf PTE that maps page va, 0 if none: for a page of a megapage,
// the megapage's PTE with that page's physical address in it, so that it
// reads as a small page's would.
pte_t
leaf(pagetable_t pt, uint64 va)
{
  for (int level = 2; level > 0; level--) {
    pte_t pte = pt[PX(level, va)];
    if (!(pte & PTE_V))
      return 0;
    if (pte & (PTE_R | PTE_W | PTE_X)) {
      if (level != 1)
        fuzz_fail("gigapage at %#lx", va);
      return pte + PA2PTE(PGROUNDDOWN(va) & (LARGE_PGSIZE - 1));
    }
    pt = (pagetable_t)PTE2PA(pte);
  }
  return pt[PX(0, va)] & PTE_V ? pt[PX(0, va)] : 0;
}

// Does a megapage map va?
int
large_leaf(pagetable_t pt, uint64 va)
{
  pte_t top = pt[PX(2, va)];
  if (!(top & PTE_V) || (top & (PTE_R | PTE_W | PTE_X)))
    return 0;
  pte_t mid = ((pagetable_t)PTE2PA(top))[PX(1, va)];
  return (mid & PTE_V) && (mid & (PTE_R | PTE_W | PTE_X));
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

// Pages an allowed access a to page va0 of p must allocate: none if the
// PTE allows it already or it is a write to a copy-on-write page p holds
// alone; a copy for a write to a shared one; the tables for a read of a
// lazy page while the zero page is on; else a zeroed page and its tables.
uint64
page_need(struct proc *p, uint64 va0, enum access a, struct tables *t)
{
  pte_t pte = leaf(p->vm.pagetable, va0);
  if (!pte) {
    uint64 tables = tables_for(t, va0);
    return a == ACCESS_READ && opt_zeropage ? tables : 1 + tables;
  }
  if (raw_rights(pte) & access_prot(a))
    return 0;
  // A megapage shared copy-on-write is made writable when p holds every
  // page of it alone, else demoted (a table) and then broken for va0.
  if (a == ACCESS_WRITE && (pte & PTE_COW) && large_leaf(p->vm.pagetable, va0) &&
      !block_private(pte))
    return table_split(t, va0) + shared(pte);
  if (a == ACCESS_WRITE && (pte & PTE_COW))
    return shared(pte) ? 1 : 0;
  fuzz_fail("page %#lx: rights %#x refuse access %d the model allows",
            va0, raw_rights(pte), a);
}

// The model's copy of len bytes at va, page by page, as copyin/copyout
// do: each page must allow the access and be made ready while free pages
// last (page_need). Returns the number of leading bytes the copy reaches;
// len if all of it.
uint64
mreach(struct proc *p, uint64 va, uint64 len, enum access a)
{
  struct tables t = { .pt = p->vm.pagetable };
  uint64 avail = mavail(), done = 0;
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
// for it; *can, it may. For a file page the model knows no more: the
// pages it takes (page-table pages, a page read in on a cache miss, a
// private copy) are sure to be there when free; reclaim may find more
// (the clean cached pages nobody maps) or spoil a hit by taking the page.
void
mfits(struct proc *p, uint64 va0, enum access a, int *sure, int *can)
{
  struct tables t = { .pt = p->vm.pagetable };
  struct region *r = mregion(p, va0);
  uint64 need, slack = 0;
  if (!r || !r->file) {
    need = page_need(p, va0, a, &t);
    *sure = *can = need <= mavail();
    return;
  }
  pte_t pte = leaf(p->vm.pagetable, va0);
  if (!pte) {
    uchar *c = mcached(r->file - 1, (r->off + (va0 - r->start)) / PGSIZE);
    if (c)
      kfree(c);
    int copy = a == ACCESS_WRITE && !r->shared;
    need = tables_for(&t, va0) + !c + copy;
    slack = !c && copy;   // the page read in is reclaimable once copied
  } else if (raw_rights(pte) & access_prot(a)) {
    need = 0;
  } else if (a == ACCESS_WRITE && (pte & PTE_COW)) {
    need = shared(pte);
  } else if (a == ACCESS_WRITE && r->shared) {
    need = 0;   // a clean shared page: marked dirty and made writable
  } else {
    fuzz_fail("file page %#lx: rights %#x refuse access %d the model allows",
              va0, raw_rights(pte), a);
  }
  *sure = need <= kfreecount();
  *can = need - slack <= mavail();
}
