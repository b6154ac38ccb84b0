// Large pages for anonymous memory (kernel/mm/largepage.c): eager
// allocation, the sequential fault that takes a block whole, promotion,
// demotion by a shrink, munmap and mprotect, and fragmentation; and the
// helpers test_lpfork.c shares (lpvm.h). Every test checks contents and
// the reference counts, and the fixture checks that every page comes
// back. On RAM_MAX_PAGES of RAM (several free 2 MiB blocks).
#include "lpvm.h"

void
check_refs(struct vmspace *vm)
{
  struct vmspace *vms[1] = { vm };
  assert_refs(vms, 1);
}

void
check_refs2(struct vmspace *a, struct vmspace *b)
{
  struct vmspace *vms[2] = { a, b };
  assert_refs(vms, 2);
}

// The size of the leaf that maps va: LARGE_PGSIZE, PGSIZE, or 0.
uint64
leaf_size(struct vmspace *vm, uint64 va)
{
  uint64 size = 0;
  return walk_leaf(vm->pagetable, va, &size) ? size : 0;
}

// Write a mark telling page va (and salt) apart into its first and last
// byte, through the fault path as a store would.
void
store(struct vmspace *vm, uint64 va, int salt)
{
  assert_int_equal(vmfault(vm, va, ACCESS_WRITE), FAULT_OK);
  uchar *p = page_at(vm, va);
  p[0] = (uchar)(va >> 12) + salt;
  p[PGSIZE - 1] = (uchar)(va >> 12) - salt;
}

int
holds(struct vmspace *vm, uint64 va, int salt)
{
  uchar *p = page_at(vm, va);
  return p[0] == (uchar)((va >> 12) + salt) && p[PGSIZE - 1] == (uchar)((va >> 12) - salt);
}

void
store_range(struct vmspace *vm, uint64 from, uint64 to, int salt)
{
  for (uint64 a = from; a < to; a += PGSIZE)
    store(vm, a, salt);
}

void
assert_holds(struct vmspace *vm, uint64 from, uint64 to, int salt)
{
  for (uint64 a = from; a < to; a += PGSIZE)
    if (!holds(vm, a, salt))
      fail_msg("page 0x%lx lost its bytes", a);
}

static void *pinned[RAM_MAX_PAGES / LARGE_PAGES];
static int npinned;

// Leave no 2 MiB block free: take every block and give back all its
// pages but the first (its count split into each page's first, as a
// demotion does). unfragment gives those back too.
void
fragment(void)
{
  npinned = 0;
  for (void *b; (b = kalloc_large()) != 0;)
    pinned[npinned++] = b;
  for (int i = 0; i < npinned; i++)
    kref_split_large((uint64)pinned[i]);
  for (int i = 0; i < npinned; i++)
    for (int k = 1; k < LARGE_PAGES; k++)
      kfree((uchar *)pinned[i] + (uint64)k * PGSIZE);
  uint64 counts[MEMSTAT_ORDERS];
  kfreeblocks(counts);
  assert_int_equal(counts[LARGE_ORDER], 0);
}

void
unfragment(void)
{
  for (int i = 0; i < npinned; i++)
    kfree(pinned[i]);
  npinned = 0;
}

// An eager heap [heapbase, sz) of vm, as growproc makes it.
void
eager_heap(struct vmspace *vm, uint64 heapbase, uint64 sz)
{
  vm->heapbase = vm->sz = heapbase;
  assert_int_equal(uvmalloc_large(vm, heapbase, sz, RW), sz);
  vm->sz = sz;
}

