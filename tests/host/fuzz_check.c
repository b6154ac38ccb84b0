// The fuzzer's checker (fuzz.h): every process, every reference count
// and every file against the model after each step, and what an access
// must have left right after it.
#include <string.h>
#include "fuzz.h"

static const uchar zeros[PGSIZE];

struct leafcheck {
  struct proc *p;
  int withdata;   // present pages that have model data
};

// One page of p, mapped by pte (a small page's, or a megapage's with
// this page's address).
static void
check_page(struct leafcheck *lc, uint64 va, pte_t pte)
{
  struct proc *p = lc->p;
  int rights = raw_rights(pte);
  struct region *r = mregion(p, va);
  int want;
  if (r && r->prot == 0) {
    want = VM_R;   // PROT_NONE: kept mapped, no user access
  } else if (r) {
    want = r->prot | VM_U;
  } else if (va >= p->heapbase && va < p->sz) {
    want = RW | VM_U;
  } else {
    fuzz_fail("page %#lx mapped outside the process (heap [%#lx, %#lx))",
              va, p->heapbase, p->sz);
  }
  // Copy-on-write: a page that may be written, mapped without VM_W.
  if ((rights & VM_COW) && (want & VM_W))
    want = (want & ~VM_W) | VM_COW;
  // A PROT_NONE page keeps its copy-on-write mark for when it is writable again.
  if ((rights & VM_COW) && r && r->prot == 0)
    want |= VM_COW;
  // A shared file page stays read-only until a store marks it dirty.
  if (r && r->file && r->shared && !(rights & VM_W))
    want &= ~VM_W;
  if (r && r->file && mpastend(r, va))
    fuzz_fail("page %#lx mapped past the end of its file (size %lu)", va,
              mfiles[r->file - 1].size);
  if (rights != want)
    fuzz_fail("page %#lx: rights %#x, expected %#x (%s)", va, rights, want,
              r ? "region" : "heap");
  // The zero page: only where a lazy anonymous page may be (the heap and
  // mmap's regions), never writable.
  if (is_zero(pte) && ((r && (r->kind != VMA_MMAP || r->file)) || (rights & VM_W) ||
                       (!r && !(rights & VM_COW))))
    fuzz_fail("page %#lx maps the zero page with rights %#x%s", va, rights,
              r ? " in a region" : "");
  const uchar *got = (const uchar *)PTE2PA(pte);
  struct mpage *m = mpage(p, va, 0);
  if (m) {
    lc->withdata++;
    if (memcmp(got, m->b, PGSIZE) != 0) {
      int i = 0;
      while (got[i] == m->b[i])
        i++;
      fuzz_fail("page %#lx byte %d: %#x, model %#x", va, i, got[i], m->b[i]);
    }
  } else {
    const uchar *want = mfilepage(r, va) ? mfilepage(r, va) : zeros;
    if (memcmp(got, want, PGSIZE) != 0) {
      int i = 0;
      while (got[i] == want[i])
        i++;
      fuzz_fail("page %#lx byte %d: %#x, model %#x%s", va, i, got[i], want[i],
                want == zeros ? "" : " (file)");
    }
  }
}

// A leaf: a small page, or a megapage, which must lie wholly inside the
// heap or one anonymous mapping, and whose pages are checked one by one.
static void
check_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  struct leafcheck *lc = arg;
  struct proc *p = lc->p;
  if (level == 0) {
    check_page(lc, va, pte);
    return;
  }
  uint64 end = va + LARGE_PGSIZE;
  struct region *r = mregion(p, va);
  if (level != 1 || (r && (r->kind != VMA_MMAP || r->file || end > r->end)) ||
      (!r && (va < p->heapbase || end > PGROUNDUP(p->sz))))
    fuzz_fail("level-%d leaf at %#lx, outside the heap [%#lx, %#lx) or an anonymous mapping",
              level, va, p->heapbase, p->sz);
  for (uint64 i = 0; i < LARGE_PAGES; i++)
    check_page(lc, va + i * PGSIZE, pte + PA2PTE(i * PGSIZE));
}

static void
expect_refused(struct proc *p, uint64 va, enum access a)
{
  if (mallowed(p, va, a))
    return;
  int r = vmfault(&p->vm, va, a);
  if (r != FAULT_BADADDR)
    fuzz_fail("vmfault(%#lx, %d) = %d, must be refused", va, a, r);
}

