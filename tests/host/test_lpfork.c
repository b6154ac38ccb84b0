// Large pages at fork (kernel/mm/largepage.c lp_copy, lp_cow): shared
// copy-on-write with one PTE, demoted or reused at the first store, copied
// by a copying fork; the kernel's copies into large pages; and mmap's
// placement of large anonymous mappings. Helpers in test_lpvm.c (lpvm.h).
#include "lpvm.h"

// fork shares a large page copy-on-write with one PTE each and one more
// count on its block, held whole. A store by the child demotes its copy
// (the block's count split into its pages') and copies the one page; the
// parent's store then demotes its own (the other pages are still shared);
// once the child is gone, a store to the parent's other large page makes
// it writable as it is.
static void
fork_shares_large_pages(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace parent, child;
  vm_new(&parent);
  vm_new(&child);
  eager_heap(&parent, MB2, 3 * MB2);
  store_range(&parent, MB2, 3 * MB2, 8);
  uint64 before = kfreecount();
  assert_int_equal(uvmcopy(&parent, &child), 0);
  assert_int_equal(kfreecount(), before - 1);   // the child's level-1 table
  assert_int_equal(leaf_size(&child, MB2), MB2);
  assert_int_equal(flags_at(&child, MB2) & (VM_W | VM_COW), VM_COW);
  assert_int_equal(flags_at(&parent, MB2) & (VM_W | VM_COW), VM_COW);
  assert_int_equal(refs_at(&parent, MB2 + 9 * PGSIZE), 2);
  assert_int_equal(kref_whole(pte_pa(*walk_leaf(parent.pagetable, MB2, &(uint64){ 0 }))), 2);
  check_refs2(&parent, &child);

  store(&child, MB2 + 9 * PGSIZE, 9);
  assert_int_equal(leaf_size(&child, MB2), PGSIZE);
  assert_int_equal(leaf_size(&parent, MB2), MB2);
  assert_int_equal(vmstat.cow_copy, 1);
  assert_true(holds(&parent, MB2 + 9 * PGSIZE, 8));
  assert_true(holds(&child, MB2 + 9 * PGSIZE, 9));
  store(&parent, MB2 + 20 * PGSIZE, 10);
  assert_int_equal(leaf_size(&parent, MB2), PGSIZE);
  assert_true(holds(&child, MB2 + 20 * PGSIZE, 8));
  assert_int_equal(vmstat.large_demoted, 2);
  check_refs2(&parent, &child);

  uvmfree(&child);
  uint64 copies = vmstat.cow_copy;
  store(&parent, 2 * MB2 + 5 * PGSIZE, 11);
  assert_int_equal(leaf_size(&parent, 2 * MB2), MB2);
  assert_int_equal(flags_at(&parent, 2 * MB2) & (VM_W | VM_COW), VM_W);
  assert_int_equal(vmstat.cow_copy, copies);
  assert_holds(&parent, 2 * MB2 + 6 * PGSIZE, 3 * MB2, 8);
  check_refs(&parent);
  uvmfree(&parent);
  assert_int_equal(kfreecount(), start);
}

// A copying fork gives the child a large block of its own, or small
// copies when none is free; a shared mapping's large page is shared as
// it is. Out of memory, fork fails and the child holds nothing.
static void
copying_fork_and_shared(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  vm_cow = 0;
  struct vmspace parent, child;
  vm_new(&parent);
  eager_heap(&parent, 0, MB2);
  store_range(&parent, 0, MB2, 12);
  assert_int_equal(vm_map(&parent, MAPAT, MB2, RW, VMMAP_SHARED | VMMAP_FIXED, 0, 0, 0), MAPAT);
  vm_new(&child);
  assert_int_equal(uvmcopy(&parent, &child), 0);
  assert_int_equal(leaf_size(&child, 0), MB2);
  assert_ptr_not_equal(page_at(&child, 0), page_at(&parent, 0));
  assert_holds(&child, 0, MB2, 12);
  assert_ptr_equal(page_at(&child, MAPAT), page_at(&parent, MAPAT));
  assert_int_equal(refs_at(&parent, MAPAT + 3 * PGSIZE), 2);
  check_refs2(&parent, &child);
  uvmfree(&child);

  // No block free: 512 small copies.
  fragment();
  vm_new(&child);
  assert_int_equal(uvmcopy(&parent, &child), 0);
  assert_int_equal(leaf_size(&child, 0), PGSIZE);
  assert_holds(&child, 0, MB2, 12);
  unfragment();
  check_refs2(&parent, &child);
  uvmfree(&child);
  // And out of memory: fork fails, the child is freed whole.
  machine_exhaust(100);
  vm_new(&child);
  assert_int_equal(uvmcopy(&parent, &child), -1);
  uvmfree(&child);
  machine_unexhaust();
  check_refs(&parent);
  assert_int_equal(vm_unmap(&parent, MAPAT, MB2), 0);
  uvmfree(&parent);
  assert_int_equal(kfreecount(), start);
}

