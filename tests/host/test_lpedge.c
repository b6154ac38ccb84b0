// Large pages at the edges (kernel/mm/largepage.c): what a user program
// can ask for that the common cases of test_lpvm.c and test_lpfork.c do
// not: a mapping that may be written but not read. Helpers in
// test_lpvm.c (lpvm.h).
#include "lpvm.h"

// mmap(PROT_WRITE) of private anonymous memory: a store is allowed, and
// the page (or the block a sequential writer takes whole) it gets must be
// a valid leaf, readable as well (Sv39 has no write-only page), rather
// than a panic in pte_make. Written in order: the first block page by
// page (anon_get), the second whole (lp_bet).
static void
write_only_mapping(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  assert_int_equal(vm_map(&vm, MAPAT, 2 * MB2, VM_W, VMMAP_FIXED, 0, 0, 0), MAPAT);
  vm.heapbase = vm.sz = 0;
  for (uint64 a = MAPAT; a < MAPAT + 2 * MB2; a += PGSIZE)
    if (!present(&vm, a))
      assert_int_equal(vmfault(&vm, a, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(leaf_size(&vm, MAPAT + MB2), MB2);
  assert_int_equal(flags_at(&vm, MAPAT + MB2) & (VM_R | VM_W), VM_R | VM_W);
  assert_int_equal(flags_at(&vm, MAPAT) & (VM_R | VM_W), VM_R | VM_W);
  check_refs(&vm);
  assert_int_equal(vm_unmap(&vm, MAPAT, 2 * MB2), 0);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

int
run_lpedge_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(write_only_mapping),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("lpedge", tests, NULL, NULL);
}
