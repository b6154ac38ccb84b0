// kernel/mm: machine-independent memory management. Physical pages,
// address spaces made of regions, the fault path, user copies, exec.
// Nothing here knows RISC-V: page tables are reached through arch/mmu.h.
#ifndef LAZULI_MM_H
#define LAZULI_MM_H

#include "abi/types.h"
#include "abi/memstat.h"
#include "arch/mmu.h"

struct inode;   // kernel/fs's; kernel/mm only passes pointers to it on

// ---- physical pages (kalloc.c)
// Pages are kernel pointers (P2V of their physical address); page-table
// entries and reference counts name them by physical address.
void kinit(uint64 start, uint64 end);  // physical [start, end) becomes free pages
void *kalloc(void);                     // one zeroed 4096-byte page, or 0
void *kalloc_copy(const void *src);     // a new page holding a copy of src, or 0
void *kalloc_table(void);               // a zeroed page for a page table, or 0
void kfree(void *page);                 // drop one reference; free at zero
void *kalloc_large(void);               // zeroed aligned LARGE_PGSIZE block, or 0
void kfree_large(void *block);          // drop a large mapping's reference to it
int kref_get(uint64 pa);                // references to page pa
// kref_inc (one more reference to page pa) and kref_put (drop one unless
// the last: 1, or 0 and the caller's is kept) are inline, below.
// Large blocks (kref.c): one count for a block held whole, else its pages'.
void kref_inc_large(uint64 pa);         // one more large mapping of the block at pa
int kref_whole(uint64 pa);              // references held on it whole; 0: split
void kref_split_large(uint64 pa);       // its pages count their own from now on
void kref_join_large(uint64 pa);        // held whole again (each page has one reference)
uint64 kfreecount(void);                // free pages now
uint64 kfreeblocks(uint64 out[MEMSTAT_ORDERS]); // free blocks of 2^k pages by k; free pages
uint64 ktotalpages(void);               // pages managed by kalloc

// Beside its count, kalloc keeps for each page a record that the page's
// owner fills in and clears, so that code holding only the page can tell
// what it holds and where it belongs. kalloc hands a page out with its
// record zeroed. Lists through records name pages by number.
#define NOPAGE 0xFFFFFFFFu   // no page: the end of such a list
struct pageinfo {
  struct inode *ip;     // a page of the page cache: its file; else 0
  uint32 index;         // its page index in that file
  uint16 dirty;         // page cache: stored to since it was last written back
  uint16 counted;       // page cache: in its count of pages as good as free
  uint32 hnext;         // page cache: next page in its hash bucket
  uint32 prev, next;    // page cache: neighbours in its list, least recently used first
};
struct pageinfo *page_info(uint64 pa);  // pa's record
uint32 page_number(uint64 pa);          // 0 .. ktotalpages()-1
uint64 page_addr(uint32 n);             // the page numbered n

// The record of each managed page: its reference count and the owner's
// pageinfo, one record per page from kpages.base to kpages.end (kalloc.c
// lays them out at boot). Only kalloc.c and kref.c look inside, but for
// the two counts below, which are inline: fork and exit change one per
// page table they share, and copying or letting go of a shared table one
// per page it maps.
struct page {
  int ref;                // references (kref.c says what else it may hold)
  struct pageinfo info;
};
extern struct kpages {
  struct page *recs;
  uint64 base, end;
} kpages;
// A count changed on a page that had none (old): undo and panic (kref.c).
void kref_bad(struct page *pg, int old, int delta, const char *why) __attribute__((noreturn));

// The record of page pa, checked: for addresses callers hand in.
static inline struct page *
kpage(uint64 pa)
{
  if (pa % PGSIZE != 0 || pa < kpages.base || pa >= kpages.end)
    panic("kalloc: not a managed page");
  return &kpages.recs[(pa - kpages.base) / PGSIZE];
}

// One more owner of page pa, which must have one already: only an owner
// can hand a page on. So the page cannot go meanwhile, and the increment
// needs no ordering with other memory accesses.
static inline void
kref_inc(uint64 pa)
{
  struct page *pg = kpage(pa);
  int old = __atomic_fetch_add(&pg->ref, 1, __ATOMIC_RELAXED);
  if (old <= 0)
    kref_bad(pg, old, -1, "kref_inc: page is free");
}

