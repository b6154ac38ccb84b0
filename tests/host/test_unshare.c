// forkshare.c: everything that changes a PTE in a span whose page table
// is shared since a fork makes the table the process's own first (a new
// lazy page, sbrk shrinking and growing, munmap, mprotect), and fails
// cleanly when there is no page for the copy; spans a shared mapping
// touches are never shared. Sharing itself: test_forkshare.c.
#include "forkshare.h"

// A read of a lazy page never touched, in a shared span, maps it in the
// reader alone (after copying the table); the other side is unchanged.
static void
lazy_page_unshares(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, 10);
  p.sz = SPAN;   // the rest of the span is lazy heap
  fork_into(&p, &c);
  assert_int_equal(load(&c, 200 * PGSIZE), 0);
  assert_int_equal(vmstat.zero_map, 1);
  assert_int_equal(kind_at(&c, 0), SPAN_TABLE);
  assert_int_equal(kind_at(&p, 0), SPAN_SHARED);
  assert_false(present(&p, 200 * PGSIZE));
  store(&p, 300 * PGSIZE, 9);   // zero fill in the parent, now the last sharer
  assert_int_equal(vmstat.pt_taken, 1);
  assert_false(present(&c, 300 * PGSIZE));
  check_refs(&p, &c, 0);
  vm_end(&c);
  vm_end(&p);
}

// sbrk shrinking into a shared span copies the span the new break cuts,
// and lets go of whole spans above it without a copy; the other side
// keeps every page. Out of memory, the shrink fails and changes nothing.
static void
shrink_unshares_cut_span(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, 2 * SPANPAGES);
  fork_into(&p, &c);
  uint64 nfree = kfreecount();
  machine_exhaust(0);
  assert_int_equal(uvmdealloc(&c, c.sz, SPAN / 2), c.sz);
  machine_unexhaust();
  assert_int_equal(kind_at(&c, 0), SPAN_SHARED);
  assert_int_equal(kfreecount(), nfree);

  c.sz = uvmdealloc(&c, c.sz, SPAN / 2);
  assert_int_equal(c.sz, SPAN / 2);
  assert_int_equal(vmstat.pt_copied, 1);   // span 0 only
  assert_int_equal(kind_at(&c, 0), SPAN_TABLE);
  assert_int_equal(kind_at(&c, SPAN), SPAN_NONE);
  assert_false(present(&c, SPAN / 2));
  assert_int_equal(table_refs(&p, SPAN), 1);
  for (uint64 i = 0; i < 2 * SPANPAGES; i += 61)
    assert_int_equal(peek(&p, i * PGSIZE), i + 1);
  check_refs(&p, &c, 0);
  vm_end(&p);
  vm_end(&c);
}

// munmap and mprotect in a shared span make it the caller's own first;
// munmap of whole spans only drops their marks. Out of memory both fail
// with nothing changed.
static void
munmap_and_mprotect_unshare(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  vm_new(&p);
  uint64 a = vm_map(&p, GB1, 3 * SPAN, RW, VMMAP_FIXED, 0, 0, 0);
  assert_int_equal(a, GB1);
  for (uint64 i = 0; i < 3 * SPANPAGES; i += 8)
    store(&p, a + i * PGSIZE, i + 1);
  fork_into(&p, &c);
  assert_int_equal(vmstat.pt_shared, 3);

  machine_exhaust(0);
  assert_int_equal(vm_unmap(&c, a + 8 * PGSIZE, 8 * PGSIZE), -1);
  assert_int_equal(vm_protect(&c, a, PGSIZE, VM_R), -1);
  machine_unexhaust();
  assert_int_equal(c.nvma, 1);
  assert_int_equal(kind_at(&c, a), SPAN_SHARED);

  assert_int_equal(vm_unmap(&c, a + 8 * PGSIZE, 8 * PGSIZE), 0);
  assert_int_equal(kind_at(&c, a), SPAN_TABLE);
  assert_false(present(&c, a + 8 * PGSIZE));
  assert_int_equal(peek(&p, a + 8 * PGSIZE), 9);
  assert_int_equal(vm_protect(&c, a + SPAN, PGSIZE, VM_R), 0);
  assert_int_equal(kind_at(&c, a + SPAN), SPAN_TABLE);
  assert_int_equal(flags_at(&c, a + SPAN), VM_R | VM_U);
  assert_int_equal(vmstat.pt_copied, 2);
  // The third span, whole: its mark goes, nothing is copied.
  assert_int_equal(vm_unmap(&c, a + 2 * SPAN, SPAN), 0);
  assert_int_equal(kind_at(&c, a + 2 * SPAN), SPAN_NONE);
  assert_int_equal(vmstat.pt_copied, 2);
  assert_int_equal(table_refs(&p, a + 2 * SPAN), 1);
  check_refs(&p, &c, 0);
  store(&p, a + SPAN, 77);   // the parent's page is copy-on-write now
  assert_int_equal(peek(&c, a + SPAN), SPANPAGES + 1);
  check_refs(&p, &c, 0);
  vm_end(&c);
  vm_end(&p);
}