// What p may not access is refused. These faults change nothing p or the
// model can see, but a fault reclaims when memory is low (vmfault's
// reclaim_if_low): pages may go to swap, which is why check_all asks them
// before it looks at anything.
static void
check_refused(struct proc *p)
{
  uint64 out[] = { PGROUNDUP(p->sz), p->sz + 5 * PGSIZE, p->heapbase - 1,
                   USERTOP, MAXVA - 1, MAXVA, ~0UL };
  for (uint64 i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
    expect_refused(p, out[i], ACCESS_READ);
    expect_refused(p, out[i], ACCESS_WRITE);
  }
  uchar byte = 0;
  for (int i = 0; i < p->nreg; i++) {
    struct region *r = &p->reg[i];
    expect_refused(p, r->start, ACCESS_READ);
    expect_refused(p, r->start, ACCESS_WRITE);
    expect_refused(p, r->start, ACCESS_EXEC);
    expect_refused(p, r->end, ACCESS_READ);   // hole or heap above
    if (!(r->prot & VM_W) && copyout(&p->vm, r->end - 1, &byte, 1) == 0)
      fuzz_fail("copyout into region [%#lx, %#lx) without VM_W", r->start, r->end);
    if (!(r->prot & VM_R) && copyin(&p->vm, &byte, r->start, 1) == 0)
      fuzz_fail("copyin from region [%#lx, %#lx) without VM_R", r->start, r->end);
  }
  expect_refused(p, p->heapbase, ACCESS_EXEC);
}

// Does a file region of process arg lie in part in the span at va?
static int
file_span(uint64 va, void *arg)
{
  struct proc *p = arg;
  for (int i = 0; i < p->nreg; i++)
    if (p->reg[i].file && p->reg[i].start < va + PT_LEAF_SPAN && p->reg[i].end > va)
      return 1;
  return 0;
}

// p's break, pages (present ones and those in swap, through the tables it
// shares since a fork as well as its own), regions and tables against the
// model.
static void
check_proc(struct proc *p)
{
  if (p->vm.sz != p->sz || p->vm.heapbase != p->heapbase)
    fuzz_fail("break %#lx heapbase %#lx, model %#lx %#lx",
              p->vm.sz, p->vm.heapbase, p->sz, p->heapbase);
  struct leafcheck lc = { p, 0 };
  struct ptvisitor v = { 0, check_leaf, &lc };
  pt_visit_all(p->vm.pagetable, &v);
  check_swapped(p, &lc.withdata);
  if (lc.withdata != p->npages)
    fuzz_fail("%d written pages, only %d present or in swap", p->npages, lc.withdata);

  // The region list: what exec made, sorted.
  if (p->vm.nvma != p->nreg)
    fuzz_fail("%d regions, model %d", p->vm.nvma, p->nreg);
  for (int i = 0; i < p->nreg; i++) {
    struct vma *v = &p->vm.vma[i];
    struct region *r = &p->reg[i];
    if (v->start != r->start || v->end != r->end || v->prot != r->prot || v->kind != r->kind)
      fuzz_fail("region %d: [%#lx, %#lx) prot %#x kind %d, model [%#lx, %#lx) %#x %d",
                i, v->start, v->end, v->prot, v->kind, r->start, r->end, r->prot, r->kind);
    if (v->file != (r->file ? mfiles[r->file - 1].ip : 0) ||
        (r->file && (v->off != r->off || v->shared != r->shared || v->noprot != r->noprot)))
      fuzz_fail("region %d: file %p off %#lx shared %d noprot %#x, model file %d off %#lx %d %#x",
                i, (void *)v->file, v->off, v->shared, v->noprot, r->file, r->off, r->shared,
                r->noprot);
  }
  // Unmapping frees the table pages that map nothing. Reclaim, which
  // may not change the shape of another process's table, leaves the
  // last-level tables of file pages it unmapped (kernel/mm/fileevict.c).
  int empty = pt_empty_tables(p->vm.pagetable, file_span, p);
  if (empty)
    fuzz_fail("%d page-table page(s) map nothing", empty);
}

