// Sv39 page tables: the one place that knows the PTE format. Plain C with
// no privileged instructions, so tests/host builds it unchanged.
#include "abi/types.h"
#include "lib/lib.h"
#include "arch/mmu.h"
#include "mm/mm.h"

// Rights bits: a valid entry with any of them is a leaf, one without any
// points to the next table.
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

// Is pte, a level-1 entry, the mark of a last-level table shared since a
// fork? Invalid for the MMU, it still names the table in its PPN.
static int
shtable(pte_t pte)
{
  return (pte & (PTE_V | PTE_SHTABLE)) == PTE_SHTABLE;
}

// Walk from the root down to the level-`level` entry for va, allocating
// missing inner tables when alloc is set; 0 if one is missing (alloc == 0)
// or cannot be allocated. A leaf above that level is a caller's mistake;
// so is alloc through a shared table's mark, which a walk without alloc
// follows (its entries may be read, not written: see mmu.h).
static pte_t *
walk_to(pagetable_t pagetable, uint64 va, int level, int alloc)
{
  if (va >= MAXVA && va < KERNVA_BASE)
    panic("walk: va beyond MAXVA and below the kernel half");

  for (int l = 2; l > level; l--) {
    pte_t *pte = &pagetable[PX(l, va)];
    if (*pte & PTE_V) {
      if (*pte & PTE_RWX)
        panic("walk: unexpected large page");
      pagetable = (pagetable_t)P2V(PTE2PA(*pte));
    } else if (l == 1 && shtable(*pte)) {
      if (alloc)
        panic("walk: shared table");
      pagetable = (pagetable_t)P2V(PTE2PA(*pte));
    } else {
      if (!alloc)
        return 0;
      pagetable_t next = kalloc_table();
      if (next == 0)
        return 0;
      *pte = PA2PTE(V2P(next)) | PTE_V;   // inner entry: V and no R/W/X
      pagetable = next;
    }
  }
  return &pagetable[PX(level, va)];
}

// The last-level entry, as mmu.h promises.
pte_t *
walk(pagetable_t pagetable, uint64 va, int alloc)
{
  return walk_to(pagetable, va, 0, alloc);
}

int
pte_test_clear_accessed(pte_t *pte)
{
  return (__atomic_fetch_and(pte, ~(pte_t)PTE_A, __ATOMIC_SEQ_CST) & PTE_A) != 0;
}

pagetable_t
pagetable_new(void)
{
  return (pagetable_t)kalloc_table();   // zeroed: every PTE invalid
}

// Free the inner tables that entries [from, to) of the level-`level`
// table pt point to, recursively.
static void
freebelow(pagetable_t pt, int level, int from, int to)
{
  for (int i = from; i < to; i++) {
    pte_t pte = pt[i];
    if (level == 1 && shtable(pte))
      panic("pagetable_free: shared table still linked");
    if (!(pte & PTE_V))
      continue;
    if (level == 0 || (pte & PTE_RWX))
      panic("pagetable_free: leaf still mapped");
    // Unhook the table before freeing it: a reader of this page table
    // (vmdump) must never follow an entry to a freed page.
    pt[i] = 0;
    pagetable_t child = (pagetable_t)P2V(PTE2PA(pte));
    freebelow(child, level - 1, 0, 512);
    kfree(child);
  }
}

void
pagetable_free(pagetable_t pagetable)
{
  freebelow(pagetable, 2, 0, KROOT_FIRST);
  kfree(pagetable);
}

void
pagetable_kernel_half(pagetable_t pagetable, pagetable_t kpt)
{
  for (int i = KROOT_FIRST; i < 512; i++)
    pagetable[i] = kpt ? kpt[i] : 0;
}

pagetable_t
pagetable_reroot(pagetable_t pagetable, pagetable_t kpt)
{
  pagetable_t root = pagetable_new();
  if (root == 0)
    return 0;
  for (int i = 0; i < KROOT_FIRST; i++) {
    root[i] = pagetable[i];
    pagetable[i] = 0;
  }
  pagetable_kernel_half(root, kpt);
  return root;
}

// Bytes of address space one entry of a level-`level` table maps.
static uint64
entry_span(int level)
{
  return (uint64)PGSIZE << (9 * level);
}

// Is every entry of the table page pt zero? An entry that is not zero
// maps something, or holds the slot of a swapped-out page.
static int
table_empty(pagetable_t pt)
{
  for (int i = 0; i < 512; i++)
    if (pt[i] != 0)
      return 0;
  return 1;
}

// Free the tables below pt (a level-`level` table mapping from base) that
// map nothing and cover part of [from, to). Returns 1 if pt itself is now
// empty.
static int
prunelevel(pagetable_t pt, int level, uint64 base, uint64 from, uint64 to)
{
  if (level > 0) {
    uint64 span = entry_span(level);
    uint64 lo = from > base ? (from - base) / span : 0;
    uint64 hi = (to - 1 - base) / span;
    if (hi > 511)
      hi = 511;
    for (uint64 i = lo; i <= hi; i++) {
      pte_t pte = pt[i];
      if (!(pte & PTE_V) || (pte & PTE_RWX))
        continue;
      pagetable_t child = (pagetable_t)P2V(PTE2PA(pte));
      if (prunelevel(child, level - 1, base + i * span, from, to)) {
        pt[i] = 0;   // unhook first, as in freelevel
        kfree(child);
      }
    }
  }
  return table_empty(pt);
}