// A span that a shared mapping touches is copied PTE by PTE: both sides
// keep seeing each other's stores.
static void
shared_mapping_span_is_not_shared(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  vm_new(&p);
  uint64 a = vm_map(&p, GB1, 4 * PGSIZE, RW, VMMAP_FIXED | VMMAP_SHARED, 0, 0, 0);
  assert_int_equal(a, GB1);
  assert_int_equal(vm_map(&p, GB1 + 4 * PGSIZE, 4 * PGSIZE, RW, VMMAP_FIXED, 0, 0, 0),
                   GB1 + 4 * PGSIZE);
  store(&p, a + 5 * PGSIZE, 5);
  fork_into(&p, &c);
  assert_int_equal(vmstat.pt_shared, 0);
  assert_int_equal(kind_at(&c, a), SPAN_TABLE);
  store(&c, a, 0xc);
  assert_int_equal(peek(&p, a), 0xc);
  store(&c, a + 5 * PGSIZE, 6);
  assert_int_equal(peek(&p, a + 5 * PGSIZE), 5);
  check_refs(&p, &c, 0);
  vm_end(&c);
  vm_end(&p);
}

// Out of memory for the child's upper tables, fork fails; what it had
// shared is given back when the child is freed, and the parent is as
// before. Out of memory for a copy, a store fails with FAULT_NOMEM and the
// span stays shared.
static void
out_of_memory(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, 8);
  assert_int_equal(vm_map(&p, GB1, SPAN, RW, VMMAP_FIXED, 0, 0, 0), GB1);
  store(&p, GB1, 1);
  uint64 nfree = kfreecount();
  vm_new(&c);
  machine_exhaust(1);   // one level-1 table: the second span's fails
  assert_int_equal(uvmcopy(&p, &c), -1);
  machine_unexhaust();
  vm_end(&c);
  assert_int_equal(kfreecount(), nfree);
  check_refs(&p, 0, 0);

  fork_into(&p, &c);
  machine_exhaust(0);
  assert_int_equal(vmfault(&c, 0, ACCESS_WRITE), FAULT_NOMEM);
  assert_int_equal(vmfault(&c, 0, ACCESS_READ), FAULT_NOMEM);
  machine_unexhaust();
  assert_int_equal(kind_at(&c, 0), SPAN_SHARED);
  store(&c, 0, 3);
  assert_int_equal(load(&p, 0), 1);
  check_refs(&p, &c, 0);
  vm_end(&p);
  vm_end(&c);
}

// A heap growing out of memory gives back what it mapped without needing
// a page: its unwinding cuts no shared table it did not copy itself, even
// when the next span, where it failed, is shared (a mapping lies there).
static void
failed_grow_needs_no_page(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, SPANPAGES - 2);
  assert_int_equal(vm_map(&p, SPAN + 100 * PGSIZE, PGSIZE, RW, VMMAP_FIXED, 0, 0, 0),
                   SPAN + 100 * PGSIZE);
  store(&p, SPAN + 100 * PGSIZE, 5);
  fork_into(&p, &c);
  assert_int_equal(kind_at(&c, SPAN), SPAN_SHARED);
  uint64 nfree = kfreecount();
  machine_exhaust(3);   // a copy of span 0's table and its last two pages
  assert_int_equal(uvmalloc(&c, c.sz, SPAN + 4 * PGSIZE, RW), 0);
  machine_unexhaust();
  assert_int_equal(kfreecount(), nfree - 1);   // the copy of span 0's table
  assert_int_equal(kind_at(&c, 0), SPAN_TABLE);
  assert_int_equal(kind_at(&c, SPAN), SPAN_SHARED);
  assert_false(present(&c, SPAN - 2 * PGSIZE));
  check_refs(&p, &c, 0);
  vm_end(&c);
  vm_end(&p);
}