// Every file: its size and bytes as the model says; each cached page the
// view; each page not cached equal to the disk (only a dirty page, which
// stays cached, may differ); one inode reference per region that maps it.
static void
check_files(void)
{
  mforget_tails();
  mwritten_back();
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    if (m->ip->size != m->size || memcmp(fakefs_data(m->name), m->disk, m->size) != 0)
      fuzz_fail("file %s: size %u, model %lu, or its bytes differ", m->name, m->ip->size, m->size);
    for (uint64 i = 0; i < PGROUNDUP(m->size) / PGSIZE; i++) {
      uchar *c = mcached(f, i);
      uint64 n = m->size - i * PGSIZE < PGSIZE ? m->size - i * PGSIZE : PGSIZE;
      int bad = c ? memcmp(c, m->view + i * PGSIZE, PGSIZE) : memcmp(m->disk + i * PGSIZE,
                                                                     m->view + i * PGSIZE, n);
      if (c)
        kfree(c);
      if (bad)
        fuzz_fail("file %s page %lu: %s the model's view", m->name, i,
                  c ? "the cached page is not" : "not cached, the disk is not");
    }
    int refs = 0;
    for (int i = 0; i < NPROCS; i++)
      for (int j = 0; procs[i].live && j < procs[i].nreg; j++)
        refs += procs[i].reg[j].file == f + 1;
    if (m->ip->ref != refs)
      fuzz_fail("file %s: %d inode references, %d regions map it", m->name, m->ip->ref, refs);
  }
}

void
check_all(void)
{
  struct vmspace *vms[NPROCS];
  int n = 0;
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      vms[n++] = &procs[i].vm;
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      check_refused(&procs[i]);
  // Then: every leaf maps a page of RAM, so check_proc may read it.
  char msg[256];
  if (machine_check_refs(vms, n, msg, sizeof(msg)) != 0)
    fuzz_fail("reference counts: %s", msg);
  if (machine_check_pcache(msg, sizeof(msg)) != 0)
    fuzz_fail("page cache: %s", msg);
  check_slots(vms, n);
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      check_proc(&procs[i]);
  if (fakefs_quiet(msg, sizeof(msg)) != 0)
    fuzz_fail("file system: %s", msg);
  check_files();
  if (host_locks_held())
    fuzz_fail("%d spin lock(s) held", host_locks_held());
}

void
span_before(struct proc *p, uint64 va, uint64 len, struct span *sp)
{
  sp->first = PGROUNDDOWN(va);
  sp->n = len == 0 ? 0 : (PGROUNDDOWN(va + len - 1) - sp->first) / PGSIZE + 1;
  if (sp->n > MAXSPAN)
    fuzz_fail("span of %d pages", sp->n);
  for (int i = 0; i < sp->n; i++) {
    uint64 va0 = sp->first + i * PGSIZE;
    sp->absent[i] = !leaf(p->vm.pagetable, va0) && swap_slot(p->vm.pagetable, va0) < 0;
  }
  sp->outs = vmstat.swap_outs;
  sp->ins = vmstat.swap_ins;
}

// After a write that succeeded: each page written is writable and p's
// alone. Unless pages moved to or from swap meanwhile: a page written may
// have gone to swap since (a later page of the copy made room), and one
// read back from a slot other PTEs still named is mapped copy-on-write,
// though p alone holds the page (the copy wrote into it all the same).
void
check_written(struct proc *p, const struct span *sp)
{
  for (int i = 0; i < sp->n; i++) {
    uint64 va0 = sp->first + i * PGSIZE;
    pte_t pte = leaf(p->vm.pagetable, va0);
    struct region *r = mregion(p, va0);   // shared memory is no one's alone
    if (swap_moved(sp) && ((!pte && swap_slot(p->vm.pagetable, va0) >= 0) ||
                           ((pte & PTE_COW) && !shared(pte))))
      continue;
    if (!pte || !(pte & PTE_W) || (pte & PTE_COW) || (shared(pte) && !(r && r->shared)))
      fuzz_fail("page %#lx written: PTE %#lx, %d references", va0, pte,
                pte ? kref_get(PTE2PA(pte)) : 0);
  }
}

// After a read that succeeded: each page that was lazy maps the zero page
// if it is on, else a private page of zeros (which may have gone to swap
// since, when pages moved).
void
check_read(struct proc *p, const struct span *sp)
{
  for (int i = 0; i < sp->n; i++) {
    uint64 va0 = sp->first + i * PGSIZE;
    pte_t pte = leaf(p->vm.pagetable, va0);
    if (!pte && swap_moved(sp) && swap_slot(p->vm.pagetable, va0) >= 0)
      continue;
    if (!pte)
      fuzz_fail("page %#lx read but not mapped", va0);
    if (sp->absent[i] && is_zero(pte) != opt_zeropage)
      fuzz_fail("lazy page %#lx read with the zero page %s: PTE %#lx",
                va0, opt_zeropage ? "on" : "off", pte);
  }
}