void
pagetable_prune(pagetable_t pagetable, uint64 from, uint64 to)
{
  if (from < to)
    prunelevel(pagetable, 2, 0, from, to > MAXVA ? MAXVA : to);
}

// An Sv39 address as the hardware sees it: bit 38 copied to the bits above.
static uint64
sext(uint64 va)
{
  return va & (1UL << 38) ? va | KERNVA_BASE : va;
}

// Report every valid entry in [from, to) of the level-`level` table pt,
// which maps from base, then descend into the table it points to before
// the next entry. A shared table's mark is reported too, as a table with
// info PTI_SHARED, and so is every leaf below it (info is what pt's
// entries get: PTI_SHARED inside a shared table).
static void
visitlevel(pagetable_t pt, int level, uint64 base, int from, int to, int info,
           void (*fn)(void *arg, const struct ptentry *e), void *arg)
{
  for (int i = from; i < to; i++) {
    pte_t pte = pt[i];
    int shared = level == 1 && shtable(pte);
    if (!(pte & PTE_V) && !shared)
      continue;
    struct ptentry e = {
      .va = sext(base + i * entry_span(level)),
      .pa = PTE2PA(pte),
      .index = i,
      .level = level,
      .leaf = !shared && (pte & PTE_RWX) != 0,
      .bits = pte & 0x3ff,
      .info = shared ? PTI_SHARED : info,
    };
    fn(arg, &e);
    // A level-0 entry without rights is no leaf but points nowhere either.
    if (!e.leaf && level > 0)
      visitlevel((pagetable_t)P2V(e.pa), level - 1, e.va, 0, 512, e.info, fn, arg);
  }
}

void
pagetable_visit(pagetable_t pagetable,
                void (*fn)(void *arg, const struct ptentry *e), void *arg)
{
  visitlevel(pagetable, 2, 0, 0, KROOT_FIRST, 0, fn, arg);
}

void
pagetable_visit_kernel(pagetable_t pagetable,
                       void (*fn)(void *arg, const struct ptentry *e), void *arg)
{
  visitlevel(pagetable, 2, 0, KROOT_FIRST, 512, 0, fn, arg);
}

// A megapage counts as the LARGE_PAGES pages it maps.
static void
count_user_leaf(void *arg, const struct ptentry *e)
{
  if (e->leaf && (e->bits & PTE_U))
    *(uint64 *)arg += entry_span(e->level) / PGSIZE;
}

// A shared table is no one's own: it is counted by nobody's table pages.
static void
count_table(void *arg, const struct ptentry *e)
{
  if (!e->leaf && e->level > 0 && !(e->info & PTI_SHARED))
    (*(int *)arg)++;
}

// The top-level table plus every table an entry points to, but shared ones.
int
pagetable_pages(pagetable_t pagetable)
{
  int n = 1;
  pagetable_visit(pagetable, count_table, &n);
  return n;
}

uint64
pagetable_user_pages(pagetable_t pagetable)
{
  uint64 n = 0;
  pagetable_visit(pagetable, count_user_leaf, &n);
  return n;
}

// ---- megapages: leaves in a level-1 table, LARGE_PGSIZE (2 MiB) each

pte_t *
walk_leaf(pagetable_t pagetable, uint64 va, uint64 *size)
{
  if (va >= MAXVA)
    panic("walk_leaf: va beyond MAXVA");
  for (int level = 2;; level--) {
    pte_t *pte = &pagetable[PX(level, va)];
    if (level == 1 && shtable(*pte)) {
      pagetable = (pagetable_t)P2V(PTE2PA(*pte));
      continue;
    }
    if (!(*pte & PTE_V))
      return 0;
    if ((*pte & PTE_RWX) || level == 0) {
      *size = entry_span(level);
      return pte;
    }
    pagetable = (pagetable_t)P2V(PTE2PA(*pte));
  }
}

int
mappages_large(pagetable_t pagetable, uint64 va, uint64 pa, int flags)
{
  if (va % LARGE_PGSIZE != 0 || pa % LARGE_PGSIZE != 0)
    panic("mappages_large: not aligned");
  pte_t *pte = walk_to(pagetable, va, 1, 1);
  if (pte == 0)
    return -1;
  pte_t old = *pte;
  if (shtable(old) ||
      ((old & PTE_V) && ((old & PTE_RWX) || !table_empty((pagetable_t)P2V(PTE2PA(old))))))
    panic("mappages_large: remap");
  // The leaf replaces the empty table before the table is freed, so that
  // no reader of this page table follows the entry to a freed page.
  *pte = pte_make(pa, flags);
  if (old & PTE_V)
    kfree(P2V(PTE2PA(old)));
  return 0;
}

