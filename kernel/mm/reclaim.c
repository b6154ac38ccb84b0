// Reclaim: making free pages when memory runs short, and bringing
// swapped-out pages back (docs/paging.md).
//
// kalloc never sleeps (its callers may hold spin locks), so it does not
// evict: it only drops the page cache's clean unmapped pages. Eviction,
// which unmaps pages from processes and writes them to the swap disk or
// back to their files, runs where sleeping is allowed: at a page fault
// when free memory is below the low watermark (until the high one), when
// a fault found no page (then the fault is retried), and before an eager
// sbrk or a fork asks for memory (reclaim_room). Only when nothing can be
// evicted any more (swap full, every page pinned or in use elsewhere)
// does a fault fail with FAULT_NOMEM, and the process is killed "out of
// memory".
//
// File pages that processes map go first (fileevict.c, which needs no
// lock of its own); then one reclaimer at a time (rlock) sends anonymous
// pages to swap, others waiting for it and then finding memory it made.
// An evicted page's PTEs name its slot only once the slot holds it: the
// pages stay mapped while their copies are written, and a write that
// fails (a disk error) leaves them all where they were.
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "lib/sleeplock.h"
#include "mm/mm.h"

#define CLUSTER 16   // swapped pages read back together, in one request

static struct sleeplock rlock;   // held by the one reclaimer
static char wbuf[RMAP_BATCH * PGSIZE];   // what it writes, under rlock

// Swap-ins read a cluster of slots into rbuf, one fault at a time.
static struct sleeplock rdlock;
static char rbuf[CLUSTER * PGSIZE];

static uint last_age;   // rmap_ticks at the last aging step

void
reclaim_init(void)
{
  initsleeplock(&rlock, "reclaim");
  initsleeplock(&rdlock, "swapread");
}

// Watermarks, in free pages: below low, a fault reclaims up to high.
static uint64
low_mark(void)
{
  return ktotalpages() / 128 + 16;
}

static uint64
high_mark(void)
{
  return 2 * low_mark();
}

// One batch: a run of free slots, as many pages of the policy's choice
// copied and written to them in one request, then their PTEs turned
// into the slots (rmap.c). A write that fails (a disk error) sends no
// page: each stays resident and its slot is free again. Returns the
// pages evicted, and in *written whether pages were chosen and written
// (a page stored to during the write stays, and its batch may send
// none). Caller holds rlock.
static int
evict_batch(int want, int *written)
{
  int n;
  *written = 0;
  int first = swap_alloc_run(want < RMAP_BATCH ? want : RMAP_BATCH, &n);
  if (first < 0)
    return 0;
  int chosen = rmap_evict_pick(n, wbuf);
  *written = chosen > 0 && swapdev_rw(first, wbuf, chosen, 1) == 0;
  int done = rmap_evict_finish(first, wbuf, *written);
  __sync_fetch_and_add(&vmstat.swap_outs, done);
  for (int i = 0; i < n; i++)
    swap_free(first + i);   // the write's references; unused slots are free again
  return done;
}

// Free up to want pages: clean page-cache pages nobody maps first, then
// page-cache pages that processes map and have not used lately (clean
// ones dropped, dirty ones written back first when writeback allows:
// fileevict.c), then anonymous pages to swap, chosen by the policy
// (rmap.c). Returns how many pages were freed or sent to swap. Sleeps;
// caller holds no spin lock and is not in the fault path of its own
// address space. File pages are written back before rlock is taken: a
// process inside read() or write() of a file, holding the inode's lock
// that the write-back needs, may be waiting for rlock.
static int
reclaim_some(int want, int writeback)
{
  int done = pcache_reclaim(want);
  if (done < want && vm_evict)
    done += file_evict(want - done, writeback);
  if (done >= want || !vm_evict || swap_total() == 0)
    return done;
  acquiresleep(&rlock);
  uint now = __atomic_load_n(&rmap_ticks, __ATOMIC_RELAXED);
  if (now != last_age) {
    last_age = now;
    rmap_age();
  }
  // Until swap is full, nothing more can go or the disk fails; a batch
  // whose pages were all stored to meanwhile is tried again, twice.
  for (int stalls = 0; done < want;) {
    int written;
    int n = evict_batch(want - done, &written);
    if (n == 0 && (!written || ++stalls > 2))
      break;
    done += n;
  }
  releasesleep(&rlock);
  return done;
}

