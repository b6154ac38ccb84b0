// Physical pages: a buddy allocator over all RAM above the kernel, and one
// small record per page holding its reference count. Pages are handed out
// and taken back as kernel pointers (P2V); reference counts are asked for
// by physical address, as page-table entries hold them.
//
// Free memory is kept as blocks of 2^order pages, order 0 .. LARGE_ORDER,
// each aligned to its own size in physical memory, on one list per order.
// A request takes the smallest free block that is big enough and splits
// it, putting the unused halves on the lower lists; a freed block merges
// with its buddy (the other half of the block twice its size) for as long
// as that buddy is free whole, so that memory freed page by page becomes a
// large block again. Why a buddy allocator and not reservations:
// docs/memory.md, "Physical pages".
//
// Single pages have a fast path: a freed page first goes on a plain list
// of loose pages (at most a quarter of RAM), and kalloc takes from it
// first, so that the churn of page-sized work (a heap grown and shrunk, a
// process made and ended) costs what it cost before there were large
// blocks. Loose pages are merged into the buddy lists when a large block
// is asked for and none is free, when the free blocks are counted, and
// when the list is full.
//
// Page-table pages have a path of their own (kalloc_table): they are
// handed out in order from a run of TABLE_RUN pages taken whole from the
// buddy lists, so that an address space's tables sit together in memory,
// and so do their records. fork and exit change the count of every table
// they share, and records spread one per table over all of RAM cost a
// cache (and, under QEMU, a TLB) miss each. A run's pages not handed out
// yet are free: counted in nfree, and merged back when the loose pages
// are.
//
// Reference counts live beside, in kref.c: a page's count is the number
// of places that own it, and kfree drops one; the page goes back to the
// free lists when the last one goes. Beside the count, each record holds
// a struct pageinfo (mm.h) that the page's owner fills in, so that code
// holding only a page can tell what it is; kalloc clears it when it hands
// the page out. A large block from kalloc_large is held whole, with one
// count for the block (kref.c says why and when it is split).
#include "mm/kmem.h"

_Static_assert(NORDERS == MEMSTAT_ORDERS, "memstat's free_blocks has one slot per order");

struct kmem mem;
struct kpages kpages;

// Put the block of 2^order pages at pa on its free list. Caller holds the
// lock; the block's pages have no references.
static void
push_block(uint64 pa, int order)
{
  struct freeblock *b = P2V(pa), *head = &mem.free[order];
  b->next = head->next;
  b->prev = head;
  head->next->prev = b;
  head->next = b;
  rec(pa)->ref = FREE_HEAD(order);
  mem.nblocks[order]++;
}

// Take the free block b of the given order off its list. Caller holds the lock.
static void
unlink_block(struct freeblock *b, int order)
{
  b->prev->next = b->next;
  b->next->prev = b->prev;
  rec(V2P(b))->ref = 0;
  mem.nblocks[order]--;
}

// Return the block of 2^order unreferenced pages at pa to the free lists,
// merged with every buddy that is free whole; the caller has counted its
// pages in nfree and holds the lock.
static void
free_block(uint64 pa, int order)
{
  while (order < LARGE_ORDER) {
    uint64 size = (uint64)PGSIZE << order;
    uint64 buddy = pa ^ size;
    if (buddy < kpages.base || buddy + size > kpages.end || rec(buddy)->ref != FREE_HEAD(order))
      break;
    unlink_block(P2V(buddy), order);
    pa &= ~size;
    order++;
  }
  push_block(pa, order);
}

// Merge every loose page, and the pages left in the run of page-table
// pages, into the buddy lists. Caller holds the lock.
static void
drain_spare(void)
{
  while (mem.loose) {
    struct freepage *fp = mem.loose;
    mem.loose = fp->next;
    free_block(V2P(fp), 0);
  }
  mem.nloose = 0;
  for (; mem.run < mem.run_end; mem.run += PGSIZE)
    free_block(mem.run, 0);
}

// Manage physical RAM [start, end). The page records are carved from its bottom,
// sized from what remains: one record per page, so 2 GiB of RAM needs
// 2 MiB of records. The rest is cut into the largest aligned blocks that fit.
void
kinit(uint64 start, uint64 end)
{
  initlock(&mem.lock, "kmem");
  start = PGROUNDUP(start);
  end = PGROUNDDOWN(end);
  uint64 n = (end - start) / PGSIZE;
  // The aligned large blocks [start, end) reaches into, each with a count
  // for when it is held whole (kref.c).
  mem.wbase = start & ~(LARGE_PGSIZE - 1);
  uint64 nblocks = (end - mem.wbase + LARGE_PGSIZE - 1) / LARGE_PGSIZE;
  // n records and the block counts, plus the pages they sit in, must fit:
  // solve for the pages.
  uint64 recpages = PGROUNDUP(n * sizeof(struct page) + nblocks * sizeof(int)) / PGSIZE;
  kpages.recs = P2V(start);
  mem.whole = (int *)(kpages.recs + n);
  kpages.base = start + recpages * PGSIZE;
  mem.npages = n - recpages;
  kpages.end = end;
  mem.nfree = 0;
  mem.loose = 0;
  mem.nloose = 0;
  mem.maxloose = mem.npages / 4;
  mem.run = mem.run_end = 0;
  for (int k = 0; k < NORDERS; k++) {
    mem.free[k].next = mem.free[k].prev = &mem.free[k];
    mem.nblocks[k] = 0;
  }
  for (uint64 i = 0; i < mem.npages; i++)
    kpages.recs[i].ref = 0;
  for (uint64 i = 0; i < nblocks; i++)
    mem.whole[i] = 0;
  // From the bottom up, each block as large as alignment and the end allow:
  // no two of them are buddies, so nothing is left to merge.
  for (uint64 pa = kpages.base; pa < end;) {
    int order = LARGE_ORDER;
    while (pa % ((uint64)PGSIZE << order) != 0 || pa + ((uint64)PGSIZE << order) > end)
      order--;
    push_block(pa, order);
    mem.nfree += 1UL << order;
    pa += (uint64)PGSIZE << order;
  }
}

