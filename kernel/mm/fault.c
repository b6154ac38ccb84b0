// The fault path: the one place that decides what an access to a user page
// that is absent or not permitted means. Hardware faults (usertrap) and the
// kernel's copies to and from user memory (uaccess.c) both come here, so a
// lazy or copy-on-write page behaves the same whoever touches it first.
//
// vmfault looks at what it finds and dispatches:
//
//   page present, access allowed             -> FIX_NONE      nothing to do
//   page present, a write, copy-on-write     -> FIX_COW       cow_break
//   page present, a write, shared file page  -> FIX_NOTIFY    mark it dirty
//   page present, otherwise                  -> FIX_DENY      kill
//   page absent, anonymous backing, a read   -> FIX_ZERO_MAP  the backing's get
//   page absent, anonymous backing, a write  -> FIX_ZERO_FILL the backing's get
//   page absent, file backing                -> FIX_FILE      the backing's get
//   page absent, no region, or not allowed   -> FIX_DENY      kill
//   page in swap, access allowed             -> FIX_SWAPIN    swap_fault (reclaim.c)
//
// An absent page belongs to the heap ([heapbase, sz), anonymous) or to a
// region; the region's backing (pager.c) says where the page comes from.
//
// Copy-on-write: fork shares every page (vm.c uvmcopy). A page that may be
// written is mapped read-only with VM_COW in both processes; the first
// write copies it, or, when the writer holds the last reference, simply
// makes it writable again. A read of a lazy page never touched maps the
// one shared zero page the same way, so reading costs no memory.
//
// Fault-around: a trap costs far more than filling or copying a page (under
// QEMU, about ten times), and a process that fills or writes its memory in
// order would pay one trap per page. So when a zero-fill or copy-on-write
// fault lands on the page right after the ones the previous fault handled,
// the window doubles (up to FAULT_AROUND_MAX pages), and the pages after
// the faulting one that need the same fix as it, up to the window's size,
// are handled too. A scattered toucher keeps a window of one page and gets
// exactly the pages it touches. (A program that reads each fresh page
// before writing it takes two faults per page, as on Linux: the read maps
// the zero page, the write replaces it, and zero-page reads never widen
// the window.)
//
// Large pages (largepage.c) meet the fault path in three places in
// resolve: a store to a large page shared copy-on-write is first made
// writable or split into small pages (lp_cow) and then handled as a small
// page; a sequential writer's zero fill at the start of an empty eligible
// block takes the whole block (lp_bet); and a zero fill or copy-on-write
// break that completes a block of private small pages copies them into
// one large page (lp_promote).
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define FAULT_AROUND_MAX 256   // 1 MiB
#define RECLAIM_RETRY 32      // pages a fault that found none reclaims before retrying
#define MAP_AROUND 16          // file pages: the aligned block map_around fills

enum fix { FIX_NONE, FIX_DENY, FIX_ZERO_FILL, FIX_ZERO_MAP, FIX_FILE, FIX_COW, FIX_NOTIFY,
           FIX_SWAPIN };

static uint64 zeropage;   // physical address of the shared page of zeros;
                          // the kernel keeps a reference

// Allocate the zero page. Called once at boot, after kinit.
void
zeropage_init(void)
{
  void *page = kalloc();
  if (page == 0)
    panic("zeropage_init");
  zeropage = V2P(page);
}

int
is_zeropage(uint64 pa)
{
  return pa == zeropage;
}

// The zero page with one more reference, for a new read-only mapping.
uint64
zeropage_get(void)
{
  kref_inc(zeropage);
  return zeropage;
}

// Is the access allowed by a present page's rights?
static int
permits(int flags, enum access access)
{
  if (!(flags & VM_U))
    return 0;
  switch (access) {
  case ACCESS_READ:  return (flags & VM_R) != 0;
  case ACCESS_WRITE: return (flags & VM_W) != 0;
  case ACCESS_EXEC:  return (flags & VM_X) != 0;
  }
  return 0;
}

// The region holding user page va, with *heap set when it is the heap's
// (which has no region); 0 when there is none.
static struct vma *
region_of(struct vmspace *vm, uint64 va, int *heap)
{
  *heap = va >= vm->heapbase && va < vm->sz;
  return *heap ? 0 : vma_find(vm, va);
}

// Does region v (0: the heap) allow an access of this kind at all?
static int
region_allows(struct vma *v, enum access access)
{
  int prot = v ? v->prot : VM_R | VM_W;
  switch (access) {
  case ACCESS_READ: return (prot & (VM_R | VM_W)) != 0;
  case ACCESS_WRITE: return (prot & VM_W) != 0;
  case ACCESS_EXEC: return (prot & VM_X) != 0;
  }
  return 0;
}

