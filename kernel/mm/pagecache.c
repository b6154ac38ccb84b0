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
// away (munmap, exit, exec) or on msync. Pages are read from the file
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

#define NCPAGE  1024   // cached pages at most (4 MiB)
#define NBUCKET 128

struct cpage {
  struct inode *ip;      // 0: the entry is unused
  uint64 index;          // page index in the file
  uint64 pa;             // the page (physical); the cache holds one reference
  int dirty;             // stored to through a shared mapping since written back
  struct cpage *next;    // in its hash bucket
};

static struct {
  struct spinlock lock;
  struct cpage page[NCPAGE];
  struct cpage *bucket[NBUCKET];
  uint gen[NBUCKET];     // changes to the bucket's pages by write() or truncation
  int n;                 // entries in use
} pc;

// An empty cache. At boot, and in tests/host each time the simulated RAM
// starts afresh.
void
pcache_init(void)
{
  memset(&pc, 0, sizeof(pc));
  initlock(&pc.lock, "pcache");
}

// Call fn for each page the cache holds (its reference), for checks that
// account for every reference to every page (tests/host).
void
pcache_visit(void (*fn)(void *arg, uint64 pa), void *arg)
{
  acquire(&pc.lock);
  for (struct cpage *e = pc.page; e < pc.page + NCPAGE; e++)
    if (e->ip)
      fn(arg, e->pa);
  release(&pc.lock);
}

static int
bucket_no(struct inode *ip, uint64 index)
{
  return ((uint64)ip / 64 + index) % NBUCKET;
}

static struct cpage **
bucket_of(struct inode *ip, uint64 index)
{
  return &pc.bucket[bucket_no(ip, index)];
}

// The entry for (ip, index), or 0. pc.lock is held.
static struct cpage *
lookup(struct inode *ip, uint64 index)
{
  for (struct cpage *e = *bucket_of(ip, index); e; e = e->next)
    if (e->ip == ip && e->index == index)
      return e;
  return 0;
}

// Take e out of the table and give back its page reference. pc.lock is held.
static void
drop(struct cpage *e)
{
  struct cpage **pp = bucket_of(e->ip, e->index);
  while (*pp != e)
    pp = &(*pp)->next;
  *pp = e->next;
  kfree(P2V(e->pa));
  e->ip = 0;
  pc.n--;
}

