// rmap.c and reclaim.c: the reverse map finds the PTEs that map a page,
// eviction sends anonymous pages to swap (one slot per page, shared by
// every PTE that mapped it) and frees them, a fault brings them back
// (the pages evicted together in one request), and what reclaim must
// leave alone it leaves: pages of a process running elsewhere or in the
// fault path, pages the kernel holds too, shared mappings.
#include "unit.h"

#define RW (VM_R | VM_W)

static void
attach(uint64 n)
{
  fakeswap_reset(n);
  assert_int_equal(swapinit(), n);
}

// A registered address space with npg heap pages from 0, page i filled
// with tag + i.
static void
heap_with(struct vmspace *vm, int npg, int tag)
{
  vm_new(vm);
  vm->sz = uvmalloc(vm, 0, (uint64)npg * PGSIZE, RW);
  assert_int_equal(vm->sz, (uint64)npg * PGSIZE);
  for (int i = 0; i < npg; i++)
    memset(page_at(vm, (uint64)i * PGSIZE), tag + i, PGSIZE);
  vmreg_add(vm);
}

static int
swapped_at(struct vmspace *vm, uint64 va)
{
  pte_t *pte = walk(vm->pagetable, va, 0);
  return pte && pte_is_swap(*pte);
}

static uint64
slot_at(struct vmspace *vm, uint64 va)
{
  return pte_swap_slot(*walk(vm->pagetable, va, 0));
}

static void
assert_bytes(struct vmspace *vm, uint64 va, uchar c)
{
  uchar *p = page_at(vm, va);
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != c)
      fail_msg("va %#lx byte %d: %#x, expected %#x", va, i, p[i], c);
}

static void
done_with(struct vmspace *vm)
{
  vmreg_remove(vm);
  uvmfree(vm);
}

// Eight private pages go out in one write, each to a slot of its own and
// freed; a read fault on the first brings all eight back in one read, with
// their rights and contents, and gives every slot back.
static void
evict_and_fault_back(void **state)
{
  (void)state;
  attach(64);
  struct vmspace a;
  heap_with(&a, 8, 0x40);
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(8), 8);
  assert_int_equal(kfreecount(), nfree + 8);
  assert_int_equal(swap_used(), 8);
  assert_int_equal(fakeswap_writes, 8);   // the fake counts pages: one request of 8
  for (int i = 0; i < 8; i++) {
    assert_true(swapped_at(&a, (uint64)i * PGSIZE));
    assert_int_equal(swap_refs(slot_at(&a, (uint64)i * PGSIZE)), 1);
  }
  assert_int_equal(vmstat.evict_anon, 8);
  assert_int_equal(vmstat.swap_outs, 8);
  assert_true(vmreg_flushes(&a) > 0);   // its TLB must forget the pages

  assert_int_equal(vmfault(&a, 0, ACCESS_READ), FAULT_OK);
  assert_int_equal(swap_used(), 0);
  assert_int_equal(vmstat.major_faults, 1);
  assert_int_equal(vmstat.swap_ins, 8);
  for (int i = 0; i < 8; i++) {
    assert_true(present(&a, (uint64)i * PGSIZE));
    assert_int_equal(flags_at(&a, (uint64)i * PGSIZE), RW | VM_U);
    assert_bytes(&a, (uint64)i * PGSIZE, 0x40 + i);
  }
  assert_int_equal(kfreecount(), nfree);
  done_with(&a);
}

