// The page cache: one copy in memory of each file page that someone has
// asked for, keyed by (inode, page index), shared by every mapping of the
// file, by exec, and by read() and write() (kernel/fs calls the pcache_*
// hooks below from readi, writei, itrunc and iget).
//
// The cache owns one reference to each page it holds (kalloc's count);
// every PTE that maps the page owns one more. So a page whose count is 1 is
// mapped by nobody: when it is also clean it can be given back at once,
// and kalloc does so (pcache_reclaim) before it reports memory exhausted.
// Such pages count as available in freepages().
//
// A page becomes dirty when a shared writable mapping first stores to it
// (the fault path maps shared file pages read-only until then). It is
// written back, through the file system's log, when a mapping of it goes
// away (munmap, exit, exec), on msync, or when memory runs short and
// reclaim takes it from its mappers (fileevict.c, which goes round the
// cache's list with pcache_pick and lets a page go with pcache_drop). Pages are read from the file
// outside the cache's lock (reading sleeps); two processes missing on the
// same page at once both read it, and the second one's copy is dropped.
// A write() or truncation that lands while a page is being read finds no
// entry to update, so each bucket counts the changes to its pages (gen),
// and a read that saw the count move reads again rather than cache what
// may be old bytes.
//
// The inode pointer is the key: kernel/fs calls pcache_forget before it
// reuses an in-memory inode for another file, and a mapping holds a
// reference to its inode, so a key never outlives its file while mapped.
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"

// The cache has no size of its own: it keeps its bookkeeping in the pages'
// own records (struct pageinfo: the key, the dirty mark, the links), so
// it can hold as many pages as there is memory for, and a page that is
// mapped or dirty never stops another file's page from being cached.
// Memory runs short for the cache as it does for everyone: kalloc then
// takes back its clean pages that nobody maps, least recently used first.
#define NBUCKET 256

static struct {
  struct spinlock lock;
  uint32 bucket[NBUCKET];  // first page of each hash chain, or NOPAGE
  uint gen[NBUCKET];       // changes to the bucket's pages by write() or truncation
  uint32 first, last;      // every cached page, least recently used first
  uint64 n;                // pages cached
  uint64 nfree;            // of those, the ones as good as free (counted)
} pc;

// An empty cache. At boot, and in tests/host each time the simulated RAM
// starts afresh.
void
pcache_init(void)
{
  memset(&pc, 0, sizeof(pc));
  initlock(&pc.lock, "pcache");
  for (int b = 0; b < NBUCKET; b++)
    pc.bucket[b] = NOPAGE;
  pc.first = pc.last = NOPAGE;
}

static struct pageinfo *
info(uint32 pn)
{
  return page_info(page_addr(pn));
}

// A clean page nobody but the cache holds: as good as free.
static int
droppable(uint32 pn)
{
  return !info(pn)->dirty && kref_get(page_addr(pn)) == 1;
}

// How many cached pages are as good as free is kept as they change, not
// counted on demand: an eager sbrk asks (reclaim_limit), and going
// through the whole cache each time cost as much as the cache is large.
// Each page's record says whether pc.nfree counts it (counted), and
// recount makes that true again after a change. A page becomes droppable
// or stops being so only
//  - when it leaves the cache (drop takes it out of the count);
//  - when its count goes from 1 to 2: a count of 1 is the cache's own
//    reference, so only the cache can hand the page on, under pc.lock
//    (pcache_get, pcache_peek, pcache_pick), and recounts there
//    (pcache_writeback hands on only a dirty page, which was not counted);
//  - when its count goes from 2 to 1: kfree letting go of the last
//    reference but the cache's (a mapping goes, a read() is done), from
//    anywhere; kfree then calls pcache_released, which recounts under
//    pc.lock. (kref_put, the other way to drop a reference, is for
//    page-table pages, which the cache never holds.)
// A page enters the cache with its reader's reference, and its dirty
// mark changes only while someone holds it (a mapper marks it, a
// write-back clears it), so neither makes a page droppable by itself.
// Once no page is changing, pc.nfree is exactly what going through the
// cache would count (tests/host checks it after every step).

// Bring page pn's part of pc.nfree up to date. pc.lock is held.
static void
recount(uint32 pn)
{
  struct pageinfo *pi = info(pn);
  int now = droppable(pn);
  pc.nfree += now - pi->counted;
  pi->counted = now;
}