// Does every page of va's region (0: the heap) refuse an access of this
// kind: no region there, rights that refuse it, a guard page? *vp is set
// to the region.
static int
region_refuses(struct vmspace *vm, uint64 va, enum access access, struct vma **vp)
{
  int heap;
  struct vma *v = *vp = region_of(vm, va, &heap);
  return (v == 0 && !heap) || !region_allows(v, access) || (v && v->kind == VMA_GUARD);
}

// What an access of kind access to page va, whose PTE is pte (0 if there
// is no last-level table), needs. *vp is set to va's region (0 for the
// heap, which has none) when the fix needs it, for apply; a present page
// that permits the access, the common case of the kernel's copies, costs
// no region lookup.
static enum fix
classify(struct vmspace *vm, uint64 va, enum access access, pte_t *pte, struct vma **vp)
{
  int heap;
  *vp = 0;
  if (pte && pte_valid(*pte)) {
    int flags = pte_flags(*pte);
    if (permits(flags, access))
      return FIX_NONE;
    if (access != ACCESS_WRITE || !(flags & VM_U))
      return FIX_DENY;
    if (flags & VM_COW)
      return FIX_COW;
    struct vma *v = *vp = region_of(vm, va, &heap);
    if (v && v->shared && v->file && (v->prot & VM_W))
      return FIX_NOTIFY;
    return FIX_DENY;
  }
  if (region_refuses(vm, va, access, vp))
    return FIX_DENY;
  struct vma *v = *vp;
  if (pte && pte_is_swap(*pte))
    return FIX_SWAPIN;
  if (v && v->file)
    return FIX_FILE;
  return access == ACCESS_READ && vm_zeropage ? FIX_ZERO_MAP : FIX_ZERO_FILL;
}

// An absent page of region v (0: the heap): ask its backing for it, and
// map it.
static int
get_page(struct vmspace *vm, struct vma *v, uint64 va, enum access access)
{
  uint64 pa;
  int flags;
  int r = vma_pager(v)->get(v, va, access, &pa, &flags);
  if (r != FAULT_OK)
    return r;
  if (mappages(vm->pagetable, va, PGSIZE, pa, flags) != 0) {
    // The backing sees the page leave as if it had been mapped: a shared
    // file page the store marked dirty is written back, rather than left
    // dirty and mapped by nobody, where reclaim would never take it.
    vma_pager(v)->put(v, va, pa, flags);
    kfree(P2V(pa));
    return FAULT_NOMEM;
  }
  rmap_note(vm, v, va, pa);
  return FAULT_OK;
}

// A store to a page of shared file region v mapped read-only since it was
// last clean: mark it dirty and let the store through.
static int
notify_write(struct vma *v, uint64 va, pte_t *pte)
{
  pcache_dirty(v->file, (v->off + (va - v->start)) / PGSIZE);
  *pte = pte_make(pte_pa(*pte), pte_flags(*pte) | VM_W);
  return FAULT_OK;
}

// A write to a page shared copy-on-write (pte maps it). Every COW page was
// writable before it was shared, so the private page gets VM_W back.
static int
cow_break(pte_t *pte)
{
  uint64 pa = pte_pa(*pte);
  int flags = (pte_flags(*pte) | VM_W) & ~VM_COW;

  if (pa != zeropage && kref_get(pa) == 1) {
    // The other sharers have gone: the page is ours alone.
    *pte = pte_make(pa, flags);
    VMSTAT_INC(cow_reuse);
    return FAULT_OK;
  }
  void *copy = pa == zeropage ? kalloc() : kalloc_copy(P2V(pa));
  if (copy == 0)
    return FAULT_NOMEM;   // the shared page stays as it was for the others
  *pte = pte_make(V2P(copy), flags);
  kfree(P2V(pa));
  if (pa == zeropage)
    VMSTAT_INC(zero_fill);
  else
    VMSTAT_INC(cow_copy);
  return FAULT_OK;
}

// Carry out fix for page va of region v (0: the heap), as classify found.
static int
apply(enum fix fix, struct vmspace *vm, struct vma *v, uint64 va, enum access access,
      pte_t *pte)
{
  switch (fix) {
  case FIX_NONE: return FAULT_OK;
  case FIX_ZERO_FILL: return get_page(vm, v, va, ACCESS_WRITE);
  case FIX_ZERO_MAP: return get_page(vm, v, va, ACCESS_READ);
  case FIX_FILE: return get_page(vm, v, va, access);
  case FIX_COW:
    if (cow_break(pte) != FAULT_OK)
      return FAULT_NOMEM;
    rmap_note_anon(vm, pte_pa(*pte), va);
    return FAULT_OK;
  case FIX_SWAPIN: return swap_fault(vm, v, va, pte);
  case FIX_NOTIFY: return notify_write(v, va, pte);
  case FIX_DENY: break;
  }
  return FAULT_BADADDR;
}

