// Eviction of file pages that processes map: a clean page of the page
// cache is unmapped from every process and dropped, a dirty one written
// back to its file first (docs/paging.md, "File pages"). The pages
// nobody maps need none of this: kalloc drops those (pcache_reclaim).
//
// Which page. The page cache keeps its pages in one list, least recently
// used first (a fault or read() that finds a page moves it to the end).
// file_evict goes round that list as the clock policy goes round its
// circle (pcache_pick moves each page it hands out to the end): a page
// whose mappers' accessed bits say it was used since the hand last
// passed gets a second chance (the bits are cleared, and it waits a
// turn); one that was not is taken. Every PTE is made with its accessed
// bit set, so a page mapped since the last turn is always spared once.
// The bits are only a hint: a hart whose TLB still holds a translation
// sets the bit again only after its next flush (arch/mmu.h), so even a
// page in use (the text the reclaiming process runs) may go, and fault
// back in.
//
// Its mappers. A page of the cache is (inode, index), and each region of
// that inode maps index i at one address, in each address space:
// vm_visit asks every process's address space in turn (rmap.c's lock
// rules: the owner is stopped and not in its fault path). A PTE there
// maps the page when it names its physical address (a written page of a
// private mapping is a copy, anonymous memory that goes to swap). The
// page can go only when every reference to it is accounted for: one per
// PTE found, the cache's, and the one this eviction holds. So a page the
// kernel holds besides (read() copying from it, a write-back writing it),
// or that a process maps out of reach (running on another hart, in its
// fault path or holding a pinned buffer, inside read() or write() of a
// file, or through a page table fork shares), stays.
//
// Taking a page, in order:
//  1. A visit counts the mappers, and reads and clears their accessed bits.
//  2. A second visit clears their PTEs. It notes whether one was
//     writable: a shared file page is mapped read-only until a store
//     marks it dirty (pager.c), so a writable PTE is this kernel's dirty
//     bit (the hardware's D bit tells nothing: pte_make sets it in every
//     PTE, since some harts fault rather than set it). The PTEs'
//     references are given back, and a writable PTE marks the page dirty.
//     The owner's TLB may still hold the translation: vm_visit flushes it
//     at once when the owner is the caller, else the next hart to run the
//     owner does, before it runs user code again.
//  3. A dirty page is written back (pcache_writeback).
//  4. The page leaves the cache when it is still clean and nobody but the
//     cache and this eviction holds it (pcache_drop); else it stays. The
//     processes that lost their PTE fault the page back in from the cache
//     or the file.
// A page that stayed dirty because its write-back failed may have no
// mapper left: step 3 writes it all the same, with a reference to the
// inode taken for it (fmap_hold_cached; iget keeps the inode's entry
// for its file while the cache holds a dirty page of it).
//
// Stores are never lost. A store reaches the page only through a writable
// PTE, or through write(), which writes the file itself under the inode's
// lock that a write-back holds too. Step 2 turns each writable PTE into
// the dirty mark before step 3 clears the mark and copies the page. A
// store after step 2 needs a new PTE: the fault takes a reference from
// the cache and marks the page dirty before it makes the PTE writable. So
// a store racing with the write-back is either in the bytes it copied, or
// the page is dirty again (a writable PTE counts as dirty to whoever
// unmaps it: munmap, msync, exit, the next eviction). Step 4 drops only a
// page that is clean and held by no PTE and no kernel code, in one look
// under the cache's lock, where mappers take their references and mark
// their stores; so it never drops a store either.
//
// Locks. The write-back sleeps on the file system (the inode's lock, a
// transaction) holding nothing: no spin lock, and not the reclaimer's
// lock, which a process inside read() or write() of a file (holding an
// inode's lock, write() a transaction as well) may wait for when its copy
// needs memory. Such a process's own reclaim writes nothing back
// (writeback == 0), and its file pages stay mapped (vm->filepin): faulting
// one back in would take an inode's lock.
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

// What a visit looks for, and what it found.
struct flook {
  struct inode *ip;
  uint64 index, pa;   // page index of ip is page pa
  int unmap;          // clear the PTEs (else only look)
  int writeback;      // unmap: a dirty page may be written back (else
                      // one stays mapped: nobody would write it back)
  int held;           // unmap: a reference to ip was taken, for that
  int mappers;        // PTEs found mapping pa
  int accessed;       // one had its accessed bit (cleared now)
  int writable;       // one was writable: the page is dirty
  int blocked;        // one may not be changed now: the page stays
  int cleared;        // unmap: PTEs cleared
};