// A page shared copy-on-write by a parent and its child goes to one slot
// with two references, and both PTEs name it. The child's fault brings
// back its own copy, copy-on-write while the parent's PTE still names the
// slot; the parent's fault then finds the slot held by it alone and gets
// the page writable. Exit gives back what is left.
static void
cow_page_shares_a_slot(void **state)
{
  (void)state;
  attach(64);
  struct vmspace p, c;
  heap_with(&p, 1, 0x50);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  vmreg_add(&c);
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(1), 1);
  assert_int_equal(kfreecount(), nfree + 1);
  assert_true(swapped_at(&p, 0) && swapped_at(&c, 0));
  assert_int_equal(slot_at(&p, 0), slot_at(&c, 0));
  assert_int_equal(swap_refs(slot_at(&p, 0)), 2);
  assert_int_equal(swap_used(), 1);

  assert_int_equal(vmfault(&c, 0, ACCESS_READ), FAULT_OK);
  assert_int_equal(flags_at(&c, 0), VM_R | VM_U | VM_COW);
  assert_bytes(&c, 0, 0x50);
  assert_int_equal(swap_refs(slot_at(&p, 0)), 1);
  assert_int_equal(vmfault(&p, 0, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(flags_at(&p, 0), RW | VM_U);
  assert_bytes(&p, 0, 0x50);
  assert_int_equal(swap_used(), 0);
  page_at(&p, 0)[0] = 1;
  assert_int_equal(page_at(&c, 0)[0], 0x50);
  done_with(&c);
  done_with(&p);
}

// fork of a process whose page is in swap shares the slot; each side's
// teardown drops one reference.
static void
fork_and_exit_share_and_free_slots(void **state)
{
  (void)state;
  attach(64);
  struct vmspace p, c;
  heap_with(&p, 4, 0x60);
  assert_int_equal(reclaim(4), 4);
  assert_int_equal(swap_used(), 4);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  for (int i = 0; i < 4; i++) {
    assert_true(swapped_at(&c, (uint64)i * PGSIZE));
    assert_int_equal(swap_refs(slot_at(&c, (uint64)i * PGSIZE)), 2);
  }
  uvmfree(&c);
  assert_int_equal(swap_used(), 4);
  assert_int_equal(swap_refs(slot_at(&p, 0)), 1);
  // Shrinking the heap frees the slots of the pages it drops.
  p.sz = uvmdealloc(&p, p.sz, 2 * PGSIZE);
  assert_int_equal(swap_used(), 2);
  done_with(&p);
  assert_int_equal(swap_used(), 0);
}

// Reclaim leaves alone a process running on another hart, one in the
// fault path, and a page the kernel holds a reference to besides its PTE.
static void
what_reclaim_leaves(void **state)
{
  (void)state;
  attach(64);
  struct vmspace a;
  heap_with(&a, 4, 0x70);
  vmreg_running_elsewhere(&a, 1);
  assert_int_equal(reclaim(4), 0);
  vmreg_running_elsewhere(&a, 0);
  a.busy = 1;
  assert_int_equal(reclaim(4), 0);
  a.busy = 0;
  uchar *held = page_at(&a, PGSIZE);
  kref_inc((uint64)held);
  assert_int_equal(reclaim(4), 3);
  assert_true(present(&a, PGSIZE));
  assert_false(swapped_at(&a, PGSIZE));
  kfree(held);
  assert_int_equal(swap_used(), 3);
  done_with(&a);
}

// Pages under a last-level table that fork shares go to swap once: the
// table's PTE holds one reference for all its sharers, so it is one
// mapper however many sharers reach it, here when the page's hint names
// neither (both are visited). The child's first access then copies the
// table with the slots, and each side brings its pages back.
static void
shared_table_pages_go_once(void **state)
{
  (void)state;
  attach(64);
  vm_forkshare = 1;
  struct vmspace p, c, other;
  heap_with(&p, 4, 0x50);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  vmreg_add(&c);
  vm_new(&other);
  vmreg_add(&other);
  for (int i = 0; i < 4; i++)
    rmap_note_anon(&other, V2P(page_at(&p, (uint64)i * PGSIZE)), (uint64)i * PGSIZE);
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(4), 4);
  assert_int_equal(kfreecount(), nfree + 4);
  assert_int_equal(swap_used(), 4);
  for (int i = 0; i < 4; i++) {
    assert_true(swapped_at(&p, (uint64)i * PGSIZE) && swapped_at(&c, (uint64)i * PGSIZE));
    assert_int_equal(swap_refs(slot_at(&p, (uint64)i * PGSIZE)), 1);
  }

  assert_int_equal(vmfault(&c, 0, ACCESS_READ), FAULT_OK);
  for (int i = 0; i < 4; i++)
    assert_bytes(&c, (uint64)i * PGSIZE, 0x50 + i);
  assert_int_equal(vmfault(&p, 0, ACCESS_WRITE), FAULT_OK);
  for (int i = 0; i < 4; i++)
    assert_bytes(&p, (uint64)i * PGSIZE, 0x50 + i);
  assert_int_equal(flags_at(&p, 0), RW | VM_U);
  assert_int_equal(swap_used(), 0);
  vmreg_remove(&c);
  vm_dropfiles(&c);
  uvmfree(&c);
  vmreg_remove(&other);
  uvmfree(&other);
  vm_dropfiles(&p);
  done_with(&p);
}