// A large page is given to the child as one entry (largepage.c), beside a
// span whose table is shared; each side's stores stay its own, whichever
// kind of span they land in, and teardown in either order frees all.
static void
large_page_beside_shared_table(void **state)
{
  (void)state;
  vm_forkshare = 1;
  for (int first = 0; first <= 1; first++) {
    struct vmspace v[2];
    vm_new(&v[0]);
    v[0].sz = uvmalloc_large(&v[0], 0, SPAN + 10 * PGSIZE, RW);
    assert_int_equal(v[0].sz, SPAN + 10 * PGSIZE);
    assert_int_equal(kind_at(&v[0], 0), SPAN_LARGE);
    store(&v[0], 3 * PGSIZE, 33);
    store(&v[0], SPAN + PGSIZE, 44);
    fork_into(&v[0], &v[1]);
    assert_int_equal(kind_at(&v[1], 0), SPAN_LARGE);
    assert_int_equal(kind_at(&v[1], SPAN), SPAN_SHARED);
    check_refs(&v[0], &v[1], 0);
    struct vmspace *w = &v[first], *o = &v[!first];
    store(w, 3 * PGSIZE, 55);
    store(w, SPAN + PGSIZE, 66);
    assert_int_equal(load(o, 3 * PGSIZE), 33);
    assert_int_equal(load(o, SPAN + PGSIZE), 44);
    assert_int_equal(load(w, 3 * PGSIZE), 55);
    assert_int_equal(load(w, SPAN + PGSIZE), 66);
    check_refs(&v[0], &v[1], 0);
    vm_end(w);
    check_refs(o, 0, 0);
    vm_end(o);
  }
}

// range_edges's rule, with a large page at one end of the range and a
// table shared since a fork at the other, both ways round, in a child
// whose heap is large page, small pages, large page (spans 0, 1, 2; span
// 1's table shared). Before an unmap, the large page an edge cuts is
// demoted and the shared table an edge cuts becomes the child's own,
// while a shared span the range covers whole keeps its mark (it is only
// let go); before a rewrite (mprotect) that one is made the child's own
// too. Nothing the child sees changes, the parent keeps everything, and
// uvmunmap can then remove the range. Out of memory the call fails.
static void
range_edges_cut_large_and_shared(void **state)
{
  (void)state;
  vm_forkshare = 1;
  const uint64 half = SPAN / 2;
  const uint64 ranges[][2] = { { half, SPAN + half }, { SPAN + half, 2 * SPAN + half },
                               { half, 2 * SPAN + half } };
  for (int i = 0; i < 4; i++) {
    uint64 from = ranges[i % 3][0], to = ranges[i % 3][1];
    enum range_change how = i == 3 ? RANGE_REWRITE : RANGE_UNMAP;
    struct vmspace p, c;
    vm_new(&p);
    p.sz = uvmalloc_large(&p, 0, SPAN, RW);
    p.sz = uvmalloc(&p, p.sz, 2 * SPAN, RW);
    p.sz = uvmalloc_large(&p, p.sz, 3 * SPAN, RW);
    assert_int_equal(p.sz, 3 * SPAN);
    for (uint64 a = 0; a < 3 * SPAN; a += 64 * PGSIZE)
      store(&p, a, a + 1);
    fork_into(&p, &c);
    assert_int_equal(kind_at(&c, 0), SPAN_LARGE);
    assert_int_equal(kind_at(&c, SPAN), SPAN_SHARED);
    assert_int_equal(kind_at(&c, 2 * SPAN), SPAN_LARGE);

    machine_exhaust(0);
    assert_int_equal(range_edges(&c, from, to, how), -1);
    machine_unexhaust();
    vmstat.pt_copied = vmstat.pt_taken = 0;
    assert_int_equal(range_edges(&c, from, to, how), 0);
    // Cut at an edge: demoted, or made the child's own (a copy: the parent
    // shares it); covered whole: shared still, unless rewritten.
    assert_int_equal(kind_at(&c, 0), from == half ? SPAN_TABLE : SPAN_LARGE);
    assert_int_equal(kind_at(&c, 2 * SPAN), to == 2 * SPAN + half ? SPAN_TABLE : SPAN_LARGE);
    int whole = from < SPAN && to > 2 * SPAN;
    assert_int_equal(kind_at(&c, SPAN), whole && how == RANGE_UNMAP ? SPAN_SHARED : SPAN_TABLE);
    assert_int_equal(vmstat.pt_copied, whole && how == RANGE_UNMAP ? 0 : 1);
    assert_int_equal(kind_at(&p, 0), SPAN_LARGE);
    assert_int_equal(kind_at(&p, SPAN), SPAN_SHARED);
    for (uint64 a = 0; a < 3 * SPAN; a += 64 * PGSIZE) {
      assert_int_equal(peek(&c, a), a + 1);
      assert_int_equal(peek(&p, a), a + 1);
    }
    check_refs(&p, &c, 0);

    if (how == RANGE_UNMAP) {
      uvmunmap(c.pagetable, from, (to - from) / PGSIZE, 1);
      for (uint64 a = 0; a < 3 * SPAN; a += 64 * PGSIZE) {
        assert_int_equal(present(&c, a), a < from || a >= to);
        assert_int_equal(peek(&p, a), a + 1);
      }
      check_refs(&p, &c, 0);
    }
    vm_end(&c);
    vm_end(&p);
  }
}