// The PTE of vm that maps lk's page through region v, with its address in
// *va; 0 when there is none. File regions never hold large pages.
static pte_t *
pte_of(struct vmspace *vm, struct vma *v, struct flook *lk, uint64 *va)
{
  uint64 first = v->off / PGSIZE;   // the index mapped at v->start
  if (v->file != lk->ip || lk->index < first)
    return 0;
  *va = v->start + (lk->index - first) * PGSIZE;
  if (*va >= v->end)
    return 0;
  uint64 size;
  pte_t *pte = lp_walk(vm->pagetable, *va, &size);
  if (pte == 0 || size != PGSIZE || !pte_valid(*pte) || pte_pa(*pte) != lk->pa)
    return 0;
  return pte;
}

// A vm_visit callback: look at (or clear) the PTEs of vm that map lk's
// page. A process inside read() or write() of a file keeps its file pages
// (its copies must not fault on one), and a PTE in a table that fork
// shares is every sharer's, some of which may be running. Without
// write-back a dirty page keeps its PTEs: once nobody mapped it, nobody
// would write it back (munmap, msync and exit write what they unmap).
static int
visit_file(void *arg, struct vmspace *vm)
{
  struct flook *lk = arg;
  int changed = 0;
  for (int i = 0; i < vm->nvma; i++) {
    uint64 va;
    pte_t *table;
    pte_t *pte = pte_of(vm, &vm->vma[i], lk, &va);
    if (pte == 0)
      continue;
    lk->mappers++;
    if (vm->filepin || span_kind(vm->pagetable, va, &table) == SPAN_SHARED) {
      lk->blocked = 1;
      continue;
    }
    if (pte_test_clear_accessed(pte))
      lk->accessed = 1;
    if (pte_flags(*pte) & VM_W)
      lk->writable = 1;
    if (!lk->unmap)
      continue;
    if (!lk->writeback && (lk->writable || pcache_isdirty(lk->ip, lk->index))) {
      lk->blocked = 1;
      continue;
    }
    if (lk->writeback && !lk->held) {
      fmap_hold(lk->ip);   // safe: the region holds a reference
      lk->held = 1;
    }
    *pte = 0;   // absent: the next access faults the page in again
    lk->cleared++;
    changed = 1;
  }
  return changed;
}

// Take page index of ip, at pa, which pcache_pick gave the caller with a
// reference (given back here). Returns 1 when the page was freed, else 0.
static int
evict_page(struct inode *ip, uint64 index, uint64 pa, int writeback)
{
  struct flook lk = { .ip = ip, .index = index, .pa = pa };
  vm_visit(visit_file, &lk);
  if (lk.accessed || lk.blocked || (lk.writable && !writeback) ||
      lk.mappers + 2 != kref_get(pa)) {
    kfree(P2V(pa));
    return 0;
  }
  struct flook un = { .ip = ip, .index = index, .pa = pa, .unmap = 1,
                     .writeback = writeback };
  if (lk.mappers > 0)
    vm_visit(visit_file, &un);
  for (int i = 0; i < un.cleared; i++)
    kfree(P2V(pa));   // the cache's reference and ours keep it
  if (un.writable)
    pcache_dirty(ip, index);
  // A dirty page nobody maps (its last write-back failed, and its
  // mappers went): written now, holding the inode as a region would.
  if (lk.mappers == 0 && writeback && pcache_isdirty(ip, index)) {
    fmap_hold_cached(ip);
    un.held = 1;
  }
  int wrote = 0;
  if (un.held) {
    wrote = pcache_writeback(ip, index) > 0;
    fmap_release(ip);
  }
  if (!pcache_drop(ip, index, pa))
    return 0;
  if (wrote)
    VMSTAT_INC(evict_dirty);
  else
    VMSTAT_INC(evict_file);
  return 1;
}

// Free up to want pages of the page cache, mapped by processes or not,
// going round the cache once at most. With writeback, dirty pages are
// written to their files (the caller holds no inode's lock and is in no
// transaction); without, they stay. Returns how many pages were freed.
// The caller holds no spin lock and is not in its fault path.
int
file_evict(int want, int writeback)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  int done = 0;
  for (uint64 n = 0; n < cached && done < want; n++) {
    struct inode *ip;
    uint64 index;
    uint64 pa = pcache_pick(&ip, &index);
    if (pa == 0)
      break;
    done += evict_page(ip, index, pa, writeback);
  }
  return done;
}
