// Large pages in kernel/arch/riscv/pagetable.c: mappages_large, walk_leaf,
// pagetable_demote, and what visit, user_pages, prune and free make of
// them. Checked against the Sv39 format directly (pt_visit) and against
// the reference counts (machine_check_refs). On RAM_MAX_PAGES of RAM.
#include "arch/riscv/sv39.h"
#include "unit.h"

#define MB2 (1UL << 21)
#define GB1 (1UL << 30)
#define VA (3 * GB1 + 5 * MB2)   // where the tests map their large page

// The reference counts of the page table pt, checked as for a process.
static void
assert_refs_of(pagetable_t pt)
{
  struct vmspace vm = { .pagetable = pt };
  struct vmspace *vms[1] = { &vm };
  assert_refs(vms, 1);
}

// A page table with a large page of fresh memory at VA, rights flags; the
// block in *blk.
static pagetable_t
with_large_page(int flags, uchar **blk)
{
  pagetable_t pt = pagetable_new();
  assert_non_null(pt);
  *blk = kalloc_large();
  assert_non_null(*blk);
  assert_int_equal(mappages_large(pt, VA, (uint64)*blk, flags), 0);
  return pt;
}

// Unmap the large page at va, drop its references and free pt.
static void
drop_large_page(pagetable_t pt, uint64 va)
{
  uint64 size;
  pte_t *pte = walk_leaf(pt, va, &size);
  assert_non_null(pte);
  assert_int_equal(size, LARGE_PGSIZE);
  uint64 pa = pte_pa(*pte);
  *pte = 0;
  kfree_large((void *)pa);
  pagetable_prune(pt, 0, MAXVA);
  assert_int_equal(pagetable_pages(pt), 1);
  pagetable_free(pt);
}

static void
leaf_level(uint64 va, pte_t pte, int level, void *arg)
{
  (void)pte;
  int *seen = arg;
  assert_int_equal(va, VA);
  assert_int_equal(level, 1);
  (*seen)++;
}

// One PTE in a level-1 table maps the whole block: no last-level table,
// two table pages in all, the Sv39 leaf bits at level 1, 512 user pages,
// one reference on each page of the block.
static void
large_page_is_one_level1_leaf(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  uchar *blk;
  pagetable_t pt = with_large_page(VM_R | VM_W | VM_U, &blk);
  assert_int_equal(pagetable_pages(pt), 2);
  assert_int_equal(kfreecount(), before - LARGE_PAGES - 2);
  int seen = 0;
  struct ptvisitor v = { 0, leaf_level, &seen };
  pt_visit(pt, &v);
  assert_int_equal(seen, 1);
  pagetable_t l1 = (pagetable_t)PTE2PA(pt[PX(2, VA)]);
  pte_t pte = l1[PX(1, VA)];
  assert_int_equal(PTE2PA(pte), (uint64)blk);
  assert_int_equal(pte & (PTE_V | PTE_R | PTE_W | PTE_X | PTE_U),
                   PTE_V | PTE_R | PTE_W | PTE_U);
  assert_int_equal(pagetable_user_pages(pt), LARGE_PAGES);
  assert_refs_of(pt);
  drop_large_page(pt, VA);
  assert_int_equal(kfreecount(), before);
}

