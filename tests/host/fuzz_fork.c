// The fuzzer's fork (fuzz.h): uvmcopy sharing copy-on-write or copying,
// or sharing last-level tables (forkshare.c), the pages it must take
// predicted from the parent's leaves (megapages and pages in swap
// included), and what the child and the parent hold after it.
#include <string.h>
#include "fuzz.h"

// How fork gives the child a span of the parent (forkshare.c): its table
// shared, or PTE by PTE, after the parent made a table it shared with
// others its own (a copy, whose writable PTEs became copy-on-write).
enum { SPAN_PTES, SPAN_SHARES, SPAN_COPIED };

// The present pages and swapped-out PTEs of a process's page table, read
// directly (through the tables it shares, as it sees them).
#define MAXLEAVES 65536
struct leaves {
  int n;
  uint64 va[MAXLEAVES];
  pte_t pte[MAXLEAVES];
  int level[MAXLEAVES];   // 0 or 1 for a leaf; -1 for a PTE in swap
  int how[MAXLEAVES];     // SPAN_*
  struct tables *t;     // the child's tables for them
  struct tables *own;   // the parent's spans it must make its own
  struct proc *p;       // whose they are
  int copy;             // a copying fork
  uint64 need;          // pages the fork must allocate
  uint64 nlarge;        // megapages a copying fork copies (each a page more in small pages)
};

// Does fork share the table of va's span with the child? Sharing on, a
// copy-on-write fork, and the span only p's private memory: no shared
// region in it, no megapage, below the trap frame's span.
static int
shares_span(struct leaves *l, uint64 va)
{
  struct proc *p = l->p;
  uint64 base = va & ~((uint64)PT_LEAF_SPAN - 1);
  if (!opt_forkshare || l->copy || large_leaf(p->vm.pagetable, va) ||
      base >= (TRAPFRAME & ~((uint64)PT_LEAF_SPAN - 1)))
    return 0;
  for (int i = 0; i < p->nreg; i++)
    if (p->reg[i].shared && p->reg[i].start < base + PT_LEAF_SPAN && p->reg[i].end > base)
      return 0;
  return 1;
}

static void
record(struct leaves *l, uint64 va, pte_t pte, int level)
{
  if (l->n == MAXLEAVES)
    fuzz_fail("more than %d leaves", MAXLEAVES);
  int i = l->n++;
  l->va[i] = va;
  l->pte[i] = pte;
  l->level[i] = level;
  struct region *r = mregion(l->p, va);
  if (level == 1) {
    // The same megapage, or a copy: a large block, else small pages and
    // their last-level table.
    int copy = l->copy && !(r && r->shared);
    l->need += tables_large(l->t, va) + (copy ? LARGE_PAGES : 0);
    l->nlarge += copy;
    l->how[i] = SPAN_PTES;
    return;
  }
  if (shares_span(l, va)) {
    l->how[i] = SPAN_SHARES;
    l->need += tables_large(l->t, va);   // the child's level-1 table
    return;
  }
  l->how[i] = span_copied(l->p->vm.pagetable, va) ? SPAN_COPIED : SPAN_PTES;
  l->need += own_need(l->own, va) + tables_for(l->t, va) +
             (level == 0 && l->copy && !is_zero(pte) && !(r && r->shared));
}

static void
record_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  record(arg, va, pte, level);
}

static void
record_swapped(uint64 va, pte_t pte, void *arg)
{
  record(arg, va, pte, -1);
}

static struct leaves forkleaves;

static void
count_pages(uint64 va, pte_t pte, int level, void *arg)
{
  (void)va;
  (void)pte;
  *(int *)arg += level == 1 ? LARGE_PAGES : 1;
}

static void
count_swapped(uint64 va, pte_t pte, void *arg)
{
  (void)va;
  (void)pte;
  (*(int *)arg)++;
}

// What p holds at va: the slot of a page in swap, else the leaf.
static pte_t
entry_of(struct proc *p, uint64 va, int swapped)
{
  return swapped ? (pte_t)swap_slot(p->vm.pagetable, va) : leaf(p->vm.pagetable, va);
}

