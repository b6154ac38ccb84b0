// The reverse map: for each physical page, where it belongs, so that the
// reclaimer (reclaim.c) can find every PTE that maps a page it chose
// (eviction itself is rmapevict.c's).
//
// Design. A page of anonymous memory (heap, stack, an anonymous private
// mapping, a private copy of a file page) sits at the same virtual
// address in every address space that maps it: only fork shares such a
// page, and fork keeps addresses (Lazuli has no mremap). So the record of
// a page says (kind, va), and the address space that mapped it last (or
// that a search last found mapping it alone: renew_hint), a hint that
// finds the only mapper of an unshared page at once. The
// mappers of a page are then the address spaces whose PTE for va names
// the page: the reclaimer asks every process's address space (vm_visit,
// kernel/proc/procvm.c), and knows it found them all when their number is
// the page's reference count. A page the kernel holds besides (the page
// cache's, a page being copied) has more references than mappers and is
// never evicted. A file page is found from (inode, index) the same way:
// the address spaces with a region of that inode map it at one address
// each, computed from the region (rmap_file_ptes, rmapscan.c). Records
// cost 16 bytes a page (and 12 for the replacer), taken from RAM at boot.
// There is no list of PTEs per page to keep up to date in fork, exit and
// munmap; a record goes when its page is freed (rmap_freed), and every
// use checks the PTEs first, so a record that is out of date costs an
// attempt that fails, never a wrong eviction.
//
// Large pages. Each page of a private megapage has a record of its own,
// with its own va (rmap_note_large): the replacer sees 512 frames, as for
// the same memory in small pages, and lp_walk at va finds each mapper's
// megapage PTE (after fork, one per process sharing the block). When the
// policy chooses such a page, the megapage is demoted in every process
// that maps it (lp_demote), and the page goes as a small one would; the
// other 511 stay candidates where they were. A megapage's one accessed
// bit speaks for all its pages: whoever clears it passes it on to the
// other 511 frames (blockref), each of which counts it once.
//
// Lock rules (docs/paging.md). The owner of an address space changes its
// PTEs without a lock, as before: it runs on one hart. Anyone else
// changes a PTE of it only inside vm_visit, holding the owner's process
// lock while the owner is not running and not in the fault path
// (vm->busy: the one owner path that sleeps between looking at a PTE and
// changing it; any owner path preempted in the kernel counts as busy
// too, kerneltrap). Between visits anything may happen, so each visit checks
// again what it finds. Only valid PTEs of anonymous pages are turned into
// swapped ones by others, under forkshare.c's table lock besides (a PTE
// may lie in a table that fork shares, which another sharer may be
// copying), and private megapages demoted into tables taken before the
// visit (the same translations); fileevict.c clears valid PTEs of file
// pages (never in a shared table); nobody but the owner touches a swapped
// PTE, any other part of the tables, or regions. rm.lock (a spin lock) is
// taken before process locks, never after; the table lock after them.
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"
#include "mm/rmap.h"

struct rmap rm;

uint rmap_ticks;   // clock ticks (the timer counts them), for aging steps

static int referenced(void *arg, int frame);

uint64
rmap_bytes(uint64 npages)
{
  return npages * (sizeof(struct rmap_page) + sizeof(struct repl_frame));
}

// Record the pages of physical [base, base + npages * PGSIZE) in mem,
// rmap_bytes(npages) bytes that stay the reverse map's. Before any page
// is mapped.
void
rmap_init(void *mem, uint64 base, uint64 npages)
{
  initlock(&rm.lock, "rmap");
  rm.pages = mem;
  rm.frames = (struct repl_frame *)(rm.pages + npages);
  rm.base = base;
  rm.npages = npages;
  for (uint64 i = 0; i < npages; i++)
    rm.pages[i].kind = RM_NONE;
  repl_init(&rm.repl, rm.frames, npages, referenced, 0);
}

// The frame of page pa, or -1 when it is not recorded.
static int
frame_of(uint64 pa)
{
  if (pa < rm.base || pa >= rm.base + rm.npages * PGSIZE)
    return -1;
  return (pa - rm.base) / PGSIZE;
}

uint64
pa_of(int frame)
{
  return rm.base + (uint64)frame * PGSIZE;
}