// walk_leaf finds the large page from every address in it, small pages
// as walk does, and nothing where nothing is mapped, even inside an
// existing table; it never allocates.
static void
walk_leaf_reports_size(void **state)
{
  (void)state;
  uchar *blk;
  pagetable_t pt = with_large_page(VM_R | VM_U, &blk);
  uchar *page = kalloc();
  assert_int_equal(mappages(pt, VA + MB2 + 3 * PGSIZE, PGSIZE, (uint64)page, VM_R | VM_U), 0);
  uint64 size = 0;
  pte_t *large = walk_leaf(pt, VA, &size);
  assert_non_null(large);
  assert_int_equal(size, LARGE_PGSIZE);
  assert_int_equal(pte_pa(*large), (uint64)blk);
  assert_int_equal(pte_flags(*large), VM_R | VM_U);
  assert_ptr_equal(walk_leaf(pt, VA + MB2 - 1, &size), large);
  assert_ptr_equal(walk_leaf(pt, VA + 0x12345, &size), large);

  pte_t *small = walk_leaf(pt, VA + MB2 + 3 * PGSIZE + 7, &size);
  assert_ptr_equal(small, walk(pt, VA + MB2 + 3 * PGSIZE, 0));
  assert_int_equal(size, PGSIZE);
  size = 0;
  assert_null(walk_leaf(pt, VA + MB2 + 4 * PGSIZE, &size));   // its table exists
  assert_null(walk_leaf(pt, VA - PGSIZE, &size));
  assert_null(walk_leaf(pt, 0, &size));
  assert_int_equal(size, 0);
  int tables = pagetable_pages(pt);
  assert_null(walk_leaf(pt, 7 * GB1, &size));
  assert_int_equal(pagetable_pages(pt), tables);
  expect_panic(walk_leaf(pt, MAXVA, &size), "MAXVA");
  // The old walk keeps refusing to go through a large page.
  expect_panic(walk(pt, VA + PGSIZE, 0), "large page");
  expect_panic(walk(pt, VA, 1), "large page");
  assert_int_equal(pagetable_pages(pt), tables);

  uvmunmap(pt, VA + MB2 + 3 * PGSIZE, 1, 1);
  drop_large_page(pt, VA);
}

// mappages_large wants both addresses aligned, never maps over a page, a
// swapped-out page or a large page, but takes the place of a last-level
// table that holds nothing (freeing it).
static void
mappages_large_checks_its_target(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  uchar *blk = kalloc_large();
  pagetable_t pt = pagetable_new();
  expect_panic(mappages_large(pt, VA + PGSIZE, (uint64)blk, VM_R), "not aligned");
  expect_panic(mappages_large(pt, VA, (uint64)blk + PGSIZE, VM_R), "not aligned");
  expect_panic(mappages_large(pt, MAXVA, (uint64)blk, VM_R), "MAXVA");

  // A small page in the range: refused, and it stays.
  uchar *page = kalloc();
  assert_int_equal(mappages(pt, VA + 9 * PGSIZE, PGSIZE, (uint64)page, VM_R | VM_U), 0);
  expect_panic(mappages_large(pt, VA, (uint64)blk, VM_R | VM_U), "remap");
  assert_ptr_equal((uchar *)pte_pa(*walk(pt, VA + 9 * PGSIZE, 0)), page);
  // Unmapped but not pruned: the empty table gives way.
  uvmunmap(pt, VA + 9 * PGSIZE, 1, 1);
  assert_int_equal(pagetable_pages(pt), 3);
  assert_int_equal(mappages_large(pt, VA, (uint64)blk, VM_R | VM_U), 0);
  assert_int_equal(pagetable_pages(pt), 2);
  assert_int_equal(kfreecount(), before - LARGE_PAGES - 2);
  assert_refs_of(pt);
  // A table that holds only a swapped-out page's slot maps nothing, but
  // must stay: refused, and pruning keeps it too.
  uchar *blk3 = kalloc_large();
  pte_t *slot = walk(pt, VA + MB2 + 4 * PGSIZE, 1);
  *slot = pte_make_swap(7);
  expect_panic(mappages_large(pt, VA + MB2, (uint64)blk3, VM_R | VM_U), "remap");
  pagetable_prune(pt, 0, MAXVA);
  assert_ptr_equal(walk(pt, VA + MB2 + 4 * PGSIZE, 0), slot);
  assert_true(pte_is_swap(*slot));
  *slot = 0;
  kfree_large(blk3);
  // A large page there already: refused.
  uchar *blk2 = kalloc_large();
  expect_panic(mappages_large(pt, VA, (uint64)blk2, VM_R | VM_U), "remap");
  assert_ptr_equal((uchar *)pte_pa(*walk_leaf(pt, VA, &(uint64){ 0 })), blk);
  kfree_large(blk2);
  drop_large_page(pt, VA);
  assert_int_equal(kfreecount(), before);
}