// kfree dropped a reference to page pa and left one, which may be the
// cache's: if pa is cached, it may be as good as free now.
void
pcache_released(uint64 pa)
{
  acquire(&pc.lock);
  if (page_info(pa)->ip != 0)   // cached (possibly again, by someone else: recount still holds)
    recount(page_number(pa));
  release(&pc.lock);
}

// Call fn for each page the cache holds (its reference), for checks that
// account for every reference to every page (tests/host).
void
pcache_visit(void (*fn)(void *arg, uint64 pa), void *arg)
{
  acquire(&pc.lock);
  for (uint32 pn = pc.first; pn != NOPAGE; pn = info(pn)->next)
    fn(arg, page_addr(pn));
  release(&pc.lock);
}

static int
bucket_no(struct inode *ip, uint64 index)
{
  return ((uint64)ip / 64 + index) % NBUCKET;
}

// The page holding (ip, index), or NOPAGE. pc.lock is held.
static uint32
lookup(struct inode *ip, uint64 index)
{
  for (uint32 pn = pc.bucket[bucket_no(ip, index)]; pn != NOPAGE; pn = info(pn)->hnext)
    if (info(pn)->ip == ip && info(pn)->index == index)
      return pn;
  return NOPAGE;
}

// Put page pn at the most recently used end of the list. pc.lock is held.
static void
list_append(uint32 pn)
{
  struct pageinfo *pi = info(pn);
  pi->prev = pc.last;
  pi->next = NOPAGE;
  if (pc.last == NOPAGE)
    pc.first = pn;
  else
    info(pc.last)->next = pn;
  pc.last = pn;
}

static void
list_remove(uint32 pn)
{
  struct pageinfo *pi = info(pn);
  if (pi->prev == NOPAGE)
    pc.first = pi->next;
  else
    info(pi->prev)->next = pi->next;
  if (pi->next == NOPAGE)
    pc.last = pi->prev;
  else
    info(pi->next)->prev = pi->prev;
}

// Page pa (one reference, which becomes the cache's) now holds (ip,
// index). pc.lock is held.
static void
insert(uint64 pa, struct inode *ip, uint64 index)
{
  uint32 pn = page_number(pa);
  struct pageinfo *pi = info(pn);
  int b = bucket_no(ip, index);
  pi->ip = ip;
  pi->index = index;
  pi->dirty = 0;
  pi->hnext = pc.bucket[b];
  pc.bucket[b] = pn;
  list_append(pn);
  pc.n++;
}

// Take page pn out of the cache and give back the cache's reference. A
// process that maps it keeps it, as a page that is no file's any more.
// pc.lock is held.
static void
drop(uint32 pn)
{
  struct pageinfo *pi = info(pn);
  uint32 *pp = &pc.bucket[bucket_no(pi->ip, pi->index)];
  while (*pp != pn)
    pp = &info(*pp)->hnext;
  *pp = pi->hnext;
  list_remove(pn);
  pc.nfree -= pi->counted;
  *pi = (struct pageinfo){ 0 };
  pc.n--;
  kfree(P2V(page_addr(pn)));
}

// The cached page index of ip, read from the file on a miss. On FAULT_OK,
// *pa is the page with one reference for the caller (to map it, or to
// kfree when done). FAULT_NOMEM when no page or entry is left,
// FAULT_BADADDR when the file could not be read. May sleep; the caller
// holds no spin lock and not ip's lock.
int
pcache_get(struct inode *ip, uint64 index, uint64 *pa)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  if (pn != NOPAGE) {
    *pa = page_addr(pn);
    kref_inc(*pa);
    recount(pn);
    list_remove(pn);   // now the most recently used
    list_append(pn);
    release(&pc.lock);
    VMSTAT_INC(pc_hits);
    return FAULT_OK;
  }
  uint gen = pc.gen[bucket_no(ip, index)];
  release(&pc.lock);

  VMSTAT_INC(pc_misses);
  void *page = kalloc();
  if (page == 0)
    return FAULT_NOMEM;
  for (;;) {
    if (fmap_readpage(ip, index, page) != 0) {
      kfree(page);
      return FAULT_BADADDR;
    }
    VMSTAT_INC(file_reads);
    acquire(&pc.lock);
    if (pc.gen[bucket_no(ip, index)] == gen)
      break;
    // The file changed while it was read: read it again.
    gen = pc.gen[bucket_no(ip, index)];
    release(&pc.lock);
    memset(page, 0, PGSIZE);
  }

  pn = lookup(ip, index);
  if (pn != NOPAGE) {
    // Someone else read it meanwhile: theirs is the copy everyone shares.
    kfree(page);
    *pa = page_addr(pn);
  } else {
    *pa = V2P(page);
    insert(*pa, ip, index);
  }
  kref_inc(*pa);
  recount(page_number(*pa));
  release(&pc.lock);
  return FAULT_OK;
}

