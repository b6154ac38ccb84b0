// Large pages at the edges (kernel/mm/largepage.c): what a user program
// can ask for that the common cases of test_lpvm.c and test_lpfork.c do
// not: a mapping that may be written but not read, and a store to a
// large page shared at fork when memory has run out. Helpers in
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

// A store to a large page shared copy-on-write, with no page free for
// the split: the fault fails (the process would die) and nothing changes,
// in either process; with one page, the split is made but the copy
// fails: the writer's block is small pages now, still shared, still
// holding the bytes. A kernel copy there fails the same way (-1). Once
// memory is back the store goes through, and only the writer sees it.
static void
cow_store_out_of_memory(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace parent, child;
  vm_new(&parent);
  vm_new(&child);
  eager_heap(&parent, 0, MB2);
  store_range(&parent, 0, MB2, 13);
  assert_int_equal(uvmcopy(&parent, &child), 0);

  machine_exhaust(0);
  assert_int_equal(vmfault(&child, 5 * PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  char byte = 1;
  assert_int_equal(copyout(&child, 5 * PGSIZE, &byte, 1), -1);
  assert_int_equal(leaf_size(&child, 0), MB2);
  assert_int_equal(flags_at(&child, 0) & (VM_W | VM_COW), VM_COW);
  check_refs2(&parent, &child);
  machine_unexhaust();

  machine_exhaust(1);
  assert_int_equal(vmfault(&child, 5 * PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  assert_int_equal(leaf_size(&child, 0), PGSIZE);
  assert_int_equal(flags_at(&child, 5 * PGSIZE) & (VM_W | VM_COW), VM_COW);
  assert_int_equal(refs_at(&child, 5 * PGSIZE), 2);
  check_refs2(&parent, &child);
  machine_unexhaust();

  assert_holds(&child, 0, MB2, 13);
  store(&child, 5 * PGSIZE, 14);
  assert_true(holds(&parent, 5 * PGSIZE, 13));
  assert_int_equal(leaf_size(&parent, 0), MB2);
  check_refs2(&parent, &child);
  uvmfree(&child);
  uvmfree(&parent);
  assert_int_equal(kfreecount(), start);
}

int
run_lpedge_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(write_only_mapping),
    UNIT_TEST_BIG(cow_store_out_of_memory),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("lpedge", tests, NULL, NULL);
}
