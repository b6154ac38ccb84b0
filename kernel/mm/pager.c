// Backings of regions: where a region's absent pages come from and where
// its stores go, one small set of operations per kind (the pagers of Mach
// and UVM are the model). The fault path (fault.c) finds the region and
// calls its pager's get; unmapping calls put for each page that leaves;
// fork and splits call hold, the end of a region release.
//
//   anonymous  the heap (v == 0), the stack, mmap's MAP_ANONYMOUS, exec's
//              bss: zeros; a read before any write maps the shared zero
//              page (copy-on-write) when VMCONF_ZEROPAGE is on.
//   file       bytes [off, off + filelen) of a file through the page cache,
//              then zeros. Shared: the cache's page itself, mapped
//              read-only until the first store marks it dirty (so a clean
//              page is known clean); put writes it back. Private: the
//              cache's page read-only and copy-on-write; a store copies it.
//
// Copy-on-write is a property of the mapping (VM_COW in the PTE), not of
// the backing: fork (vm.c) and the fault path handle it the same for all.
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

// The rights a page of a region with rights prot gets when first mapped
// read-only: readable (a writable region is readable too), executable if
// prot says, and copy-on-write if prot allows stores.
static int
readonly_flags(int prot)
{
  return VM_U | VM_R | (prot & VM_X) | ((prot & VM_W) ? VM_COW : 0);
}

// The rights a fresh page of anonymous region v (0: the heap) gets:
// the region's, for the user, and readable when writable, since a page
// table has no write-only page (Sv39 reserves W without R) and
// mmap(PROT_WRITE) is allowed.
int
anon_flags(struct vma *v)
{
  int prot = v ? v->prot : VM_R | VM_W;
  return prot | VM_U | ((prot & VM_W) ? VM_R : 0);
}

static int
anon_get(struct vma *v, uint64 va, enum access access, uint64 *pa, int *flags)
{
  int prot = v ? v->prot : VM_R | VM_W;
  if (access == ACCESS_READ && vm_zeropage && !(v && v->shared)) {
    *pa = zeropage_get();
    *flags = readonly_flags(prot);
    VMSTAT_INC(zero_map);
    return FAULT_OK;
  }
  void *page = kalloc();   // already zeroed
  if (page == 0)
    return FAULT_NOMEM;
  *pa = V2P(page);
  *flags = anon_flags(v);
  VMSTAT_INC(zero_fill);
  return FAULT_OK;
}

static int
anon_peek(struct vma *v, uint64 va, uint64 *pa, int *flags)
{
  return FAULT_NOMEM;   // nothing is at hand: a fresh page costs as much now as later
}

static void anon_put(struct vma *v, uint64 va, uint64 pa, int flags) { }
static void anon_hold(struct vma *v) { }
static void anon_release(struct vma *v) { }

static const struct pager anon_pager = { anon_get, anon_peek, anon_put, anon_hold, anon_release };

// Page index in v's file of the page at va.
static uint64
file_index(struct vma *v, uint64 va)
{
  return (v->off + (va - v->start)) / PGSIZE;
}

static int
file_get(struct vma *v, uint64 va, enum access access, uint64 *pa, int *flags)
{
  uint64 rel = va - v->start;
  if (rel >= v->filelen)   // exec's bss: not in the file at all
    return anon_get(v, va, access, pa, flags);
  // Past the page that holds the end of the file, there is nothing to
  // show: the access is refused (Linux sends SIGBUS).
  if (file_index(v, va) * PGSIZE >= PGROUNDUP(fmap_size(v->file)))
    return FAULT_BADADDR;

  uint64 cpa;
  int r = pcache_get(v->file, file_index(v, va), &cpa);
  if (r != FAULT_OK)
    return r;
  VMSTAT_INC(file_mapped);
  uint64 inpage = v->filelen - rel;   // bytes of this page from the file
  if (v->shared) {
    *pa = cpa;
    *flags = VM_U | VM_R | (v->prot & VM_X);
    if (access == ACCESS_WRITE) {
      pcache_dirty(v->file, file_index(v, va));
      *flags |= VM_W;
    }
    return FAULT_OK;
  }
  if (access != ACCESS_WRITE && inpage >= PGSIZE) {
    *pa = cpa;
    *flags = readonly_flags(v->prot);
    return FAULT_OK;
  }
  // A store, or the page where the file's bytes end and zeros begin
  // (exec's data and bss share it): a private copy.
  void *copy = kalloc_copy(P2V(cpa));
  kfree(P2V(cpa));
  if (copy == 0)
    return FAULT_NOMEM;
  if (inpage < PGSIZE)
    memset((char *)copy + inpage, 0, PGSIZE - inpage);
  *pa = V2P(copy);
  *flags = v->prot | VM_U | VM_R;
  return FAULT_OK;
}

