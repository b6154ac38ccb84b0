// fault.c: fault-around: a fault right after the pages the last one
// handled maps a growing window of pages ahead, within limits.
#include "unit.h"

#define RW (VM_R | VM_W)

// Each fault right after the pages the last one handled doubles the
// window; it never maps past the break (a partial last page counts whole).
static void
fault_around_grows_for_sequential_fills(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 300 * PGSIZE - 100);
  uint64 before = kfreecount();
  int made[32];
  host_tlb_forget();
  int n = touch_in_order(&vm, 300, ACCESS_WRITE, made, 32);
  const int want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 45 };
  assert_windows(made, n, want, 9);
  assert_false(present(&vm, 300 * PGSIZE));
  // Only invalid PTEs became valid: nothing was flushed.
  for (int i = 0; i < 300; i++)
    assert_false(host_tlb_flushed(i * PGSIZE));
  assert_int_equal(kfreecount(), before - 300 - 2);
  assert_int_equal(vmstat.zero_fill, 300);
  assert_int_equal(vmstat.fault_around, 300 - 9);
  for (int i = 0; i < 300; i++) {
    assert_int_equal(flags_at(&vm, i * PGSIZE), RW | VM_U);
    assert_int_equal(page_at(&vm, i * PGSIZE)[i], 0);
  }
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// The window stops growing at FAULT_AROUND_MAX (256) pages. Reads fill and
// fault around like writes when the zero page is off. This test needs a
// larger machine than the others and checks its own leaks.
static void
fault_around_window_is_capped(void **state)
{
  (void)state;
  machine_boot(1100);
  uint64 start = kfreecount();
  vm_zeropage = 0;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 800 * PGSIZE);
  int made[32];
  int n = touch_in_order(&vm, 800, ACCESS_READ, made, 32);
  const int want[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 256, 33 };
  assert_windows(made, n, want, 11);
  assert_int_equal(vmstat.zero_fill, 800);
  assert_int_equal(vmstat.zero_map, 0);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
  assert_refs(0, 0);
  machine_boot(UNIT_RAM_PAGES);
}

