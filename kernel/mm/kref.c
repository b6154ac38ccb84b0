// Reference counts of physical pages, in the records kalloc.c keeps, and
// of large blocks held whole.
//
// A page's count is the number of places that own it: page-table entries
// that map it (several, once pages are shared), or the kernel structure
// that allocated it. Counts change with one atomic instruction, without
// the allocator's lock: fork shares, and exit lets go of, a count per
// page table, and kfree takes the lock only when the last one goes.
//
// A large block (LARGE_PAGES aligned pages from kalloc_large) that only
// large-page mappings map is held whole: one count for the block, in
// mem.whole, instead of one on each page, and each page's record says
// IN_BLOCK. So fork shares a large page with one count, not 512
// (largepage.c lp_copy), and exit lets go of it likewise; kref_get of any
// of its pages is the block's count. Before a large mapping is demoted to
// small PTEs, each of which owns a reference of its own page, the block is
// split (kref_split_large): every page gets the block's count as its own.
// The other mappers' large pages then hold one reference on each page, as
// a large page of a split block does (kref_inc_large and kfree_large look
// which it is). A split block whose pages one large mapping alone holds
// again is joined (kref_join_large), so that its next fork is cheap again.
//
// Concurrency: a count held whole goes up and down by compare-and-swap. It
// becomes 0 (not held whole) or stops being 0 only under the allocator's
// lock, and while a block is being split or joined its count reads
// WHOLE_BUSY: whoever meets that waits for the lock.
#include "mm/kmem.h"

#define WHOLE_BUSY (-1)

// A count was changed by delta on a page that had none (old, the count it
// had), which is a kernel bug: the change is undone (a free page's count
// says where it sits in the free lists), then panic.
void
kref_bad(struct page *pg, int old, int delta, const char *why)
{
  __atomic_fetch_add(&pg->ref, delta, __ATOMIC_SEQ_CST);
  panic(old == IN_BLOCK ? "kref: a page of a large block held whole" : why);
}

// The count of the large block at pa (aligned, all of it managed).
static inline int *
whole_of(uint64 pa)
{
  if (pa % LARGE_PGSIZE != 0)
    panic("kref: not a large block");
  if (pa < kpages.base || pa + LARGE_PGSIZE > kpages.end)
    panic("kalloc: not a managed page");
  return &mem.whole[(pa - mem.wbase) / LARGE_PGSIZE];
}

// The count at w once no split or join is under way. Not with the
// allocator's lock held (nobody meets WHOLE_BUSY then). A call of its
// own: the counts' common cases save no registers for its wait.
static int __attribute__((noinline))
whole_now(int *w)
{
  for (;;) {
    int n = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    if (n != WHOLE_BUSY)
      return n;
    acquire(&mem.lock);   // the splitter or joiner holds it
    release(&mem.lock);
  }
}

// References to page pa: its own, or its block's when the block is held
// whole. A free page has none, whether or not it heads a free block.
int
kref_get(uint64 pa)
{
  struct page *pg = kpage(pa);
  for (;;) {
    int ref = __atomic_load_n(&pg->ref, __ATOMIC_SEQ_CST);
    if (ref != IN_BLOCK)
      return ref > 0 ? ref : 0;
    int n = whole_now(whole_of(pa & ~(LARGE_PGSIZE - 1)));
    if (n > 0)
      return n;
    // Split (or freed) meanwhile: the page's own count is written first.
  }
}

// References held on the large block at pa as a whole; 0 when its pages
// count their own (it was split, or it is no large page at all).
int
kref_whole(uint64 pa)
{
  return whole_now(whole_of(pa));
}

// The fresh large block at pa (kalloc_large's, nobody else's yet): held
// whole, with one reference.
void
kref_hold_whole(uint64 pa)
{
  int *w = whole_of(pa);
  for (int i = 0; i < LARGE_PAGES; i++)
    rec(pa + (uint64)i * PGSIZE)->ref = IN_BLOCK;
  __atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
}

