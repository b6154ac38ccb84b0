// forkshare.c: fork shares last-level page tables (VMCONF_FORKSHARE)
// instead of writing a PTE per page; the first access to a shared span,
// and everything that changes a PTE there, makes the table the process's
// own: a copy while others share it, the table itself for the last one.
// Each cause of making a table one's own: test_unshare.c.
#include "forkshare.h"

// Fork costs the child's upper tables only: the three last-level tables
// are shared (marked in both), counted in nobody's table pages, hold one
// reference per sharer, and their pages keep one reference each.
static void
fork_shares_last_level_tables(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, 2 * SPANPAGES + 10);
  assert_int_equal(pagetable_pages(p.pagetable), 2 + 3);
  vm_new(&c);
  uint64 nfree = kfreecount();
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_int_equal(kfreecount(), nfree - 1);   // the child's level-1 table
  assert_int_equal(vmstat.pt_shared, 3);
  for (int s = 0; s < 3; s++) {
    assert_int_equal(kind_at(&p, s * SPAN), SPAN_SHARED);
    assert_int_equal(kind_at(&c, s * SPAN), SPAN_SHARED);
    assert_int_equal(table_refs(&p, s * SPAN), 2);
  }
  assert_int_equal(pagetable_pages(p.pagetable), 2);
  assert_int_equal(pagetable_pages(c.pagetable), 2);
  assert_int_equal(pagetable_user_pages(c.pagetable), 2 * SPANPAGES + 10);
  for (uint64 i = 0; i < 2 * SPANPAGES + 10; i += 97) {
    assert_int_equal(peek(&c, i * PGSIZE), i + 1);
    assert_ptr_equal(page_at(&c, i * PGSIZE), page_at(&p, i * PGSIZE));
    assert_int_equal(refs_at(&p, i * PGSIZE), 1);
  }
  check_refs(&p, &c, 0);
  vm_end(&p);
  check_refs(&c, 0, 0);
  vm_end(&c);
}

// The first store, by either side, copies the shared table (its writable
// PTEs become copy-on-write in both tables) and then the page; the other
// side, now the last sharer, takes the table over without a copy.
static void
store_copies_then_last_takes_over(void **state)
{
  (void)state;
  vm_forkshare = 1;
  for (int first = 0; first <= 1; first++) {
    memset(&vmstat, 0, sizeof(vmstat));
    struct vmspace v[2];
    make_parent(&v[0], 100);
    fork_into(&v[0], &v[1]);
    struct vmspace *w = &v[first], *o = &v[!first];
    uchar *page6 = page_at(o, 6 * PGSIZE);

    store(w, 5 * PGSIZE, 0x55);
    assert_int_equal(kind_at(w, 0), SPAN_TABLE);
    assert_int_equal(kind_at(o, 0), SPAN_SHARED);
    assert_int_equal(vmstat.pt_copied, 1);
    assert_int_equal(vmstat.cow_copy, 1);
    assert_int_equal(peek(w, 5 * PGSIZE), 0x55);
    assert_int_equal(peek(o, 5 * PGSIZE), 6);
    assert_int_equal(flags_at(o, 6 * PGSIZE), VM_R | VM_U | VM_COW);
    assert_int_equal(flags_at(w, 6 * PGSIZE), VM_R | VM_U | VM_COW);
    assert_int_equal(refs_at(o, 6 * PGSIZE), 2);
    assert_int_equal(table_refs(o, 0), 1);
    check_refs(&v[0], &v[1], 0);

    store(o, 6 * PGSIZE, 0x66);
    assert_int_equal(kind_at(o, 0), SPAN_TABLE);
    assert_int_equal(vmstat.pt_taken, 1);
    assert_int_equal(vmstat.pt_copied, 1);
    assert_int_equal(vmstat.cow_copy, 2);     // w's table maps page 6 too
    assert_ptr_not_equal(page_at(o, 6 * PGSIZE), page6);
    assert_int_equal(peek(w, 6 * PGSIZE), 7);
    assert_int_equal(load(o, 6 * PGSIZE), 0x66);
    assert_int_equal(load(o, 5 * PGSIZE), 6);
    check_refs(&v[0], &v[1], 0);
    vm_end(&v[first]);
    vm_end(&v[!first]);
  }
}

