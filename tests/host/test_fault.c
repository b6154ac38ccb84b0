// fault.c: lazy heap growth and what vmfault decides. (The zero page:
// test_zeropage.c; fault-around: test_faultaround.c; copy-on-write
// breaks: test_cow.c.)
#include "unit.h"

#define RW (VM_R | VM_W)

// A lazily grown heap (unit.h): only the break moves (as growproc does for
// sbrk(n, lazy)); pages come at the first touch.
void
lazy_heap(struct vmspace *vm, uint64 heapbase, uint64 sz)
{
  vm->heapbase = heapbase;
  vm->sz = sz;
}

static void
lazy_growth_allocates_nothing(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  uint64 before = kfreecount();
  lazy_heap(&vm, 0, 1000 * PGSIZE);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(pagetable_pages(vm.pagetable), 1);
  assert_false(present(&vm, 0));
  uvmfree(&vm);
}

static void
vmfault_zero_fills_heap_page(void **state)
{
  (void)state;
  // Leave data behind in a free page, so "zero" is not an accident.
  uchar *junk = kalloc();
  memset(junk, 0xAB, PGSIZE);
  kfree(junk);

  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 10 * PGSIZE);
  uint64 before = kfreecount();
  host_tlb_forget();
  assert_int_equal(vmfault(&vm, 5 * PGSIZE + 123, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(kfreecount(), before - 3);   // page, level-1 and level-0 tables
  // An invalid PTE became valid: no flush is needed.
  assert_false(host_tlb_flushed(5 * PGSIZE));
  assert_false(host_tlb_flushed_all());
  assert_int_equal(flags_at(&vm, 5 * PGSIZE), RW | VM_U);
  uchar *p = page_at(&vm, 5 * PGSIZE);
  for (int i = 0; i < PGSIZE; i++)
    assert_int_equal(p[i], 0);
  assert_false(present(&vm, 4 * PGSIZE));
  assert_false(present(&vm, 6 * PGSIZE));

  // Present now: nothing more to do, whatever the (permitted) access,
  // but a fault on it means the TLB kept the old entry: exactly that page
  // is flushed.
  p[7] = 1;
  assert_int_equal(vmfault(&vm, 5 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&vm, 5 * PGSIZE + 4095, ACCESS_WRITE), FAULT_OK);
  assert_true(host_tlb_flushed(5 * PGSIZE));
  assert_false(host_tlb_flushed(4 * PGSIZE));
  assert_false(host_tlb_flushed(6 * PGSIZE));
  assert_false(host_tlb_flushed_all());
  assert_int_equal(kfreecount(), before - 3);
  assert_ptr_equal(page_at(&vm, 5 * PGSIZE), p);
  assert_int_equal(p[7], 1);

  // A read of an untouched heap page fills it too when the zero page is
  // off (read_fault_maps_zero_page: when it is on).
  vm_zeropage = 0;
  assert_int_equal(vmfault(&vm, 9 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(kfreecount(), before - 4);
  assert_int_equal(flags_at(&vm, 9 * PGSIZE), RW | VM_U);
  assert_ptr_not_equal(page_at(&vm, 9 * PGSIZE), zero_page());
  assert_int_equal(vmstat.zero_fill, 2);
  assert_int_equal(vmstat.zero_map, 0);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// The heap ends at the break; its last page is whole.
static void
vmfault_refuses_above_break(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 3 * PGSIZE + 100);
  uint64 before = kfreecount();
  assert_int_equal(vmfault(&vm, 4 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 4 * PGSIZE + 1, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 100 * PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 1UL << 37, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(vmfault(&vm, 3 * PGSIZE + 4000, ACCESS_WRITE), FAULT_OK);
  uvmfree(&vm);
}

static void
vmfault_refuses_below_heapbase(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 4 * PGSIZE, 8 * PGSIZE);
  uint64 before = kfreecount();
  assert_int_equal(vmfault(&vm, 0, ACCESS_READ), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 4 * PGSIZE - 1, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(vmfault(&vm, 4 * PGSIZE, ACCESS_WRITE), FAULT_OK);
  uvmfree(&vm);
}

// Heap pages are data: no instruction fetch, present or not.
static void
vmfault_refuses_exec_on_heap(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 4 * PGSIZE);
  uint64 before = kfreecount();
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_EXEC), FAULT_BADADDR);
  assert_int_equal(kfreecount(), before);
  assert_false(present(&vm, PGSIZE));
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_EXEC), FAULT_BADADDR);
  uvmfree(&vm);
}