// Take a free block of 2^order pages off the buddy lists, splitting a
// larger one if need be; 0 if no block that large is free. It comes from
// the smallest block there is, so large blocks are split only when
// nothing smaller is left. Caller holds the lock.
static struct freeblock *
split_block(int order)
{
  int k = order;
  while (mem.free[k].next == &mem.free[k]) {
    if (++k == NORDERS)
      return 0;
  }
  struct freeblock *b = mem.free[k].next;
  uint64 pa = V2P(b);
  unlink_block(b, k);
  // Keep the lower half, give back the upper one, until the size fits.
  while (k > order) {
    k--;
    push_block(pa + ((uint64)PGSIZE << k), k);
  }
  return b;
}

// Take 2^order free pages, aligned to their size, and give each one
// reference; 0 if there are none that large, even after merging the loose
// pages. A single page is a loose one if there is any.
static void *
take_block(int order)
{
  acquire(&mem.lock);
  void *b;
  if (order == 0 && mem.loose) {
    b = mem.loose;
    mem.loose = mem.loose->next;
    mem.nloose--;
  } else {
    b = split_block(order);
    if (b == 0 && (mem.nloose > 0 || mem.run < mem.run_end)) {
      drain_spare();
      b = split_block(order);
    }
  }
  if (b) {
    struct page *pg = rec(V2P(b));
    for (uint64 i = 0; i < (1UL << order); i++) {
      pg[i].ref = 1;
      pg[i].info = (struct pageinfo){ 0 };
    }
    mem.nfree -= 1UL << order;
  }
  release(&mem.lock);
  return b;
}

#define RECLAIM_BATCH 32   // cached pages given back at once when memory runs out

// A free page, with one reference; 0 if none. When there is none, the
// page cache's clean pages that nobody maps go back first: no allocation
// of a page fails while they are there.
static void *
take_page(void)
{
  void *page = take_block(0);
  while (page == 0 && pcache_reclaim(RECLAIM_BATCH) > 0)
    page = take_block(0);
  return page;
}

// Returns a zeroed page with one reference, or 0 when memory is exhausted.
// Zeroing here is the only time a fresh page is cleared: a new page never
// shows another process's old data, and callers do not clear it again.
void *
kalloc(void)
{
  void *page = take_page();
  if (page)
    memset(page, 0, PGSIZE);
  return page;
}

#define TABLE_ORDER 4                     // a run of page-table pages:
#define TABLE_RUN (1UL << TABLE_ORDER)    // 16 pages, 64 KiB

// The next page of the run of page-table pages, with one reference; 0
// when the run is used up and no block of TABLE_RUN pages is free to
// start another.
static void *
take_table_page(void)
{
  acquire(&mem.lock);
  if (mem.run == mem.run_end) {
    struct freeblock *b = split_block(TABLE_ORDER);
    if (b) {
      mem.run = V2P(b);
      mem.run_end = mem.run + TABLE_RUN * PGSIZE;
    }
  }
  void *page = 0;
  if (mem.run < mem.run_end) {
    struct page *pg = rec(mem.run);
    pg->ref = 1;
    pg->info = (struct pageinfo){ 0 };
    page = P2V(mem.run);
    mem.run += PGSIZE;
    mem.nfree--;
  }
  release(&mem.lock);
  return page;
}

// A zeroed page for a page table, with one reference, or 0 when memory is
// exhausted: from the run of page-table pages (above), or any free page
// when no run can be had.
void *
kalloc_table(void)
{
  void *page = take_table_page();
  if (page == 0)
    page = take_page();
  if (page)
    memset(page, 0, PGSIZE);
  return page;
}

// A page that will be overwritten whole at once: a copy of src, with one
// reference, or 0. It is not zeroed first (copy-on-write copies many).
void *
kalloc_copy(const void *src)
{
  void *page = take_page();
  if (page)
    memmove(page, src, PGSIZE);
  return page;
}

// A zeroed block of LARGE_PGSIZE bytes aligned to its size, with one
// reference held on the block whole (kref.c); 0 when no such block is
// free, however many pages are (the caller then uses single pages: this
// is no error).
void *
kalloc_large(void)
{
  void *block = take_block(LARGE_ORDER);
  if (block) {
    memset(block, 0, LARGE_PGSIZE);
    kref_hold_whole(V2P(block));
  }
  return block;
}

