// Fork without copying PTEs: the parent's last-level page tables are
// shared with the child (VMCONF_FORKSHARE), so that fork costs one entry
// per 2 MiB span (PT_LEAF_SPAN) instead of one per present page.
//
// The MMU cannot make a non-leaf entry read-only, so a shared table's
// entry is made invalid in every process that shares it, with a mark that
// still names the table (mmu.h, span_*). Any access to the span then
// faults, and the fault path, like every other place that changes a PTE
// (sbrk, munmap, mprotect, mmap), first makes the table the process's own
// (ptshare_own):
//
//   the last sharer (the table's page has one reference) takes it over:
//   its entry becomes valid again and nothing is copied, not even the
//   writable PTEs, whose pages nobody else maps now;
//
//   any other sharer copies the table's 512 entries into a new table of
//   its own, taking one more reference on each page, and makes every
//   writable PTE copy-on-write, in the shared table and in the copy alike:
//   from now on two tables map the page.
//
// While a table is shared, each of its PTEs holds one reference to its
// page for all the sharers together; the table's page holds one reference
// per sharer. A process that exits or execs only drops its reference to
// the table (ptshare_release), so a child that execs at once never pays
// for its parent's tables, and the parent takes them back without a copy.
//
// Only spans of private memory are shared: a span that a shared mapping
// touches, or that holds the trap frame, is copied PTE by PTE as before.
// A span mapped by a large page has no table: the large page itself is
// shared copy-on-write, one PTE in each process and one more count on its
// block (kref.c), as lp_copy would, in the same pass. A shared mapping
// that appears later in a marked span first makes the span's ends its own
// (vm_map).
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"

#define NPTE (PT_LEAF_SPAN / PGSIZE)   // PTEs in a last-level table

// Reclaim changes PTEs of other processes (rmap.c), and a PTE it reaches
// through a sharer's mark lies in a table that every sharer reaches: it
// holds the lock of the one sharer it visits, while another may be
// copying the table on another hart. So copying a shared table and
// changing a PTE from outside its owner both hold this lock: a copy sees
// each PTE either before reclaim turned it into a swap entry (and takes
// its own reference on the page, which reclaim's kfree then leaves) or
// after (and takes a reference on the slot). Taken after process locks.
static struct spinlock tablelock = { 0, "sharedtable", 0 };

void
ptshare_lock(void)
{
  acquire(&tablelock);
}

void
ptshare_unlock(void)
{
  release(&tablelock);
}

// The first address of va's span.
static uint64
span_base(uint64 va)
{
  return va & ~((uint64)PT_LEAF_SPAN - 1);
}

// A shared table's last sharer let go of it: drop the references its PTEs
// hold (pages, swap slots) and free it. (A call of its own, so that the
// common case of table_put saves no registers for it.)
static void __attribute__((noinline))
table_free(pte_t *table)
{
  for (int i = 0; i < NPTE; i++) {
    if (pte_valid(table[i]))
      kfree(P2V(pte_pa(table[i])));
    else if (pte_is_swap(table[i]))
      swap_free(pte_swap_slot(table[i]));
  }
  kfree(table);
}

// Let go of one sharer's reference to the shared table. The last one
// frees it.
static void
table_put(pte_t *table)
{
  if (kref_put(V2P(table)) == 0)
    table_free(table);
}

// Make the table of va's span pt's own if it is shared: taken over by the
// last sharer, else copied with writable pages made copy-on-write (see
// above). Returns 0 (also when there was nothing to do), or -1 when no
// page is free for the copy; the span is then still shared.
int
ptshare_own(pagetable_t pt, uint64 va)
{
  pte_t *table;
  if (span_kind(pt, va, &table) != SPAN_SHARED)
    return 0;
  if (kref_get(V2P(table)) == 1) {
    // Nobody else can reach the table: sharers are only made by a fork of
    // a sharer, and the only one left is this process.
    span_own(pt, va, table);
    VMSTAT_INC(pt_taken);
    return 0;
  }
  pte_t *copy = kalloc_table();
  if (copy == 0)
    return -1;
  // No MMU reads the shared table (every sharer has the mark), so its
  // PTEs change without a TLB flush; a sharer copying at the same moment
  // waits for the lock, then writes the same values.
  ptshare_lock();
  for (int i = 0; i < NPTE; i++) {
    pte_t pte = table[i];
    if (pte_valid(pte)) {
      int flags = pte_flags(pte);
      if (flags & VM_W) {
        pte = pte_make(pte_pa(pte), (flags & ~VM_W) | VM_COW);
        table[i] = pte;
      }
      kref_inc(pte_pa(pte));
    } else if (pte_is_swap(pte)) {
      swap_dup(pte_swap_slot(pte));
    }
    copy[i] = pte;
  }
  ptshare_unlock();
  span_own(pt, va, copy);
  table_put(table);
  VMSTAT_INC(pt_copied);
  return 0;
}