// A free entry, evicting a clean page nobody maps if the table is full;
// 0 when every entry is mapped or dirty. pc.lock is held.
static struct cpage *
free_entry(void)
{
  struct cpage *victim = 0;
  for (struct cpage *e = pc.page; e < pc.page + NCPAGE; e++) {
    if (e->ip == 0)
      return e;
    if (!victim && !e->dirty && kref_get(e->pa) == 1)
      victim = e;
  }
  if (victim)
    drop(victim);
  return victim;
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
  struct cpage *e = lookup(ip, index);
  if (e) {
    kref_inc(e->pa);
    *pa = e->pa;
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

  e = lookup(ip, index);
  if (e) {
    // Someone else read it meanwhile: theirs is the copy everyone shares.
    kfree(page);
  } else {
    e = free_entry();
    if (e == 0) {
      release(&pc.lock);
      kfree(page);
      return FAULT_NOMEM;
    }
    *e = (struct cpage){ ip, index, V2P(page), 0, 0 };
    struct cpage **b = bucket_of(ip, index);
    e->next = *b;
    *b = e;
    pc.n++;
  }
  kref_inc(e->pa);
  *pa = e->pa;
  release(&pc.lock);
  return FAULT_OK;
}

// Page index of ip is about to be stored to through a shared mapping.
void
pcache_dirty(struct inode *ip, uint64 index)
{
  acquire(&pc.lock);
  struct cpage *e = lookup(ip, index);
  if (e)
    e->dirty = 1;
  release(&pc.lock);
}

// Write page index of ip back to the file if it is dirty. Returns 0, or
// -1 when the write failed (the page stays dirty). May sleep; the caller
// holds no lock and is not in a transaction.
//
// The mark is cleared before the write: a store through a mapping that
// stays writable may land after the write copied the page. That is why a
// writable PTE of a shared mapping counts as dirty whatever the mark says
// (pager.c marks the page again before each write-back from a mapping).
int
pcache_writeback(struct inode *ip, uint64 index)
{
  acquire(&pc.lock);
  struct cpage *e = lookup(ip, index);
  if (e == 0 || !e->dirty) {
    release(&pc.lock);
    return 0;
  }
  e->dirty = 0;
  uint64 pa = e->pa;
  kref_inc(pa);   // the page stays while the lock is let go
  release(&pc.lock);

  int r = fmap_writepage(ip, index, P2V(pa));
  if (r == 0)
    VMSTAT_INC(writebacks);
  else
    pcache_dirty(ip, index);
  kfree(P2V(pa));
  return r;
}

// Give back up to want clean cached pages that nobody maps. Returns how
// many went. Called by kalloc when the free list is empty; takes no lock
// kalloc's callers could hold.
int
pcache_reclaim(int want)
{
  int n = 0;
  acquire(&pc.lock);
  for (struct cpage *e = pc.page; e < pc.page + NCPAGE && n < want; e++) {
    if (e->ip && !e->dirty && kref_get(e->pa) == 1) {
      drop(e);
      n++;
    }
  }
  release(&pc.lock);
  return n;
}

// Pages the cache holds, and how many of those nobody maps and are clean:
// as good as free.
void
pcache_count(uint64 *cached, uint64 *reclaimable)
{
  uint64 c = 0, r = 0;
  acquire(&pc.lock);
  for (struct cpage *e = pc.page; e < pc.page + NCPAGE; e++) {
    if (e->ip == 0)
      continue;
    c++;
    if (!e->dirty && kref_get(e->pa) == 1)
      r++;
  }
  release(&pc.lock);
  *cached = c;
  *reclaimable = r;
}

// Is pa the cached page index of ip? For counting who maps a page. Takes
// only the cache's spin lock.
int
pcache_holds(struct inode *ip, uint64 index, uint64 pa)
{
  acquire(&pc.lock);
  struct cpage *e = lookup(ip, index);
  int r = e && e->pa == pa;
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
  struct cpage *e = lookup(ip, index);
  uint64 pa = 0;
  if (e) {
    kref_inc(e->pa);
    pa = e->pa;
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
  struct cpage *e = lookup(ip, off / PGSIZE);
  char *dst = e ? (char *)P2V(e->pa) + off % PGSIZE : 0;
  if (dst && dst != src)
    memmove(dst, src, n);
  release(&pc.lock);
}

// The file now ends at size: drop the cached pages wholly past it, and
// clear the tail of the page size falls in, so that a later read of that
// part of the page sees zeros as the file does. A page some process still
// maps leaves the cache but stays with its mappings (they see the old
// bytes; kernel/fs refuses to truncate a running program).
void
pcache_truncate(struct inode *ip, uint64 size)
{
  acquire(&pc.lock);
  for (int b = 0; b < NBUCKET; b++)
    pc.gen[b]++;   // rare: every read under way reads again
  for (struct cpage *e = pc.page; e < pc.page + NCPAGE; e++) {
    if (e->ip != ip)
      continue;
    if (e->index * PGSIZE >= size)
      drop(e);
    else if ((e->index + 1) * PGSIZE > size)
      memset((char *)P2V(e->pa) + size % PGSIZE, 0, PGSIZE - size % PGSIZE);
  }
  release(&pc.lock);
}

// ip's in-memory inode is about to hold another file: forget its pages.
// Nobody maps them (a mapping holds a reference to the inode).
void
pcache_forget(struct inode *ip)
{
  pcache_truncate(ip, 0);
}