// Drop one reference to page (a kernel pointer, as kalloc returned it); the
// last one frees it. Reference counts change atomically, so that fork
// sharing many pages and the teardown of shared pages do not take the
// free-list lock for each one.
void
kfree(void *page)
{
  uint64 pa = V2P(page);
  struct page *pg = kpage(pa);
  int old = ref_drop(pg, "kfree: page is already free");
  // The one reference left may be the page cache's, which counts the
  // pages only it holds (pagecache.c). A page enters the cache only while
  // whoever allocated it alone holds it, so a page the caller held in the
  // cache shows its file here; a stale look costs only a recount.
  if (old == 2 && pg->info.ip != 0)
    pcache_released(pa);
  if (old > 1)
    return;
  rmap_freed(pa);   // no longer a page that may be evicted
  acquire(&mem.lock);
  if (mem.nloose < mem.maxloose) {
    struct freepage *fp = page;
    fp->next = mem.loose;
    mem.loose = fp;
    mem.nloose++;
  } else {
    free_block(pa, 0);
  }
  mem.nfree++;
  release(&mem.lock);
}

// The block at pa, held whole, had its last reference: it goes back.
// (kfree_large's slow ways are calls of their own, so that dropping one
// of several references saves no registers for them.)
static void __attribute__((noinline))
free_whole(uint64 pa)
{
  for (int i = 0; i < LARGE_PAGES; i++)
    rmap_freed(pa + (uint64)i * PGSIZE);   // no longer pages that may be evicted
  acquire(&mem.lock);
  for (int i = 0; i < LARGE_PAGES; i++)
    rec(pa + (uint64)i * PGSIZE)->ref = 0;
  mem.whole[(pa - mem.wbase) / LARGE_PGSIZE] = 0;
  mem.nfree += LARGE_PAGES;
  free_block(pa, LARGE_ORDER);
  release(&mem.lock);
}

// The block at pa is split: each page loses one reference. When that was
// the last reference of every page, the block goes back whole, under one
// lock; otherwise the pages that lost their last reference go back one
// by one.
static void __attribute__((noinline))
free_split(uint64 pa)
{
  struct page *pg = rec(pa);
  uint64 last[LARGE_PAGES / 64] = { 0 };  // pages whose last reference went
  int nlast = 0;
  for (int i = 0; i < LARGE_PAGES; i++) {
    if (ref_drop(&pg[i], "kfree_large: page is already free") == 1) {
      last[i / 64] |= 1UL << (i % 64);
      nlast++;
    }
  }
  if (nlast == 0)
    return;
  for (int i = 0; i < LARGE_PAGES; i++)
    if (last[i / 64] & (1UL << (i % 64)))
      rmap_freed(pa + (uint64)i * PGSIZE);   // no longer pages that may be evicted
  acquire(&mem.lock);
  mem.nfree += nlast;
  if (nlast == LARGE_PAGES) {
    free_block(pa, LARGE_ORDER);
  } else {
    for (int i = 0; i < LARGE_PAGES; i++)
      if (last[i / 64] & (1UL << (i % 64)))
        free_block(pa + (uint64)i * PGSIZE, 0);
  }
  release(&mem.lock);
}

// Let go of a large mapping's reference to the large block at block
// (aligned to LARGE_PGSIZE, as a megapage mapping holds it): the block's
// count, or, once it is split, one on each page. A block goes back whole
// with its last reference.
void
kfree_large(void *block)
{
  uint64 pa = V2P(block);
  int r = kref_put_large(pa);   // checks that pa is a managed large block
  if (r == 0)
    free_whole(pa);
  else if (r < 0)
    free_split(pa);
}

uint64
kfreecount(void)
{
  acquire(&mem.lock);
  uint64 n = mem.nfree;
  release(&mem.lock);
  return n;
}

// Store in out[k] the number of free blocks of 2^k pages, k = 0 ..
// LARGE_ORDER, and return the free pages they make up (kfreecount()),
// all seen at one moment. Loose pages are merged first, so that the
// counts show what could be handed out.
uint64
kfreeblocks(uint64 out[MEMSTAT_ORDERS])
{
  acquire(&mem.lock);
  drain_spare();
  for (int k = 0; k < NORDERS; k++)
    out[k] = mem.nblocks[k];
  uint64 n = mem.nfree;
  release(&mem.lock);
  return n;
}

uint64
ktotalpages(void)
{
  return mem.npages;
}

// The owner's record of page pa, a managed page.
struct pageinfo *
page_info(uint64 pa)
{
  return &kpage(pa)->info;
}

// Pages are numbered 0 .. ktotalpages()-1, in address order: a short name
// for a page, for lists kept in the records.
uint32
page_number(uint64 pa)
{
  return (uint32)((uint64)(kpage(pa) - kpages.recs));
}

uint64
page_addr(uint32 n)
{
  if (n >= mem.npages)
    panic("page_addr: no such page");
  return kpages.base + (uint64)n * PGSIZE;
}