// A child that exits or execs (vm_dropfiles lets go of the tables, in
// both) before the parent touches its memory costs the parent nothing:
// the parent takes each table back, with its PTEs still writable. A
// failed fork leaves the parent likewise.
static void
exit_or_exec_first_leaves_tables_to_parent(void **state)
{
  (void)state;
  vm_forkshare = 1;
  for (int fail = 0; fail <= 1; fail++) {
    memset(&vmstat, 0, sizeof(vmstat));
    struct vmspace p, c;
    make_parent(&p, SPANPAGES + 3);
    uchar *page = page_at(&p, 4 * PGSIZE);
    if (fail) {
      assert_int_equal(vm_map(&p, GB1, PGSIZE, RW, VMMAP_FIXED, 0, 0, 0), GB1);
      store(&p, GB1, 1);
    }
    uint64 nfree = kfreecount();
    if (fail) {
      // Both heap spans are shared, then the next gigabyte's level-1
      // table cannot be allocated.
      vm_new(&c);
      machine_exhaust(1);
      assert_int_equal(uvmcopy(&p, &c), -1);
      machine_unexhaust();
      assert_int_equal(vmstat.pt_shared, 2);
      uvmfree(&c);
    } else {
      fork_into(&p, &c);
      vm_end(&c);
    }
    assert_int_equal(kfreecount(), nfree);
    assert_int_equal(kind_at(&p, 0), SPAN_SHARED);
    assert_int_equal(table_refs(&p, 0), 1);
    check_refs(&p, 0, 0);

    store(&p, 4 * PGSIZE, 0x44);
    assert_int_equal(kind_at(&p, 0), SPAN_TABLE);
    assert_int_equal(kind_at(&p, SPAN), SPAN_SHARED);   // untouched so far
    assert_ptr_equal(page_at(&p, 4 * PGSIZE), page);
    assert_int_equal(flags_at(&p, 5 * PGSIZE), RW | VM_U);
    assert_int_equal(vmstat.pt_taken, 1);
    assert_int_equal(vmstat.pt_copied + vmstat.cow_copy + vmstat.cow_reuse, 0);
    assert_int_equal(load(&p, (SPANPAGES + 2) * PGSIZE), SPANPAGES + 3);
    assert_int_equal(vmstat.pt_taken, 2);
    check_refs(&p, 0, 0);
    vm_end(&p);
  }
}

// A parent that goes first leaves the tables to the child; the child's
// reads take them over (a read needs the entry valid too).
static void
parent_exits_first(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, 2 * SPANPAGES);
  fork_into(&p, &c);
  vm_dropfiles(&p);
  vm_end(&p);
  check_refs(&c, 0, 0);
  for (uint64 i = 0; i < 2 * SPANPAGES; i += 31)
    assert_int_equal(load(&c, i * PGSIZE), i + 1);
  assert_int_equal(vmstat.pt_taken, 2);
  assert_int_equal(vmstat.pt_copied, 0);
  check_refs(&c, 0, 0);
  vm_end(&c);
}

// A grandchild shares the table its parent still shares: one table, three
// sharers. Each store copies it until one sharer is left, which takes it.
static void
nested_fork_shares_shared_table(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c, g;
  make_parent(&p, 20);
  fork_into(&p, &c);
  fork_into(&c, &g);
  assert_int_equal(kind_at(&g, 0), SPAN_SHARED);
  assert_int_equal(table_refs(&p, 0), 3);
  check_refs(&p, &c, &g);

  store(&g, 0, 0x67);
  assert_int_equal(table_refs(&p, 0), 2);
  assert_int_equal(vmstat.pt_copied, 1);
  check_refs(&p, &c, &g);

  // The child forks again while it shares: the new child shares too.
  struct vmspace g2;
  fork_into(&c, &g2);
  assert_int_equal(table_refs(&p, 0), 3);
  vm_end(&g2);
  assert_int_equal(table_refs(&p, 0), 2);

  vm_end(&c);
  store(&p, PGSIZE, 0x70);
  assert_int_equal(vmstat.pt_taken, 1);
  assert_int_equal(vmstat.pt_copied, 1);
  assert_int_equal(load(&p, 0), 1);
  assert_int_equal(load(&g, 0), 0x67);
  assert_int_equal(load(&g, PGSIZE), 2);
  assert_int_equal(load(&p, PGSIZE), 0x70);
  check_refs(&p, &g, 0);
  vm_end(&p);
  vm_end(&g);
}

struct sharedcount {
  int marks, leaves;
};

static void
count_shared(void *arg, const struct ptentry *e)
{
  struct sharedcount *n = arg;
  if (e->info & PTI_SHARED) {
    if (e->leaf)
      n->leaves++;
    else
      n->marks++;
  }
}

