// Large pages and swap (kernel/mm/rmap.c, largepage.c): every page of a
// private megapage has a reverse-map record, so the policy may choose
// one; the megapage is then demoted, in every process that maps it, and
// the page goes to swap as a small page would. A megapage shared
// copy-on-write after fork goes only when every mapper can be converted.
// One accessed bit speaks for the 512 pages of a megapage. Pages copied
// by a copying fork and pages left by a demotion are recorded too. Every
// test counts pages and slots exactly; the fixture checks that all come
// back. On RAM_MAX_PAGES of RAM (several free 2 MiB blocks).
#include "lpvm.h"

static void
attach(uint64 n)
{
  fakeswap_reset(n);
  assert_int_equal(swapinit(), n);
}

// Is page va of vm in swap (a small PTE holding a slot)?
static int
swapped_at(struct vmspace *vm, uint64 va)
{
  uint64 size;
  pte_t *pte = lp_walk(vm->pagetable, va, &size);
  return pte && size == PGSIZE && pte_is_swap(*pte);
}

static uint64
swapped_in(struct vmspace *vm, uint64 from, uint64 to)
{
  uint64 n = 0;
  for (uint64 a = from; a < to; a += PGSIZE)
    n += swapped_at(vm, a);
  return n;
}

// Does a megapage map va (whether or not pages around it are in swap)?
static int
mega(struct vmspace *vm, uint64 va)
{
  uint64 size;
  lp_walk(vm->pagetable, va, &size);
  return size == MB2;
}

static int
slot_at(struct vmspace *vm, uint64 va)
{
  return pte_swap_slot(*walk(vm->pagetable, va, 0));
}

// vm: a registered process whose heap [MB2, end) is eager (a megapage
// for each whole block), every page marked with salt.
static void
marked_heap(struct vmspace *vm, uint64 end, int salt)
{
  vm_new(vm);
  eager_heap(vm, MB2, end);
  store_range(vm, MB2, end, salt);
  vmreg_add(vm);
}

// Fault every page of [from, to) back in with a read, then check marks.
static void
read_back(struct vmspace *vm, uint64 from, uint64 to, int salt)
{
  for (uint64 a = from; a < to; a += PGSIZE)
    assert_int_equal(vmfault(vm, a, ACCESS_READ), FAULT_OK);
  assert_holds(vm, from, to, salt);
}

// An eager megapage in a registered process: its 512 pages are recorded.
// The policy's first choice demotes it (one table page) and the page
// goes; then the whole block goes, 512 pages for 512 slots; read back,
// every byte is there and every slot is free again.
static void
megapage_demoted_and_evicted(void **state)
{
  (void)state;
  attach(1024);
  struct vmspace vm;
  marked_heap(&vm, 2 * MB2, 3);
  assert_int_equal(rmap_tracked(), LARGE_PAGES);
  assert_true(mega(&vm, MB2));

  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(16), 16);
  assert_false(mega(&vm, MB2));
  assert_int_equal(vmstat.large_demoted, 1);
  assert_int_equal(kfreecount(), nfree + 16 - 1);   // a table for the small PTEs
  assert_int_equal(swap_used(), 16);
  assert_int_equal(swapped_in(&vm, MB2, 2 * MB2), 16);
  assert_int_equal(vmstat.evict_anon, 16);
  assert_true(vmreg_flushes(&vm) > 0);
  check_refs(&vm);

  assert_int_equal(reclaim(LARGE_PAGES), LARGE_PAGES - 16);
  assert_int_equal(swapped_in(&vm, MB2, 2 * MB2), LARGE_PAGES);
  assert_int_equal(swap_used(), LARGE_PAGES);
  assert_int_equal(kfreecount(), nfree + LARGE_PAGES - 1);
  assert_int_equal(vmstat.large_demoted, 1);
  check_refs(&vm);

  read_back(&vm, MB2, 2 * MB2, 3);
  assert_int_equal(swap_used(), 0);
  assert_int_equal(kfreecount(), nfree - 1);
  check_refs(&vm);
  vmreg_remove(&vm);
  uvmfree(&vm);
  assert_int_equal(rmap_tracked(), 0);
}

