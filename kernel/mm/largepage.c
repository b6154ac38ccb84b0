// Large pages for anonymous memory: where a whole aligned block of
// LARGE_PGSIZE bytes (2 MiB in Sv39) of the heap or of an anonymous
// mapping is in use, one PTE maps it (mappages_large) instead of a
// last-level table of LARGE_PAGES small PTEs. docs/memory.md, "Large
// pages", tells the story; here are the rules.
//
// Where: a large page lies wholly inside the heap, [heapbase,
// PGROUNDUP(sz)), or inside one anonymous mmap region. Everything that
// cuts an address space at a page that is not block-aligned (munmap,
// mprotect, MAP_FIXED, shrinking the heap) first demotes the large page
// there (lp_split, called by vm.c's range_edges), so the rest of kernel/mm
// meets large pages only whole.
//
// How they appear:
//  * eagerly: sbrk(SBRK_EAGER) and shared anonymous mmap allocate their
//    whole aligned blocks as large pages (uvmalloc_large);
//  * on a sequential write fault: a process that writes its lazy memory in
//    order and reaches an aligned block nothing of which is mapped yet
//    gets the block as one large page (lp_bet): fault-around's bet, made
//    at the size of a block;
//  * by promotion: when a write fault (a zero fill, or a copy-on-write
//    break) completes a block of private small pages (every page
//    present, writable, this process's alone), they are
//    copied into a fresh large block (lp_promote). The buddy allocator
//    hands small pages out from wherever they are free, so a block's
//    pages are not contiguous and a copy is the price; reservations would
//    avoid it at the cost of state to keep and break (docs/memory.md).
// Whenever no aligned block is free (kalloc_large returns 0), small pages
// are used instead: fragmentation costs speed, never an error. The fault
// path's large pages also leave LP_SPARE pages free for others.
//
// How they go: a large page is freed whole (uvmunmap), or demoted to
// small pages in a new last-level table (lp_demote). A block that large
// mappings alone map is held whole, with one reference count for the
// block (kref.c): demotion first splits it, giving each page the block's
// count, since each small PTE owns a reference of its own page. fork
// shares a large page copy-on-write with one PTE in each process and one
// more count on the block; the first write makes it writable again if
// the writer holds every page alone, and else demotes it, after which
// only the written pages are copied (cow_break).
// Reclaim demotes one too, in every process that maps it, when the policy
// chooses one of its pages (rmap.c): each page of a private block gets a
// reverse-map record when the block is mapped (map_block), as a small
// page does, so a large page is a candidate for swap page by page.
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define LARGE_ROUNDUP(a) (((a) + LARGE_PGSIZE - 1) & ~(LARGE_PGSIZE - 1))
#define LARGE_ROUNDDOWN(a) ((a) & ~(LARGE_PGSIZE - 1))

// The large page that maps va in pt, or 0 when none does.
static pte_t *
large_at(pagetable_t pt, uint64 va)
{
  uint64 size;
  pte_t *pte = walk_leaf(pt, va, &size);
  return pte && size == LARGE_PGSIZE ? pte : 0;
}

// The PTE of va as walk finds it (0 when there is no last-level table),
// or, when a large page maps va, the large page's, with *size set to
// LARGE_PGSIZE (else PGSIZE). For scans that may meet large pages: one
// walk down to va's span tells which it is.
pte_t *
lp_walk(pagetable_t pt, uint64 va, uint64 *size)
{
  pte_t *table;
  int kind = span_kind(pt, va, &table);
  *size = kind == SPAN_LARGE ? LARGE_PGSIZE : PGSIZE;
  if (kind == SPAN_LARGE || table == 0)
    return table;
  return &table[(va % PT_LEAF_SPAN) / PGSIZE];
}

// The physical address of the page holding va, which the leaf pte of size
// bytes maps.
uint64
lp_leaf_pa(pte_t pte, uint64 size, uint64 va)
{
  return pte_pa(pte) + (PGROUNDDOWN(va) & (size - 1));
}

