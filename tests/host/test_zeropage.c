// fault.c: the zero page: a read of an untouched page maps one shared
// page of zeros, copy-on-write, and a write then gets a page of its own.
#include "unit.h"

#define RW (VM_R | VM_W)

// A read of an untouched heap page maps the one shared zero page,
// read-only and copy-on-write: nothing is allocated, whoever reads.
static void
read_fault_maps_zero_page(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 10 * PGSIZE);
  assert_int_equal(vmfault(&vm, 0, ACCESS_WRITE), FAULT_OK);   // tables now exist
  uint64 before = kfreecount();
  uint64 flushes = host_tlb_flushes;

  assert_int_equal(vmfault(&vm, 3 * PGSIZE + 5, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&vm, 3 * PGSIZE), zero_page());
  assert_int_equal(flags_at(&vm, 3 * PGSIZE), VM_R | VM_U | VM_COW);
  assert_int_equal(kref_get((uint64)zero_page()), 2);
  assert_int_equal(host_tlb_flushes, flushes);   // it was invalid: nothing to flush
  // Reads never fault around: each maps its own page, one reference each.
  assert_int_equal(vmfault(&vm, 4 * PGSIZE, ACCESS_READ), FAULT_OK);
  uchar b[8];
  memset(b, 1, sizeof(b));
  assert_int_equal(copyin(&vm, b, 6 * PGSIZE - 4, 8), 0);   // pages 5 and 6
  for (int i = 0; i < 8; i++)
    assert_int_equal(b[i], 0);
  for (int i = 3; i <= 6; i++)
    assert_ptr_equal(page_at(&vm, i * PGSIZE), zero_page());
  assert_false(present(&vm, 7 * PGSIZE));
  assert_int_equal(kref_get((uint64)zero_page()), 5);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(vmstat.zero_map, 4);
  assert_int_equal(vmstat.fault_around, 0);
  // Mapped now: reads need nothing more; fetching is still refused.
  assert_int_equal(vmfault(&vm, 3 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&vm, 3 * PGSIZE, ACCESS_EXEC), FAULT_BADADDR);
  assert_int_equal(kref_get((uint64)zero_page()), 5);

  // A write gives that page a private, zeroed page of its own.
  assert_int_equal(vmfault(&vm, 4 * PGSIZE + 9, ACCESS_WRITE), FAULT_OK);
  uchar *p = page_at(&vm, 4 * PGSIZE);
  assert_ptr_not_equal(p, zero_page());
  assert_int_equal(flags_at(&vm, 4 * PGSIZE), RW | VM_U);
  assert_int_equal(kref_get((uint64)p), 1);
  for (int i = 0; i < PGSIZE; i++)
    assert_int_equal(p[i], 0);
  assert_int_equal(kfreecount(), before - 1);
  assert_int_equal(kref_get((uint64)zero_page()), 4);
  assert_ptr_equal(page_at(&vm, 3 * PGSIZE), zero_page());
  assert_ptr_equal(page_at(&vm, 5 * PGSIZE), zero_page());
  assert_int_equal(vmstat.zero_fill, 2);
  assert_int_equal(vmstat.cow_copy, 0);
  assert_int_equal(vmstat.cow_reuse, 0);
  // copyout onto the zero page does the same; the zero page stays zero
  // (assert_refs checks every byte of it).
  assert_int_equal(copyout(&vm, 5 * PGSIZE + 1, "abc", 3), 0);
  assert_ptr_not_equal(page_at(&vm, 5 * PGSIZE), zero_page());
  assert_memory_equal(page_at(&vm, 5 * PGSIZE), "\0abc\0", 5);
  p[0] = 0xEE;
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
  assert_int_equal(kref_get((uint64)zero_page()), 1);
}

// The option can change while pages are mapped: a zero-page mapping stays
// until written, new reads fill private pages while it is off.
static void
zero_page_option_switches(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 8 * PGSIZE);
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&vm, 2 * PGSIZE), zero_page());
  vm_zeropage = 0;
  uint64 before = kfreecount();
  assert_int_equal(vmfault(&vm, 4 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(kfreecount(), before - 1);
  assert_ptr_not_equal(page_at(&vm, 4 * PGSIZE), zero_page());
  assert_int_equal(flags_at(&vm, 4 * PGSIZE), RW | VM_U);
  assert_ptr_equal(page_at(&vm, 2 * PGSIZE), zero_page());
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(kfreecount(), before - 2);
  assert_int_equal(flags_at(&vm, 2 * PGSIZE), RW | VM_U);
  vm_zeropage = 1;
  assert_int_equal(vmfault(&vm, 6 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&vm, 6 * PGSIZE), zero_page());
  assert_int_equal(vmstat.zero_map, 2);
  assert_int_equal(vmstat.zero_fill, 2);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// Out of memory: a read needs only the tables; a write onto the zero page
// needs a page, and without one the mapping stays as it was.
static void
zero_page_out_of_memory(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 4 * PGSIZE);
  for (uint64 leave = 0; leave < 2; leave++) {
    machine_exhaust(leave);
    assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_READ), FAULT_NOMEM);
    machine_unexhaust();
    assert_false(present(&vm, PGSIZE));
    assert_int_equal(pagetable_pages(vm.pagetable), 1);
    assert_int_equal(kref_get((uint64)zero_page()), 1);
  }
  machine_exhaust(2);
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(kfreecount(), 0);
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  assert_int_equal(copyout(&vm, 2 * PGSIZE, "x", 1), -1);
  for (int i = 1; i <= 2; i++) {
    assert_ptr_equal(page_at(&vm, i * PGSIZE), zero_page());
    assert_int_equal(flags_at(&vm, i * PGSIZE), VM_R | VM_U | VM_COW);
  }
  assert_int_equal(kref_get((uint64)zero_page()), 3);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  machine_unexhaust();
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(flags_at(&vm, PGSIZE), RW | VM_U);
  uvmfree(&vm);
}

int
run_zeropage_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(read_fault_maps_zero_page),
    UNIT_TEST(zero_page_option_switches),
    UNIT_TEST(zero_page_out_of_memory),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("zeropage", tests, NULL, NULL);
}
