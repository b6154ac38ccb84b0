// User address spaces: building, growing, shrinking, copying and freeing
// the page table of a process, and its list of regions.
//
// Teardown walks the page table: a page that was never touched (lazy heap)
// has no valid PTE and is skipped; each valid PTE drops one reference, and
// each swapped-out one (docs/paging.md) one reference to its swap slot.
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

// Map [va, va+size) to physical [pa, pa+size) with the given VM_* rights.
// va, size and pa are page-aligned. All or nothing: on failure (no memory
// for a page-table page, or to copy a shared one) nothing stays mapped and
// it returns -1.
int
mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int flags)
{
  if (va % PGSIZE || size % PGSIZE || pa % PGSIZE || size == 0)
    panic("mappages: not page-aligned");

  for (uint64 off = 0; off < size; off += PGSIZE) {
    int own = off == 0 || (va + off) % PT_LEAF_SPAN == 0;
    pte_t *pte = own && ptshare_own(pt, va + off) != 0 ? 0 : walk(pt, va + off, 1);
    if (pte == 0) {
      if (off > 0)
        uvmunmap(pt, va, off / PGSIZE, 0);
      pagetable_prune(pt, va, va + off + PGSIZE);   // tables walk made
      return -1;
    }
    if (pte_valid(*pte))
      panic("mappages: remap");
    *pte = pte_make(pa + off, flags);
  }
  return 0;
}

// The first address of the leaf-table span after the one holding va: where
// a scan goes on when walk found no leaf table for va.
static uint64
next_span(uint64 va)
{
  return (va | (PT_LEAF_SPAN - 1)) + 1;
}

// Remove the mappings of npages pages from va. PTEs that were never valid
// (lazy pages never touched) are skipped. With do_free, each page mapped
// loses one reference, and each page in swap one reference to its slot.
// A large page must lie wholly inside the range, and a span whose table
// is shared since a fork too, which then only loses its mark: range_edges
// prepares a range's edges so. The caller flushes the TLB if pt is in use.
void
uvmunmap(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  if (va % PGSIZE)
    panic("uvmunmap: not aligned");
  uint64 end = va + npages * PGSIZE;
  for (uint64 a = va; a < end;) {
    uint64 stop = next_span(a) < end ? next_span(a) : end;
    pte_t *table, *pte = 0;   // 0: a large page (gone now), skipped
    switch (span_kind(pt, a, &table)) {
    case SPAN_TABLE: pte = &table[(a % PT_LEAF_SPAN) / PGSIZE]; break;
    case SPAN_SHARED: ptshare_unmap(pt, a, stop); break;
    case SPAN_LARGE: lp_unmap(table, a, end, do_free); break;
    case SPAN_NONE:   // skip the empty spans after it, all at once
      if (stop < end && stop % PT_LEAF_SPAN == 0)
        stop = span_next(pt, stop, end & ~((uint64)PT_LEAF_SPAN - 1));
      break;
    }
    for (; pte && a < stop; a += PGSIZE, pte++) {
      if (pte_is_swap(*pte)) {
        if (do_free)
          swap_free(pte_swap_slot(*pte));
        *pte = 0;
        continue;
      }
      if (!pte_valid(*pte))
        continue;
      if (do_free)
        kfree(P2V(pte_pa(*pte)));
      *pte = 0;
    }
    a = stop;
  }
}

// An empty address space: a page table with no user mappings.
// Returns 0, or -1 when out of memory.
int
uvmcreate(struct vmspace *vm)
{
  memset(vm, 0, sizeof(*vm));
  vm->truncations = vm_truncations;   // it maps nothing that could be past an end
  vm->pagetable = pagetable_new();
  return vm->pagetable ? 0 : -1;
}

// Allocate, zero and map pages with prot|VM_U to cover [oldsz, newsz).
// Returns newsz, or 0 after giving back everything it allocated.
uint64
uvmalloc(struct vmspace *vm, uint64 oldsz, uint64 newsz, int prot)
{
  if (newsz <= oldsz)
    return oldsz;
  for (uint64 a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE) {
    void *pa = kalloc();   // already zeroed
    if (pa == 0 || mappages(vm->pagetable, a, PGSIZE, V2P(pa), prot | VM_U) != 0) {
      if (pa)
        kfree(pa);
      // Page a is not mapped (mappages is all or nothing): unmapping up to
      // it cuts no page table shared since a fork that this call did not
      // make its own already, so it needs no page.
      uvmdealloc(vm, a, oldsz);
      return 0;
    }
    rmap_note_anon(vm, V2P(pa), a);
  }
  return newsz;
}