// kref_inc_large's way for a block that is not held whole, or is being
// split or joined: a call of its own, so that the common case (fork
// sharing a large page) saves no registers for it.
static void __attribute__((noinline))
inc_large_slowly(uint64 pa, int *w)
{
  if (whole_now(w) > 0) {
    kref_inc_large(pa);
    return;
  }
  for (int i = 0; i < LARGE_PAGES; i++)
    kref_inc(pa + (uint64)i * PGSIZE);
}

// One more large mapping of the block at pa, which the caller maps: one
// count when the block is held whole, else one on each of its pages.
void
kref_inc_large(uint64 pa)
{
  int *w = whole_of(pa);
  // A first guess at the count, which the exchange checks; a failed
  // exchange loads the count anew into n.
  int n = __atomic_load_n(w, __ATOMIC_RELAXED);
  while (n > 0)
    if (__atomic_compare_exchange_n(w, &n, n + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return;
  inc_large_slowly(pa, w);
}

// kref_put_large's way when the block is being split or joined: wait,
// then ask again.
static int __attribute__((noinline))
put_large_slowly(uint64 pa, int *w)
{
  return whole_now(w) > 0 ? kref_put_large(pa) : -1;
}

// For kfree_large: drop the reference a large mapping holds on the block
// at pa held whole, unless it is the last. Returns 1 when it dropped one;
// 0 when the caller's is the last (nobody else can change the count now:
// the caller frees the block); -1 when the block is split, and the caller
// drops one reference from each page.
int
kref_put_large(uint64 pa)
{
  int *w = whole_of(pa);
  // A first guess at the count, which the exchange checks; a failed
  // exchange loads the count anew into n. A 1 is sure: nobody but the
  // caller holds the block then, so nobody else changes the count, and
  // what the last other holder did before letting go is seen (acquire).
  int n = __atomic_load_n(w, __ATOMIC_ACQUIRE);
  while (n > 1)
    if (__atomic_compare_exchange_n(w, &n, n - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return 1;
  if (n == WHOLE_BUSY)
    return put_large_slowly(pa, w);
  return n == 1 ? 0 : -1;   // the caller's is the last, or the block is split
}

// The block at pa, held whole or not, counts page by page from now on:
// each page gets the block's count as its own. Before one of its large
// mappings is demoted into small PTEs (largepage.c lp_demote).
void
kref_split_large(uint64 pa)
{
  int *w = whole_of(pa);
  acquire(&mem.lock);
  for (;;) {
    int n = __atomic_load_n(w, __ATOMIC_SEQ_CST);
    if (n == 0)
      break;   // split already, or never held whole
    if (__atomic_compare_exchange_n(w, &n, WHOLE_BUSY, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
      for (int i = 0; i < LARGE_PAGES; i++)
        __atomic_store_n(&rec(pa + (uint64)i * PGSIZE)->ref, n, __ATOMIC_SEQ_CST);
      __atomic_store_n(w, 0, __ATOMIC_SEQ_CST);
      break;
    }
  }
  release(&mem.lock);
}

// The split block at pa, every page of which has exactly one reference
// (the caller's one large mapping of it), is held whole again.
void
kref_join_large(uint64 pa)
{
  int *w = whole_of(pa);
  acquire(&mem.lock);
  const char *bad = __atomic_load_n(w, __ATOMIC_SEQ_CST) != 0 ? "held whole already" : 0;
  for (int i = 0; i < LARGE_PAGES && !bad; i++)
    if (rec(pa + (uint64)i * PGSIZE)->ref != 1)
      bad = "a page has other owners";
  if (bad) {
    release(&mem.lock);
    panic(bad);
  }
  __atomic_store_n(w, WHOLE_BUSY, __ATOMIC_SEQ_CST);
  for (int i = 0; i < LARGE_PAGES; i++)
    __atomic_store_n(&rec(pa + (uint64)i * PGSIZE)->ref, IN_BLOCK, __ATOMIC_SEQ_CST);
  __atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
  release(&mem.lock);
}