// A large page the fault path makes is a bet (lp_bet) or, for a moment,
// a second copy of a block (promote): neither may take the last of
// memory, which another fault may need more. They are made only while
// LP_SPARE pages stay free beside the block.
#define LP_SPARE (4 * LARGE_PAGES)

static int
room_for_block(void)
{
  return kfreecount() >= LARGE_PAGES + LP_SPARE;
}

// Map the fresh block at pa, vm's own, as the large page at blk with
// rights flags, and give each of its pages a reverse-map record (at its
// own va, as a small page has), so that reclaim may choose them. Returns
// 0, or -1 when no page was free for the level-1 table.
static int
map_block(struct vmspace *vm, uint64 blk, uint64 pa, int flags)
{
  if (mappages_large(vm->pagetable, blk, pa, flags) != 0)
    return -1;
  rmap_note_large(vm, pa, blk);
  return 0;
}

// May the aligned block at blk hold a large page of vm's anonymous memory?
// The heap's or one anonymous mmap region's throughout; with private set,
// a private one (a lazy block: the fault path fills it).
static int
block_allowed(struct vmspace *vm, uint64 blk, int private)
{
  uint64 end = blk + LARGE_PGSIZE;
  if (!vm_largepage || end > MAXVA)
    return 0;
  if (blk >= vm->heapbase && end <= PGROUNDUP(vm->sz))
    return 1;
  struct vma *v = vma_find(vm, blk);
  return v && v->kind == VMA_MMAP && v->file == 0 && end <= v->end &&
         !(private && v->shared);
}

// The alignment mmap wants for a new mapping of len bytes backed by ip (0:
// anonymous): a large page's, when the mapping can hold one, else a
// page's.
uint64
lp_align(struct inode *ip, uint64 len)
{
  return vm_largepage && ip == 0 && len >= LARGE_PGSIZE ? LARGE_PGSIZE : PGSIZE;
}

// Allocate and map with rights prot|VM_U the pages of [oldsz, newsz), as
// uvmalloc does, but each whole aligned block of LARGE_PGSIZE bytes as
// one large page when large pages are on and a block is free (else as
// small pages). For memory that may hold large pages: the heap, anonymous
// mappings. Returns newsz, or 0 after giving back everything it took.
uint64
uvmalloc_large(struct vmspace *vm, uint64 oldsz, uint64 newsz, int prot)
{
  uint64 a = PGROUNDUP(oldsz);   // [PGROUNDUP(oldsz), a) is mapped
  while (vm_largepage && LARGE_ROUNDUP(a) + LARGE_PGSIZE <= newsz) {
    uint64 blk = LARGE_ROUNDUP(a);
    void *block = kalloc_large();
    if (block == 0)
      break;   // none is free: small pages from here on
    if (blk > a && uvmalloc(vm, a, blk, prot) == 0) {
      kfree_large(block);
      goto fail;
    }
    a = blk;
    if (map_block(vm, blk, V2P(block), prot | VM_U) != 0) {
      kfree_large(block);
      goto fail;
    }
    VMSTAT_INC(large_mapped);
    a = blk + LARGE_PGSIZE;
  }
  if (a < newsz && uvmalloc(vm, a, newsz, prot) == 0)
    goto fail;
  return newsz > oldsz ? newsz : oldsz;
fail:
  uvmdealloc(vm, a, oldsz);
  return 0;
}

// Unmap the large page whose PTE is pte (span_kind found it) at va, for
// uvmunmap, which is removing [va, end): it must hold the large page
// whole (the callers split at unaligned cuts first). With do_free the
// block loses the mapping's reference.
void
lp_unmap(pte_t *pte, uint64 va, uint64 end, int do_free)
{
  if (va % LARGE_PGSIZE != 0 || end - va < LARGE_PGSIZE)
    panic("uvmunmap: part of a large page");
  uint64 pa = pte_pa(*pte);
  *pte = 0;
  if (do_free)
    kfree_large(P2V(pa));
}