// Prepare the edges of the page-aligned range [from, to) before its
// mappings go (how RANGE_UNMAP: munmap, MAP_FIXED, a shrinking heap, a
// truncated file) or change in place (RANGE_REWRITE: mprotect). The rule:
// no large page may straddle an edge, and every PTE that will change must
// be this process's own. So a large page that from or to cuts is demoted
// (lp_split: uvmunmap and mprotect meet large pages only whole), and a
// page table shared since a fork becomes the process's own (ptshare_own)
// where one of its PTEs will change: for RANGE_UNMAP in the spans the
// range covers in part (a span covered whole only loses its mark,
// ptshare_unmap); for RANGE_REWRITE in every span the range touches.
// Neither changes what the process sees. Returns 0, or -1 when no page
// was free for a table (some of the work may be done).
int
range_edges(struct vmspace *vm, uint64 from, uint64 to, enum range_change how)
{
  if (from >= to)
    return 0;
  if (lp_split(vm, from) != 0 || lp_split(vm, to) != 0)
    return -1;
  if (how == RANGE_REWRITE)
    return ptshare_own_range(vm->pagetable, from, to);
  return ptshare_own_ends(vm->pagetable, from, to);
}

// Unmap and free the pages of [newsz, oldsz): whole pages from
// PGROUNDUP(newsz), and the page-table pages left mapping nothing there.
// Returns newsz, or oldsz with nothing changed when a large page or a page
// table shared since a fork that the new end cuts needed a page and none
// was free (range_edges).
uint64
uvmdealloc(struct vmspace *vm, uint64 oldsz, uint64 newsz)
{
  if (newsz >= oldsz)
    return oldsz;
  uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
  if (range_edges(vm, from, to, RANGE_UNMAP) != 0)
    return oldsz;
  if (from < to) {
    uvmunmap(vm->pagetable, from, (to - from) / PGSIZE, 1);
    pagetable_prune(vm->pagetable, from, to);
    tlb_flush_range(from, to - from);
  }
  return newsz;
}

// The rights a copying fork gives the child's private copy of a page (or
// large page) the parent maps with flags. A page still shared from an
// earlier fork gets its writability back; under PROT_NONE (no VM_U) it
// keeps its mark, as mprotect left it, until it may be written again.
int
copy_flags(int flags)
{
  if ((flags & VM_COW) && (flags & VM_U))
    flags = (flags | VM_W) & ~VM_COW;
  return flags;
}

// What the child of fork gets for the parent's present page mapped by pte:
// in a shared region the same page as it is; else the same page shared
// copy-on-write (or read-only as it is), or a copy made now. Sets *child to the child's PTE. Returns 0, or -1 when out of
// memory.
static int
share_or_copy(pte_t *pte, pte_t *child, int shared)
{
  uint64 pa = pte_pa(*pte);
  int flags = pte_flags(*pte);

  if (shared) {
    // A shared mapping: both processes see each other's stores.
    kref_inc(pa);
    *child = *pte;
    return 0;
  }
  if (vm_cow || is_zeropage(pa)) {
    // A page that may be written becomes read-only and copy-on-write in
    // both; one never writable (text) is simply shared as it is.
    if (flags & VM_W) {
      flags = (flags & ~VM_W) | VM_COW;
      *pte = pte_make(pa, flags);
    }
    kref_inc(pa);
    *child = pte_make(pa, flags);
    return 0;
  }

  flags = copy_flags(flags);
  void *copy = kalloc_copy(P2V(pa));
  if (copy == 0)
    return -1;
  *child = pte_make(V2P(copy), flags);
  return 0;
}

// Give the pages of old in [from, to) to new, as share_or_copy says, or,
// a span at a time, by sharing old's page table (ptshare_fork). Returns 0,
// or -1 when memory ran out.
static int
copy_range(struct vmspace *old, struct vmspace *new, uint64 from, uint64 to, int shared)
{
  for (uint64 a = from; a < to;) {
    uint64 stop = next_span(a) < to ? next_span(a) : PGROUNDUP(to);
    uint64 next = a;   // tables shared up to next, a run of spans at once
    if (!shared && ptshare_fork(old, new, a, to, &next) != 0)
      return -1;
    if (next > a) {
      a = next;
      continue;
    }
    uint64 size;
    pte_t *pte = lp_walk(old->pagetable, a, &size);   // 0: an empty span
    if (pte && size == LARGE_PGSIZE) {
      if (lp_copy(new, pte, a, stop, shared) != 0)
        return -1;
      pte = 0;   // the span is done
    }
    pte_t *cfirst = 0;                         // the child's PTE for cfirst_va,
    uint64 cfirst_va = 0;                      // made on the span's first page
    for (; pte && a < stop; a += PGSIZE, pte++) {
      if (!pte_valid(*pte) && !pte_is_swap(*pte))
        continue;
      if (cfirst == 0) {
        cfirst = walk(new->pagetable, a, 1);
        cfirst_va = a;
      }
      if (cfirst == 0)
        return -1;
      pte_t *child = cfirst + (a - cfirst_va) / PGSIZE;
      if (pte_is_swap(*pte)) {
        // Both hold the page in swap: the slot is shared, counted like a page.
        swap_dup(pte_swap_slot(*pte));
        *child = *pte;
        continue;
      }
      if (share_or_copy(pte, child, shared) != 0)
        return -1;
      if (pte_pa(*child) != pte_pa(*pte))
        rmap_note_anon(new, pte_pa(*child), a);   // copying fork: the child's own page
    }
    a = stop;
  }
  return 0;
}

