// stats.c: vmconfig, the run-time options. (The counters are checked
// where they count: test_fault.c, test_cow.c, test_uvmcopy.c, test_refork.c.)
#include "unit.h"

static int *const options[] = { &vm_cow, &vm_faultaround, &vm_zeropage, &vm_demandexec,
                                &vm_largepage, &vm_forkshare, &vm_evict };
static const int keys[] = { VMCONF_COW, VMCONF_FAULTAROUND, VMCONF_ZEROPAGE, VMCONF_DEMANDEXEC,
                            VMCONF_LARGEPAGE, VMCONF_FORKSHARE, VMCONF_EVICT };
#define NOPTIONS 6

// Each key sets its own option to 0 or 1 and returns the old value; -1
// only reads it.
static void
vmconfig_sets_and_reads(void **state)
{
  (void)state;
  vm_forkshare = 1;   // off in the fixture (unit_main.c), on at boot
  for (int k = 0; k < NOPTIONS; k++) {
    assert_int_equal(vmconfig(keys[k], -1), 1);
    assert_int_equal(vmconfig(keys[k], 0), 1);
    for (int j = 0; j < NOPTIONS; j++)
      assert_int_equal(*options[j], j != k);
    assert_int_equal(vmconfig(keys[k], -1), 0);
    assert_int_equal(vmconfig(keys[k], 0), 0);
    assert_int_equal(vmconfig(keys[k], 1), 0);
    assert_int_equal(vmconfig(keys[k], 1), 1);
    assert_int_equal(*options[k], 1);
  }
  // Separate page tables are off unless the kernel is built with KPTI=1.
  assert_int_equal(vmconfig(VMCONF_KPTI, -1), 0);
  assert_int_equal(vmconfig(VMCONF_KPTI, 1), 0);
  assert_int_equal(vm_kpti, 1);
  assert_int_equal(vmconfig(VMCONF_KPTI, 0), 1);
  assert_int_equal(vm_kpti, 0);
}

// Unknown keys and values other than -1, 0 and 1 are refused with -1 and
// change nothing.
static void
vmconfig_refuses_bad_arguments(void **state)
{
  (void)state;
  const int badkeys[] = { 0, VMCONF_EVICT + 1, -1, 1000 };
  for (int i = 0; i < 4; i++) {
    assert_int_equal(vmconfig(badkeys[i], -1), -1);
    assert_int_equal(vmconfig(badkeys[i], 0), -1);
  }
  const int badvalues[] = { 2, -2, 100, -100 };
  for (int k = 0; k < NOPTIONS; k++) {
    *options[k] = 0;
    for (int i = 0; i < 4; i++) {
      assert_int_equal(vmconfig(keys[k], badvalues[i]), -1);
      assert_int_equal(*options[k], 0);
    }
    *options[k] = 1;
  }
  for (int k = 0; k < NOPTIONS; k++)
    assert_int_equal(*options[k], 1);
}

// The replacement policy is clock at boot, takes any of the four and
// refuses other values, leaving the policy as it was.
static void
vmconfig_policy(void **state)
{
  (void)state;
  assert_int_equal(vmconfig(VMCONF_POLICY, -1), POLICY_CLOCK);
  int old = POLICY_CLOCK;
  const int order[] = { POLICY_FIFO, POLICY_RANDOM, POLICY_AGING, POLICY_CLOCK };
  for (int i = 0; i < NPOLICY; i++) {
    assert_int_equal(vmconfig(VMCONF_POLICY, order[i]), old);
    assert_int_equal(vm_policy, order[i]);
    old = order[i];
  }
  const int bad[] = { NPOLICY, -2, 100 };
  for (int i = 0; i < 3; i++) {
    assert_int_equal(vmconfig(VMCONF_POLICY, bad[i]), -1);
    assert_int_equal(vm_policy, POLICY_CLOCK);
  }
  assert_int_equal(vm_cow + vm_faultaround + vm_zeropage, 3);
}

// The options set through vmconfig are the ones mm obeys.
static void
vmconfig_switches_behaviour(void **state)
{
  (void)state;
  struct vmspace p, c;
  vm_new(&p);
  p.sz = uvmalloc(&p, 0, 2 * PGSIZE, VM_R | VM_W);
  p.sz = 16 * PGSIZE;
  vmconfig(VMCONF_COW, 0);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_ptr_not_equal(page_at(&c, 0), page_at(&p, 0));
  uvmfree(&c);
  vmconfig(VMCONF_COW, 1);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_ptr_equal(page_at(&c, 0), page_at(&p, 0));
  uvmfree(&c);

  vmconfig(VMCONF_ZEROPAGE, 0);
  assert_int_equal(vmfault(&p, 3 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_ptr_not_equal(page_at(&p, 3 * PGSIZE), zero_page());
  vmconfig(VMCONF_ZEROPAGE, 1);
  assert_int_equal(vmfault(&p, 5 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&p, 5 * PGSIZE), zero_page());

  vmconfig(VMCONF_FAULTAROUND, 0);
  for (int i = 8; i < 12; i++)
    assert_int_equal(vmfault(&p, i * PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_false(present(&p, 12 * PGSIZE));
  assert_int_equal(vmstat.fault_around, 0);
  vmconfig(VMCONF_FAULTAROUND, 1);
  assert_int_equal(vmfault(&p, 12 * PGSIZE, ACCESS_WRITE), FAULT_OK);   // right after 11
  assert_true(present(&p, 13 * PGSIZE));
  assert_false(present(&p, 14 * PGSIZE));
  assert_int_equal(vmstat.fault_around, 1);
  struct vmspace *vms[] = { &p };
  assert_refs(vms, 1);
  uvmfree(&p);
}

int
run_stats_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(vmconfig_sets_and_reads),
    UNIT_TEST(vmconfig_refuses_bad_arguments),
    UNIT_TEST(vmconfig_policy),
    UNIT_TEST(vmconfig_switches_behaviour),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
