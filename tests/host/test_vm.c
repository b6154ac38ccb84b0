// vm.c: mappages, uvmunmap, uvmcreate/uvmfree, uvmalloc, uvmdealloc and
// the region list.
#include "unit.h"

#define RW (VM_R | VM_W)

static void
mappages_maps_each_page(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  uint64 pa = machine_first_page() + 16 * PGSIZE;   // any pages will do
  assert_int_equal(mappages(pt, 0x10000, 3 * PGSIZE, pa, VM_R | VM_X | VM_U), 0);
  for (int i = 0; i < 3; i++) {
    pte_t *pte = walk(pt, 0x10000 + i * PGSIZE, 0);
    assert_true(pte && pte_valid(*pte));
    assert_int_equal(pte_pa(*pte), pa + i * PGSIZE);
    assert_int_equal(pte_flags(*pte), VM_R | VM_X | VM_U);
  }
  assert_false(pte_valid(*walk(pt, 0xF000, 0)));
  assert_false(pte_valid(*walk(pt, 0x13000, 0)));
  expect_panic(mappages(pt, 0x12000, PGSIZE, pa, VM_R), "remap");
  uvmunmap(pt, 0x10000, 3, 0);
  pagetable_free(pt);
}

static void
mappages_wants_whole_pages(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  uint64 pa = machine_first_page();
  expect_panic(mappages(pt, 0x1001, PGSIZE, pa, VM_R), "aligned");
  expect_panic(mappages(pt, 0x1000, 100, pa, VM_R), "aligned");
  expect_panic(mappages(pt, 0x1000, PGSIZE, pa + 8, VM_R), "aligned");
  expect_panic(mappages(pt, 0x1000, 0, pa, VM_R), "aligned");
  assert_int_equal(pagetable_pages(pt), 1);
  pagetable_free(pt);
}

// A range across a 2 MiB line needs a second level-0 table; when that
// cannot be had, the first part is unmapped again, and the table pages
// made for the attempt are freed (the pages themselves belong to the
// caller and keep their reference). Tables that map other pages stay.
static void
mappages_is_all_or_nothing(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  void *pages[4];
  for (int i = 0; i < 4; i++)
    pages[i] = kalloc();
  uint64 va = (1UL << 21) - 2 * PGSIZE;
  uint64 before = kfreecount();
  machine_exhaust(2);   // a level-1 and one level-0 table, no more
  assert_int_equal(mappages(pt, va, 4 * PGSIZE, (uint64)pages[0], RW), -1);
  machine_unexhaust();
  assert_null(walk(pt, va, 0));
  assert_null(walk(pt, va + 2 * PGSIZE, 0));
  assert_int_equal(pagetable_pages(pt), 1);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(kref_get((uint64)pages[0]), 1);

  // Now with the first level-0 table holding another page.
  assert_int_equal(mappages(pt, 0, PGSIZE, (uint64)pages[3], RW), 0);
  before = kfreecount();
  machine_exhaust(0);
  assert_int_equal(mappages(pt, va, 4 * PGSIZE, (uint64)pages[0], RW), -1);
  machine_unexhaust();
  assert_int_equal(kfreecount(), before);
  assert_int_equal(pagetable_pages(pt), 3);
  assert_false(pte_valid(*walk(pt, va, 0)));
  assert_false(pte_valid(*walk(pt, va + PGSIZE, 0)));
  assert_true(pte_valid(*walk(pt, 0, 0)));
  uvmunmap(pt, 0, 1, 0);
  for (int i = 0; i < 4; i++)
    kfree(pages[i]);
  pagetable_free(pt);
}

// Teardown skips entries that were never valid, and whole missing level-0
// tables; each valid entry drops exactly one reference.
static void
uvmunmap_skips_never_valid(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  pagetable_t pt = pagetable_new();
  void *a = kalloc(), *c = kalloc(), *far = kalloc();
  mappages(pt, 0, PGSIZE, (uint64)a, RW | VM_U);
  mappages(pt, 2 * PGSIZE, PGSIZE, (uint64)c, RW | VM_U);
  mappages(pt, 6UL << 20, PGSIZE, (uint64)far, RW | VM_U);   // 6 MiB
  kref_inc((uint64)c);   // c is also someone else's
  uint64 mid = kfreecount();

  uvmunmap(pt, 0, (8UL << 20) / PGSIZE, 1);   // 8 MiB, 2 tables missing
  assert_int_equal(kfreecount(), mid + 2);
  assert_int_equal(kref_get((uint64)c), 1);
  assert_false(pte_valid(*walk(pt, 0, 0)));
  assert_false(pte_valid(*walk(pt, 2 * PGSIZE, 0)));
  assert_false(pte_valid(*walk(pt, 6UL << 20, 0)));
  kfree(c);
  pagetable_free(pt);
  assert_int_equal(kfreecount(), before);
}