// Out of memory for the level-1 table: -1 and nothing changed.
static void
mappages_large_out_of_memory(void **state)
{
  (void)state;
  uchar *blk = kalloc_large();
  pagetable_t pt = pagetable_new();
  machine_exhaust(0);
  assert_int_equal(mappages_large(pt, VA, (uint64)blk, VM_R | VM_U), -1);
  assert_int_equal(pagetable_pages(pt), 1);
  assert_null(walk_leaf(pt, VA, &(uint64){ 0 }));
  machine_unexhaust();
  kfree_large(blk);
  pagetable_free(pt);
}

// Demotion: the same 512 pages with the same bits, now in a last-level
// table; one page more in use (the table), the data in place. It changes
// no reference count: kernel/mm splits the block's count into its pages'
// first (lp_demote), as here. Then the small pages go one by one, as
// partial unmapping will free them, and the block is whole again
// afterwards.
static void
demote_splits_into_small_pages(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b1[MEMSTAT_ORDERS];
  kfreeblocks(b0);
  uint64 before = kfreecount();
  for (int cow = 0; cow <= 1; cow++) {
    int flags = cow ? VM_R | VM_X | VM_U | VM_COW : VM_R | VM_W | VM_U;
    uchar *blk;
    pagetable_t pt = with_large_page(flags, &blk);
    for (int i = 0; i < LARGE_PAGES; i++)
      blk[i * PGSIZE + 1] = (uchar)i;
    pagetable_t l1 = (pagetable_t)PTE2PA(pt[PX(2, VA)]);
    pte_t large = l1[PX(1, VA)];
    kref_split_large((uint64)blk);
    assert_int_equal(pagetable_demote(pt, VA + 77 * PGSIZE + 5, 0), 0);
    assert_int_equal(pagetable_pages(pt), 3);
    assert_int_equal(kfreecount(), before - LARGE_PAGES - 3);
    assert_int_equal(pagetable_user_pages(pt), LARGE_PAGES);
    for (int i = 0; i < LARGE_PAGES; i++) {
      uint64 size;
      pte_t *pte = walk_leaf(pt, VA + i * PGSIZE, &size);
      assert_non_null(pte);
      assert_int_equal(size, PGSIZE);
      assert_ptr_equal(pte, walk(pt, VA + i * PGSIZE, 0));
      assert_int_equal(pte_pa(*pte), (uint64)blk + i * PGSIZE);
      assert_int_equal(*pte & 0x3ff, large & 0x3ff);   // rights, U, A, D, COW
      assert_int_equal(((uchar *)pte_pa(*pte))[1], (uchar)i);
      assert_int_equal(kref_get(pte_pa(*pte)), 1);
    }
    assert_refs_of(pt);
    // Freed page by page, the block merges back.
    uvmunmap(pt, VA, LARGE_PAGES, 1);
    pagetable_prune(pt, 0, MAXVA);
    pagetable_free(pt);
    assert_int_equal(kfreecount(), before);
    kfreeblocks(b1);
    assert_memory_equal(b1, b0, sizeof(b0));
  }
}

// No page for the new table: -1, the large page untouched; a table page
// the caller took does without. Demoting what is no large page is a
// caller's mistake.
static void
demote_out_of_memory_and_misuse(void **state)
{
  (void)state;
  uchar *blk;
  pagetable_t pt = with_large_page(VM_R | VM_W | VM_U, &blk);
  pagetable_t l1 = (pagetable_t)PTE2PA(pt[PX(2, VA)]);
  pte_t large = l1[PX(1, VA)];
  pagetable_t table = kalloc();
  machine_exhaust(0);
  assert_int_equal(pagetable_demote(pt, VA, 0), -1);
  assert_int_equal(l1[PX(1, VA)], large);
  expect_panic(pagetable_demote(pt, VA + MB2, table), "no large page");
  kref_split_large((uint64)blk);
  assert_int_equal(pagetable_demote(pt, VA, table), 0);
  assert_int_equal(walk(pt, VA, 0), table + PX(0, VA));
  machine_unexhaust();
  expect_panic(pagetable_demote(pt, VA, 0), "no large page");   // small pages now
  uvmunmap(pt, VA, LARGE_PAGES, 1);
  pagetable_prune(pt, 0, MAXVA);
  pagetable_free(pt);
}

