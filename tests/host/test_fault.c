// fault.c: lazy heap growth, what vmfault decides, the zero page and
// fault-around. (Copy-on-write breaks: test_cow.c.)
#include "unit.h"

#define RW (VM_R | VM_W)

// A lazily grown heap: only the break moves (as growproc does for
// sbrk(n, lazy)); pages come at the first touch.
static void
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

// ---- the zero page

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

// ---- fault-around

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
    UNIT_TEST(read_fault_maps_zero_page),
    UNIT_TEST(zero_page_option_switches),
    UNIT_TEST(zero_page_out_of_memory),
    UNIT_TEST(fault_around_grows_for_sequential_fills),
    UNIT_TEST(fault_around_window_is_capped),
    UNIT_TEST(fault_around_scattered_gets_one_page),
    UNIT_TEST(fault_around_stops_at_a_different_fix),
    UNIT_TEST(fault_around_over_the_zero_page),
    UNIT_TEST(fault_around_crosses_leaf_tables),
    UNIT_TEST(fault_around_stops_when_memory_is_short),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