static void
uvmunmap_without_free_keeps_pages(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  void *a = kalloc();
  mappages(pt, 0x5000, PGSIZE, (uint64)a, RW | VM_U);
  uint64 mid = kfreecount();
  uvmunmap(pt, 0x5000, 1, 0);
  assert_int_equal(kfreecount(), mid);
  assert_int_equal(kref_get((uint64)a), 1);
  assert_false(pte_valid(*walk(pt, 0x5000, 0)));
  expect_panic(uvmunmap(pt, 0x5008, 1, 0), "aligned");
  kfree(a);
  pagetable_free(pt);
}

static void
uvmcreate_and_uvmfree(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  struct vmspace vm;
  memset(&vm, 0x5A, sizeof(vm));
  vm_new(&vm);
  assert_int_equal(vm.sz, 0);
  assert_int_equal(vm.heapbase, 0);
  assert_int_equal(vm.nvma, 0);
  assert_int_equal(pagetable_pages(vm.pagetable), 1);
  assert_int_equal(kfreecount(), before - 1);
  uvmfree(&vm);
  assert_null(vm.pagetable);
  assert_int_equal(kfreecount(), before);
  uvmfree(&vm);   // nothing left to free
  assert_int_equal(kfreecount(), before);

  machine_exhaust(0);
  assert_int_equal(uvmcreate(&vm), -1);
  machine_unexhaust();
}

static void
uvmalloc_maps_zeroed_pages(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  assert_int_equal(uvmalloc(&vm, 0, 3 * PGSIZE + 10, RW), 3 * PGSIZE + 10);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(flags_at(&vm, i * PGSIZE), RW | VM_U);
    uchar *p = page_at(&vm, i * PGSIZE);
    for (int j = 0; j < PGSIZE; j++)
      assert_int_equal(p[j], 0);
  }
  assert_false(present(&vm, 4 * PGSIZE));
  page_at(&vm, 3 * PGSIZE)[100] = 7;

  // Growing from inside page 3 starts at page 4 and leaves page 3 be.
  assert_int_equal(uvmalloc(&vm, 3 * PGSIZE + 10, 5 * PGSIZE, VM_R), 5 * PGSIZE);
  assert_int_equal(flags_at(&vm, 3 * PGSIZE), RW | VM_U);
  assert_int_equal(page_at(&vm, 3 * PGSIZE)[100], 7);
  assert_int_equal(flags_at(&vm, 4 * PGSIZE), VM_R | VM_U);
  assert_false(present(&vm, 5 * PGSIZE));

  // Not growing is a no-op that returns the old size.
  uint64 mid = kfreecount();
  assert_int_equal(uvmalloc(&vm, 5 * PGSIZE, 5 * PGSIZE, RW), 5 * PGSIZE);
  assert_int_equal(uvmalloc(&vm, 5 * PGSIZE, PGSIZE, RW), 5 * PGSIZE);
  assert_int_equal(kfreecount(), mid);
  vm.sz = 5 * PGSIZE;
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

// Memory runs out half-way: every page of the attempt is given back,
// the pages below oldsz are untouched.
static void
uvmalloc_out_of_memory_gives_back(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  assert_int_equal(uvmalloc(&vm, 0, 2 * PGSIZE, RW), 2 * PGSIZE);
  page_at(&vm, PGSIZE)[5] = 42;
  uint64 before = kfreecount();   // the tables for the first 2 MiB exist

  for (uint64 leave = 0; leave < 4; leave++) {
    machine_exhaust(leave);
    assert_int_equal(uvmalloc(&vm, 2 * PGSIZE, 6 * PGSIZE, RW), 0);
    assert_int_equal(kfreecount(), leave);
    machine_unexhaust();
    assert_int_equal(kfreecount(), before);
    for (int i = 2; i < 6; i++)
      assert_false(present(&vm, i * PGSIZE));
    assert_int_equal(page_at(&vm, PGSIZE)[5], 42);
  }
  machine_exhaust(4);
  assert_int_equal(uvmalloc(&vm, 2 * PGSIZE, 6 * PGSIZE, RW), 6 * PGSIZE);
  machine_unexhaust();
  vm.sz = 6 * PGSIZE;
  uvmfree(&vm);
}

// Without the tables in place: the tables made for the attempt go too.
static void
uvmalloc_out_of_memory_fresh_tables(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  uint64 before = kfreecount();
  for (uint64 leave = 0; leave < 6; leave++) {
    machine_exhaust(leave);
    assert_int_equal(uvmalloc(&vm, 0, 4 * PGSIZE, RW), 0);
    machine_unexhaust();
    assert_int_equal(kfreecount(), before);
    assert_int_equal(pagetable_pages(vm.pagetable), 1);
  }
  uvmfree(&vm);
}