// The end of the spans from va's that fork may share with a child: the
// spans up to end that are all private memory of old's: no shared region
// touches them, and they lie below the trap frame (the child has its own
// there). va's own span when even that one may not be shared.
static uint64
private_limit(struct vmspace *old, uint64 va, uint64 end)
{
  uint64 from = span_base(va), limit = span_base(end + PT_LEAF_SPAN - 1);
  if (limit > span_base(TRAPFRAME))
    limit = span_base(TRAPFRAME);
  for (int i = 0; i < old->nvma; i++) {
    struct vma *v = &old->vma[i];
    if (v->shared && v->start < limit && v->end > from)
      limit = span_base(v->start) > from ? span_base(v->start) : from;
  }
  return limit > from ? limit : from;
}

// Fork's step at va, in a private range of old that is being given to new
// up to end: share the tables (and large pages) of as many spans from
// va's as it can, and set *next to where the caller goes on. *next == va
// means that va's span is to be copied PTE by PTE, as without sharing (a
// shared region or the trap frame there; sharing off); old's table there
// is then old's own. Returns 0, or -1 when memory ran out.
int
ptshare_fork(struct vmspace *old, struct vmspace *new, uint64 va, uint64 end, uint64 *next)
{
  *next = va;
  if (vm_forkshare && vm_cow) {
    uint64 limit = private_limit(old, va, end);
    if (limit > span_base(va)) {
      // Each table newly shared has one more sharer, each large page one
      // more mapping of its block.
      int n = span_share(old->pagetable, new->pagetable, span_base(va), limit, kref_inc,
                         kref_inc_large, next);
      if (n < 0)
        return -1;
      __sync_fetch_and_add(&vmstat.pt_shared, n);
      if (*next > va)
        return 0;
      *next = va;
    }
  }
  return ptshare_own(old->pagetable, va);
}

// Make pt's own every shared table of the spans [from, to) touches, before
// their PTEs change (mprotect). Returns 0, or -1 when memory ran out
// (some may be pt's own by then, which changes nothing the process sees).
int
ptshare_own_range(pagetable_t pt, uint64 from, uint64 to)
{
  for (uint64 a = span_base(from); a < to; a += PT_LEAF_SPAN)
    if (ptshare_own(pt, a) != 0)
      return -1;
  return 0;
}

// Make pt's own the shared tables of the spans that [from, to) covers only
// in part: its first and last. Before unmapping [from, to), whose whole
// spans then only lose their marks (ptshare_unmap). Returns 0, or -1 when
// memory ran out.
int
ptshare_own_ends(pagetable_t pt, uint64 from, uint64 to)
{
  if (from >= to)
    return 0;
  if (from % PT_LEAF_SPAN != 0 && ptshare_own(pt, from) != 0)
    return -1;
  if (to % PT_LEAF_SPAN != 0 && ptshare_own(pt, to) != 0)
    return -1;
  return 0;
}

// For uvmunmap, which unmaps [from, to) within the span at from, found
// SPAN_SHARED: remove the mark and let go of the table. [from, to) must be
// the whole span (the caller made the ends its own first: range_edges).
void
ptshare_unmap(pagetable_t pt, uint64 from, uint64 to)
{
  if (from % PT_LEAF_SPAN != 0 || to - from != PT_LEAF_SPAN)
    panic("uvmunmap: part of a shared page table");
  span_clear(pt, from, to, table_put);
}

// Remove the marks of [from, to)'s spans in pt and let go of their tables.
static void
release_range(pagetable_t pt, uint64 from, uint64 to)
{
  uint64 end = span_base(to + PT_LEAF_SPAN - 1);
  for (uint64 a = span_base(from); a < end;)
    a = span_clear(pt, a, end, table_put);
}

// vm is going away (exit and exec, through vm_dropfiles; a failed fork):
// let go of every shared table it holds, so that the last other sharer
// takes it over without a copy. Marks only lie in spans that a region or
// the heap touches. The process makes no more user accesses.
void
ptshare_release(struct vmspace *vm)
{
  release_range(vm->pagetable, 0, vm->sz);
  for (int i = 0; i < vm->nvma; i++)
    release_range(vm->pagetable, vm->vma[i].start, vm->vma[i].end);
}