// uvmalloc_large maps each whole aligned block as one large page and the
// pages around them as small ones; with the switch off, only small pages.
// Freeing gives everything back.
static void
eager_blocks_are_large(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  eager_heap(&vm, 5 * PGSIZE, 3 * MB2 + 7 * PGSIZE);
  assert_int_equal(leaf_size(&vm, MB2), MB2);
  assert_int_equal(leaf_size(&vm, 2 * MB2 + 100 * PGSIZE), MB2);
  assert_int_equal(leaf_size(&vm, MB2 - PGSIZE), PGSIZE);
  assert_int_equal(leaf_size(&vm, 3 * MB2), PGSIZE);
  assert_int_equal(vmstat.large_mapped, 2);
  assert_int_equal(pagetable_user_pages(vm.pagetable), 512 - 5 + 1024 + 7);
  // root, level-1 table, and one last-level table on either side
  assert_int_equal(pagetable_pages(vm.pagetable), 4);
  store_range(&vm, vm.heapbase, vm.sz, 1);
  assert_holds(&vm, vm.heapbase, vm.sz, 1);
  check_refs(&vm);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);

  vm_largepage = 0;
  vm_new(&vm);
  eager_heap(&vm, 0, 2 * MB2);
  assert_int_equal(leaf_size(&vm, 0), PGSIZE);
  assert_int_equal(leaf_size(&vm, MB2), PGSIZE);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// Out of memory half-way, uvmalloc_large gives back what it took, large
// pages and small ones; with no 2 MiB block free it uses small pages.
static void
eager_failure_and_fragmentation(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  vm.heapbase = vm.sz = 0;
  uint64 blocks = kfreeblocks((uint64[MEMSTAT_ORDERS]){ 0 }) / LARGE_PAGES;
  uint64 want = (blocks + 1) * MB2;   // more than RAM
  assert_int_equal(uvmalloc_large(&vm, 0, want, RW), 0);
  assert_int_equal(pagetable_user_pages(vm.pagetable), 0);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);

  // Every 2 MiB block holds a page in use: small pages, and no error.
  fragment();
  vmstat.large_mapped = 0;
  vm_new(&vm);
  eager_heap(&vm, 0, 2 * MB2);
  assert_int_equal(leaf_size(&vm, 0), PGSIZE);
  assert_int_equal(leaf_size(&vm, MB2), PGSIZE);
  assert_int_equal(vmstat.large_mapped, 0);
  // Nor does a sequential toucher or a complete block get one.
  vm.sz = 4 * MB2;
  for (uint64 a = 2 * MB2; a < 4 * MB2; a += PGSIZE)
    store(&vm, a, 2);
  assert_int_equal(leaf_size(&vm, 3 * MB2), PGSIZE);
  assert_int_equal(vmstat.large_mapped + vmstat.large_promoted, 0);
  assert_holds(&vm, 2 * MB2, 4 * MB2, 2);
  unfragment();   // the pinned pages are no references assert_refs knows
  check_refs(&vm);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// A lazy heap written in order: the first block is filled page by page