// Page index of ip is about to be stored to through a shared mapping.
void
pcache_dirty(struct inode *ip, uint64 index)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  if (pn != NOPAGE)
    info(pn)->dirty = 1;
  release(&pc.lock);
}

// Is page index of ip cached and marked dirty? Takes only the cache's
// spin lock.
int
pcache_isdirty(struct inode *ip, uint64 index)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  int r = pn != NOPAGE && info(pn)->dirty;
  release(&pc.lock);
  return r;
}

// Does the cache hold a dirty page of ip? Then iget keeps ip's in-memory
// inode for it (an entry given to another file would forget its pages,
// pcache_forget, and the stores with them). Caller holds no pc.lock
// (iget holds the inode table's lock, taken before it).
int
pcache_dirty_of(struct inode *ip)
{
  int r = 0;
  acquire(&pc.lock);
  for (uint32 pn = pc.first; pn != NOPAGE && !r; pn = info(pn)->next)
    r = info(pn)->ip == ip && info(pn)->dirty;
  release(&pc.lock);
  return r;
}

// Write page index of ip back to the file if it is dirty. Returns 1 when
// it wrote the page, 0 when there was nothing to write, or -1 when the
// write failed (the page stays dirty). May sleep; the caller holds no
// lock and is not in a transaction.
//
// The mark is cleared before the write: a store through a mapping that
// stays writable may land after the write copied the page. That is why a
// writable PTE of a shared mapping counts as dirty whatever the mark says
// (pager.c marks the page again before each write-back from a mapping).
int
pcache_writeback(struct inode *ip, uint64 index)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  if (pn == NOPAGE || !info(pn)->dirty) {
    release(&pc.lock);
    return 0;
  }
  info(pn)->dirty = 0;
  uint64 pa = page_addr(pn);
  kref_inc(pa);   // the page stays while the lock is let go
  release(&pc.lock);

  int r = fmap_writepage(ip, index, P2V(pa));
  if (r == 0)
    VMSTAT_INC(writebacks);
  else
    pcache_dirty(ip, index);
  kfree(P2V(pa));
  return r == 0 ? 1 : -1;
}

// Give back up to want clean cached pages that nobody maps, least
// recently used first. Returns how many went. Called by kalloc when the
// free list is empty; takes no lock kalloc's callers could hold.
int
pcache_reclaim(int want)
{
  int n = 0;
  acquire(&pc.lock);
  for (uint32 pn = pc.first, next; pn != NOPAGE && n < want && pc.nfree > 0; pn = next) {
    next = info(pn)->next;
    if (droppable(pn)) {
      drop(pn);
      n++;
    }
  }
  release(&pc.lock);
  __sync_fetch_and_add(&vmstat.evict_file, n);
  return n;
}

// The least recently used cached page, for the eviction of pages that
// processes map (fileevict.c): its address with one reference for the
// caller, its file in *ip and its index in *index; 0 when the cache is
// empty. The page moves to the most recently used end, so that calls in
// a row go round the cache, each page once, as a clock hand does: a page
// the caller leaves (it was used, or cannot go now) waits a whole turn.
uint64
pcache_pick(struct inode **ip, uint64 *index)
{
  acquire(&pc.lock);
  uint32 pn = pc.first;
  uint64 pa = 0;
  if (pn != NOPAGE) {
    list_remove(pn);
    list_append(pn);
    pa = page_addr(pn);
    kref_inc(pa);
    recount(pn);
    *ip = info(pn)->ip;
    *index = info(pn)->index;
  }
  release(&pc.lock);
  return pa;
}