int
pagetable_demote(pagetable_t pagetable, uint64 va, pagetable_t table)
{
  uint64 size;
  pte_t *pte = walk_leaf(pagetable, va, &size);
  if (pte == 0 || size != LARGE_PGSIZE)
    panic("pagetable_demote: no large page at va");
  if (table == 0 && (table = kalloc_table()) == 0)
    return -1;
  pte_t large = *pte;
  uint64 pa = PTE2PA(large);
  // Same bits (rights, U, A, D, copy-on-write) for the i-th page of the block.
  for (int i = 0; i < 512; i++)
    table[i] = PA2PTE(pa + (uint64)i * PGSIZE) | (large & 0x3ff);
  *pte = PA2PTE(V2P(table)) | PTE_V;   // filled before it is hooked in
  return 0;
}

// ---- last-level tables shared since a fork (kernel/mm/forkshare.c)

// The level-1 entry for va's span, or 0 when no level-1 table holds it.
static pte_t *
span_entry(pagetable_t pagetable, uint64 va, int alloc)
{
  if (va >= MAXVA)
    panic("span: va beyond MAXVA");
  return walk_to(pagetable, va, 1, alloc);
}

int
span_kind(pagetable_t pagetable, uint64 va, pte_t **table)
{
  *table = 0;
  if (va >= MAXVA)
    return SPAN_NONE;   // the kernel half: never shared, maybe in large pages
  pte_t *e = span_entry(pagetable, va, 0);
  if (e == 0 || *e == 0)
    return SPAN_NONE;
  if ((*e & PTE_V) && (*e & PTE_RWX)) {
    *table = e;   // the large page's own PTE
    return SPAN_LARGE;
  }
  if (!(*e & PTE_V) && !shtable(*e))
    panic("span_kind: bad level-1 entry");
  *table = (pte_t *)P2V(PTE2PA(*e));
  return (*e & PTE_V) ? SPAN_TABLE : SPAN_SHARED;
}

// The end of the level-1 table that holds va's entry, or end if sooner.
static uint64
l1_stop(uint64 va, uint64 end)
{
  uint64 stop = (va | (entry_span(2) - 1)) + 1;
  return end < stop ? end : stop;
}

uint64
span_next(pagetable_t pagetable, uint64 va, uint64 end)
{
  if (va >= end)
    return end;
  if (va % PT_LEAF_SPAN != 0 || end > MAXVA)
    panic("span_next: bad range");
  while (va < end) {
    uint64 stop = l1_stop(va, end);
    for (pte_t *e = span_entry(pagetable, va, 0); e && va < stop; va += PT_LEAF_SPAN, e++)
      if (*e != 0)
        return va;
    va = stop;
  }
  return end;
}

// One walk per level-1 table, then a step per entry: fork and exit go
// through every span of a big parent.
int
span_share(pagetable_t pagetable, pagetable_t child, uint64 va, uint64 end,
           void (*fn)(uint64 pa), void (*large)(uint64 pa), uint64 *next)
{
  if (va % PT_LEAF_SPAN != 0 || end > MAXVA)
    panic("span_share: bad range");
  uint64 stop = l1_stop(va, end);
  pte_t *e = span_entry(pagetable, va, 0), *c = 0;
  int n = 0;
  for (*next = stop; e && va < stop; va += PT_LEAF_SPAN, e++, c = c ? c + 1 : 0) {
    if (*e == 0)
      continue;
    if ((*e & PTE_RWX) && large == 0) {
      *next = va;   // a large page: the caller's
      return n;
    }
    if (!(*e & PTE_V) && !shtable(*e))
      panic("span_share: bad level-1 entry");
    if (c == 0 && (c = span_entry(child, va, 1)) == 0) {
      *next = va;
      return -1;
    }
    // A table's entry becomes its mark; a large page, copy-on-write
    // where it was writable.
    pte_t share = (*e & PTE_RWX) ? (*e & PTE_W ? (*e & ~PTE_W) | PTE_COW : *e)
                                 : PA2PTE(PTE2PA(*e)) | PTE_SHTABLE;
    if (*c == share)
      continue;   // shared already, for another range in the same span
    if (*c != 0)
      panic("span_share: the child maps the span");
    *e = share;
    *c = share;
    if (share & PTE_RWX) {
      large(PTE2PA(share));
    } else {
      fn(PTE2PA(share));
      n++;
    }
  }
  return n;
}

void
span_own(pagetable_t pagetable, uint64 va, pte_t *table)
{
  pte_t *e = span_entry(pagetable, va, 0);
  if (e == 0 || !shtable(*e))
    panic("span_own: no shared table");
  *e = PA2PTE(V2P(table)) | PTE_V;   // the table is filled before it is hooked in
}

uint64
span_clear(pagetable_t pagetable, uint64 va, uint64 end, void (*fn)(pte_t *table))
{
  if (va % PT_LEAF_SPAN != 0 || end > MAXVA)
    panic("span_clear: bad range");
  uint64 stop = l1_stop(va, end);
  for (pte_t *e = span_entry(pagetable, va, 0); e && va < stop; va += PT_LEAF_SPAN, e++) {
    if (shtable(*e)) {
      pte_t *table = (pte_t *)P2V(PTE2PA(*e));
      *e = 0;
      fn(table);
    }
  }
  return stop;
}