// Handle the pages after va that need the same fix, for a sequential
// toucher. Extra pages are a bet, never a reason to fail: stop at the first
// page that needs something else, or when memory is short. Returns the
// number of pages fixed from va on, va's own included.
static int
fault_around(struct vmspace *vm, uint64 va, enum fix fix, enum access access)
{
  int window = 1;
  if (vm_faultaround && va == vm->seq_next && vm->seq_window > 0 &&
      (fix == FIX_ZERO_FILL || fix == FIX_COW))
    window = vm->seq_window * 2 > FAULT_AROUND_MAX ? FAULT_AROUND_MAX : vm->seq_window * 2;
  int n = 1;
  pte_t *pte = 0;
  for (; n < window; n++) {
    uint64 a = va + n * PGSIZE;
    if (a >= MAXVA)
      break;
    if (lp_stops_around(vm, a))
      break;
    // Within a span the next PTE follows the last; walk at a span's start
    // (whose table, if shared since a fork, is made ours first), or when
    // zero_fill may just have made the table.
    if (a % PT_LEAF_SPAN == 0 && ptshare_own(vm->pagetable, a) != 0)
      break;
    if (pte == 0 || a % PT_LEAF_SPAN == 0)
      pte = walk(vm->pagetable, a, 0);
    else
      pte++;
    struct vma *v;
    if (classify(vm, a, access, pte, &v) != fix || apply(fix, vm, v, a, access, pte) != FAULT_OK)
      break;
    VMSTAT_INC(fault_around);
  }
  vm->seq_window = window;
  vm->seq_next = va + n * PGSIZE;
  return n;
}

// A file page was just brought in for reading. The pages around it that
// the cache holds already cost nothing but the trap a later touch would
// take, so map them now: the pages of va's aligned block of MAP_AROUND
// pages, in its region, that are absent. Only cached ones, except in
// program text, where the block is read in too: text is small and dense,
// and a program whose text is mapped as a whole stops growing its resident
// set as it runs (xv6's usertests count free pages before and after).
// This makes an exec take a fault per block of text rather than per page.
static void
map_around(struct vmspace *vm, struct vma *v, uint64 va)
{
  uint64 from = va & ~((uint64)MAP_AROUND * PGSIZE - 1);
  uint64 to = from + MAP_AROUND * PGSIZE;
  if (from < v->start)
    from = v->start;
  if (to > v->end)
    to = v->end;
  const struct pager *pg = vma_pager(v);
  int readin = (v->prot & VM_X) != 0;
  for (uint64 a = from; a < to; a += PGSIZE) {
    pte_t *pte = walk(vm->pagetable, a, 0);
    uint64 pa;
    int flags;
    if (a == va || (pte && (pte_valid(*pte) || pte_is_swap(*pte))))
      continue;
    int r = readin ? pg->get(v, a, ACCESS_READ, &pa, &flags) : pg->peek(v, a, &pa, &flags);
    if (r != FAULT_OK)
      continue;
    if (mappages(vm->pagetable, a, PGSIZE, pa, flags) != 0) {
      kfree(P2V(pa));
      return;
    }
    // The page where a segment's file bytes end is a private copy: the
    // reverse map must know it, or it could never go to swap.
    rmap_note(vm, v, a, pa);
    VMSTAT_INC(fault_around);
  }
}

