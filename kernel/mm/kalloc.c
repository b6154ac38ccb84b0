// Physical pages: a free list over all RAM above the kernel, and one small
// record per page holding its reference count. Pages are handed out and
// taken back as kernel pointers (P2V); reference counts are asked for by
// physical address, as page-table entries hold them.
//
// A page's count is the number of places that own it: page-table entries
// that map it (several, once pages are shared), or the kernel structure
// that allocated it. kfree drops one reference; the page goes back to the
// free list when the last one goes.
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"

struct page {
  int ref;
};

struct freepage {
  struct freepage *next;
};

static struct {
  struct spinlock lock;
  struct freepage *free;   // the free list
  uint64 nfree;            // pages on it
  uint64 base;             // physical address of the first managed page
  uint64 npages;           // pages managed
  struct page *pages;      // one record per managed page
} mem;

static struct page *
page_of(uint64 pa)
{
  if (pa % PGSIZE != 0 || pa < mem.base || pa >= mem.base + mem.npages * PGSIZE)
    panic("kalloc: not a managed page");
  return &mem.pages[(pa - mem.base) / PGSIZE];
}

// Manage physical RAM [start, end). The page records are carved from its bottom,
// sized from what remains: one record per page, so 2 GiB of RAM needs
// 2 MiB of records.
void
kinit(uint64 start, uint64 end)
{
  initlock(&mem.lock, "kmem");
  start = PGROUNDUP(start);
  end = PGROUNDDOWN(end);
  uint64 n = (end - start) / PGSIZE;
  // n records plus the pages they sit in must fit: solve for the pages.
  uint64 recpages = PGROUNDUP(n * sizeof(struct page)) / PGSIZE;
  mem.pages = P2V(start);
  mem.base = start + recpages * PGSIZE;
  mem.npages = n - recpages;
  mem.free = 0;
  mem.nfree = 0;
  for (uint64 i = mem.npages; i > 0; i--) {
    // Push from the top so the list hands out low addresses first.
    struct freepage *fp = P2V(mem.base + (i - 1) * PGSIZE);
    fp->next = mem.free;
    mem.free = fp;
    mem.pages[i - 1].ref = 0;
  }
  mem.nfree = mem.npages;
}

// Take a page off the free list and give it one reference; 0 if none.
static void *
take_page(void)
{
  acquire(&mem.lock);
  struct freepage *fp = mem.free;
  if (fp) {
    mem.free = fp->next;
    mem.nfree--;
    page_of(V2P(fp))->ref = 1;
  }
  release(&mem.lock);
  return fp;
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

// Drop one reference to page (a kernel pointer, as kalloc returned it); the
// last one frees it. Reference counts change atomically, so that fork
// sharing many pages and the teardown of shared pages do not take the
// free-list lock for each one.
void
kfree(void *page)
{
  struct page *pg = page_of(V2P(page));
  int old;
  do {
    old = pg->ref;
    if (old <= 0)
      panic("kfree: page is already free");
  } while (!__sync_bool_compare_and_swap(&pg->ref, old, old - 1));
  if (old > 1)
    return;
  acquire(&mem.lock);
  struct freepage *fp = page;
  fp->next = mem.free;
  mem.free = fp;
  mem.nfree++;
  release(&mem.lock);
}

// One more owner of page pa, which must have one already: only an owner
// can hand a page on.
void
kref_inc(uint64 pa)
{
  struct page *pg = page_of(pa);
  int old;
  do {
    old = pg->ref;
    if (old <= 0)
      panic("kref_inc: page is free");
  } while (!__sync_bool_compare_and_swap(&pg->ref, old, old + 1));
}

int
kref_get(uint64 pa)
{
  return __atomic_load_n(&page_of(pa)->ref, __ATOMIC_SEQ_CST);
}

uint64
kfreecount(void)
{
  acquire(&mem.lock);
  uint64 n = mem.nfree;
  release(&mem.lock);
  return n;
}

uint64
ktotalpages(void)
{
  return mem.npages;
}