// An access the process may not make is refused as it is, without
// making the span's shared table its own: above the break, into a
// read-only region, into a guard page. No page is copied, and with no
// memory left the answer is still FAULT_BADADDR, not FAULT_NOMEM (which
// would kill the process "out of memory" for a bad pointer).
static void
refused_access_unshares_nothing(void **state)
{
  (void)state;
  vm_forkshare = 1;
  struct vmspace p, c;
  make_parent(&p, 10);
  assert_int_equal(vma_add(&p, 12 * PGSIZE, 13 * PGSIZE, VM_R, VMA_MMAP), 0);
  assert_int_equal(vma_add(&p, 14 * PGSIZE, 15 * PGSIZE, 0, VMA_GUARD), 0);
  fork_into(&p, &c);
  assert_int_equal(kind_at(&c, 0), SPAN_SHARED);
  uint64 nfree = kfreecount();
  for (int exhaust = 0; exhaust <= 1; exhaust++) {
    if (exhaust)
      machine_exhaust(0);
    assert_int_equal(vmfault(&c, 11 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
    assert_int_equal(vmfault(&c, 3 * PGSIZE, ACCESS_EXEC), FAULT_BADADDR);
    assert_int_equal(vmfault(&c, 12 * PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
    assert_int_equal(vmfault(&c, 14 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
    uchar b = 1;
    assert_int_equal(copyout(&c, 12 * PGSIZE, &b, 1), -1);
    if (exhaust)
      machine_unexhaust();
    assert_int_equal(kind_at(&c, 0), SPAN_SHARED);
    assert_int_equal(kfreecount(), nfree);
    assert_int_equal(vmstat.pt_copied + vmstat.pt_taken, 0);
  }
  check_refs(&p, &c, 0);
  vm_end(&c);
  vm_end(&p);
}

int
run_unshare_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(lazy_page_unshares),
    UNIT_TEST_BIG(shrink_unshares_cut_span),
    UNIT_TEST_BIG(munmap_and_mprotect_unshare),
    UNIT_TEST(shared_mapping_span_is_not_shared),
    UNIT_TEST(out_of_memory),
    UNIT_TEST_BIG(failed_grow_needs_no_page),
    UNIT_TEST_BIG(large_page_beside_shared_table),
    UNIT_TEST(refused_access_unshares_nothing),
    UNIT_TEST_BIG(range_edges_cut_large_and_shared),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("unshare", tests, NULL, NULL);
}