// A copying fork of a large page shared copy-on-write under PROT_NONE
// gives the child a large block of its own that is still PROT_NONE (VM_R
// and the mark, not VM_W); made writable again, its first store takes no
// page and keeps it whole. (A fuzz input caught the child's copy writable.)
static void
copying_fork_keeps_prot_none_large(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace p, a, b;
  vm_new(&p);
  assert_int_equal(vm_map(&p, MAPAT, MB2, RW, VMMAP_FIXED, 0, 0, 0), MAPAT);
  store_range(&p, MAPAT, MAPAT + MB2, 3);
  assert_int_equal(leaf_size(&p, MAPAT), MB2);   // promoted
  vm_new(&a);
  assert_int_equal(uvmcopy(&p, &a), 0);
  assert_int_equal(vm_protect(&p, MAPAT, MB2, 0), 0);
  assert_int_equal(flags_at(&p, MAPAT), VM_R | VM_COW);
  vm_cow = 0;
  vm_new(&b);
  assert_int_equal(uvmcopy(&p, &b), 0);
  assert_int_equal(leaf_size(&b, MAPAT), MB2);
  assert_ptr_not_equal(page_at(&b, MAPAT), page_at(&p, MAPAT));
  assert_int_equal(flags_at(&b, MAPAT), VM_R | VM_COW);
  assert_int_equal(vm_protect(&b, MAPAT, MB2, RW), 0);
  uint64 nfree = kfreecount();
  store(&b, MAPAT + 7 * PGSIZE, 4);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(leaf_size(&b, MAPAT), MB2);
  assert_holds(&b, MAPAT + 8 * PGSIZE, MAPAT + MB2, 3);
  struct vmspace *vms[] = { &p, &a, &b };
  assert_refs(vms, 3);
  assert_int_equal(vm_unmap(&a, MAPAT, MB2), 0);
  assert_int_equal(vm_unmap(&b, MAPAT, MB2), 0);
  assert_int_equal(vm_unmap(&p, MAPAT, MB2), 0);
  uvmfree(&a);
  uvmfree(&b);
  uvmfree(&p);
  assert_int_equal(kfreecount(), start);
}

