// The cmocka unit tests of kernel/mm and the Sv39 page-table code: the
// fixture every test runs in, helpers, and main.
#include "unit.h"

static uint64 free_at_start;

static void
unit_panic(const char *msg)
{
  fail_msg("kernel panic: %s", msg);
}

int
unit_setup(void **state)
{
  (void)state;
  host_panic_jmp = 0;
  host_panic_hook = unit_panic;
  host_locks_reset();
  fakefs_reset();
  machine_boot(UNIT_RAM_PAGES);
  free_at_start = kfreecount();
  return 0;
}

int
unit_teardown(void **state)
{
  (void)state;
  char msg[256];
  if (kfreecount() != free_at_start)
    fail_msg("leak: kfreecount %lu after the test, %lu before", kfreecount(), free_at_start);
  if (machine_check_refs(0, 0, msg, sizeof(msg)) != 0)
    fail_msg("reference counts after the test: %s", msg);
  if (host_locks_held() != 0)
    fail_msg("%d spin lock(s) still held", host_locks_held());
  if (fakefs_idle(msg, sizeof(msg)) != 0)
    fail_msg("file system not idle: %s", msg);
  return 0;
}

void
vm_new(struct vmspace *vm)
{
  assert_int_equal(uvmcreate(vm), 0);
  assert_non_null(vm->pagetable);
}

int
present(struct vmspace *vm, uint64 va)
{
  pte_t *pte = walk(vm->pagetable, va, 0);
  return pte != 0 && pte_valid(*pte);
}

uchar *
page_at(struct vmspace *vm, uint64 va)
{
  pte_t *pte = walk(vm->pagetable, va, 0);
  assert_true(pte != 0 && pte_valid(*pte));
  return (uchar *)pte_pa(*pte);
}

int
flags_at(struct vmspace *vm, uint64 va)
{
  pte_t *pte = walk(vm->pagetable, va, 0);
  assert_true(pte != 0 && pte_valid(*pte));
  return pte_flags(*pte);
}

void
assert_refs(struct vmspace *const *vms, int n)
{
  char msg[256];
  if (machine_check_refs(vms, n, msg, sizeof(msg)) != 0)
    fail_msg("reference counts: %s", msg);
}

int
main(void)
{
  int (*groups[])(int *) = {
    run_kalloc_tests, run_pagetable_tests, run_vm_tests, run_fault_tests,
    run_uaccess_tests, run_uvmcopy_tests, run_exec_tests,
  };
  int failed = 0, total = 0;
  for (uint64 i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
    int n;
    failed += groups[i](&n);
    total += n;
  }

  printf("unit tests: %d run, %d passed, %d failed\n", total, total - failed, failed);
  return failed != 0;
}