// A megapage shared copy-on-write by a parent and its child (one PTE
// each) goes only when both can be converted: not while the child runs
// elsewhere, not when there is a page for one table but not for the
// second (then neither is demoted: the tables are taken first), and
// then, with pages to spare, as one slot per page with two references. Each side reads its pages back; a store is private.
static void
cow_megapage_needs_every_mapper(void **state)
{
  (void)state;
  attach(1024);
  struct vmspace p, c;
  vm_new(&p);
  vm_new(&c);
  eager_heap(&p, MB2, 2 * MB2);
  store_range(&p, MB2, 2 * MB2, 5);
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_true(mega(&c, MB2));
  vmreg_add(&p);
  vmreg_add(&c);

  vmreg_running_elsewhere(&c, 1);
  assert_int_equal(reclaim(8), 0);
  assert_int_equal(vmstat.large_demoted, 0);
  assert_true(mega(&p, MB2));
  vmreg_running_elsewhere(&c, 0);

  machine_exhaust(1);   // a table for one of the two
  assert_int_equal(reclaim(8), 0);
  assert_int_equal(vmstat.large_demoted, 0);
  assert_true(mega(&p, MB2) && mega(&c, MB2));
  assert_int_equal(swap_used(), 0);
  assert_int_equal(kfreecount(), 1);   // the table page taken went back
  machine_unexhaust();
  check_refs2(&p, &c);

  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(8), 8);
  assert_int_equal(vmstat.large_demoted, 2);
  assert_int_equal(kfreecount(), nfree + 8 - 2);
  assert_int_equal(swap_used(), 8);
  assert_int_equal(swapped_in(&p, MB2, 2 * MB2), 8);
  assert_int_equal(swapped_in(&c, MB2, 2 * MB2), 8);
  for (uint64 a = MB2; a < 2 * MB2; a += PGSIZE)
    if (swapped_at(&p, a)) {
      assert_true(swapped_at(&c, a));
      assert_int_equal(slot_at(&p, a), slot_at(&c, a));
      assert_int_equal(swap_refs(slot_at(&p, a)), 2);
    }
  check_refs2(&p, &c);

  read_back(&c, MB2, 2 * MB2, 5);
  assert_int_equal(swap_used(), 8);   // the parent's PTEs still hold them
  store(&c, MB2, 6);
  read_back(&p, MB2, 2 * MB2, 5);
  assert_int_equal(swap_used(), 0);
  assert_true(holds(&c, MB2, 6));
  check_refs2(&p, &c);
  vmreg_remove(&c);
  vmreg_remove(&p);
  uvmfree(&c);
  uvmfree(&p);
}

// A copying fork's copies are the child's own pages, recorded: into a
// large block when one is free, else into 512 small pages. With the
// parent running elsewhere, all of the child's go to swap, and only
// those.
static void
copying_fork_copies_are_recorded(void **state)
{
  (void)state;
  attach(1024);
  vm_cow = 0;
  for (int small = 0; small < 2; small++) {
    struct vmspace p, c;
    vm_new(&p);
    vm_new(&c);
    eager_heap(&p, MB2, 2 * MB2);
    store_range(&p, MB2, 2 * MB2, 7);
    if (small)
      fragment();
    assert_int_equal(uvmcopy(&p, &c), 0);
    assert_int_equal(mega(&c, MB2), !small);
    assert_int_equal(rmap_tracked(), 2 * LARGE_PAGES);
    vmreg_add(&p);
    vmreg_add(&c);
    vmreg_running_elsewhere(&p, 1);
    assert_int_equal(reclaim(LARGE_PAGES), LARGE_PAGES);
    assert_int_equal(swapped_in(&c, MB2, 2 * MB2), LARGE_PAGES);
    assert_true(mega(&p, MB2));
    read_back(&c, MB2, 2 * MB2, 7);
    if (small)
      unfragment();   // the pages it kept are no process's: the check would count them
    check_refs2(&p, &c);
    vmreg_remove(&c);
    vmreg_remove(&p);
    uvmfree(&c);
    uvmfree(&p);
    assert_int_equal(rmap_tracked(), 0);
  }
}