// Give fork's child new the memory of old: regions, break, and every page
// that is present, shared copy-on-write (vm_cow, the default) or copied;
// the pages of shared regions are shared as they are; with vm_forkshare,
// whole last-level tables of private memory are shared instead
// (forkshare.c). Pages never touched stay absent in both. Returns 0, or
// -1 when memory ran out; the caller then frees new, which holds exactly
// what was given so far, no reference to a file and no shared table (old
// keeps its contents; some of its pages may have become copy-on-write, or
// its tables shared, which a later access resolves).
int
uvmcopy(struct vmspace *old, struct vmspace *new)
{
  new->heapbase = old->heapbase;
  new->sz = old->sz;
  new->truncations = old->truncations;   // old's PTEs, stale ones too, are new's now
  new->nvma = old->nvma;
  memmove(new->vma, old->vma, sizeof(old->vma));
  for (int i = 0; i < new->nvma; i++)
    new->vma[i].file = 0;   // until everything is copied

  int r = copy_range(old, new, 0, old->sz, 0);
  for (int i = 0; i < old->nvma && r == 0; i++)
    if (old->vma[i].start >= old->sz)
      r = copy_range(old, new, old->vma[i].start, old->vma[i].end, old->vma[i].shared);
  tlb_flush();   // the parent's writable pages became read-only, or marks
  if (r != 0) {
    ptshare_release(new);
    return -1;
  }
  for (int i = 0; i < new->nvma; i++) {
    new->vma[i].file = old->vma[i].file;
    vma_pager(&new->vma[i])->hold(&new->vma[i]);
  }
  return 0;
}

// Free every user page and then the page table itself. The caller has
// removed the mappings that are not the process's own memory (trampoline,
// trap frame), and the file-backed regions and the page tables shared
// since a fork (vm_dropfiles: that sleeps).
void
uvmfree(struct vmspace *vm)
{
  if (vm->pagetable == 0)
    return;
  uvmunmap(vm->pagetable, 0, PGROUNDUP(vm->sz) / PGSIZE, 1);
  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (v->file)
      panic("uvmfree: a file region is left");
    if (v->start >= vm->sz)
      uvmunmap(vm->pagetable, v->start, (v->end - v->start) / PGSIZE, 1);
  }
  pagetable_free(vm->pagetable);
  vm->pagetable = 0;
}

// Record an anonymous private region [start, end) in vm's sorted region
// list. Regions may not overlap. Returns 0, or -1 when the list is full.
int
vma_add(struct vmspace *vm, uint64 start, uint64 end, int prot, enum vma_kind kind)
{
  struct vma v = { start, end, prot, kind };
  return vma_insert(vm, &v);
}

// The region holding va, or 0. The heap, [heapbase, sz), is not in the
// list: it is described by the break.
struct vma *
vma_find(struct vmspace *vm, uint64 va)
{
  for (int i = 0; i < vm->nvma; i++)
    if (va >= vm->vma[i].start && va < vm->vma[i].end)
      return &vm->vma[i];
  return 0;
}

// A name for the part of vm's address space that holds va, for the line
// the kernel prints when it kills a process: where the bad access went.
const char *
vma_name(struct vmspace *vm, uint64 va)
{
  if (va >= MAXVA)
    return "beyond user space";
  if (va >= USERTOP)
    return "trap frame or trampoline";
  if (va >= vm->heapbase && va < vm->sz)
    return "heap";
  struct vma *r = vma_find(vm, va);
  if (r == 0)
    return va >= vm->sz ? "above the break" : "unmapped";
  switch (r->kind) {
  case VMA_SEGMENT: return (r->prot & VM_X) ? "program text" : "program data";
  case VMA_GUARD: return "stack guard page";
  case VMA_STACK: return "stack";
  case VMA_MMAP: return r->file ? "file mapping" : "anonymous mapping";
  }
  return "unmapped";
}