static void
uvmdealloc_frees_whole_pages(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = uvmalloc(&vm, 0, 4 * PGSIZE, RW);
  page_at(&vm, PGSIZE)[PGSIZE - 1] = 9;
  uint64 mid = kfreecount();
  uint64 flushes = host_tlb_flushes;

  // Shrinking within the last page frees nothing.
  assert_int_equal(uvmdealloc(&vm, 4 * PGSIZE, 4 * PGSIZE - 5), 4 * PGSIZE - 5);
  assert_int_equal(kfreecount(), mid);
  assert_true(present(&vm, 3 * PGSIZE));

  // Shrinking into page 1 keeps page 1, bytes above the break included,
  // and flushes the TLB.
  assert_int_equal(uvmdealloc(&vm, 4 * PGSIZE - 5, PGSIZE + 1), PGSIZE + 1);
  vm.sz = PGSIZE + 1;
  assert_int_equal(kfreecount(), mid + 2);
  assert_true(host_tlb_flushes > flushes);
  assert_true(present(&vm, 0));
  assert_int_equal(page_at(&vm, PGSIZE)[PGSIZE - 1], 9);
  assert_false(present(&vm, 2 * PGSIZE));
  assert_false(present(&vm, 3 * PGSIZE));

  // Not shrinking changes nothing.
  assert_int_equal(uvmdealloc(&vm, PGSIZE + 1, 3 * PGSIZE), PGSIZE + 1);
  assert_int_equal(uvmdealloc(&vm, PGSIZE + 1, PGSIZE + 1), PGSIZE + 1);
  assert_int_equal(kfreecount(), mid + 2);

  // Down to the start of page 1 frees it.
  assert_int_equal(uvmdealloc(&vm, PGSIZE + 1, PGSIZE), PGSIZE);
  assert_int_equal(kfreecount(), mid + 3);
  assert_true(present(&vm, 0));
  assert_false(present(&vm, PGSIZE));
  assert_int_equal(pagetable_pages(vm.pagetable), 3);

  // Down to nothing: the table pages that map nothing now go as well.
  assert_int_equal(uvmdealloc(&vm, PGSIZE, 0), 0);
  assert_int_equal(kfreecount(), mid + 6);
  assert_int_equal(pagetable_pages(vm.pagetable), 1);
  vm.sz = 0;
  uvmfree(&vm);
}

// The trampoline and the trap frame sit right above the highest heap page
// a process can have, in the same leaf table, mapped without VM_U (as
// kernel/proc's proc_vmcreate does). Faults, fault-around, fork and
// shrinking at the top of the heap leave them alone.
static void
top_of_heap_spares_trampoline_and_trapframe(void **state)
{
  (void)state;
  struct vmspace vm, child;
  vm_new(&vm);
  uchar *tramp = kalloc(), *tf = kalloc();
  assert_int_equal(mappages(vm.pagetable, TRAMPOLINE, PGSIZE, (uint64)tramp, VM_R | VM_X), 0);
  assert_int_equal(mappages(vm.pagetable, TRAPFRAME, PGSIZE, (uint64)tf, RW), 0);
  vm.heapbase = USERTOP - 64 * PGSIZE;
  vm.sz = USERTOP;
  for (uint64 va = vm.heapbase; va < USERTOP; va += PGSIZE)
    if (!present(&vm, va))
      assert_int_equal(vmfault(&vm, va, ACCESS_WRITE), FAULT_OK);
  assert_true(vmstat.fault_around > 0);
  vm_new(&child);
  assert_int_equal(uvmcopy(&vm, &child), 0);
  assert_false(present(&child, TRAPFRAME));
  for (uint64 va = vm.heapbase; va < USERTOP; va += PGSIZE) {
    if (!(flags_at(&child, va) & VM_W))
      assert_int_equal(vmfault(&child, va, ACCESS_WRITE), FAULT_OK);
    if (!(flags_at(&vm, va) & VM_W))
      assert_int_equal(vmfault(&vm, va, ACCESS_WRITE), FAULT_OK);
  }
  assert_int_equal(vmfault(&vm, TRAPFRAME, ACCESS_WRITE), FAULT_BADADDR);
  vm.sz = uvmdealloc(&vm, vm.sz, USERTOP - 10 * PGSIZE);
  assert_false(present(&vm, USERTOP - PGSIZE));
  assert_ptr_equal(page_at(&vm, TRAPFRAME), tf);
  assert_int_equal(flags_at(&vm, TRAPFRAME), RW);
  assert_ptr_equal(page_at(&vm, TRAMPOLINE), tramp);
  assert_int_equal(flags_at(&vm, TRAMPOLINE), VM_R | VM_X);
  assert_int_equal(kref_get((uint64)tf), 1);
  assert_int_equal(kref_get((uint64)tramp), 1);
  uvmfree(&child);
  uvmunmap(vm.pagetable, TRAPFRAME, 2, 0);
  uvmfree(&vm);
  kfree(tf);
  kfree(tramp);
}