// Demote the large page that maps va in pt into a new last-level table
// of small PTEs with the same pages and bits (pagetable_demote): table,
// a page the caller took (reclaim, which may not allocate where it
// demotes), or one kalloc_table gives when table is 0. Each small PTE
// owns a reference of its own page, so the block is split first
// (kref_split_large): every page gets the block's count, which this
// mapping's one reference was part of, and other processes' large pages
// of the block hold one reference on each page from now on. The pages
// keep their reverse-map records. Returns 0, or -1 when no page was free
// for the table (the large page stays, the block split, which counts the
// same).
int
lp_demote(pagetable_t pt, uint64 va, void *table)
{
  pte_t *pte = large_at(pt, va);
  if (pte == 0)
    panic("lp_demote: no large page");
  kref_split_large(pte_pa(*pte));
  if (pagetable_demote(pt, va, table) != 0)
    return -1;
  VMSTAT_INC(large_demoted);
  return 0;
}

// Demote the large page holding at, when at cuts it (is not the block's
// first byte), so that the caller can treat the pages on either side of
// at apart. Returns 0, or -1 when no page was free for the table (the
// large page stays).
int
lp_split(struct vmspace *vm, uint64 at)
{
  if (at % LARGE_PGSIZE == 0 || at >= MAXVA || large_at(vm->pagetable, at) == 0)
    return 0;
  return lp_demote(vm->pagetable, at, 0);
}

// Give fork's child new the parent's large page that pte maps at va: va
// is the start of a leaf-table span [va, stop) copy_range is at. In a
// shared region the child maps the same block; with copy-on-write both
// map it read-only and VM_COW; either way the block gets one more count
// (one on each page, if it was split). A copying fork copies it into a
// large block of the child's own, or into small pages when none is free.
// Returns 0, or -1 when out of memory.
int
lp_copy(struct vmspace *new, pte_t *pte, uint64 va, uint64 stop, int shared)
{
  if (va % LARGE_PGSIZE != 0 || stop - va != LARGE_PGSIZE)
    panic("uvmcopy: part of a large page");
  uint64 pa = pte_pa(*pte);
  int flags = pte_flags(*pte);
  if (shared || vm_cow) {
    if (!shared && (flags & VM_W)) {
      flags = (flags & ~VM_W) | VM_COW;
      *pte = pte_make(pa, flags);
    }
    if (mappages_large(new->pagetable, va, pa, flags) != 0)
      return -1;
    kref_inc_large(pa);
    return 0;
  }
  // The child's own copy: its pages get records, as the parent's have.
  flags = copy_flags(flags);
  void *block = kalloc_large();
  if (block) {
    memmove(block, P2V(pa), LARGE_PGSIZE);
    if (map_block(new, va, V2P(block), flags) != 0) {
      kfree_large(block);
      return -1;
    }
    return 0;
  }
  for (int i = 0; i < LARGE_PAGES; i++) {
    uint64 off = (uint64)i * PGSIZE;
    void *copy = kalloc_copy(P2V(pa + off));
    if (copy == 0)
      return -1;
    if (mappages(new->pagetable, va + off, PGSIZE, V2P(copy), flags) != 0) {
      kfree(copy);
      return -1;
    }
    rmap_note_anon(new, V2P(copy), va + off);
  }
  return 0;
}

// Does this process hold every page of the block at pa alone (no other
// PTE or owner has one)? One count to look at when the block is held
// whole, else each page's.
static int
block_private(uint64 pa)
{
  int whole = kref_whole(pa);
  if (whole > 0)
    return whole == 1;
  for (int i = 0; i < LARGE_PAGES; i++)
    if (kref_get(pa + (uint64)i * PGSIZE) != 1)
      return 0;
  return 1;
}

// A store to the large page shared copy-on-write that maps va, whose PTE
// is pte (the fault path found it). When this process holds every page
// of it alone, the large page becomes writable again (and its block, if
// it was split, is held whole again: the next fork shares it with one
// count); else it is demoted, and the caller breaks copy-on-write for
// the written page alone. Returns 0, or -1 when no page was free for the
// demotion (nothing changed).
int
lp_cow(struct vmspace *vm, uint64 va, pte_t *pte)
{
  uint64 pa = pte_pa(*pte);
  if (block_private(pa)) {
    if (kref_whole(pa) == 0)
      kref_join_large(pa);
    *pte = pte_make(pa, (pte_flags(*pte) | VM_W) & ~VM_COW);
    VMSTAT_INC(cow_reuse);
    tlb_flush_page(va);
    return 0;
  }
  return lp_demote(vm->pagetable, va, 0);
}