struct seen {
  int n, leaves1;
  struct ptentry large;
};

static void
note(void *arg, const struct ptentry *e)
{
  struct seen *s = arg;
  s->n++;
  if (e->leaf && e->level == 1) {
    s->leaves1++;
    s->large = *e;
  }
}

// pagetable_visit (vmdump) reports a large page as a level-1 leaf with
// its block, and does not descend into it; pagetable_user_pages counts it
// as 512 pages beside the small ones; two large pages count twice.
static void
visit_reports_large_pages(void **state)
{
  (void)state;
  uchar *blk;
  pagetable_t pt = with_large_page(VM_R | VM_W | VM_U, &blk);
  uchar *blk2 = kalloc_large();
  assert_int_equal(mappages_large(pt, VA + MB2, (uint64)blk2, VM_R | VM_U), 0);
  uchar *page = kalloc();
  assert_int_equal(mappages(pt, 0x1000, PGSIZE, (uint64)page, VM_R | VM_U), 0);
  struct seen s = { 0 };
  pagetable_visit(pt, note, &s);
  // Root entries for 0 and VA, level-1 entries: one table, two leaves; one page.
  assert_int_equal(s.n, 2 + 3 + 1);
  assert_int_equal(s.leaves1, 2);
  assert_int_equal(s.large.va, VA + MB2);
  assert_int_equal(s.large.pa, (uint64)blk2);
  assert_int_equal(s.large.index, PX(1, VA + MB2));
  assert_int_equal(s.large.bits & (PTE_V | PTE_R | PTE_W | PTE_U), PTE_V | PTE_R | PTE_U);
  assert_int_equal(pagetable_user_pages(pt), 2 * LARGE_PAGES + 1);
  assert_int_equal(pagetable_pages(pt), 4);
  assert_refs_of(pt);
  uvmunmap(pt, 0x1000, 1, 1);
  pte_t *pte = walk_leaf(pt, VA + MB2, &(uint64){ 0 });
  *pte = 0;
  kfree_large(blk2);
  drop_large_page(pt, VA);
}

// Pruning keeps a level-1 table that holds a large page; freeing a page
// table with a large page still mapped panics, as for a small page.
static void
prune_keeps_and_free_refuses_large_pages(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  uchar *blk;
  pagetable_t pt = with_large_page(VM_R | VM_U, &blk);
  pagetable_prune(pt, 0, MAXVA);
  assert_int_equal(pagetable_pages(pt), 2);
  assert_non_null(walk_leaf(pt, VA, &(uint64){ 0 }));
  pagetable_t l1 = (pagetable_t)PTE2PA(pt[PX(2, VA)]);
  expect_panic(pagetable_free(pt), "leaf still mapped");
  // The machine would stop here; the tables were unhooked on the way down
  // but not freed: give them back by hand.
  assert_int_equal(kref_get((uint64)l1), 1);
  assert_int_equal(kref_get((uint64)pt), 1);
  kfree_large(blk);
  kfree(l1);
  kfree(pt);
  assert_int_equal(kfreecount(), before);
}

int
run_largepage_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(large_page_is_one_level1_leaf),
    UNIT_TEST_BIG(walk_leaf_reports_size),
    UNIT_TEST_BIG(mappages_large_checks_its_target),
    UNIT_TEST_BIG(mappages_large_out_of_memory),
    UNIT_TEST_BIG(demote_splits_into_small_pages),
    UNIT_TEST_BIG(demote_out_of_memory_and_misuse),
    UNIT_TEST_BIG(visit_reports_large_pages),
    UNIT_TEST_BIG(prune_keeps_and_free_refuses_large_pages),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("largepage", tests, NULL, NULL);
}