// Addresses at or above MAXVA are refused, never handed to walk (which
// would panic), even with a heap that reaches the top of user memory.
static void
vmfault_refuses_maxva_and_above(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, USERTOP);
  uint64 before = kfreecount();
  uint64 bad[] = { MAXVA, MAXVA + 1, MAXVA + PGSIZE, TRAMPOLINE, TRAPFRAME,
                   1UL << 63, ~0UL, ~0UL - PGSIZE };
  for (uint64 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(vmfault(&vm, bad[i], ACCESS_READ), FAULT_BADADDR);
    assert_int_equal(vmfault(&vm, bad[i], ACCESS_WRITE), FAULT_BADADDR);
  }
  assert_int_equal(kfreecount(), before);
  assert_int_equal(vmfault(&vm, USERTOP - 1, ACCESS_WRITE), FAULT_OK);
  assert_true(present(&vm, USERTOP - PGSIZE));
  uvmfree(&vm);
}

// A present page is judged by its rights alone.
static void
vmfault_checks_present_rights(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  uvmalloc(&vm, 0, PGSIZE, VM_R);
  uvmalloc(&vm, PGSIZE, 2 * PGSIZE, VM_R | VM_X);
  uvmalloc(&vm, 2 * PGSIZE, 3 * PGSIZE, VM_X);
  void *k = kalloc();
  mappages(vm.pagetable, 3 * PGSIZE, PGSIZE, (uint64)k, RW);   // no VM_U
  lazy_heap(&vm, 4 * PGSIZE, 4 * PGSIZE);

  assert_int_equal(vmfault(&vm, 10, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&vm, 10, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 10, ACCESS_EXEC), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_EXEC), FAULT_OK);
  assert_int_equal(vmfault(&vm, PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_EXEC), FAULT_OK);
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 3 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 3 * PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(flags_at(&vm, 0), VM_R | VM_U);   // unchanged

  uvmunmap(vm.pagetable, 3 * PGSIZE, 1, 1);
  uvmfree(&vm);
}

// Allowed but no memory: FAULT_NOMEM, nothing mapped, nothing lost.
static void
vmfault_out_of_memory(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 4 * PGSIZE);
  uint64 before = kfreecount();
  for (uint64 leave = 0; leave < 3; leave++) {
    machine_exhaust(leave);
    assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
    machine_unexhaust();
    assert_false(present(&vm, 2 * PGSIZE));
    assert_int_equal(kfreecount(), before);
    assert_int_equal(pagetable_pages(vm.pagetable), 1);
  }
  // With the tables in place, one free page is enough.
  assert_int_equal(vmfault(&vm, 0, ACCESS_WRITE), FAULT_OK);
  machine_exhaust(1);
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vmfault(&vm, 3 * PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  machine_unexhaust();
  uvmfree(&vm);
}

// Shrinking frees the pages that were touched and skips the others;
// they are refused afterwards.
static void
shrinking_lazy_heap(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  lazy_heap(&vm, 0, 8 * PGSIZE);
  vmfault(&vm, PGSIZE, ACCESS_WRITE);
  vmfault(&vm, 5 * PGSIZE, ACCESS_WRITE);
  page_at(&vm, 5 * PGSIZE)[0] = 0x77;
  uint64 mid = kfreecount();
  vm.sz = uvmdealloc(&vm, vm.sz, 2 * PGSIZE);
  assert_int_equal(kfreecount(), mid + 1);
  assert_true(present(&vm, PGSIZE));
  assert_false(present(&vm, 5 * PGSIZE));
  assert_int_equal(vmfault(&vm, 5 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, 2 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  // Growing again: zeros, whether read (the zero page) or written (a
  // fresh page, not the one freed).
  vm.sz = 8 * PGSIZE;
  assert_int_equal(vmfault(&vm, 5 * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&vm, 5 * PGSIZE), zero_page());
  assert_int_equal(vmfault(&vm, 5 * PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_ptr_not_equal(page_at(&vm, 5 * PGSIZE), zero_page());
  assert_int_equal(page_at(&vm, 5 * PGSIZE)[0], 0);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

int
run_fault_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(lazy_growth_allocates_nothing),
    UNIT_TEST(vmfault_zero_fills_heap_page),
    UNIT_TEST(vmfault_refuses_above_break),
    UNIT_TEST(vmfault_refuses_below_heapbase),
    UNIT_TEST(vmfault_refuses_exec_on_heap),
    UNIT_TEST(vmfault_refuses_maxva_and_above),
    UNIT_TEST(vmfault_checks_present_rights),
    UNIT_TEST(vmfault_out_of_memory),
    UNIT_TEST(shrinking_lazy_heap),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