// Make page va (page-aligned) ready for an access of kind access, and set
// *pap to its physical address when it is. Returns a FAULT_* code as
// vmfault does. hardware: the MMU faulted on this access (else a kernel
// copy asks).
static int
resolve(struct vmspace *vm, uint64 va, enum access access, uint64 *pap, int hardware)
{
  // A span whose page table is shared since a fork faults on every access
  // (forkshare.c): the table becomes this process's own, and the access
  // is then judged as any other. One that its region refuses is refused
  // first: a bad pointer must neither cost a copy of the table nor, with
  // no page left for one, kill the process "out of memory".
  pte_t *table;
  if (span_kind(vm->pagetable, va, &table) == SPAN_SHARED) {
    struct vma *rv;
    if (region_refuses(vm, va, access, &rv))
      return FAULT_BADADDR;
    if (ptshare_own(vm->pagetable, va) != 0)
      return FAULT_NOMEM;
  }
  uint64 size;
  pte_t *pte = lp_walk(vm->pagetable, va, &size);
  struct vma *v;
  enum fix fix = classify(vm, va, access, pte, &v);
  if (fix == FIX_COW && size == LARGE_PGSIZE) {
    // A large page shared copy-on-write: made writable, or demoted and
    // then broken for this page alone (largepage.c).
    if (lp_cow(vm, va, pte) != 0)
      return FAULT_NOMEM;
    pte = lp_walk(vm->pagetable, va, &size);
    fix = classify(vm, va, access, pte, &v);
  }
  if (fix == FIX_NONE) {
    // A hardware fault on a page that allows the access: the TLB held a
    // translation from before the PTE was fixed (see below).
    if (hardware)
      tlb_flush_page(va);
    *pap = lp_leaf_pa(*pte, size, va);
    return FAULT_OK;
  }
  if (fix == FIX_ZERO_FILL && lp_bet(vm, v, va)) {
    pte = lp_walk(vm->pagetable, va, &size);
    *pap = lp_leaf_pa(*pte, size, va);
    return FAULT_OK;
  }
  int r = apply(fix, vm, v, va, access, pte);
  if (r != FAULT_OK)
    return r;   // refused, or no memory: no PTE changed
  if (fix != FIX_SWAPIN)
    VMSTAT_INC(minor_faults);
  int n = fault_around(vm, va, fix, access);
  if (fix == FIX_FILE && access != ACCESS_WRITE && vm_faultaround)
    map_around(vm, v, va);
  // A write may have completed an aligned block of private pages: it may
  // become a large page (largepage.c).
  if (fix == FIX_ZERO_FILL || fix == FIX_COW)
    lp_promote(vm, va, n);
  // A copy-on-write break replaced valid translations: the TLB may hold
  // the old page, which another process may go on to write, so the pages
  // fixed are flushed (and no more: the kernel's entries above all stay).
  // Zero fills and zero maps only made invalid PTEs valid; a TLB that
  // kept the invalid entry costs one more fault, which vmfault answers
  // with the flush (and QEMU keeps no invalid entries at all, where any
  // sfence.vma flushes the whole TLB).
  if (fix == FIX_COW)
    tlb_flush_range(va, (uint64)n * PGSIZE);
  // A zero fill or zero map may have made the last-level table, or a
  // promotion replaced it.
  pte = lp_walk(vm->pagetable, va, &size);
  *pap = lp_leaf_pa(*pte, size, va);
  return FAULT_OK;
}

// resolve, in the fault path (vm->busy: see rmap.c's lock rules); when
// no page was left, reclaim some and try again, for as long as reclaim
// sends pages to swap. FAULT_NOMEM only when nothing more can go. Pages
// the page cache drops only count twice: kalloc dropped those it could
// before it failed, and a file fault that fails puts its page back in the
// cache, where the next reclaim would find it again, forever. A page
// present already costs no reclaim: the kernel's copies made under spin
// locks find their pages prefaulted and must not sleep. A copy inside
// read() or write() of a file (vm->filepin) holds the inode's lock, and
// for write() a transaction: its reclaim writes no file back.
static int
resolve_retry(struct vmspace *vm, uint64 va, enum access access, uint64 *pap, int hardware)
{
  for (int tries = 0;; tries++) {
    vm->busy++;
    int r = resolve(vm, va, access, pap, hardware);
    vm->busy--;
    if (r != FAULT_NOMEM || vm->busy > 0)
      return r;
    uint64 outs = vmstat.swap_outs;
    int got = vm->filepin ? reclaim_nowrite(RECLAIM_RETRY) : reclaim(RECLAIM_RETRY);
    if (got == 0 || (vmstat.swap_outs == outs && tries >= 2))
      return r;
  }
}

// Decide about an access of kind access to user address va in vm.
// Returns FAULT_OK when the access may be retried (the page is there now,
// or was already), FAULT_BADADDR when the process may not make it, and
// FAULT_NOMEM when it may but no page is left.
int
vmfault(struct vmspace *vm, uint64 va, enum access access)
{
  uint64 pa;
  if (va >= MAXVA)
    return FAULT_BADADDR;
  reclaim_if_low();
  return resolve_retry(vm, PGROUNDDOWN(va), access, &pa, 1);
}

// Is the page holding user address va there for an access of kind
// access, so that a copy needs nothing done first (a page in a table
// shared since a fork is not: the table would have to become vm's own)?
// Never sleeps or allocates: for checking pages made ready earlier.
int
vmfault_ready(struct vmspace *vm, uint64 va, enum access access)
{
  pte_t *table;
  uint64 size;
  if (va >= MAXVA || span_kind(vm->pagetable, va, &table) == SPAN_SHARED)
    return 0;
  pte_t *pte = lp_walk(vm->pagetable, PGROUNDDOWN(va), &size);
  return pte && pte_valid(*pte) && permits(pte_flags(*pte), access);
}

// The physical address of the page holding user address va, made ready
// for an access of kind access exactly as vmfault would; 0 if the process
// may not make the access. For the kernel's copies to and from user
// memory: two walks down to va's span when the page is already there.
uint64
vmfault_pa(struct vmspace *vm, uint64 va, enum access access)
{
  uint64 pa;
  if (va >= MAXVA || resolve_retry(vm, PGROUNDDOWN(va), access, &pa, 0) != FAULT_OK)
    return 0;
  return pa;
}
