// Scans of address spaces for the PTEs of their regions, by address
// rather than from a page's record (rmap.c): the PTEs that map a file's
// pages from some index on, for truncate, and the pages of a process in
// swap, for ps. Only small PTEs hold a swap slot or a file page; a large
// page's span is passed over.
#include "abi/types.h"
#include "mm/mm.h"

// The last-level PTE of va in pt, or 0 when there is none: no table, or
// a large page maps va. For scans of PTEs that may hold a swap slot,
// which only small ones do.
static pte_t *
small_pte(pagetable_t pt, uint64 va)
{
  uint64 size;
  pte_t *pte = lp_walk(pt, va, &size);
  return size == PGSIZE ? pte : 0;
}

// Call fn for every PTE, valid or swapped, that maps page index >= from of
// file ip in a region of ip (shared, or private and still the file's), in
// the address spaces vm_visit reaches. For truncate, which must unmap the
// pages past a file's new end. fn runs under the owner's process lock and
// must not sleep.
struct fileq {
  struct inode *ip;
  uint64 from;
  void (*fn)(void *arg, struct vmspace *vm, uint64 va, pte_t *pte);
  void *arg;
};

static int
file_visit(void *arg, struct vmspace *vm)
{
  struct fileq *q = arg;
  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (v->file != q->ip)
      continue;
    uint64 first = v->off / PGSIZE;   // the index mapped at v->start
    uint64 va = v->start;
    if (q->from > first)
      va += (q->from - first) * PGSIZE;
    for (; va < v->end; va += PGSIZE) {
      pte_t *pte = small_pte(vm->pagetable, va);
      if (pte && (pte_valid(*pte) || pte_is_swap(*pte)))
        q->fn(q->arg, vm, va, pte);
    }
  }
  return 1;
}

void
rmap_file_ptes(struct inode *ip, uint64 from,
               void (*fn)(void *arg, struct vmspace *vm, uint64 va, pte_t *pte), void *arg)
{
  struct fileq q = { ip, from, fn, arg };
  vm_visit(file_visit, &q);
}

// Count the swapped-out PTEs of [from, to) in vm.
static uint64
swapped_in(struct vmspace *vm, uint64 from, uint64 to)
{
  uint64 n = 0;
  for (uint64 va = from; va < to; va += PGSIZE) {
    pte_t *pte = small_pte(vm->pagetable, va);
    if (pte == 0) {
      va = (va | (PT_LEAF_SPAN - 1)) + 1 - PGSIZE;   // a whole empty span
      continue;
    }
    if (pte_is_swap(*pte))
      n++;
  }
  return n;
}

// Pages of vm that are in swap now (ps). The caller keeps vm's page table
// from changing (its owner, or holding the owner stopped).
uint64
vm_swapped_pages(struct vmspace *vm)
{
  if (vm->pagetable == 0)
    return 0;
  uint64 n = swapped_in(vm, vm->heapbase, PGROUNDUP(vm->sz));
  for (int i = 0; i < vm->nvma; i++)
    if (vm->vma[i].start >= vm->sz || vm->vma[i].end <= vm->heapbase)
      n += swapped_in(vm, vm->vma[i].start, vm->vma[i].end);
  return n;
}