static void
vma_list_is_sorted_and_bounded(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  assert_int_equal(vma_add(&vm, 0x5000, 0x6000, RW, VMA_STACK), 0);
  assert_int_equal(vma_add(&vm, 0x1000, 0x2000, VM_R | VM_X, VMA_SEGMENT), 0);
  assert_int_equal(vma_add(&vm, 0x3000, 0x5000, 0, VMA_GUARD), 0);
  assert_int_equal(vm.nvma, 3);
  assert_int_equal(vm.vma[0].start, 0x1000);
  assert_int_equal(vm.vma[1].start, 0x3000);
  assert_int_equal(vm.vma[2].start, 0x5000);
  assert_int_equal(vm.vma[1].kind, VMA_GUARD);
  assert_int_equal(vm.vma[2].prot, RW);

  assert_null(vma_find(&vm, 0xFFF));
  assert_ptr_equal(vma_find(&vm, 0x1000), &vm.vma[0]);
  assert_ptr_equal(vma_find(&vm, 0x1FFF), &vm.vma[0]);
  assert_null(vma_find(&vm, 0x2000));
  assert_ptr_equal(vma_find(&vm, 0x4FFF), &vm.vma[1]);
  assert_ptr_equal(vma_find(&vm, 0x5000), &vm.vma[2]);
  assert_null(vma_find(&vm, 0x6000));

  for (uint64 i = 3; i < NVMA; i++)
    assert_int_equal(vma_add(&vm, 0x10000 + i * PGSIZE, 0x10000 + (i + 1) * PGSIZE, VM_R, VMA_SEGMENT), 0);
  assert_int_equal(vma_add(&vm, 0x100000, 0x101000, VM_R, VMA_SEGMENT), -1);
  assert_int_equal(vm.nvma, NVMA);
  for (int i = 1; i < NVMA; i++)
    assert_true(vm.vma[i - 1].start < vm.vma[i].start);
  uvmfree(&vm);
}

// The kill message names the region a bad address is in.
static void
vma_name_says_where(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  assert_int_equal(vma_add(&vm, 0x0, 0x1000, VM_R | VM_X, VMA_SEGMENT), 0);
  assert_int_equal(vma_add(&vm, 0x1000, 0x2000, RW, VMA_SEGMENT), 0);
  assert_int_equal(vma_add(&vm, 0x2000, 0x3000, 0, VMA_GUARD), 0);
  assert_int_equal(vma_add(&vm, 0x3000, 0x4000, RW, VMA_STACK), 0);
  vm.heapbase = 0x4000;
  vm.sz = 0x6000;
  assert_string_equal(vma_name(&vm, 0x10), "program text");
  assert_string_equal(vma_name(&vm, 0x1fff), "program data");
  assert_string_equal(vma_name(&vm, 0x2800), "stack guard page");
  assert_string_equal(vma_name(&vm, 0x3000), "stack");
  assert_string_equal(vma_name(&vm, 0x5fff), "heap");
  assert_string_equal(vma_name(&vm, 0x6000), "above the break");
  assert_string_equal(vma_name(&vm, USERTOP), "trap frame or trampoline");
  assert_string_equal(vma_name(&vm, MAXVA), "beyond user space");
  vm.sz = vm.heapbase;   // nothing was mapped: free only the table
  uvmfree(&vm);
}

int
run_vm_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(mappages_maps_each_page),
    UNIT_TEST(mappages_wants_whole_pages),
    UNIT_TEST(mappages_is_all_or_nothing),
    UNIT_TEST(uvmunmap_skips_never_valid),
    UNIT_TEST(uvmunmap_without_free_keeps_pages),
    UNIT_TEST(uvmcreate_and_uvmfree),
    UNIT_TEST(uvmalloc_maps_zeroed_pages),
    UNIT_TEST(uvmalloc_out_of_memory_gives_back),
    UNIT_TEST(uvmalloc_out_of_memory_fresh_tables),
    UNIT_TEST(uvmdealloc_frees_whole_pages),
    UNIT_TEST(top_of_heap_spares_trampoline_and_trapframe),
    UNIT_TEST(vma_list_is_sorted_and_bounded),
    UNIT_TEST(vma_name_says_where),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