// A whole page of the file that is in the cache already, mapped for
// reading as file_get would.
static int
file_peek(struct vma *v, uint64 va, uint64 *pa, int *flags)
{
  uint64 rel = va - v->start;
  if (rel >= v->filelen || v->filelen - rel < PGSIZE)
    return FAULT_NOMEM;
  uint64 cpa = pcache_peek(v->file, file_index(v, va));
  if (cpa == 0)
    return FAULT_NOMEM;
  *pa = cpa;
  *flags = v->shared ? VM_U | VM_R | (v->prot & VM_X) : readonly_flags(v->prot);
  VMSTAT_INC(pc_hits);
  VMSTAT_INC(file_mapped);
  return FAULT_OK;
}

// A shared mapping's page leaves: a writable PTE may have been stored
// through since the last write-back, so it counts as dirty.
static void
file_put(struct vma *v, uint64 va, uint64 pa, int flags)
{
  if (!v->shared)
    return;
  if (flags & VM_W)
    pcache_dirty(v->file, file_index(v, va));
  pcache_writeback(v->file, file_index(v, va));
}

// May a store through region v reach its file, now or after mprotect?
// Such a region keeps programs from running from the file (fmap_mapwrite).
int
vma_maps_writable(struct vma *v)
{
  return v->file && v->shared && !(v->noprot & VM_W);
}

// A copy of v cannot be refused: v itself already excludes the other kind.
static void
file_hold(struct vma *v)
{
  fmap_hold(v->file);
  if (v->denywrite)
    (void)fmap_denywrite(v->file, 1);
  if (vma_maps_writable(v))
    (void)fmap_mapwrite(v->file, 1);
}

static void
file_release(struct vma *v)
{
  if (v->denywrite)
    fmap_denywrite(v->file, -1);
  if (vma_maps_writable(v))
    fmap_mapwrite(v->file, -1);
  fmap_release(v->file);
}

static const struct pager file_pager = { file_get, file_peek, file_put, file_hold, file_release };

// The pager of region v (0: the heap).
const struct pager *
vma_pager(struct vma *v)
{
  return v && v->file ? &file_pager : &anon_pager;
}

// Hand every page of [from, to) in v that is present to v's pager's put,
// before the caller unmaps them. May sleep.
void
vma_put_pages(struct vmspace *vm, struct vma *v, uint64 from, uint64 to)
{
  const struct pager *pg = vma_pager(v);
  if (pg == &anon_pager)
    return;
  for (uint64 a = from; a < to; a += PGSIZE) {
    pte_t *pte = walk(vm->pagetable, a, 0);
    if (pte && pte_valid(*pte))
      pg->put(v, a, pte_pa(*pte), pte_flags(*pte));
  }
}

uint vm_truncations;

// Some file was emptied since vm last looked (vm_truncations moved): the
// pages of its file regions past the end of their file go, present or in
// swap, so that the next access there is refused as any access past the
// end of a file is (file_get). Called by vm's owner on its way back to
// user mode, where the pages could be used: a process running on another
// hart when the file is emptied passes here within a clock tick. Pages of
// a region that the file does not back (exec's bss) stay. If a shared
// table cannot be made this process's own (no memory), it tries again
// next time.
void
vm_sync_truncated(struct vmspace *vm)
{
  uint now = __atomic_load_n(&vm_truncations, __ATOMIC_SEQ_CST);
  if (vm->truncations == now)
    return;
  int done = 1;
  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (v->file == 0)
      continue;
    uint64 fileend = PGROUNDUP(fmap_size(v->file));   // offset past its last page
    uint64 from = fileend > v->off ? v->start + (fileend - v->off) : v->start;
    uint64 to = v->start + PGROUNDUP(v->filelen);
    if (to > v->end)
      to = v->end;
    if (from >= to)
      continue;
    if (range_edges(vm, from, to, RANGE_UNMAP) != 0) {
      done = 0;
      continue;
    }
    uvmunmap(vm->pagetable, from, (to - from) / PGSIZE, 1);
    tlb_flush_range(from, to - from);
  }
  if (done)
    vm->truncations = now;
}