// The kernel's copies reach the right page of a large page (the leaf's
// address plus the page's offset in the block), across pages and blocks,
// and a copy into a large page shared copy-on-write breaks it for the
// copier alone, as a store does.
static void
copies_into_large_pages(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm, child;
  vm_new(&vm);
  eager_heap(&vm, MB2, 3 * MB2);
  char buf[3 * PGSIZE], back[3 * PGSIZE];
  for (uint64 i = 0; i < sizeof(buf); i++)
    buf[i] = (char)(i * 13 + 1);
  uint64 at = 2 * MB2 - PGSIZE - 100;   // from block 1's last page into block 2
  assert_int_equal(copyout(&vm, at, buf, sizeof(buf)), 0);
  assert_int_equal(memcmp(page_at(&vm, 2 * MB2 - PGSIZE) + PGSIZE - 100, buf, 100), 0);
  assert_int_equal(memcmp(page_at(&vm, 2 * MB2) + PGSIZE - 100, buf + PGSIZE, 100), 0);
  assert_ptr_equal(page_at(&vm, 2 * MB2 + PGSIZE), page_at(&vm, 2 * MB2) + PGSIZE);
  assert_int_equal(copyin(&vm, back, at, sizeof(back)), 0);
  assert_int_equal(memcmp(back, buf, sizeof(buf)), 0);

  vm_new(&child);
  assert_int_equal(uvmcopy(&vm, &child), 0);
  char word[8] = "largepg";
  assert_int_equal(copyout(&child, MB2 + 5 * PGSIZE + 8, word, sizeof(word)), 0);
  assert_int_equal(leaf_size(&child, MB2), PGSIZE);
  assert_int_equal(leaf_size(&vm, MB2), MB2);
  assert_int_equal(memcmp(page_at(&child, MB2 + 5 * PGSIZE) + 8, word, sizeof(word)), 0);
  assert_int_equal(page_at(&vm, MB2 + 5 * PGSIZE)[8], 0);
  check_refs2(&vm, &child);
  uvmfree(&child);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// mmap without MAP_FIXED puts an anonymous mapping of 2 MiB or more on a
// 2 MiB boundary, so that it gets large pages; a file mapping, a smaller
// one, or one with large pages off goes just below the one above.
static void
mmap_aligns_anonymous(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace vm;
  vm_new(&vm);
  uint64 small = vm_map(&vm, 0, 3 * PGSIZE, RW, 0, 0, 0, 0);
  assert_int_equal(small, MMAPTOP - 3 * PGSIZE);
  uint64 big = vm_map(&vm, 0, MB2 + PGSIZE, RW, VMMAP_SHARED, 0, 0, 0);
  assert_int_equal(big % MB2, 0);
  assert_true(big + MB2 + PGSIZE <= small);
  assert_int_equal(leaf_size(&vm, big), MB2);
  assert_int_equal(leaf_size(&vm, big + MB2), PGSIZE);
  vm_largepage = 0;
  uint64 off = vm_map(&vm, 0, MB2, RW, 0, 0, 0, 0);
  assert_int_equal(off, big - MB2);   // big is aligned: so is this
  uint64 off2 = vm_map(&vm, 0, MB2 + PGSIZE, RW, 0, 0, 0, 0);
  assert_int_equal(off2, off - MB2 - PGSIZE);
  check_refs(&vm);
  assert_int_equal(vm_unmap(&vm, off2, MMAPTOP - off2), 0);
  uvmfree(&vm);
  assert_int_equal(kfreecount(), start);
}

// The block of a large page's mapping, and its count held whole (0: split).
static uint64
block_at(struct vmspace *vm, uint64 va)
{
  uint64 size;
  pte_t *pte = walk_leaf(vm->pagetable, va, &size);
  assert_non_null(pte);
  assert_int_equal(size, MB2);
  return pte_pa(*pte);
}

// Sharing a large page costs one count on its block, however many
// processes share it: fork takes one, and exit or exec (vm_dropfiles,
// uvmfree) gives it back, no page's own count touched. Memory is
// accounted exactly: each fork costs the child's tables, nothing more.
static void
fork_counts_a_block_once(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace p, a, b;
  vm_new(&p);
  eager_heap(&p, 0, 3 * MB2);
  store_range(&p, 0, 3 * MB2, 5);
  uint64 blk = block_at(&p, MB2);
  uint64 before = kfreecount();
  vm_new(&a);
  vm_new(&b);
  assert_int_equal(uvmcopy(&p, &a), 0);
  assert_int_equal(uvmcopy(&a, &b), 0);   // a grandchild, from the child
  assert_int_equal(kfreecount(), before - 4);   // the children's two tables each
  for (uint64 va = 0; va < 3 * MB2; va += MB2)
    assert_int_equal(kref_whole(block_at(&p, va)), 3);
  assert_int_equal(kref_get(blk + 300 * PGSIZE), 3);
  struct vmspace *vms[] = { &p, &a, &b };
  assert_refs(vms, 3);
  vm_dropfiles(&a);
  uvmfree(&a);
  assert_int_equal(kref_whole(blk), 2);
  assert_holds(&b, 0, 3 * MB2, 5);
  vm_dropfiles(&b);
  uvmfree(&b);
  assert_int_equal(kref_whole(blk), 1);
  assert_int_equal(kfreecount(), before);
  check_refs(&p);
  uvmfree(&p);
  assert_int_equal(kfreecount(), start);
  assert_int_equal(kref_whole(blk), 0);
}

// A store demotes the writer's mapping of a block others share: the
// block's count becomes each page's (every small PTE owns one), so each
// page counts every mapping of it, large or small, and the other
// mappings' large pages hold one on each page from then on: a fork of
// one of them, its exit, its own demotion all count page by page.
static void
demoting_a_shared_block_counts_each_page(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace p, a, b;
  vm_new(&p);
  eager_heap(&p, 0, 2 * MB2);
  store_range(&p, 0, 2 * MB2, 6);
  uint64 blk = block_at(&p, 0);
  vm_new(&a);
  assert_int_equal(uvmcopy(&p, &a), 0);
  store(&a, 4 * PGSIZE, 7);   // a's large page demoted, page 4 copied
  assert_int_equal(leaf_size(&a, 0), PGSIZE);
  assert_int_equal(kref_whole(blk), 0);
  assert_int_equal(kref_get(blk + 4 * PGSIZE), 1);     // p's large page
  assert_int_equal(kref_get(blk + 5 * PGSIZE), 2);     // and a's small PTE
  assert_int_equal(kref_whole(block_at(&p, MB2)), 2);  // the other block: whole
  check_refs2(&p, &a);
  vm_new(&b);
  assert_int_equal(uvmcopy(&p, &b), 0);   // one more on each page
  assert_int_equal(kref_get(blk + 4 * PGSIZE), 2);
  assert_int_equal(kref_get(blk + 5 * PGSIZE), 3);
  struct vmspace *vms[] = { &p, &a, &b };
  assert_refs(vms, 3);
  uvmfree(&p);   // its large page lets go of each page
  assert_int_equal(kref_get(blk + 4 * PGSIZE), 1);
  assert_int_equal(kref_get(blk + 5 * PGSIZE), 2);
  store(&b, 5 * PGSIZE, 8);   // b's large page demoted too: a still maps pages
  assert_int_equal(leaf_size(&b, 0), PGSIZE);
  assert_int_equal(kref_get(blk + 5 * PGSIZE), 1);
  assert_holds(&a, 5 * PGSIZE, MB2, 6);
  assert_true(holds(&a, 4 * PGSIZE, 7));
  assert_true(holds(&b, 4 * PGSIZE, 6));
  assert_true(holds(&b, 5 * PGSIZE, 8));
  check_refs2(&a, &b);
  uvmfree(&a);
  uvmfree(&b);
  assert_int_equal(kfreecount(), start);
}

// A split block that one large page holds alone again (the sharers have
// gone) is held whole again at its next store, which makes it writable
// without a copy; the next fork shares it with one count again.
static void
private_again_is_held_whole_again(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace p, a;
  vm_new(&p);
  eager_heap(&p, 0, MB2);
  store_range(&p, 0, MB2, 3);
  uint64 blk = block_at(&p, 0);
  vm_new(&a);
  assert_int_equal(uvmcopy(&p, &a), 0);
  store(&a, 10 * PGSIZE, 4);   // split
  assert_int_equal(kref_whole(blk), 0);
  vm_dropfiles(&a);
  uvmfree(&a);
  uint64 nfree = kfreecount(), copies = vmstat.cow_copy;
  store(&p, 11 * PGSIZE, 5);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(vmstat.cow_copy, copies);
  assert_int_equal(block_at(&p, 0), blk);
  assert_int_equal(flags_at(&p, 0) & (VM_W | VM_COW), VM_W);
  assert_int_equal(kref_whole(blk), 1);
  vm_new(&a);
  assert_int_equal(uvmcopy(&p, &a), 0);
  assert_int_equal(kref_whole(blk), 2);
  check_refs2(&p, &a);
  uvmfree(&a);
  uvmfree(&p);
  assert_int_equal(kfreecount(), start);
}

int
run_lpfork_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(fork_shares_large_pages),
    UNIT_TEST_BIG(copying_fork_and_shared),
    UNIT_TEST_BIG(copying_fork_keeps_prot_none_large),
    UNIT_TEST_BIG(copies_into_large_pages),
    UNIT_TEST_BIG(mmap_aligns_anonymous),
    UNIT_TEST_BIG(fork_counts_a_block_once),
    UNIT_TEST_BIG(demoting_a_shared_block_counts_each_page),
    UNIT_TEST_BIG(private_again_is_held_whole_again),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("lpfork", tests, NULL, NULL);
}