// Drop one reference to page pa unless it is the last one. Returns 1 when
// it dropped one, 0 when the caller holds the only reference: the caller
// then empties the page (a shared page table's PTEs own references of
// their own) and frees it with kfree. Of two owners letting go at once,
// exactly one sees 0: each takes one away in one atomic step, and the one
// that took the last puts it back, its own again (no other owner is left
// to look at the count meanwhile).
static inline int
kref_put(uint64 pa)
{
  struct page *pg = kpage(pa);
  int old = __atomic_fetch_sub(&pg->ref, 1, __ATOMIC_SEQ_CST);
  if (old > 1)
    return 1;
  if (old < 1)
    kref_bad(pg, old, 1, "kref_put: page is free");
  __atomic_store_n(&pg->ref, 1, __ATOMIC_SEQ_CST);
  return 0;
}

// User memory ends below the trap frame and the trampoline.
#define USERTOP TRAPFRAME

// Kinds of access, for vmfault.
enum access { ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC };

// What vmfault decided.
enum fault_result {
  FAULT_OK = 0,        // the page is there now: retry the access
  FAULT_BADADDR = -1,  // the process may not make this access
  FAULT_NOMEM = -2,    // allowed, but no memory to back it
};

// ---- regions of a user address space
enum vma_kind {
  VMA_SEGMENT,   // program segment loaded by exec
  VMA_GUARD,     // no access: catches stack overflow
  VMA_STACK,     // user stack
  VMA_MMAP,      // made by mmap
};

// A region and its backing: where its absent pages come from (pager.c).
// With file == 0 the backing is anonymous (zero-fill); else the bytes
// [off, off + filelen) of the file, then zeros. The fields after kind are
// zero for an anonymous private region.
struct vma {
  uint64 start, end;   // [start, end), page-aligned
  int prot;            // VM_R | VM_W | VM_X
  enum vma_kind kind;
  uint8 shared;        // stores reach the backing; fork shares the pages
  uint8 noprot;        // rights mprotect may never give (VM_W: read-only file)
  uint8 denywrite;     // a running program's segment: writes to the file fail
  struct inode *file;  // the file, with a reference held by the region; or 0
  uint64 off;          // file offset of start (page-aligned)
  uint64 filelen;      // bytes from start backed by the file; zeros after
};

#define NVMA 64   // exec's segments (MAXPHNUM), guard, stack, and mmap's regions

// A user address space: a page table plus a short sorted list of regions.
// The heap is the region [heapbase, sz): sz is the break sbrk moves.
struct vmspace {
  pagetable_t pagetable;
  int kshared;   // the table's kernel half points at the kernel's (kvm.c)
  uint64 heapbase;
  uint64 sz;
  int nvma;
  struct vma vma[NVMA];
  uint truncations;   // vm_truncations when its pages past the end of files last went
  // Fault-around (fault.c): where a sequential toucher faults next, and
  // how many pages its last heap fault mapped.
  uint64 seq_next;
  int seq_window;
  // Nonzero while the owner relies on its PTEs staying as they are across
  // a sleep: in the fault path (which holds PTE pointers and decisions
  // about them), or holding a buffer prefault_pin made present for a copy
  // under a spin lock. No one else changes a PTE of this space then
  // (rmap.c, "Lock rules").
  int busy;
  // Nonzero while the owner is inside read() or write() of a file
  // (vm_prefault_files .. vm_unpin_files): it copies to and from its
  // memory holding the file's inode lock, maybe inside a transaction.
  // Its file pages stay mapped meanwhile (fileevict.c).
  int filepin;
};


// ---- the kernel's address space (kvm.c)
extern uint64 phystop;   // end of RAM
void kvminit(void);
pagetable_t kvm_pagetable(void);
void kvm_setupvm(struct vmspace *vm);
void kvm_followmode(struct vmspace *vm);

// ---- user address spaces (vm.c)
int mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int flags);
void uvmunmap(pagetable_t pt, uint64 va, uint64 npages, int do_free);
int uvmcreate(struct vmspace *vm);
uint64 uvmalloc(struct vmspace *vm, uint64 oldsz, uint64 newsz, int prot);
// What a range operation does to the PTEs of its range (range_edges).
enum range_change { RANGE_UNMAP, RANGE_REWRITE };
int range_edges(struct vmspace *vm, uint64 from, uint64 to, enum range_change how);
uint64 uvmdealloc(struct vmspace *vm, uint64 oldsz, uint64 newsz);
int uvmcopy(struct vmspace *old, struct vmspace *new);
int copy_flags(int flags);
void uvmfree(struct vmspace *vm);
int vma_add(struct vmspace *vm, uint64 start, uint64 end, int prot, enum vma_kind kind);
struct vma *vma_find(struct vmspace *vm, uint64 va);
const char *vma_name(struct vmspace *vm, uint64 va);

