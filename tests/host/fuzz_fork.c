// The fuzzer's fork (fuzz.h): uvmcopy sharing copy-on-write or copying,
// the pages it must take predicted from the parent's leaves (megapages
// included), and what the child and the parent hold after it.
#include <string.h>
#include "fuzz.h"

// The leaves of a process's page table, read directly.
#define MAXLEAVES 65536
struct leaves {
  int n;
  uint64 va[MAXLEAVES];
  pte_t pte[MAXLEAVES];
  int level[MAXLEAVES];
  struct tables *t;     // the child's tables for them
  struct proc *p;       // whose they are
  int copy;             // a copying fork
  uint64 need;          // pages the fork must allocate
  uint64 nlarge;        // megapages a copying fork copies (each a page more in small pages)
};

static void
record_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  struct leaves *l = arg;
  if (l->n == MAXLEAVES)
    fuzz_fail("more than %d leaves", MAXLEAVES);
  l->va[l->n] = va;
  l->pte[l->n] = pte;
  l->level[l->n++] = level;
  struct region *r = mregion(l->p, va);
  if (level == 1) {
    // The same megapage, or a copy: a large block, else small pages and
    // their last-level table.
    int copy = l->copy && !(r && r->shared);
    l->need += tables_large(l->t, va) + (copy ? LARGE_PAGES : 0);
    l->nlarge += copy;
    return;
  }
  l->need += tables_for(l->t, va) + (l->copy && !is_zero(pte) && !(r && r->shared));
}

static struct leaves forkleaves;

static void
count_pages(uint64 va, pte_t pte, int level, void *arg)
{
  (void)va;
  (void)pte;
  *(int *)arg += level == 1 ? LARGE_PAGES : 1;
}

// After a fork that succeeded: c maps exactly p's pages from before, the
// same physical page with VM_W turned into VM_COW in both when sharing (and
// for the zero page always; a megapage stays one in both), else a private
// copy with VM_W back in place of VM_COW and p left as it was.
static void
check_forked(struct proc *p, struct proc *c, const struct leaves *l)
{
  int npages = 0, nparent = 0;
  struct ptvisitor v = { 0, count_pages, &npages };
  pt_visit(c->vm.pagetable, &v);
  for (int i = 0; i < l->n; i++)
    nparent += l->level[i] == 1 ? LARGE_PAGES : 1;
  if (npages != nparent)
    fuzz_fail("fork: child has %d pages, parent %d", npages, nparent);
  for (int i = 0; i < l->n; i++) {
    struct region *r = mregion(p, l->va[i]);
    int share = !l->copy || is_zero(l->pte[i]) || (r && r->shared);
    if (l->level[i] == 1 && (!large_leaf(p->vm.pagetable, l->va[i]) ||
                             (share && !large_leaf(c->vm.pagetable, l->va[i]))))
      fuzz_fail("fork: the megapage at %#lx is not one in the %s", l->va[i],
                large_leaf(p->vm.pagetable, l->va[i]) ? "child" : "parent");
    for (uint64 k = 0; k < (l->level[i] == 1 ? LARGE_PAGES : 1); k++) {
      uint64 va = l->va[i] + k * PGSIZE;
      pte_t old = l->pte[i] + PA2PTE(k * PGSIZE);
      pte_t now = leaf(p->vm.pagetable, va), kid = leaf(c->vm.pagetable, va);
      int rights = raw_rights(old);
      if (!now || !kid || PTE2PA(now) != PTE2PA(old))
        fuzz_fail("fork: page %#lx moved or went in the parent, or is missing in the child", va);
      int want_p = share && (rights & VM_W) ? (rights & ~VM_W) | VM_COW : rights;
      // (Under PROT_NONE, no VM_U, a private copy keeps its mark.)
      int want_c = share ? want_p : (rights & VM_COW) && (rights & VM_U) ? (rights & ~VM_COW) | VM_W : rights;
      if (r && r->shared)
        want_p = want_c = rights;   // shared as it is
      if (raw_rights(now) != want_p || raw_rights(kid) != want_c)
        fuzz_fail("fork (%s): page %#lx rights %#x before, %#x and %#x after, expected %#x and %#x",
                  share ? "shared" : "copied", va, rights, raw_rights(now), raw_rights(kid),
                  want_p, want_c);
      if ((PTE2PA(kid) == PTE2PA(old)) != share)
        fuzz_fail("fork: page %#lx %s", va, share ? "not shared" : "shared in a copying fork");
    }
  }
}

void
op_fork(struct proc *p, struct proc *c, int cow)
{
  if (vmconfig(VMCONF_COW, cow) == -1)
    fuzz_fail("vmconfig(VMCONF_COW, %d) refused", cow);
  uint64 before = mpool();
  if (spawn(c) != 0)
    return;
  // The child's tables for every present page, and, when copying, a copy
  // of every present page but the zero page: a megapage into a large block
  // when one is free, else into small pages with a table more.
  struct tables t = { .pt = 0 };
  struct leaves *l = &forkleaves;
  l->n = 0;
  l->t = &t;
  l->p = p;
  l->copy = !cow;
  l->need = l->nlarge = 0;
  struct ptvisitor v = { 0, record_leaf, l };
  pt_visit(p->vm.pagetable, &v);
  int sure = l->need + l->nlarge <= mavail(), can = l->need <= mavail();

  int r = uvmcopy(&p->vm, &c->vm);
  if ((r == 0 && !can) || (r != 0 && sure))
    fuzz_fail("uvmcopy = %d with %lu pages free, %lu needed (%lu more without large blocks)", r,
              kfreecount(), l->need, l->nlarge);
  if (r != 0) {
    op_exit(c);
    if (mpool() != before)
      fuzz_fail("failed fork leaked: %lu free or cached, %lu before", mpool(), before);
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
    struct region *r = mregion(c, l->va[i]);
    if (r && r->file && !r->shared && !mpage(c, l->va[i], 0))
      memcpy(mpage(c, l->va[i], 1)->b, mfilepage(r, l->va[i]), PGSIZE);
  }
}