// (fault-around) and promoted when complete; the next blocks, reached in
// order, are each taken whole by one fault. Few faults, two tables.
static void
sequential_writes_take_blocks(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  vm.heapbase = 0;
  vm.sz = 3 * MB2;
  int made[64];
  int n = touch_in_order(&vm, 3 * LARGE_PAGES, ACCESS_WRITE, made, 64);
  assert_int_equal(vmstat.large_promoted, 1);
  assert_int_equal(vmstat.large_mapped, 2);
  assert_int_equal(vmstat.zero_fill, LARGE_PAGES);
  assert_int_equal(n, 10 + 2);   // windows 1 .. 256 and one more, then a block each
  assert_int_equal(made[n - 1], LARGE_PAGES);
  for (uint64 b = 0; b < 3; b++)
    assert_int_equal(leaf_size(&vm, b * MB2), MB2);
  assert_int_equal(pagetable_pages(vm.pagetable), 2);
  check_refs(&vm);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// With little memory left (a few free blocks, less than LP_SPARE pages
// beside one), a sequential writer gets no block at its faults, and a
// complete block is not promoted: those pages may be another fault's.
static void
fault_path_keeps_memory_spare(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.heapbase = 0;
  vm.sz = 3 * MB2;
  machine_exhaust(4 * LARGE_PAGES);
  uint64 counts[MEMSTAT_ORDERS];
  kfreeblocks(counts);
  assert_true(counts[LARGE_ORDER] >= 2);
  for (uint64 a = 0; a < 3 * MB2; a += PGSIZE)
    store(&vm, a, 1);
  assert_int_equal(vmstat.large_mapped + vmstat.large_promoted, 0);
  assert_int_equal(leaf_size(&vm, MB2), PGSIZE);
  assert_holds(&vm, 0, 3 * MB2, 1);
  check_refs(&vm);
  uvmfree(&vm);
  machine_unexhaust();
}

// Writes to every page of a block in scattered order: the last one
// promotes it, and every page keeps its bytes. A page only read (the
// zero page) holds promotion back until it is written. A private
// anonymous mapping's block is promoted the same way.
static void
promotion_copies(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  vm.heapbase = 0;
  vm.sz = 2 * MB2;
  for (uint64 k = 0; k < LARGE_PAGES; k++) {
    uint64 a = MB2 + ((k * 37) % LARGE_PAGES) * PGSIZE;
    if (k == LARGE_PAGES - 1)
      assert_int_equal(leaf_size(&vm, MB2), PGSIZE);
    store(&vm, a, 3);
  }
  assert_int_equal(leaf_size(&vm, MB2), MB2);
  assert_int_equal(vmstat.large_promoted, 1);
  assert_holds(&vm, MB2, 2 * MB2, 3);
  // The small pages and their table are free again.
  assert_int_equal(kfreecount(), start - LARGE_PAGES - 2);
  check_refs(&vm);

  // Block 0: one page only read (the zero page) holds promotion back
  // until it is written.
  for (uint64 a = PGSIZE; a < MB2; a += 2 * PGSIZE)
    store(&vm, a, 4);
  assert_int_equal(vmfault(&vm, 0, ACCESS_READ), FAULT_OK);
  for (uint64 a = 2 * PGSIZE; a < MB2; a += 2 * PGSIZE)
    store(&vm, a, 4);
  assert_int_equal(leaf_size(&vm, 0), PGSIZE);
  store(&vm, 0, 4);
  assert_int_equal(leaf_size(&vm, 0), MB2);
  assert_int_equal(vmstat.large_promoted, 2);
  assert_holds(&vm, 0, MB2, 4);
  check_refs(&vm);
  uvmfree(&vm);

  // A private anonymous mapping's block, likewise.
  vm_new(&vm);
  assert_int_equal(vm_map(&vm, MAPAT, MB2, RW, VMMAP_FIXED, 0, 0, 0), MAPAT);
  for (uint64 k = 0; k < LARGE_PAGES; k++)
    store(&vm, MAPAT + ((k * 101) % LARGE_PAGES) * PGSIZE, 5);
  assert_int_equal(leaf_size(&vm, MAPAT), MB2);
  assert_holds(&vm, MAPAT, MAPAT + MB2, 5);
  check_refs(&vm);
  assert_int_equal(vm_unmap(&vm, MAPAT, MB2), 0);
  uvmfree(&vm);

  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// A shrink into a large page, as shrinkproc does it: uvmdealloc splits
// it (range_edges), then unmaps. The pages below the break keep their
// bytes and references, those above are free again; out of memory, the
// split fails and nothing changes.
static void
shrink_demotes(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  eager_heap(&vm, 0, 2 * MB2);
  store_range(&vm, 0, 2 * MB2, 6);
  uint64 newsz = MB2 + 100 * PGSIZE + 5;
  machine_exhaust(0);
  assert_int_equal(uvmdealloc(&vm, vm.sz, newsz), vm.sz);
  assert_int_equal(leaf_size(&vm, MB2), MB2);
  machine_unexhaust();
  uint64 before = kfreecount();
  vm.sz = uvmdealloc(&vm, vm.sz, newsz);
  assert_int_equal(vm.sz, newsz);
  assert_int_equal(vmstat.large_demoted, 1);
  assert_int_equal(leaf_size(&vm, MB2), PGSIZE);
  assert_int_equal(leaf_size(&vm, 0), MB2);
  assert_int_equal(kfreecount(), before + (LARGE_PAGES - 101) - 1);
  assert_holds(&vm, 0, PGROUNDUP(newsz), 6);
  check_refs(&vm);
  // Unmapping part of a large page without the split is a kernel bug.
  expect_panic(uvmunmap(vm.pagetable, PGSIZE, 1, 1), "part of a large page");
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// munmap of a hole and mprotect of a part of a shared anonymous mapping's
// large pages split just the one they cut; a refused call (no page for
// the table) changes nothing.
static void
munmap_and_mprotect_demote(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  assert_int_equal(vm_map(&vm, MAPAT, 3 * MB2, RW, VMMAP_SHARED | VMMAP_FIXED, 0, 0, 0), MAPAT);
  for (int b = 0; b < 3; b++)
    assert_int_equal(leaf_size(&vm, MAPAT + b * MB2), MB2);
  store_range(&vm, MAPAT, MAPAT + 3 * MB2, 7);

  machine_exhaust(0);
  assert_int_equal(vm_unmap(&vm, MAPAT + 10 * PGSIZE, 2 * PGSIZE), -1);
  assert_int_equal(vm_protect(&vm, MAPAT + MB2 + 10 * PGSIZE, PGSIZE, VM_R), -1);
  machine_unexhaust();
  assert_int_equal(leaf_size(&vm, MAPAT), MB2);
  assert_int_equal(leaf_size(&vm, MAPAT + MB2), MB2);
  assert_int_equal(vm.nvma, 1);

  uint64 before = kfreecount();
  assert_int_equal(vm_unmap(&vm, MAPAT + 10 * PGSIZE, 2 * PGSIZE), 0);
  assert_int_equal(kfreecount(), before + 2 - 1);
  assert_false(present(&vm, MAPAT + 10 * PGSIZE));
  assert_int_equal(vmfault(&vm, MAPAT + 11 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  assert_int_equal(leaf_size(&vm, MAPAT + 12 * PGSIZE), PGSIZE);
  assert_int_equal(leaf_size(&vm, MAPAT + MB2), MB2);

  assert_int_equal(vm_protect(&vm, MAPAT + MB2 + 10 * PGSIZE, PGSIZE, VM_R), 0);
  assert_int_equal(leaf_size(&vm, MAPAT + MB2), PGSIZE);
  assert_int_equal(vmfault(&vm, MAPAT + MB2 + 10 * PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(vmfault(&vm, MAPAT + MB2 + 11 * PGSIZE, ACCESS_WRITE), FAULT_OK);
  // mprotect of a whole large page changes its one PTE.
  assert_int_equal(vm_protect(&vm, MAPAT + 2 * MB2, MB2, VM_R), 0);
  assert_int_equal(leaf_size(&vm, MAPAT + 2 * MB2), MB2);
  assert_int_equal(flags_at(&vm, MAPAT + 2 * MB2) & (VM_R | VM_W), VM_R);
  assert_int_equal(vmstat.large_demoted, 2);
  assert_holds(&vm, MAPAT, MAPAT + 10 * PGSIZE, 7);
  assert_holds(&vm, MAPAT + 12 * PGSIZE, MAPAT + 3 * MB2, 7);
  check_refs(&vm);
  assert_int_equal(vm_unmap(&vm, MAPAT, 3 * MB2), 0);
  assert_int_equal(pagetable_user_pages(vm.pagetable), 0);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

int
run_lpvm_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(eager_blocks_are_large),
    UNIT_TEST_BIG(eager_failure_and_fragmentation),
    UNIT_TEST_BIG(sequential_writes_take_blocks),
    UNIT_TEST_BIG(fault_path_keeps_memory_spare),
    UNIT_TEST_BIG(promotion_copies),
    UNIT_TEST_BIG(shrink_demotes),
    UNIT_TEST_BIG(munmap_and_mprotect_demote),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("lpvm", tests, NULL, NULL);
}
