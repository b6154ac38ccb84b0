// Regions made and changed while a process runs: what mmap, munmap,
// mprotect and msync do to an address space.
//
// Layout: the program's segments, its guard page and stack sit at the
// bottom, the heap grows up from heapbase to the break (sz). Mappings are
// placed top-down from MMAPTOP (just below the trap frame), in the highest
// gap that fits above the break; sbrk may grow the heap only up to the
// lowest mapping above it (vm_heaplimit), so the two never meet. MAP_FIXED
// may put a mapping anywhere above the break.
//
// Every operation checks everything it needs (alignment, wrap, room in the
// region list) before it changes anything, so a refused call leaves the
// address space as it was; at most the range's edges have been prepared
// (range_edges: a large page split, a shared page table copied), which
// maps the same.
#include "abi/types.h"
#include "lib/lib.h"
#include "abi/mman.h"
#include "mm/mm.h"

// Record region *v in vm's sorted list. Regions may not overlap. Returns
// 0, or -1 when the list is full.
int
vma_insert(struct vmspace *vm, const struct vma *v)
{
  if (vm->nvma == NVMA)
    return -1;
  int i = vm->nvma;
  while (i > 0 && vm->vma[i - 1].start > v->start) {
    vm->vma[i] = vm->vma[i - 1];
    i--;
  }
  vm->vma[i] = *v;
  vm->nvma++;
  return 0;
}

static void
vma_remove(struct vmspace *vm, int i)
{
  for (; i + 1 < vm->nvma; i++)
    vm->vma[i] = vm->vma[i + 1];
  vm->nvma--;
}

// How far the heap may grow: the lowest region above the break, or the
// top of user memory.
uint64
vm_heaplimit(struct vmspace *vm)
{
  for (int i = 0; i < vm->nvma; i++)
    if (vm->vma[i].start >= vm->sz && vm->vma[i].start >= vm->heapbase)
      return vm->vma[i].start;
  return USERTOP;
}

// Is [addr, addr+len) a page-aligned range of user memory that does not
// wrap? len is rounded up to pages first.
static int
good_range(uint64 addr, uint64 len, uint64 *end)
{
  if (addr % PGSIZE || len == 0 || len > USERTOP)
    return 0;
  *end = addr + PGROUNDUP(len);
  return *end > addr && *end <= USERTOP;
}

// Move the start of region v up to at, dropping nothing (the caller has
// unmapped the pages below at).
static void
trim_head(struct vma *v, uint64 at)
{
  uint64 d = at - v->start;
  v->start = at;
  v->off += d;
  v->filelen = v->filelen > d ? v->filelen - d : 0;
}

static void
trim_tail(struct vma *v, uint64 at)
{
  v->end = at;
  if (v->filelen > at - v->start)
    v->filelen = at - v->start;
}

// Split region i at address at (inside it) into two; the second half
// holds the backing again. The caller has checked there is room.
static void
split(struct vmspace *vm, int i, uint64 at)
{
  struct vma hi = vm->vma[i];
  trim_head(&hi, at);
  trim_tail(&vm->vma[i], at);
  vma_pager(&hi)->hold(&hi);
  vma_insert(vm, &hi);
}

// Regions the list must have room for to cut out [addr, end): one when a
// single region holds it with space on both sides.
static int
cut_needs(struct vmspace *vm, uint64 addr, uint64 end)
{
  for (int i = 0; i < vm->nvma; i++)
    if (vm->vma[i].start < addr && vm->vma[i].end > end)
      return 1;
  return 0;
}

// Give back the pages of [from, to) in region v: the backing sees each one
// leave (shared file pages are written back), then they are unmapped.
static void
drop_pages(struct vmspace *vm, struct vma *v, uint64 from, uint64 to)
{
  vma_put_pages(vm, v, from, to);
  uvmunmap(vm->pagetable, from, (to - from) / PGSIZE, 1);
  pagetable_prune(vm->pagetable, from, to);
}

// Unmap [addr, end) from every region it touches (the heap is not a
// region and is left alone). The caller checked cut_needs. May sleep.
static void
cut(struct vmspace *vm, uint64 addr, uint64 end)
{
  for (int i = 0; i < vm->nvma;) {
    struct vma *v = &vm->vma[i];
    uint64 from = v->start > addr ? v->start : addr;
    uint64 to = v->end < end ? v->end : end;
    if (from >= to) {
      i++;
      continue;
    }
    drop_pages(vm, v, from, to);
    if (from == v->start && to == v->end) {
      struct vma gone = *v;
      vma_remove(vm, i);
      vma_pager(&gone)->release(&gone);
      continue;
    }
    if (from > v->start && to < v->end) {
      split(vm, i, to);
      trim_tail(&vm->vma[i], from);
    } else if (from == v->start) {
      trim_head(v, to);
    } else {
      trim_tail(v, from);
    }
    i++;
  }
  tlb_flush();
}