// ---- large pages for anonymous memory (largepage.c)
uint64 uvmalloc_large(struct vmspace *vm, uint64 oldsz, uint64 newsz, int prot);
uint64 lp_align(struct inode *ip, uint64 len);
pte_t *lp_walk(pagetable_t pt, uint64 va, uint64 *size);
uint64 lp_leaf_pa(pte_t pte, uint64 size, uint64 va);
void lp_unmap(pte_t *pte, uint64 va, uint64 end, int do_free);
int lp_demote(pagetable_t pt, uint64 va, void *table);
int lp_split(struct vmspace *vm, uint64 at);
int lp_copy(struct vmspace *new, pte_t *pte, uint64 va, uint64 stop, int shared);
int lp_cow(struct vmspace *vm, uint64 va, pte_t *pte);
int lp_stops_around(struct vmspace *vm, uint64 va);
int lp_bet(struct vmspace *vm, struct vma *v, uint64 va);
void lp_promote(struct vmspace *vm, uint64 va, int n);

// ---- regions made and changed at run time (region.c): mmap and friends.
// Mappings go top-down from MMAPTOP; the heap may grow up to the lowest.
#define MMAPTOP USERTOP
#define VMMAP_SHARED 1    // abi/mman.h MAP_SHARED
#define VMMAP_FIXED  2    // replace whatever is at addr
int vma_insert(struct vmspace *vm, const struct vma *v);
uint64 vm_heaplimit(struct vmspace *vm);
uint64 vm_map(struct vmspace *vm, uint64 addr, uint64 len, int prot, int flags,
              struct inode *ip, uint64 off, int noprot);
int vm_unmap(struct vmspace *vm, uint64 addr, uint64 len);
int vm_protect(struct vmspace *vm, uint64 addr, uint64 len, int prot);
int vm_sync(struct vmspace *vm, uint64 addr, uint64 len);
void vm_dropfiles(struct vmspace *vm);
int vm_prefault_files(struct vmspace *vm, uint64 va, uint64 len, enum access access);
void vm_unpin_files(struct vmspace *vm);
int vm_page_info(struct vmspace *vm, uint64 va, uint64 pa);
void vm_describe(struct vmspace *vm, void (*fn)(void *arg, const struct vmregion *r), void *arg);

// ---- backings of regions (pager.c): one set of operations per kind
struct pager {
  // Find the page for va (page-aligned) in region v (0: the heap) for an
  // access v allows. On FAULT_OK, *pa holds one reference for the new
  // mapping and *flags its VM_* rights. May sleep (a file page is read).
  int (*get)(struct vma *v, uint64 va, enum access access, uint64 *pa, int *flags);
  // As get for a read, but only when the page is at hand without reading
  // or allocating anything (a cached file page); else FAULT_NOMEM. Takes
  // only spin locks. For mapping ahead of a fault.
  int (*peek)(struct vma *v, uint64 va, uint64 *pa, int *flags);
  // The page pa, mapped at va with rights flags, leaves v: write it back
  // if the backing keeps stores. May sleep.
  void (*put)(struct vma *v, uint64 va, uint64 pa, int flags);
  void (*hold)(struct vma *v);      // v was copied (fork, a split)
  void (*release)(struct vma *v);   // v is gone; may sleep
};
const struct pager *vma_pager(struct vma *v);
// Files emptied so far (O_TRUNC; pcache_truncate counts them). Each
// process, on its way back to user mode, drops the pages of its file
// regions that now lie past the end of their file (vm_sync_truncated).
extern uint vm_truncations;
void vm_sync_truncated(struct vmspace *vm);
int anon_flags(struct vma *v);
int vma_maps_writable(struct vma *v);
void vma_put_pages(struct vmspace *vm, struct vma *v, uint64 from, uint64 to);

// ---- files, as kernel/mm reaches them (fs/fmap.c; tests/host fakes them).
// None may be called holding a spin lock; all may sleep.
int fmap_readpage(struct inode *ip, uint64 index, void *page);   // 0 or -1
int fmap_writepage(struct inode *ip, uint64 index, const void *page);
uint64 fmap_size(struct inode *ip);
void fmap_hold(struct inode *ip);
void fmap_hold_cached(struct inode *ip);   // for a dirty cached page's write-back
void fmap_release(struct inode *ip);   // not in a transaction
// Running programs and shared writable mappings of a file exclude each
// other: +1 fails with -1 while the other kind exists. Spin locks only.
int fmap_denywrite(struct inode *ip, int delta);   // +1/-1: a program runs from ip
int fmap_mapwrite(struct inode *ip, int delta);    // +1/-1: a shared mapping may store
uint fmap_inum(struct inode *ip);     // its inode number, for pmap; no lock taken