// After a fork that succeeded: c maps exactly p's pages from before. A
// span fork shared is the same table in both, marked, its PTEs as they
// were. Otherwise the same physical page with VM_W turned into VM_COW in
// both when sharing (and for the zero page always; a megapage stays one
// in both), else a private copy with VM_W back in place of VM_COW and p
// left as it was (but where p copied a table it shared, whose writable
// PTEs became copy-on-write); a page in swap the same slot in both.
static void
check_forked(struct proc *p, struct proc *c, const struct leaves *l)
{
  int npages = 0, nparent = 0;
  struct ptvisitor v = { 0, count_pages, &npages };
  pt_visit_all(c->vm.pagetable, &v);
  pt_visit_swapped(c->vm.pagetable, count_swapped, &npages);
  for (int i = 0; i < l->n; i++)
    nparent += l->level[i] == 1 ? LARGE_PAGES : 1;
  if (npages != nparent)
    fuzz_fail("fork: child has %d pages, parent %d", npages, nparent);
  for (int i = 0; i < l->n; i++) {
    uint64 va = l->va[i];
    uint64 mark = span_mark(p->vm.pagetable, va);
    if ((l->how[i] == SPAN_SHARES) != (mark != 0) || mark != span_mark(c->vm.pagetable, va))
      fuzz_fail("fork: the span of %#lx is %sshared, parent's table %#lx, child's %#lx", va,
                l->how[i] == SPAN_SHARES ? "not " : "", mark, span_mark(c->vm.pagetable, va));
    if (l->level[i] == -1 || l->how[i] == SPAN_SHARES) {
      int swapped = l->level[i] == -1;
      pte_t now = entry_of(p, va, swapped), kid = entry_of(c, va, swapped);
      pte_t old = swapped ? l->pte[i] >> PTE_SWAP_SHIFT : l->pte[i];
      if (now != old || kid != old)
        fuzz_fail("fork: %s %#lx was %#lx, now %#lx in the parent and %#lx in the child",
                  l->level[i] == -1 ? "slot of page" : "shared table's PTE of", va, old, now,
                  kid);
      continue;
    }
    struct region *r = mregion(p, va);
    int share = !l->copy || is_zero(l->pte[i]) || (r && r->shared);
    if (l->level[i] == 1 && (!large_leaf(p->vm.pagetable, va) ||
                             (share && !large_leaf(c->vm.pagetable, va))))
      fuzz_fail("fork: the megapage at %#lx is not one in the %s", va,
                large_leaf(p->vm.pagetable, va) ? "child" : "parent");
    for (uint64 k = 0; k < (l->level[i] == 1 ? LARGE_PAGES : 1); k++) {
      uint64 a = va + k * PGSIZE;
      pte_t old = l->pte[i] + PA2PTE(k * PGSIZE);
      pte_t now = leaf(p->vm.pagetable, a), kid = leaf(c->vm.pagetable, a);
      int rights = raw_rights(old);
      if (!now || !kid || PTE2PA(now) != PTE2PA(old))
        fuzz_fail("fork: page %#lx moved or went in the parent, or is missing in the child", a);
      if (l->how[i] == SPAN_COPIED && (rights & VM_W))
        rights = (rights & ~VM_W) | VM_COW;   // the parent's copy of the shared table
      int want_p = share && (rights & VM_W) ? (rights & ~VM_W) | VM_COW : rights;
      // (Under PROT_NONE, no VM_U, a private copy keeps its mark.)
      int want_c = share ? want_p : (rights & VM_COW) && (rights & VM_U) ? (rights & ~VM_COW) | VM_W : rights;
      if (r && r->shared)
        want_p = want_c = rights;   // shared as it is
      if (raw_rights(now) != want_p || raw_rights(kid) != want_c)
        fuzz_fail("fork (%s): page %#lx rights %#x before, %#x and %#x after, expected %#x and %#x",
                  share ? "shared" : "copied", a, raw_rights(old), raw_rights(now),
                  raw_rights(kid), want_p, want_c);
      if ((PTE2PA(kid) == PTE2PA(old)) != share)
        fuzz_fail("fork: page %#lx %s", a, share ? "not shared" : "shared in a copying fork");
    }
  }
}

void
op_fork(struct proc *p, struct proc *c, int cow)
{
  if (vmconfig(VMCONF_COW, cow) == -1)
    fuzz_fail("vmconfig(VMCONF_COW, %d) refused", cow);
  reclaim_if_low();   // as kernel/proc's fork does first
  uint64 before = mpool();
  if (spawn(c) != 0)
    return;
  // The child's tables for every present page, and, when copying, a copy
  // of every present page but the zero page: a megapage into a large block
  // when one is free, else into small pages with a table more.
  static struct tables t, own;
  t.pt = 0;
  t.n1 = t.n0 = t.nown = 0;
  own.pt = p->vm.pagetable;
  own.n1 = own.n0 = own.nown = 0;
  struct leaves *l = &forkleaves;
  l->n = 0;
  l->t = &t;
  l->own = &own;
  l->p = p;
  l->copy = !cow;
  l->need = l->nlarge = 0;
  struct ptvisitor v = { 0, record_leaf, l };
  pt_visit_all(p->vm.pagetable, &v);
  pt_visit_swapped(p->vm.pagetable, record_swapped, l);
  int sure = l->need + l->nlarge <= mavail(), can = l->need <= mavail();

  int r = uvmcopy(&p->vm, &c->vm);
  if ((r == 0 && !can) || (r != 0 && sure))
    fuzz_fail("uvmcopy = %d with %lu pages free, %lu needed (%lu more without large blocks)", r,
              kfreecount(), l->need, l->nlarge);
  if (r != 0) {
    op_exit(c);
    // The parent keeps the copies it made of tables it shared.
    uint64 copies = 0;
    for (int i = 0; i < own.nown; i++)
      copies += !span_mark(p->vm.pagetable, own.own[i] * PT_LEAF_SPAN);
    if (mpool() != before - copies)
      fuzz_fail("failed fork leaked: %lu free or cached, %lu before, %lu tables copied",
                mpool(), before, copies);
    return;
  }
  // A megapage copied into small pages took a last-level table too.
  uint64 small = 0;
  for (int i = 0; l->copy && i < l->n; i++) {
    struct region *r = mregion(p, l->va[i]);
    small += l->level[i] == 1 && !large_leaf(c->vm.pagetable, l->va[i]) && !(r && r->shared);
  }
  if (mpool() != before - 1 - l->need - small)
    fuzz_fail("fork took %lu pages, model %lu", before - mpool(), 1 + l->need + small);
  mcopy(c, p);
  check_forked(p, c, l);
  // A copying fork gives the child its own copy of each private file page
  // present: from now on it is the child's, whatever the file does.
  for (int i = 0; !cow && i < l->n; i++) {
    struct region *r = l->level[i] >= 0 ? mregion(c, l->va[i]) : 0;
    if (r && r->file && !r->shared && !mpage(c, l->va[i], 0))
      memcpy(mpage(c, l->va[i], 1)->b, mfilepage(r, l->va[i]), PGSIZE);
  }
}