// The pages of a shared anonymous mapping stay: their sharers must keep
// seeing one page.
static void
shared_mapping_stays(void **state)
{
  (void)state;
  attach(64);
  struct vmspace a;
  vm_new(&a);
  vmreg_add(&a);
  uint64 va = vm_map(&a, 0, 2 * PGSIZE, RW, VMMAP_SHARED, 0, 0, 0);
  assert_true(va != (uint64)-1);
  assert_int_equal(vmfault(&a, va, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vmfault(&a, va + PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(reclaim(2), 0);
  assert_true(present(&a, va) && present(&a, va + PGSIZE));
  vmreg_remove(&a);
  vm_unmap(&a, va, 2 * PGSIZE);
  uvmfree(&a);
}

// When swap is full, reclaim stops; a fault that finds no page then
// fails with FAULT_NOMEM instead of looping.
static void
swap_full_means_out_of_memory(void **state)
{
  (void)state;
  attach(4);
  struct vmspace a;
  heap_with(&a, 8, 0x10);
  assert_int_equal(reclaim(8), 4);
  assert_int_equal(reclaim(8), 0);
  assert_int_equal(swap_used(), 4);
  machine_exhaust(0);
  a.sz += PGSIZE;   // a lazy page nobody touched yet
  assert_int_equal(vmfault(&a, 8 * PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  machine_unexhaust();
  done_with(&a);
}

// After a fork the parent stores to each of its pages and gets a copy of
// its own: the originals are the child's alone, while their records still
// name the parent, which mapped them last. The first look at each such
// page visits every process; its record then names the child, and the
// rest of its eviction visits the child alone. Processes that map none of
// them (idle) are visited once per page, not at each look: under the
// clock policy the replacer's question looks first, under FIFO eviction
// itself does.
#define NSTALE 8
#define NIDLE 3

static void
stale_hint_costs_one_search(int policy)
{
  attach(64);
  vm_policy = policy;
  struct vmspace p, c, idle[NIDLE];
  heap_with(&p, NSTALE, 0x60);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  vmreg_add(&c);
  for (int i = 0; i < NIDLE; i++) {
    vm_new(&idle[i]);
    vmreg_add(&idle[i]);
  }
  for (int i = 0; i < NSTALE; i++)
    assert_int_equal(vmfault(&p, (uint64)i * PGSIZE, ACCESS_WRITE), FAULT_OK);
  for (int i = 0; i < NSTALE; i++)
    assert_ptr_not_equal(page_at(&p, (uint64)i * PGSIZE), page_at(&c, (uint64)i * PGSIZE));
  assert_int_equal(reclaim(2 * NSTALE), 2 * NSTALE);
  for (int i = 0; i < NSTALE; i++)
    assert_true(swapped_at(&c, (uint64)i * PGSIZE) && swapped_at(&p, (uint64)i * PGSIZE));
  for (int i = 0; i < NIDLE; i++) {
    assert_int_equal(vmreg_visits(&idle[i]), NSTALE);
    done_with(&idle[i]);
  }
  done_with(&c);
  done_with(&p);
}

static void
stale_hint_clock(void **state)
{
  (void)state;
  stale_hint_costs_one_search(POLICY_CLOCK);
}

static void
stale_hint_fifo(void **state)
{
  (void)state;
  stale_hint_costs_one_search(POLICY_FIFO);
}

// rmap_file_ptes finds, in every address space, the PTEs that map page
// index >= from of a file, wherever each maps it.
struct found {
  uint64 va[8];
  struct vmspace *vm[8];
  int n;
};

static void
collect(void *arg, struct vmspace *vm, uint64 va, pte_t *pte)
{
  struct found *f = arg;
  (void)pte;
  if (f->n < 8) {
    f->vm[f->n] = vm;
    f->va[f->n] = va;
  }
  f->n++;
}

static void
file_ptes_by_index(void **state)
{
  (void)state;
  static uchar data[4 * PGSIZE];
  memset(data, 'f', sizeof(data));
  fakefs_put("rm", data, sizeof(data));
  struct inode *ip = fakefs_open("rm");
  struct vmspace a, b;
  vm_new(&a);
  vm_new(&b);
  vmreg_add(&a);
  vmreg_add(&b);
  // a maps the whole file, b its pages 1.. at another address.
  uint64 va = vm_map(&a, 0, 4 * PGSIZE, VM_R, 0, ip, 0, 0);
  uint64 vb = vm_map(&b, 0, 3 * PGSIZE, VM_R, 0, ip, PGSIZE, 0);
  assert_true(va != (uint64)-1 && vb != (uint64)-1);
  for (int i = 0; i < 4; i++)
    assert_int_equal(vmfault(&a, va + i * PGSIZE, ACCESS_READ), FAULT_OK);
  for (int i = 0; i < 3; i++)
    assert_int_equal(vmfault(&b, vb + i * PGSIZE, ACCESS_READ), FAULT_OK);
  struct found f = { { 0 }, { 0 }, 0 };
  rmap_file_ptes(ip, 2, collect, &f);
  assert_int_equal(f.n, 4);   // indexes 2 and 3 in each
  int seen = 0;
  for (int i = 0; i < 4; i++) {
    if (f.vm[i] == &a)
      seen |= f.va[i] == va + 2 * PGSIZE ? 1 : f.va[i] == va + 3 * PGSIZE ? 2 : 16;
    else
      seen |= f.va[i] == vb + PGSIZE ? 4 : f.va[i] == vb + 2 * PGSIZE ? 8 : 16;
  }
  assert_int_equal(seen, 15);
  vmreg_remove(&a);
  vmreg_remove(&b);
  vm_dropfiles(&a);
  vm_dropfiles(&b);
  uvmfree(&a);
  uvmfree(&b);
  fmap_release(ip);
}

// A swap write that fails (a disk error) sends no page: each stays
// mapped as it was, with its bytes, and its slot is free again; nothing
// counts as gone. Pages a child shares copy-on-write stay shared. The
// next eviction, on a disk that works again, sends them.
static void
failed_pageout_keeps_pages(void **state)
{
  (void)state;
  attach(64);
  struct vmspace a, c;
  heap_with(&a, 4, 0x60);
  vm_new(&c);
  assert_int_equal(uvmcopy(&a, &c), 0);
  vmreg_add(&c);
  uchar *pa[4];
  uint64 nfree = kfreecount();
  int flags[4];
  for (int i = 0; i < 4; i++) {
    pa[i] = page_at(&a, (uint64)i * PGSIZE);
    flags[i] = flags_at(&a, (uint64)i * PGSIZE);
  }
  fakeswap_fail_kind(1, 0);
  assert_int_equal(reclaim(8), 0);
  assert_int_equal(fakeswap_failed[1], 1);
  assert_int_equal(swap_used(), 0);
  assert_int_equal(swap_refs_total(), 0);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(vmstat.swap_outs + vmstat.evict_anon, 0);
  for (int i = 0; i < 4; i++) {
    uint64 va = (uint64)i * PGSIZE;
    assert_ptr_equal(page_at(&a, va), pa[i]);
    assert_ptr_equal(page_at(&c, va), pa[i]);
    assert_int_equal(flags_at(&a, va), flags[i]);
    assert_int_equal(flags_at(&c, va), flags[i]);
    assert_int_equal(refs_at(&a, va), 2);
    assert_bytes(&a, va, 0x60 + i);
  }
  assert_int_equal(reclaim(8), 4);
  assert_int_equal(swap_used(), 4);
  assert_true(swapped_at(&a, 0) && swapped_at(&c, 0));
  assert_int_equal(vmfault(&c, 0, ACCESS_READ), FAULT_OK);
  assert_bytes(&c, 3 * PGSIZE, 0x63);
  done_with(&c);
  done_with(&a);
  assert_int_equal(swap_used(), 0);
}

// A store that lands while the batch is on the disk (the page copied,
// its PTE not changed yet) is kept: a slot only ever stands for what it
// holds, so that page is not sent with the copy that misses the store.
static struct vmspace *storer;

static void
store_meanwhile(void)
{
  page_at(storer, 0)[5] = 0x99;
}

static void
store_during_pageout_kept(void **state)
{
  (void)state;
  attach(64);
  struct vmspace a;
  heap_with(&a, 2, 0x70);
  storer = &a;
  fakeswap_meanwhile_write = store_meanwhile;
  assert_int_equal(reclaim(1), 1);   // the other page, after the first write missed the store
  assert_true(swapped_at(&a, PGSIZE));
  assert_true(present(&a, 0));
  assert_int_equal(swap_used(), 1);
  assert_int_equal(reclaim(1), 1);
  assert_true(swapped_at(&a, 0));
  assert_int_equal(vmfault(&a, 0, ACCESS_READ), FAULT_OK);
  assert_int_equal(page_at(&a, 0)[5], 0x99);
  page_at(&a, 0)[5] = 0x70;
  assert_bytes(&a, 0, 0x70);
  assert_int_equal(vmfault(&a, PGSIZE, ACCESS_READ), FAULT_OK);
  assert_bytes(&a, PGSIZE, 0x71);
  done_with(&a);
}

int
run_rmap_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(evict_and_fault_back),
    UNIT_TEST(cow_page_shares_a_slot),
    UNIT_TEST(fork_and_exit_share_and_free_slots),
    UNIT_TEST(what_reclaim_leaves),
    UNIT_TEST(shared_table_pages_go_once),
    UNIT_TEST(shared_mapping_stays),
    UNIT_TEST(swap_full_means_out_of_memory),
    UNIT_TEST(stale_hint_clock),
    UNIT_TEST(stale_hint_fifo),
    UNIT_TEST(file_ptes_by_index),
    UNIT_TEST(failed_pageout_keeps_pages),
    UNIT_TEST(store_during_pageout_kept),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("rmap", tests, NULL, NULL);
}