// The switch: off (or with copy-on-write off) fork writes PTEs; a process
// that shares keeps working after it is switched off. vmprint's visit
// reports the marks and the pages below them as shared.
static void
switch_and_visit(void **state)
{
  (void)state;
  assert_int_equal(vmconfig(VMCONF_FORKSHARE, -1), 0);
  assert_int_equal(vmconfig(VMCONF_FORKSHARE, 1), 0);
  assert_int_equal(vmconfig(VMCONF_FORKSHARE, 2), -1);
  struct vmspace p, c, d;
  make_parent(&p, 4);
  fork_into(&p, &c);
  assert_int_equal(kind_at(&c, 0), SPAN_SHARED);
  vm_forkshare = 0;
  fork_into(&p, &d);   // the parent's span becomes its own, then is copied
  assert_int_equal(kind_at(&d, 0), SPAN_TABLE);
  assert_int_equal(kind_at(&p, 0), SPAN_TABLE);
  check_refs(&p, &c, &d);
  vm_end(&d);
  vm_forkshare = 1;
  vm_cow = 0;
  fork_into(&p, &d);
  assert_int_equal(kind_at(&d, 0), SPAN_TABLE);
  assert_ptr_not_equal(page_at(&d, 0), page_at(&p, 0));
  vm_end(&d);
  vm_cow = 1;

  struct sharedcount n = { 0, 0 };
  pagetable_visit(c.pagetable, count_shared, &n);
  assert_int_equal(n.marks, 1);
  assert_int_equal(n.leaves, 4);
  assert_int_equal(peek(&c, 3 * PGSIZE), 4);
  check_refs(&p, &c, 0);
  vm_end(&p);
  vm_end(&c);
}

// A large page between shared tables is shared in the same pass as they
// are (span_share): one entry in each process, read-only and
// copy-on-write, and one more count on its block. A store by either side
// demotes its own mapping (the block's count split into its pages') and
// copies one page; the last one left holds the block whole again at its
// next store, without a copy.
static void
large_page_between_shared_tables(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  vm_new(&p);
  p.heapbase = PGSIZE;
  p.sz = uvmalloc_large(&p, PGSIZE, 2 * SPAN + 10 * PGSIZE, RW);
  assert_int_equal(p.sz, 2 * SPAN + 10 * PGSIZE);
  assert_int_equal(kind_at(&p, 0), SPAN_TABLE);
  assert_int_equal(kind_at(&p, SPAN), SPAN_LARGE);
  assert_int_equal(kind_at(&p, 2 * SPAN), SPAN_TABLE);
  store(&p, SPAN + 7 * PGSIZE, 77);
  pte_t *leaf;
  span_kind(p.pagetable, SPAN, &leaf);
  uint64 blk = pte_pa(*leaf);
  fork_into(&p, &c);
  assert_int_equal(kind_at(&c, 0), SPAN_SHARED);
  assert_int_equal(kind_at(&c, SPAN), SPAN_LARGE);
  assert_int_equal(kind_at(&c, 2 * SPAN), SPAN_SHARED);
  assert_int_equal(vmstat.pt_shared, 2);
  assert_int_equal(kref_whole(blk), 2);
  assert_int_equal(flags_at(&p, SPAN), VM_R | VM_U | VM_COW);
  assert_int_equal(flags_at(&c, SPAN), VM_R | VM_U | VM_COW);
  check_refs(&p, &c, 0);

  store(&c, SPAN + 7 * PGSIZE, 78);
  assert_int_equal(kind_at(&c, SPAN), SPAN_TABLE);
  assert_int_equal(kref_whole(blk), 0);
  assert_int_equal(kref_get(blk + 7 * PGSIZE), 1);
  assert_int_equal(kref_get(blk + 8 * PGSIZE), 2);
  assert_int_equal(load(&p, SPAN + 7 * PGSIZE), 77);
  assert_int_equal(load(&c, SPAN + 7 * PGSIZE), 78);
  check_refs(&p, &c, 0);
  vm_end(&c);
  check_refs(&p, 0, 0);
  uint64 nfree = kfreecount();
  store(&p, SPAN + 9 * PGSIZE, 99);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(kref_whole(blk), 1);
  assert_int_equal(flags_at(&p, SPAN), VM_R | VM_W | VM_U);
  check_refs(&p, 0, 0);
  vm_end(&p);
}

int
run_forkshare_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(fork_shares_last_level_tables),
    UNIT_TEST(store_copies_then_last_takes_over),
    UNIT_TEST_BIG(exit_or_exec_first_leaves_tables_to_parent),
    UNIT_TEST_BIG(parent_exits_first),
    UNIT_TEST(nested_fork_shares_shared_table),
    UNIT_TEST(switch_and_visit),
    UNIT_TEST_BIG(large_page_between_shared_tables),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("forkshare", tests, NULL, NULL);
}