// munmap: remove [addr, addr+len) from every region, whatever is mapped
// there (nothing mapped: 0). Returns 0, or -1 for a bad range or no room
// to split a region in two.
int
vm_unmap(struct vmspace *vm, uint64 addr, uint64 len)
{
  uint64 end;
  if (!good_range(addr, len, &end))
    return -1;
  if (vm->nvma + cut_needs(vm, addr, end) > NVMA || range_edges(vm, addr, end, RANGE_UNMAP) != 0)
    return -1;
  cut(vm, addr, end);
  return 0;
}

// The highest free gap of len bytes between the break and MMAPTOP, at an
// address that is a multiple of align (a power of two), or 0.
static uint64
find_gap(struct vmspace *vm, uint64 len, uint64 align)
{
  uint64 top = MMAPTOP;
  uint64 floor = PGROUNDUP(vm->sz);
  for (int i = vm->nvma - 1; i >= -1; i--) {
    uint64 below = i >= 0 ? vm->vma[i].end : floor;
    if (below < floor)
      below = floor;
    if (top >= below + len && ((top - len) & ~(align - 1)) >= below)
      return (top - len) & ~(align - 1);
    if (i >= 0 && vm->vma[i].start < top)
      top = vm->vma[i].start;
    if (top <= floor)
      return 0;
  }
  return 0;
}

// mmap: a new region of len bytes (rounded up to pages) with rights prot
// (VM_*), backed by ip from offset off (ip == 0: anonymous). flags:
// VMMAP_SHARED, VMMAP_FIXED (at addr exactly, replacing what is there;
// addr must be above the break). noprot: rights the region may never get.
// Nothing is read or allocated now, except that a shared anonymous region
// gets its pages at once, so that fork can share them. Returns the
// address, or -1 with nothing changed.
uint64
vm_map(struct vmspace *vm, uint64 addr, uint64 len, int prot, int flags,
       struct inode *ip, uint64 off, int noprot)
{
  uint64 end;
  if (off % PGSIZE || (prot & noprot))
    return -1;
  if (flags & VMMAP_FIXED) {
    if (!good_range(addr, len, &end) || addr < PGROUNDUP(vm->sz))
      return -1;
    // The new region, and perhaps a split, against what the cut frees.
    int freed = 0;
    for (int i = 0; i < vm->nvma; i++)
      if (vm->vma[i].start >= addr && vm->vma[i].end <= end)
        freed++;
    if (vm->nvma + 1 + cut_needs(vm, addr, end) - freed > NVMA)
      return -1;
  } else {
    if (len == 0 || len > USERTOP || vm->nvma == NVMA)
      return -1;
    // An anonymous mapping of a large page or more starts on a large
    // page's boundary when there is room, so that its blocks can be
    // large pages (largepage.c).
    uint64 align = lp_align(ip, PGROUNDUP(len));
    addr = find_gap(vm, PGROUNDUP(len), align);
    if (addr == 0 && align != PGSIZE)
      addr = find_gap(vm, PGROUNDUP(len), PGSIZE);
    if (addr == 0)
      return -1;
    end = addr + PGROUNDUP(len);
  }
  if (ip && off + (end - addr) < off)
    return -1;
  // Cutting what was there (MAP_FIXED) may cut a large page or a page
  // table shared since a fork; and a shared mapping never lies in a
  // shared table (fork shares only spans of private memory).
  if (range_edges(vm, addr, end, RANGE_UNMAP) != 0)
    return -1;

  struct vma v = { addr, end, prot, VMA_MMAP, (flags & VMMAP_SHARED) != 0, noprot, 0,
                   ip, off, ip ? end - addr : 0 };
  // A program runs from the file: stores through a shared mapping would
  // reach it (ETXTBSY), so such a mapping stays read-only.
  if (vma_maps_writable(&v) && fmap_mapwrite(ip, 1) != 0) {
    if (prot & VM_W)
      return -1;
    v.noprot |= VM_W;
  }
  if (flags & VMMAP_FIXED)
    cut(vm, addr, end);
  // Out of memory here, a MAP_FIXED call has lost what was there (as
  // Linux allows).
  if (!ip && v.shared &&
      uvmalloc_large(vm, addr, end, prot ? prot | VM_R : VM_R) == 0)
    return -1;
  if (ip)
    fmap_hold(ip);
  vma_insert(vm, &v);
  // uvmalloc_large gave the pages user access: under PROT_NONE they get
  // what mprotect gives (mapped, no user access).
  if (!ip && v.shared && prot == 0)
    vm_protect(vm, addr, end - addr, 0);
  return addr;
}