// Record the n pages from pa, mapped from va on in vm, as private
// anonymous pages. Caller holds rm.lock.
static void
note_pages(struct vmspace *vm, uint64 pa, uint64 va, int n)
{
  for (int i = 0; i < n; i++) {
    int f = frame_of(pa + (uint64)i * PGSIZE);
    if (f < 0 || is_zeropage(pa + (uint64)i * PGSIZE))
      continue;
    rm.pages[f].kind = RM_ANON;
    rm.pages[f].vpn = va / PGSIZE + i;
    rm.pages[f].vm = vm;
    rm.pages[f].blockref = 0;
    if (!repl_present(&rm.repl, f))
      repl_add(&rm.repl, f);
  }
}

// Page pa is a private anonymous page mapped at va: it may go to swap.
// Callers hold no spin lock.
void
rmap_note_anon(struct vmspace *vm, uint64 pa, uint64 va)
{
  acquire(&rm.lock);
  note_pages(vm, pa, va, 1);
  release(&rm.lock);
}

// The block at pa is mapped as the megapage at va in vm: each of its
// pages is a private anonymous page at its own va, as if mapped small
// (those of a shared region, as small ones, go again at their first try).
// Callers hold no spin lock.
void
rmap_note_large(struct vmspace *vm, uint64 pa, uint64 va)
{
  acquire(&rm.lock);
  note_pages(vm, pa, va, LARGE_PAGES);
  release(&rm.lock);
}

// Page pa was just mapped at va in region v (0: the heap) by the fault
// path: record it if it is anonymous memory of the process's own. Pages of
// shared regions stay (their sharers must see one page), and file pages
// the cache holds are the cache's.
void
rmap_note(struct vmspace *vm, struct vma *v, uint64 va, uint64 pa)
{
  if (v && v->shared)
    return;
  if (v && v->file && pcache_holds(v->file, (v->off + (va - v->start)) / PGSIZE, pa))
    return;
  rmap_note_anon(vm, pa, va);
}

// Page pa was freed (kfree, at its last reference): it leaves the
// replacer, so that no stale record stays for it.
void
rmap_freed(uint64 pa)
{
  int f = frame_of(pa);
  if (f < 0 || __atomic_load_n(&rm.pages[f].kind, __ATOMIC_RELAXED) == RM_NONE)
    return;
  acquire(&rm.lock);
  rm.pages[f].kind = RM_NONE;
  rm.pages[f].blockref = 0;
  if (repl_present(&rm.repl, f))
    repl_remove(&rm.repl, f);
  release(&rm.lock);
}

uint64
rmap_tracked(void)
{
  acquire(&rm.lock);
  uint64 n = rm.repl.count;
  release(&rm.lock);
  return n;
}

// ---- finding the PTEs that map a page


// The PTE of vm at va if it maps look->pa, small or a megapage's (*size
// says which), else 0. A record may be stale (its page freed and reused
// since, maybe as part of another block): every use looks here.
static pte_t *
pte_mapping(struct vmspace *vm, struct look *lk, uint64 *size)
{
  if (vm->pagetable == 0)
    return 0;
  pte_t *pte = lp_walk(vm->pagetable, lk->va, size);
  if (pte == 0 || !pte_valid(*pte) || lp_leaf_pa(*pte, *size, lk->va) != lk->pa)
    return 0;
  return pte;
}

// Was pte, which vm reaches at va, counted already? A last-level table
// that fork shares is reached by each of its sharers, but its PTE holds
// one reference for all of them (forkshare.c): it is one mapper. A PTE
// counted twice (more shared tables than the list holds) only makes the
// page look used elsewhere: it stays, never the other way round.
static int
seen_before(struct look *lk, struct vmspace *vm, pte_t *pte)
{
  pte_t *table;
  if (span_kind(vm->pagetable, lk->va, &table) != SPAN_SHARED)
    return 0;
  for (int i = 0; i < lk->nshared; i++)
    if (lk->shared[i] == pte)
      return 1;
  if (lk->nshared < (int)NELEM(lk->shared))
    lk->shared[lk->nshared++] = pte;
  return 0;
}