// ---- the page cache (pagecache.c)
void pcache_init(void);
int pcache_get(struct inode *ip, uint64 index, uint64 *pa);
void pcache_dirty(struct inode *ip, uint64 index);
int pcache_writeback(struct inode *ip, uint64 index);
int pcache_reclaim(int want);
void pcache_count(uint64 *cached, uint64 *reclaimable);
uint64 pcache_peek(struct inode *ip, uint64 index);
void pcache_update(struct inode *ip, uint64 off, const void *src, uint64 n);
void pcache_truncate(struct inode *ip, uint64 size);
void pcache_forget(struct inode *ip);
void pcache_visit(void (*fn)(void *arg, uint64 pa), void *arg);
int pcache_holds(struct inode *ip, uint64 index, uint64 pa);
int pcache_isdirty(struct inode *ip, uint64 index);
int pcache_dirty_of(struct inode *ip);   // ip has a dirty cached page
uint64 pcache_pick(struct inode **ip, uint64 *index);
int pcache_drop(struct inode *ip, uint64 index, uint64 pa);
void pcache_released(uint64 pa);   // kfree left pa one reference

// ---- eviction of file pages that processes map (fileevict.c)
int file_evict(int want, int writeback);

// ---- counters and run-time options (stats.c)
extern struct memstat vmstat;   // total and free are filled in on demand
#define VMSTAT_INC(field) __sync_fetch_and_add(&vmstat.field, 1)
extern int vm_cow;            // VMCONF_COW
extern int vm_faultaround;    // VMCONF_FAULTAROUND
extern int vm_zeropage;       // VMCONF_ZEROPAGE
extern int vm_policy;         // VMCONF_POLICY: a POLICY_*
extern int vm_demandexec;     // VMCONF_DEMANDEXEC
extern int vm_kpti;           // VMCONF_KPTI
extern int vm_largepage;      // VMCONF_LARGEPAGE
extern int vm_forkshare;      // VMCONF_FORKSHARE
extern int vm_evict;          // VMCONF_EVICT
int vmconfig(int key, int value);

// ---- last-level page tables shared by fork (forkshare.c)
int ptshare_fork(struct vmspace *old, struct vmspace *new, uint64 va, uint64 end, uint64 *next);
int ptshare_own(pagetable_t pt, uint64 va);
int ptshare_own_range(pagetable_t pt, uint64 from, uint64 to);
int ptshare_own_ends(pagetable_t pt, uint64 from, uint64 to);
void ptshare_unmap(pagetable_t pt, uint64 from, uint64 to);
void ptshare_release(struct vmspace *vm);
void ptshare_lock(void);
void ptshare_unlock(void);

// ---- the fault path (fault.c)
void zeropage_init(void);
int is_zeropage(uint64 pa);
uint64 zeropage_get(void);
int vmfault(struct vmspace *vm, uint64 va, enum access access);
uint64 vmfault_pa(struct vmspace *vm, uint64 va, enum access access);
int vmfault_ready(struct vmspace *vm, uint64 va, enum access access);

// ---- copies between kernel and user memory (uaccess.c)
int copyout(struct vmspace *vm, uint64 dstva, const void *src, uint64 len);
int copyin(struct vmspace *vm, void *dst, uint64 srcva, uint64 len);
int copyinstr(struct vmspace *vm, char *dst, uint64 srcva, uint64 max);
int prefault(struct vmspace *vm, uint64 va, uint64 len, enum access access);
int prefault_pin(struct vmspace *vm, uint64 va, uint64 len, enum access access);
void unpin(struct vmspace *vm);

// ---- swap space (swap.c): slots of the swap device, counted like pages
#define SWAP_MAXSLOTS 65536   // slots used at most: 256 MiB of swap
uint64 swapinit(void);              // size the slot map; returns the slots
uint64 swap_total(void);            // slots of the swap device (0: none)
uint64 swap_used(void);             // slots holding a page
int swap_alloc(void);               // a free slot with one reference, or -1
int swap_alloc_run(int want, int *n);  // *n <= want consecutive slots, one reference each
void swap_dup(int slot);            // one more reference
void swap_free(int slot);           // drop one; the slot is free at zero
int swap_refs(int slot);            // references to slot
uint64 swap_refs_total(void);       // references to all slots
// The swap device, provided by kernel/dev (faked in tests/host): blocks
// of PGSIZE bytes. swapdev_rw moves n consecutive slots from slot on to
// or from buf (physically contiguous), as one request; it sleeps until
// done and returns 0, or -1 on an error.
uint64 swapdev_pages(void);         // 0 when there is no swap device
int swapdev_rw(uint64 slot, void *buf, int n, int write);