// The end of the leaf-table span holding va, or end if that is sooner:
// where a scan that walked once at va walks again.
static uint64
span_stop(uint64 va, uint64 end)
{
  uint64 stop = (va | (PT_LEAF_SPAN - 1)) + 1;
  return stop < end ? stop : end;
}

// The rights a present page gets when its region's rights become prot.
// PROT_NONE keeps the page mapped without user access (an Sv39 leaf needs
// some right). A private page that may be stored to becomes copy-on-write
// unless it was writable already: it may be the cache's page or the zero
// page. A shared file page stays read-only until the next store marks it
// dirty; it is marked now if it was writable.
static int
new_flags(struct vma *v, uint64 va, int old, int prot)
{
  if ((old & VM_W) && v->shared && v->file)
    pcache_dirty(v->file, (v->off + (va - v->start)) / PGSIZE);
  if (prot == 0)
    return VM_R | (old & VM_COW);
  int flags = VM_U | (prot & (VM_R | VM_X)) | ((prot & VM_W) ? VM_R : 0);
  if (!(prot & VM_W))
    return flags;
  if (v->shared)
    return flags | (v->file ? 0 : VM_W);
  return flags | ((old & VM_W) ? VM_W : VM_COW);
}

// mprotect: give [addr, addr+len) rights prot. Every page of the range
// must be in a region whose backing allows prot. Returns 0, or -1 with
// nothing changed.
int
vm_protect(struct vmspace *vm, uint64 addr, uint64 len, int prot)
{
  uint64 end;
  if (!good_range(addr, len, &end))
    return -1;
  // Covered without a gap, by regions that may have prot?
  uint64 at = addr;
  int splits = 0;
  for (int i = 0; i < vm->nvma && at < end; i++) {
    struct vma *v = &vm->vma[i];
    if (v->end <= at)
      continue;
    if (v->start > at || (prot & v->noprot) || v->kind == VMA_GUARD)
      return -1;
    splits += (v->start < addr) + (v->end > end);
    at = v->end;
  }
  if (at < end || vm->nvma + splits > NVMA || range_edges(vm, addr, end, RANGE_REWRITE) != 0)
    return -1;

  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (v->end <= addr || v->start >= end)
      continue;
    if (v->start < addr) {
      split(vm, i, addr);
      continue;   // the part from addr on is next
    }
    if (v->end > end)
      split(vm, i, end);
    v = &vm->vma[i];
    // One walk per span: a large page (whole, after range_edges) is its
    // span's one PTE, small pages' PTEs follow each other.
    for (uint64 a = v->start; a < v->end;) {
      uint64 stop = span_stop(a, v->end), size;
      pte_t *pte = lp_walk(vm->pagetable, a, &size);   // 0: nothing in the span
      for (; pte && a < stop; a += size, pte++)
        if (pte_valid(*pte))
          *pte = pte_make(pte_pa(*pte), new_flags(v, a, pte_flags(*pte), prot));
      a = stop;
    }
    v->prot = prot;
  }
  tlb_flush();
  return 0;
}

// msync: write the shared file pages of [addr, addr+len) back to their
// files now. Returns 0, or -1 for a bad range or a failed write.
int
vm_sync(struct vmspace *vm, uint64 addr, uint64 len)
{
  uint64 end;
  if (!good_range(addr, len, &end))
    return -1;
  int r = 0;
  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (!v->shared || !v->file || v->end <= addr || v->start >= end)
      continue;
    uint64 from = v->start > addr ? v->start : addr;
    uint64 to = v->end < end ? v->end : end;
    for (uint64 a = from; a < to; a += PGSIZE) {
      pte_t *pte = walk(vm->pagetable, a, 0);
      if (!pte || !pte_valid(*pte))
        continue;
      uint64 index = (v->off + (a - v->start)) / PGSIZE;
      if (pte_flags(*pte) & VM_W)
        pcache_dirty(v->file, index);
      if (pcache_writeback(v->file, index) < 0)
        r = -1;
    }
  }
  return r;
}