// Faults that do not follow the previous one get exactly their page:
// every other page, downwards, the same page again, or with the option off.
static void
fault_around_scattered_gets_one_page(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 96 * PGSIZE);
  assert_int_equal(vmfault(&vm, 0, ACCESS_WRITE), FAULT_OK);
  uint64 pages[] = { 2, 4, 6, 8, 40, 39, 38, 37, 36, 20, 60, 10, 12 };
  for (uint64 i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
    uint64 before = kfreecount();
    assert_int_equal(vmfault(&vm, pages[i] * PGSIZE, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(kfreecount(), before - 1);
  }
  assert_int_equal(vmstat.fault_around, 0);
  assert_false(present(&vm, 13 * PGSIZE));
  // A fault again on the page just mapped (another word of it) finds it
  // present: nothing to do.
  uint64 before = kfreecount();
  assert_int_equal(vmfault(&vm, 12 * PGSIZE + 100, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(kfreecount(), before);

  vm_faultaround = 0;
  int made[128];
  int n = touch_in_order(&vm, 96, ACCESS_WRITE, made, 128);
  assert_int_equal(n, 96 - 14);
  for (int i = 0; i < n; i++)
    assert_int_equal(made[i], 1);
  assert_int_equal(vmstat.fault_around, 0);
  uvmfree(&vm);
}

// A window stops at the first page that needs another fix (or none), and
// the next fault starts a window of one again unless it is right after.
static void
fault_around_stops_at_a_different_fix(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 32 * PGSIZE);
  assert_int_equal(vmfault(&vm, 5 * PGSIZE, ACCESS_WRITE), FAULT_OK);   // present, writable
  assert_int_equal(vmfault(&vm, 8 * PGSIZE, ACCESS_READ), FAULT_OK);    // the zero page
  int made[32];
  int n = touch_in_order(&vm, 32, ACCESS_WRITE, made, 32);
  // 0 | 1 2 | 3 4 (5 is writable) | 6 (not right after 4) | 7 (8 needs a
  // copy, not a fill) | 8 (the zero page: 9 needs a fill) | then 9-31.
  const int want[] = { 1, 2, 2, 1, 1, 1 };
  assert_true(n > 6);
  assert_windows(made, 6, want, 6);
  int rest = 0;
  for (int i = 6; i < n; i++)
    rest += made[i];
  assert_int_equal(rest, 23);
  assert_int_equal(vmstat.zero_fill, 32);   // the zero page's copy counts as a fill
  assert_int_equal(kref_get((uint64)zero_page()), 1);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// Sequential reads of lazy pages map the zero page one fault each; then
// sequential writes over them copy with growing windows.
static void
fault_around_over_the_zero_page(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 20 * PGSIZE);
  int made[32];
  int n = touch_in_order(&vm, 20, ACCESS_READ, made, 32);
  assert_int_equal(n, 20);
  for (int i = 0; i < n; i++)
    assert_int_equal(made[i], 1);
  assert_int_equal(vmstat.zero_map, 20);
  assert_int_equal(vmstat.fault_around, 0);
  assert_int_equal(kref_get((uint64)zero_page()), 21);

  uint64 before = kfreecount();
  n = touch_in_order(&vm, 20, ACCESS_WRITE, made, 32);
  const int want[] = { 1, 2, 4, 8, 5 };
  assert_windows(made, n, want, 5);
  assert_int_equal(kfreecount(), before - 20);
  assert_int_equal(kref_get((uint64)zero_page()), 1);
  assert_int_equal(vmstat.zero_fill, 20);
  assert_int_equal(vmstat.fault_around, 15);
  assert_int_equal(vmstat.cow_copy, 0);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// A window runs on from one leaf table into the next: there it still stops
// at the first page that needs another fix (here one already present).
static void
fault_around_crosses_leaf_tables(void **state)
{
  (void)state;
  const uint64 span = PT_LEAF_SPAN / PGSIZE;   // pages one leaf table maps
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, (span + 16) * PGSIZE);
  assert_int_equal(vmfault(&vm, 0, ACCESS_WRITE), FAULT_OK);   // both tables exist
  assert_int_equal(vmfault(&vm, (span + 8) * PGSIZE, ACCESS_WRITE), FAULT_OK);
  // Faults at span-40, -39, -37, -33, -25, -9: windows 1, 2, 4, 8, 16,
  // then 32 from span-9, which crosses into the next table on its 10th
  // page and is cut at span+8.
  uint64 va = (span - 40) * PGSIZE;
  const int want[] = { 1, 2, 4, 8, 16, 17 };
  for (int f = 0; f < 6; f++) {
    uint64 before = kfreecount();
    assert_int_equal(vmfault(&vm, va, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(before - kfreecount(), want[f]);
    va += want[f] * PGSIZE;
  }
  assert_int_equal(va, (span + 8) * PGSIZE);
  for (uint64 i = span - 40; i < span + 9; i++)
    assert_int_equal(flags_at(&vm, i * PGSIZE), RW | VM_U);
  assert_false(present(&vm, (span + 9) * PGSIZE));
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// Pages beyond the faulting one are a bet: when memory runs short the
// window ends early and the fault itself still succeeds.
static void
fault_around_stops_when_memory_is_short(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 16 * PGSIZE);
  assert_int_equal(vmfault(&vm, 0, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_WRITE), FAULT_OK);   // 1, 2
  assert_true(present(&vm, 2 * PGSIZE));
  machine_exhaust(2);
  assert_int_equal(vmfault(&vm, 3 * PGSIZE, ACCESS_WRITE), FAULT_OK);   // window 4
  assert_int_equal(kfreecount(), 0);
  assert_true(present(&vm, 4 * PGSIZE));
  assert_false(present(&vm, 5 * PGSIZE));
  assert_int_equal(vmfault(&vm, 5 * PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  assert_false(present(&vm, 5 * PGSIZE));
  machine_unexhaust();
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

int
run_faultaround_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(fault_around_grows_for_sequential_fills),
    UNIT_TEST(fault_around_window_is_capped),
    UNIT_TEST(fault_around_scattered_gets_one_page),
    UNIT_TEST(fault_around_stops_at_a_different_fix),
    UNIT_TEST(fault_around_over_the_zero_page),
    UNIT_TEST(fault_around_crosses_leaf_tables),
    UNIT_TEST(fault_around_stops_when_memory_is_short),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("faultaround", tests, NULL, NULL);
}