// The caller holds a reference to pa, which held page index of ip when
// pcache_pick gave it, and gives it back now. If pa still holds that
// page, is clean, and nobody but the cache and the caller holds it (no
// PTE maps it, no write-back or read() is copying it), it leaves the cache
// and is freed: returns 1. Else returns 0 and the page stays as it is.
// One look under the cache's lock: a mapper must take its reference
// (pcache_get, pcache_peek) and mark a store (pcache_dirty) under it.
int
pcache_drop(struct inode *ip, uint64 index, uint64 pa)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  int gone = pn != NOPAGE && page_addr(pn) == pa && !info(pn)->dirty && kref_get(pa) == 2;
  if (gone)
    drop(pn);
  release(&pc.lock);
  kfree(P2V(pa));
  return gone;
}

// Pages the cache holds, and how many of those nobody maps and are clean:
// as good as free. Kept as they change, so asking costs nothing.
void
pcache_count(uint64 *cached, uint64 *reclaimable)
{
  acquire(&pc.lock);
  *cached = pc.n;
  *reclaimable = pc.nfree;
  release(&pc.lock);
}

// Is pa the cached page index of ip? For counting who maps a page. Takes
// only the cache's spin lock.
int
pcache_holds(struct inode *ip, uint64 index, uint64 pa)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  int r = pn != NOPAGE && page_addr(pn) == pa;
  release(&pc.lock);
  return r;
}

// ---- hooks for kernel/fs

// If page index of ip is cached, a reference to it (the caller kfrees it
// when done), else 0. For readi: a cached page may hold stores through a
// shared mapping that the disk has not seen yet.
uint64
pcache_peek(struct inode *ip, uint64 index)
{
  acquire(&pc.lock);
  uint32 pn = lookup(ip, index);
  uint64 pa = 0;
  if (pn != NOPAGE) {
    pa = page_addr(pn);
    kref_inc(pa);
    recount(pn);
  }
  release(&pc.lock);
  return pa;
}

// writei stored n bytes at file offset off (within one page) from src:
// keep the cached page, if any, equal to the file, so every mapping sees
// the write. A write-back writes the cached page itself (src is in it):
// copying it onto itself could only undo a store made through a shared
// mapping meanwhile.
void
pcache_update(struct inode *ip, uint64 off, const void *src, uint64 n)
{
  acquire(&pc.lock);
  pc.gen[bucket_no(ip, off / PGSIZE)]++;
  uint32 pn = lookup(ip, off / PGSIZE);
  char *dst = pn != NOPAGE ? (char *)P2V(page_addr(pn)) + off % PGSIZE : 0;
  if (dst && dst != src)
    memmove(dst, src, n);
  release(&pc.lock);
}

// Drop ip's cached pages wholly past size, and clear the tail of the page
// size falls in, so that a later read of that part of the page sees zeros
// as the file does.
static void
cut_file(struct inode *ip, uint64 size)
{
  acquire(&pc.lock);
  for (int b = 0; b < NBUCKET; b++)
    pc.gen[b]++;   // rare: every read under way reads again
  for (uint32 pn = pc.first, next; pn != NOPAGE; pn = next) {
    struct pageinfo *pi = info(pn);
    next = pi->next;
    if (pi->ip != ip)
      continue;
    if ((uint64)pi->index * PGSIZE >= size)
      drop(pn);
    else if ((uint64)(pi->index + 1) * PGSIZE > size)
      memset((char *)P2V(page_addr(pn)) + size % PGSIZE, 0, PGSIZE - size % PGSIZE);
  }
  release(&pc.lock);
}

// The file now ends at size: its cached pages past the end go. A page
// some process still maps leaves the cache; each mapper drops it on its
// way back to user mode (vm_sync_truncated, told by vm_truncations), after
// which an access past the end is refused. kernel/fs calls this once the
// file has its new size, and refuses to truncate a running program.
void
pcache_truncate(struct inode *ip, uint64 size)
{
  cut_file(ip, size);
  __atomic_fetch_add(&vm_truncations, 1, __ATOMIC_SEQ_CST);
}

// ip's in-memory inode is about to hold another file: forget its pages.
// Nobody maps them (a mapping holds a reference to the inode), so no
// process need look (vm_truncations stays).
void
pcache_forget(struct inode *ip)
{
  cut_file(ip, 0);
}