// ---- page replacement (replace.c): which tracked frame to evict
struct repl_frame {
  int prev, next;     // the circle in order of arrival; -1 when absent
  uint8 age;          // POLICY_AGING: accessed bits of the last 8 steps
};
struct replacer {
  struct repl_frame *frames;
  int nframes;
  int hand;           // the oldest present frame, the clock hand; -1: none
  int count;          // frames present
  uint32 rand;        // POLICY_RANDOM's generator
  int (*referenced)(void *arg, int frame);  // its accessed bit, cleared
  void *arg;
};
void repl_init(struct replacer *r, struct repl_frame *frames, int nframes,
               int (*referenced)(void *arg, int frame), void *arg);
void repl_seed(struct replacer *r, uint32 seed);
void repl_add(struct replacer *r, int frame);     // joins as the youngest
void repl_remove(struct replacer *r, int frame);  // leaves, not evicted
int repl_present(struct replacer *r, int frame);
void repl_age(struct replacer *r);                // one aging step
int repl_victim(struct replacer *r, int policy);  // chosen and removed, or -1

// ---- the reverse map (rmap.c): where each physical page belongs
uint64 rmap_bytes(uint64 npages);   // memory rmap_init needs for npages pages
void rmap_init(void *mem, uint64 base, uint64 npages);
void rmap_note(struct vmspace *vm, struct vma *v, uint64 va, uint64 pa);  // pa mapped at va in v
void rmap_note_anon(struct vmspace *vm, uint64 pa, uint64 va);  // a private anonymous page
void rmap_note_large(struct vmspace *vm, uint64 pa, uint64 va);  // each page of such a block
void rmap_freed(uint64 pa);                           // pa's last reference went
uint64 rmap_tracked(void);                            // pages the replacer tracks
#define RMAP_BATCH 16   // pages evicted together, written in one request
int rmap_evict_pick(int n, char *buf);   // pages chosen for swap, copied to buf
int rmap_evict_finish(int first, const char *buf, int written);  // ... sent to slots first..
void rmap_file_ptes(struct inode *ip, uint64 from,
                    void (*fn)(void *arg, struct vmspace *vm, uint64 va, pte_t *pte), void *arg);
uint64 vm_swapped_pages(struct vmspace *vm);
void rmap_age(void);                 // one aging step of the replacer
extern uint rmap_ticks;              // clock ticks, counted by the timer

// The address spaces of all processes, as kernel/proc provides them
// (procvm.c; tests/host fakes them). Call fn(arg, vm) for every process's
// address space whose PTEs someone other than its owner may change now:
// the owner is not running on another hart and not in the fault path
// (vm->busy); the caller's own process counts as not running. Each call
// holds that process's lock, so fn must not sleep, and the owner cannot
// start running before fn returns. When fn returns nonzero it changed a
// PTE: the owner's stale translations are flushed (at once when it is the
// caller, else by the next hart to run it). Callers hold no spin lock but
// rmap's own.
void vm_visit(int (*fn)(void *arg, struct vmspace *vm), void *arg);
// The same for vm alone. Returns 1 when vm was visited, 0 when it is a
// live process's that may not be looked at now (running elsewhere, busy,
// its lock taken), -1 when it is no process's (gone, a zombie, a stale
// pointer).
int vm_visit_one(struct vmspace *vm, int (*fn)(void *arg, struct vmspace *vm), void *arg);

// ---- reclaim (reclaim.c): making free pages when memory runs short
void reclaim_init(void);
int reclaim(int want);        // free up to want pages; returns how many went
int reclaim_nowrite(int want);  // the same, writing no file page back
void reclaim_if_low(void);    // below the low watermark: up to the high one
int reclaim_room(uint64 npages);  // 0 when npages can be allocated now, else -1
uint64 reclaim_limit(void);       // the most pages reclaim could make free
int swap_fault(struct vmspace *vm, struct vma *v, uint64 va, pte_t *pte);

// ---- loading a program (exec.c); proc/exec.c puts it in a process
int exec_load(struct vmspace *vm, char *path, char **argv,
              uint64 *entry, uint64 *sp, uint64 *argvp);

#endif