// The pages a demotion leaves keep their records: a shrink into a
// megapage frees half of it (whose records go) and the other half may go
// to swap. A whole megapage freed leaves no record behind.
static void
demoted_pages_stay_candidates(void **state)
{
  (void)state;
  attach(1024);
  struct vmspace vm;
  marked_heap(&vm, 3 * MB2, 9);
  assert_int_equal(lp_split(&vm, 2 * MB2 + MB2 / 2), 0);
  vm.sz = uvmdealloc(&vm, vm.sz, 2 * MB2 + MB2 / 2);
  assert_int_equal(rmap_tracked(), LARGE_PAGES + LARGE_PAGES / 2);
  vm.sz = uvmdealloc(&vm, vm.sz, 2 * MB2);   // the megapage at MB2 stays whole
  assert_int_equal(rmap_tracked(), LARGE_PAGES);
  vm.sz = uvmdealloc(&vm, vm.sz, MB2);       // and is freed whole
  assert_int_equal(rmap_tracked(), 0);

  eager_heap(&vm, MB2, 2 * MB2);
  store_range(&vm, MB2, 2 * MB2, 10);
  assert_int_equal(lp_split(&vm, MB2 + MB2 / 2), 0);
  vm.sz = uvmdealloc(&vm, vm.sz, MB2 + MB2 / 2);
  assert_int_equal(reclaim(LARGE_PAGES), LARGE_PAGES / 2);
  assert_int_equal(swapped_in(&vm, MB2, MB2 + MB2 / 2), LARGE_PAGES / 2);
  read_back(&vm, MB2, MB2 + MB2 / 2, 10);
  check_refs(&vm);
  vmreg_remove(&vm);
  uvmfree(&vm);
}

// A shared anonymous megapage stays whole; its pages' records go.
static void
shared_megapage_stays(void **state)
{
  (void)state;
  attach(1024);
  struct vmspace vm;
  vm_new(&vm);
  vmreg_add(&vm);
  assert_int_equal(vm_map(&vm, MAPAT, MB2, RW, VMMAP_SHARED | VMMAP_FIXED, 0, 0, 0), MAPAT);
  assert_true(mega(&vm, MAPAT));
  assert_int_equal(rmap_tracked(), LARGE_PAGES);
  assert_int_equal(reclaim(4), 0);
  assert_int_equal(rmap_tracked(), 0);
  assert_true(mega(&vm, MAPAT));
  assert_int_equal(vmstat.large_demoted, 0);
  vmreg_remove(&vm);
  assert_int_equal(vm_unmap(&vm, MAPAT, MB2), 0);
  uvmfree(&vm);
}

// Under clock, a megapage used since the hand last passed keeps all its
// pages for a round, as 512 small pages used would: the one accessed bit
// that the first frame's question clears counts for the other 511. The
// small pages behind it, not used, go first; on the next round the
// megapage's first page goes (demoting it).
static void
megapage_accessed_bit_covers_block(void **state)
{
  (void)state;
  attach(1024);
  struct vmspace vm;
  marked_heap(&vm, 2 * MB2 + 16 * PGSIZE, 11);
  for (uint64 a = 2 * MB2; a < 2 * MB2 + 16 * PGSIZE; a += PGSIZE)
    pte_test_clear_accessed(walk(vm.pagetable, a, 0));
  assert_int_equal(reclaim(1), 1);
  assert_true(swapped_at(&vm, 2 * MB2));
  assert_true(mega(&vm, MB2));
  assert_int_equal(vmstat.large_demoted, 0);
  assert_int_equal(reclaim(16), 16);
  assert_int_equal(swapped_in(&vm, 2 * MB2, 2 * MB2 + 16 * PGSIZE), 16);
  assert_false(mega(&vm, MB2));
  assert_true(swapped_at(&vm, MB2));
  assert_int_equal(swapped_in(&vm, MB2, 2 * MB2), 1);
  read_back(&vm, MB2, 2 * MB2 + 16 * PGSIZE, 11);
  vmreg_remove(&vm);
  uvmfree(&vm);
}

int
run_lpevict_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(megapage_demoted_and_evicted),
    UNIT_TEST_BIG(cow_megapage_needs_every_mapper),
    UNIT_TEST_BIG(copying_fork_copies_are_recorded),
    UNIT_TEST_BIG(demoted_pages_stay_candidates),
    UNIT_TEST_BIG(shared_megapage_stays),
    UNIT_TEST_BIG(megapage_accessed_bit_covers_block),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("lpevict", tests, NULL, NULL);
}