// Would a write fault at block-aligned va, in a process writing its
// memory in order, be answered with a large page? Large pages are on,
// nothing in the block is mapped (no last-level table) and the block is
// private anonymous memory.
static int
wanted(struct vmspace *vm, uint64 va)
{
  return va % LARGE_PGSIZE == 0 && block_allowed(vm, va, 1) &&
         large_at(vm->pagetable, va) == 0 && walk(vm->pagetable, va, 0) == 0;
}

// Must fault-around's window end before page va? It does at a large page,
// and at a block the next sequential fault may take whole (lp_bet).
int
lp_stops_around(struct vmspace *vm, uint64 va)
{
  return va % LARGE_PGSIZE == 0 && (large_at(vm->pagetable, va) || wanted(vm, va));
}

// A write fault at page va, absent, of anonymous memory (region v, 0: the
// heap): if it continues a sequential run (the page right after the ones
// the last fault handled) into a block that may hold a large page and
// holds nothing yet, map the whole block as a large page: the bet
// fault-around makes, at the size of a block. Returns 1 when it did, 0
// when the caller fills the one page as usual (also when no aligned
// block is free, or too little memory would be left beside it).
int
lp_bet(struct vmspace *vm, struct vma *v, uint64 va)
{
  if (va != vm->seq_next || vm->seq_window == 0 || !wanted(vm, va) || !room_for_block())
    return 0;
  void *block = kalloc_large();
  if (block == 0)
    return 0;
  if (map_block(vm, va, V2P(block), anon_flags(v)) != 0) {
    kfree_large(block);
    return 0;
  }
  VMSTAT_INC(large_mapped);
  vm->seq_next = va + LARGE_PGSIZE;
  return 1;
}

// Promote the block at blk when it is complete: every page present, with
// the same rights, writable, and this process's alone. Its pages are
// copied into a fresh large block, which replaces them and their table.
static void
promote(struct vmspace *vm, uint64 blk)
{
  if (!block_allowed(vm, blk, 1) || large_at(vm->pagetable, blk))
    return;
  pte_t *first = walk(vm->pagetable, blk, 0);
  if (first == 0 || !pte_valid(first[0]))
    return;
  int flags = pte_flags(first[0]);
  if (!(flags & VM_W))
    return;
  // From the end: a block being filled in order is complete last there.
  for (int i = LARGE_PAGES - 1; i >= 0; i--)
    if (!pte_valid(first[i]) || pte_flags(first[i]) != flags ||
        kref_get(pte_pa(first[i])) != 1)
      return;
  uchar *block = room_for_block() ? kalloc_large() : 0;
  if (block == 0)
    return;
  for (int i = 0; i < LARGE_PAGES; i++)
    memmove(block + (uint64)i * PGSIZE, P2V(pte_pa(first[i])), PGSIZE);
  uvmunmap(vm->pagetable, blk, LARGE_PAGES, 1);
  // The level-1 table above is there: mapping cannot fail.
  if (map_block(vm, blk, V2P(block), flags) != 0)
    panic("promote: no table for the large page");
  // The small pages are free again: no TLB may keep them.
  tlb_flush_range(blk, LARGE_PGSIZE);
  VMSTAT_INC(large_promoted);
}

// A write fault made the n pages from va present and private: promote
// the blocks that this completed.
void
lp_promote(struct vmspace *vm, uint64 va, int n)
{
  uint64 last = LARGE_ROUNDDOWN(va + (uint64)(n - 1) * PGSIZE);
  for (uint64 blk = LARGE_ROUNDDOWN(va); blk <= last; blk += LARGE_PGSIZE)
    promote(vm, blk);
}