// A vm_visit callback: count the PTEs of vm that map the page; with
// demote set, demote a megapage that maps it into one of lk's tables;
// with a slot, convert a small PTE that maps it. Under forkshare.c's
// table lock: a sharer of the table the PTE lies in may be copying it on
// another hart.
static int
look_locked(struct look *lk, struct vmspace *vm)
{
  uint64 size;
  pte_t *pte = pte_mapping(vm, lk, &size);
  if (pte == 0 || seen_before(lk, vm, pte))
    return 0;
  lk->mappers++;
  lk->found = vm;
  struct vma *v = vma_find(vm, lk->va);
  if (v && v->shared)
    lk->unshareable = 1;
  if (pte_test_clear_accessed(pte)) {
    lk->accessed = 1;
    lk->blockused |= size == LARGE_PGSIZE;
  }
  if (size == LARGE_PGSIZE) {
    lk->large++;
    void **table = lk->tables;
    if (!lk->demote || lk->unshareable || table == 0)
      return 0;
    lk->tables = *table;
    lp_demote(vm->pagetable, lk->va, table);
    lk->demoted++;
    return 1;   // the TLB may hold the megapage: flushed, as for a conversion
  }
  if (lk->hold && !lk->held) {
    kref_inc(lk->pa);   // the PTE's reference keeps it meanwhile
    lk->held = 1;
  }
  if (lk->slot < 0 || lk->unshareable || lk->converted == lk->budget ||
      memcmp(P2V(lk->pa), lk->data, PGSIZE) != 0)
    return 0;
  *pte = pte_make_swap(lk->slot);
  lk->converted++;
  return 1;
}

static int
look_at(void *arg, struct vmspace *vm)
{
  ptshare_lock();
  int r = look_locked(arg, vm);
  ptshare_unlock();
  return r;
}

// Visit the address spaces that may map lk's page: the hint alone when it
// maps the page and holds its only reference besides the caller's (the
// common case: one process's private page), else all of them.
void
look_for(struct look *lk, struct vmspace *hint)
{
  if (hint && kref_get(lk->pa) == 1 + lk->own) {
    // A live hint that cannot be looked at now (running on another hart,
    // in its fault path) most likely still maps the page: then the page
    // is out of sight this time, without a visit of every process (under
    // rm.lock, with interrupts off, for each frame the policy asks about).
    if (vm_visit_one(hint, look_at, lk) == 0 || lk->mappers == 1)
      return;
    lk->mappers = lk->converted = lk->accessed = lk->unshareable = lk->nshared = 0;
  }
  vm_visit(look_at, lk);
}

// lk found frame f's page mapped by one address space alone: its record
// names that one from now on. A hint goes stale when the page's last
// mapper changes (after a fork, the other side copied the page or
// exited), and a stale hint makes each look visit every process; renewed
// here, it costs one such visit. Any hint is safe (look_for checks it),
// so the record need only still be this page's. Caller holds rm.lock.
void
renew_hint(struct look *lk, int f)
{
  struct rmap_page *r = &rm.pages[f];
  if (lk->mappers == 1 && r->kind == RM_ANON && r->vpn == lk->va / PGSIZE)
    r->vm = lk->found;
}

// lk cleared a megapage's accessed bit on the way to frame f's page: the
// bit was every page's of the block, so each of the others counts it once
// when next asked (referenced). Caller holds rm.lock.
void
pass_block_used(struct look *lk, int f)
{
  int first = f - (int)((lk->va % LARGE_PGSIZE) / PGSIZE);
  if (!lk->blockused || first < 0 || (uint64)first + LARGE_PAGES > rm.npages)
    return;
  for (int i = 0; i < LARGE_PAGES; i++)
    if (first + i != f && rm.pages[first + i].kind == RM_ANON)
      rm.pages[first + i].blockref = 1;
}

// The replacer's question: was frame's page used since last asked? Every
// mapper's accessed bit is read and cleared, and a megapage's passed on.
// A page some of whose references are out of sight (a process running
// elsewhere maps it) counts as used: it cannot be evicted now anyway.
// Caller holds rm.lock.
static int
referenced(void *arg, int frame)
{
  struct rmap_page *r = &rm.pages[frame];
  if (r->kind != RM_ANON)
    return 0;
  struct look lk = { .pa = pa_of(frame), .va = (uint64)r->vpn * PGSIZE, .slot = -1 };
  look_for(&lk, r->vm);
  renew_hint(&lk, frame);
  pass_block_used(&lk, frame);
  int used = lk.accessed || r->blockref || lk.mappers < kref_get(lk.pa);
  r->blockref = 0;
  return used;
}

// One aging step for POLICY_AGING (taken once per clock tick that
// reclaim sees pass, reclaim.c).
void
rmap_age(void)
{
  acquire(&rm.lock);
  repl_age(&rm.repl);
  release(&rm.lock);
}