// Make present the pages of [va, va+len) that are file-backed, for an
// access of kind access, and keep them: for read() and write(), which
// copy holding an inode's lock (write() inside a transaction too), where
// bringing in a file page (which takes an inode's lock) must not happen.
// From the start until vm_unpin_files, the eviction of file pages leaves
// every file page of vm mapped (fileevict.c): else the reclaim a later
// page's fault asks for could take an earlier one. The reclaim vm's
// copies ask for writes no file back meanwhile (fault.c). Returns 0, or
// -1 (nothing held) if such a page may not be accessed.
int
vm_prefault_files(struct vmspace *vm, uint64 va, uint64 len, enum access access)
{
  vm->filepin++;
  for (int i = 0; i < vm->nvma && len > 0; i++) {
    struct vma *v = &vm->vma[i];
    if (!v->file || v->end <= va || v->start >= va + len)
      continue;
    uint64 from = v->start > va ? v->start : PGROUNDDOWN(va);
    uint64 to = v->end < va + len ? v->end : va + len;
    if (prefault(vm, from, to - from, access) != 0) {
      vm_unpin_files(vm);
      return -1;
    }
  }
  return 0;
}

// The copies of read() or write() are done: let go of what
// vm_prefault_files held. The caller is the owner.
void
vm_unpin_files(struct vmspace *vm)
{
  if (--vm->filepin < 0)
    panic("vm_unpin_files: not pinned");
}

// PTI_* facts about page pa mapped at va in vm, for vmdump and procinfo:
// whether its region is file-backed, and whether another PTE maps it too
// (its references, less the page cache's and the kernel's on the zero
// page, are PTEs). Takes only spin locks.
int
vm_page_info(struct vmspace *vm, uint64 va, uint64 pa)
{
  int info = 0, owners = 0;
  struct vma *v = (va >= vm->heapbase && va < vm->sz) ? 0 : vma_find(vm, va);
  if (v && v->file) {
    info |= PTI_FILE;
    owners = pcache_holds(v->file, (v->off + (va - v->start)) / PGSIZE, pa);
  }
  if (is_zeropage(pa))
    owners = 1;
  if (kref_get(pa) - owners > 1)
    info |= PTI_SHARED;
  return info;
}

// Pages mapped in [from, to) of vm.
static uint64
resident(struct vmspace *vm, uint64 from, uint64 to)
{
  uint64 n = 0;
  for (uint64 a = from; a < to;) {
    uint64 stop = span_stop(a, to), size;
    pte_t *pte = lp_walk(vm->pagetable, a, &size);   // 0: a whole empty span
    if (size == LARGE_PGSIZE)
      n += LARGE_PAGES;
    for (; pte && size == PGSIZE && a < stop; a += PGSIZE, pte++)
      n += pte_valid(*pte);
    a = stop;
  }
  return n;
}

// Describe vm's regions, the heap among them in address order, for
// vmregions: fn is called with each. Takes no lock.
void
vm_describe(struct vmspace *vm, void (*fn)(void *arg, const struct vmregion *r), void *arg)
{
  int heapdone = 0;
  for (int i = 0; i <= vm->nvma; i++) {
    struct vma *v = i < vm->nvma ? &vm->vma[i] : 0;
    if (!heapdone && vm->sz > vm->heapbase && (v == 0 || v->start >= vm->sz)) {
      struct vmregion h = { vm->heapbase, vm->sz, 0, resident(vm, vm->heapbase, PGROUNDUP(vm->sz)),
                            0, PROT_READ | PROT_WRITE, VR_HEAP, 0 };
      fn(arg, &h);
      heapdone = 1;
    }
    if (v == 0)
      break;
    static const uint8 kinds[] = { VR_SEGMENT, VR_GUARD, VR_STACK, VR_MMAP };
    struct vmregion r = {
      v->start, v->end, v->off, resident(vm, v->start, v->end),
      v->file ? fmap_inum(v->file) : 0,
      ((v->prot & VM_R) ? PROT_READ : 0) | ((v->prot & VM_W) ? PROT_WRITE : 0) |
        ((v->prot & VM_X) ? PROT_EXEC : 0),
      kinds[v->kind], v->shared,
    };
    fn(arg, &r);
  }
}

// Remove every file-backed region of vm, writing back shared pages and
// releasing the files. For exit and exec, in process context: what is
// left (anonymous memory) can be freed where sleeping is not allowed.
void
vm_dropfiles(struct vmspace *vm)
{
  // Page tables shared since a fork are let go first, whole, so that the
  // last other sharer takes each one over without a copy.
  ptshare_release(vm);
  for (int i = vm->nvma - 1; i >= 0; i--)
    if (vm->vma[i].file)
      cut(vm, vm->vma[i].start, vm->vma[i].end);
}