int
reclaim(int want)
{
  return reclaim_some(want, 1);
}

// As reclaim, writing no file back: for a kernel copy made inside read()
// or write() of a file, which holds the inode's lock (and, for write(), a
// file-system transaction) that a write-back would wait for.
int
reclaim_nowrite(int want)
{
  return reclaim_some(want, 0);
}

// Below the low watermark, free pages up to the high one.
void
reclaim_if_low(void)
{
  uint64 free = kfreecount();
  if (free < low_mark())
    reclaim(high_mark() - free);
}

// The most pages that could be had now: the free ones, the page cache's
// clean unmapped ones, and with eviction the free swap slots (every one
// can take a page out of RAM). An eager sbrk asking for more fails at
// once, before it evicts anything. The cache's mapped pages are not
// promised: reclaim may write them back and drop them, but they are the
// text and files of programs that run, which fault them straight back
// in; counting them would make the answer depend on which of them were
// just used (xv6's usertests count free pages with sbrk, before and
// after, and would see the difference).
uint64
reclaim_limit(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  uint64 n = kfreecount() + reclaimable;
  if (vm_evict)
    n += swap_total() - swap_used();
  return n;
}

// Make room for npages more pages (an eager sbrk, a fork) above the low
// watermark, as far as reclaim can. Returns 0 when they fit now, -1 when
// they do not even after reclaiming.
int
reclaim_room(uint64 npages)
{
  for (;;) {
    uint64 free = kfreecount();
    uint64 need = npages + low_mark();
    if (free >= need)
      return 0;
    int want = need - free > 256 ? 256 : need - free;
    if (reclaim(want) == 0)
      return kfreecount() >= npages ? 0 : -1;
  }
}

// How many PTEs from pte on (at most CLUSTER, within va's leaf table and
// region [va, end)) hold consecutive slots from slot on: pages evicted
// together, likely used together.
static int
cluster(pte_t *pte, uint64 va, uint64 end, int slot)
{
  int n = 1;
  while (n < CLUSTER && va + n * PGSIZE < end && (va + n * PGSIZE) % PT_LEAF_SPAN != 0 &&
         (uint64)slot + n < swap_total() && pte_is_swap(pte[n]) &&
         pte_swap_slot(pte[n]) == (uint64)slot + n)
    n++;
  return n;
}

// A fault on page va of region v (0: the heap), whose PTE pte holds a
// swap slot: read the page back (a major fault; the process sleeps on the
// disk) and map it as the region allows, copy-on-write while other PTEs
// still hold the slot. The pages after it that went out with it come
// back in the same request. The caller is the owner, in the fault path
// (vm->busy): nobody else changes these PTEs meanwhile.
int
swap_fault(struct vmspace *vm, struct vma *v, uint64 va, pte_t *pte)
{
  int slot = pte_swap_slot(*pte);
  uint64 end = v ? v->end : PGROUNDUP(vm->sz);
  int n = cluster(pte, va, end, slot);
  acquiresleep(&rdlock);
  if (swapdev_rw(slot, rbuf, n, 0) != 0) {
    releasesleep(&rdlock);
    return FAULT_BADADDR;   // a disk error: the contents are lost
  }
  int prot = v ? v->prot : VM_R | VM_W;
  int r = FAULT_OK;
  for (int i = 0; i < n; i++) {
    void *page = kalloc_copy(rbuf + (uint64)i * PGSIZE);
    if (page == 0) {
      if (i == 0)
        r = FAULT_NOMEM;
      break;
    }
    int flags = VM_U | VM_R | (prot & VM_X);
    if (prot & VM_W)
      flags |= swap_refs(slot + i) == 1 ? VM_W : VM_COW;
    pte[i] = pte_make(V2P(page), flags);
    swap_free(slot + i);
    rmap_note_anon(vm, V2P(page), va + (uint64)i * PGSIZE);
    VMSTAT_INC(swap_ins);
  }
  releasesleep(&rdlock);
  if (r == FAULT_OK)
    VMSTAT_INC(major_faults);
  return r;
}
