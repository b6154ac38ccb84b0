// vm.c: uvmcopy, fork's copy of an address space: shared copy-on-write
// (vm_cow, the default) or copied (vm_cow = 0). What a write to a shared
// page does afterwards is in test_cow.c; forks of a process whose pages
// are shared already, in test_refork.c.
#include "uvmcopy.h"

void
make_parent(struct vmspace *p)
{
  vm_new(p);
  uvmalloc(p, 0, PGSIZE, VM_R | VM_X);
  uvmalloc(p, PGSIZE, 3 * PGSIZE, RW);
  vma_add(p, 0, PGSIZE, VM_R | VM_X, VMA_SEGMENT);
  p->heapbase = PGSIZE;
  p->sz = NPG * PGSIZE;
  memset(page_at(p, PGSIZE), 0x11, PGSIZE);
  memset(page_at(p, 2 * PGSIZE), 0x12, PGSIZE);
  page_at(p, 0)[99] = 0x99;
  assert_int_equal(copyout(p, 6 * PGSIZE + 1, "six", 3), 0);
  uchar b;
  assert_int_equal(copyin(p, &b, 4 * PGSIZE + 7, 1), 0);
  assert_ptr_equal(page_at(p, 4 * PGSIZE), zero_page());
}

void
snap(struct vmspace *vm, struct snapshot *s)
{
  for (int i = 0; i < NPG; i++) {
    s->present[i] = present(vm, i * PGSIZE);
    if (s->present[i]) {
      s->pa[i] = page_at(vm, i * PGSIZE);
      s->flags[i] = flags_at(vm, i * PGSIZE);
      s->refs[i] = refs_at(vm, i * PGSIZE);
    }
  }
}

// make_parent, what it made, and a fork of it in the current mode, with
// what both modes promise checked.
// Returns the pages the fork took (the child's top-level table was there
// before); *flushes gets the TLB flushes it asked for.
static uint64
fork_parent(struct vmspace *parent, struct vmspace *child, struct snapshot *before,
            uint64 *flushes)
{
  make_parent(parent);
  snap(parent, before);
  vm_new(child);
  uint64 nfree = kfreecount();
  *flushes = host_tlb_flushes;
  assert_int_equal(uvmcopy(parent, child), 0);
  *flushes = host_tlb_flushes - *flushes;
  assert_int_equal(child->sz, parent->sz);
  assert_int_equal(child->heapbase, parent->heapbase);
  assert_int_equal(child->nvma, 1);
  assert_memory_equal(&child->vma[0], &parent->vma[0], sizeof(struct vma));
  // Present in the child where present in the parent, which keeps them.
  for (int i = 0; i < NPG; i++) {
    assert_int_equal(present(child, i * PGSIZE), before->present[i]);
    assert_int_equal(present(parent, i * PGSIZE), before->present[i]);
  }
  return nfree - kfreecount();
}

// The copying fork: every present page copied into a private page with
// the same rights, except the zero page, which is always shared.
static void
uvmcopy_copies_and_separates(void **state)
{
  (void)state;
  vm_cow = 0;
  struct vmspace parent, child;
  struct snapshot before;
  uint64 flushes;
  // Pages 0, 1, 2 and 6, and the child's level-1 and level-0 tables.
  assert_int_equal(fork_parent(&parent, &child, &before, &flushes), 4 + 2);
  for (int i = 0; i < NPG; i++) {
    uint64 va = i * PGSIZE;
    if (!before.present[i])
      continue;
    assert_ptr_equal(page_at(&parent, va), before.pa[i]);
    assert_int_equal(flags_at(&parent, va), before.flags[i]);
    assert_int_equal(flags_at(&child, va), before.flags[i]);
    assert_memory_equal(page_at(&child, va), page_at(&parent, va), PGSIZE);
    if (before.pa[i] == zero_page()) {
      assert_ptr_equal(page_at(&child, va), zero_page());
      assert_int_equal(refs_at(&child, va), before.refs[i] + 1);
    } else {
      assert_ptr_not_equal(page_at(&child, va), page_at(&parent, va));
      assert_int_equal(refs_at(&child, va), 1);
      assert_int_equal(refs_at(&parent, va), 1);
    }
  }
  // Lazy pages stay absent in both.
  for (int i = 3; i < NPG; i++)
    assert_int_equal(present(&child, i * PGSIZE), i == 4 || i == 6);
  assert_int_equal(vmstat.cow_copy + vmstat.cow_reuse, 0);
  struct vmspace *vms[] = { &parent, &child };
  assert_refs(vms, 2);

  // Independent afterwards, in both directions, lazy pages included.
  uint64 nfree = kfreecount();
  assert_int_equal(copyout(&child, PGSIZE + 5, "kid", 3), 0);
  assert_int_equal(copyout(&parent, 2 * PGSIZE + 5, "mom", 3), 0);
  assert_int_equal(kfreecount(), nfree);   // private pages: no copy now
  assert_int_equal(copyout(&child, 5 * PGSIZE, "new", 3), 0);
  char b[3];
  copyin(&parent, b, PGSIZE + 5, 3);
  assert_memory_equal(b, "\x11\x11\x11", 3);
  copyin(&child, b, 2 * PGSIZE + 5, 3);
  assert_memory_equal(b, "\x12\x12\x12", 3);
  assert_false(present(&parent, 5 * PGSIZE));
  copyin(&child, b, 6 * PGSIZE + 1, 3);
  assert_memory_equal(b, "six", 3);
  assert_refs(vms, 2);

  uvmfree(&parent);
  copyin(&child, b, PGSIZE + 5, 3);
  assert_memory_equal(b, "kid", 3);
  uvmfree(&child);
}

// The copy-on-write fork allocates the child's tables and nothing else:
// every present page is the same physical page in both, with one more
// reference. Pages that were writable are read-only and VM_COW in both;
// a read-only page (text) is shared as it is; the zero page stays so.
static void
uvmcopy_shares_copy_on_write(void **state)
{
  (void)state;
  struct vmspace parent, child;
  struct snapshot before;
  uint64 flushes;
  assert_int_equal(fork_parent(&parent, &child, &before, &flushes), 2);
  assert_true(flushes > 0);   // the parent's PTEs changed
  for (int i = 0; i < NPG; i++) {
    uint64 va = i * PGSIZE;
    if (!before.present[i])
      continue;
    int want = before.flags[i] & VM_W ? (before.flags[i] & ~VM_W) | VM_COW : before.flags[i];
    assert_ptr_equal(page_at(&parent, va), before.pa[i]);
    assert_ptr_equal(page_at(&child, va), before.pa[i]);
    assert_int_equal(flags_at(&parent, va), want);
    assert_int_equal(flags_at(&child, va), want);
    assert_int_equal(refs_at(&parent, va), before.refs[i] + 1);
  }
  assert_int_equal(flags_at(&child, 0), VM_R | VM_X | VM_U);
  assert_int_equal(flags_at(&child, PGSIZE), VM_R | VM_U | VM_COW);
  assert_int_equal(flags_at(&child, 4 * PGSIZE), VM_R | VM_U | VM_COW);
  assert_int_equal(flags_at(&child, 6 * PGSIZE), VM_R | VM_U | VM_COW);
  assert_int_equal(page_at(&child, 0)[99], 0x99);
  assert_int_equal(page_at(&child, 2 * PGSIZE)[4095], 0x12);
  assert_int_equal(vmstat.cow_copy + vmstat.cow_reuse, 0);
  struct vmspace *vms[] = { &parent, &child };
  assert_refs(vms, 2);

  // The child goes: one reference less on each page; the parent's pages
  // stay copy-on-write until written (test_cow.c: cow_reuse).
  uvmfree(&child);
  for (int i = 0; i < NPG; i++) {
    if (!before.present[i])
      continue;
    assert_int_equal(refs_at(&parent, i * PGSIZE), before.refs[i]);
    assert_false(flags_at(&parent, i * PGSIZE) & VM_W);
  }
  assert_refs(vms, 1);
  uvmfree(&parent);
}

// Pages in several leaf-table spans, with whole empty spans between them
// and a break inside the last one: both forks find every present page and
// nothing else, and run out of memory cleanly at every point.
static void
uvmcopy_across_spans(void **state)
{
  (void)state;
  const uint64 MB2 = 1UL << 21, GB1 = 1UL << 30;
  const uint64 vas[] = { 0, MB2 - PGSIZE, MB2, 3 * MB2 + 5 * PGSIZE, GB1 + MB2, 2 * GB1 + 7 * PGSIZE };
  const int n = sizeof(vas) / sizeof(vas[0]);
  struct vmspace p, c;
  vm_new(&p);
  p.sz = 2 * GB1 + 8 * PGSIZE - 1;
  vm_faultaround = 0;   // exactly these pages
  for (int i = 0; i < n; i++) {
    char tag = (char)('A' + i);
    assert_int_equal(copyout(&p, vas[i] + 9, &tag, 1), 0);
  }
  uchar b;
  assert_int_equal(copyin(&p, &b, MB2 + PGSIZE, 1), 0);   // the zero page
  int tables = pagetable_pages(p.pagetable) - 1;   // the child needs the same
  for (int cow = 0; cow <= 1; cow++) {
    vm_cow = cow;
    const uint64 need = tables + (cow ? 0 : n);
    for (uint64 leave = 0; leave <= need; leave++) {
      vm_new(&c);
      uint64 before = kfreecount();
      machine_exhaust(leave);
      int r = uvmcopy(&p, &c);
      machine_unexhaust();
      assert_int_equal(r, leave < need ? -1 : 0);
      struct vmspace *vms[] = { &p, &c };
      assert_refs(vms, 2);
      if (r == 0) {
        assert_int_equal(kfreecount(), before - need);
        assert_int_equal(pagetable_user_pages(c.pagetable), n + 1);
        assert_int_equal(pagetable_pages(c.pagetable), tables + 1);
        for (int i = 0; i < n; i++) {
          assert_int_equal(page_at(&c, vas[i])[9], 'A' + i);
          assert_int_equal((page_at(&c, vas[i]) == page_at(&p, vas[i])), cow);
        }
        assert_ptr_equal(page_at(&c, MB2 + PGSIZE), zero_page());
      }
      uvmfree(&c);
    }
  }
  uvmfree(&p);
}

// Memory runs out at every possible point: the child then holds exactly
// what was given so far, uvmfree gives all of it back, the parent keeps
// its contents. Its pages may have become copy-on-write: a write then
// takes them back without allocating.
static void
uvmcopy_out_of_memory(void **state)
{
  (void)state;
  struct vmspace parent, child;
  make_parent(&parent);
  uchar saved[PGSIZE];
  memcpy(saved, page_at(&parent, 2 * PGSIZE), PGSIZE);

  for (int cow = 0; cow <= 1; cow++) {
    vm_cow = cow;
    // The child's level-1 and level-0 tables, and when copying the 4
    // present pages that are not the zero page.
    const uint64 need = 2 + (cow ? 0 : 4);
    for (uint64 leave = 0; leave <= need; leave++) {
      uint64 before = kfreecount();
      vm_new(&child);
      machine_exhaust(leave);
      int r = uvmcopy(&parent, &child);
      machine_unexhaust();
      assert_int_equal(r, leave < need ? -1 : 0);
      struct vmspace *vms[] = { &parent, &child };
      assert_refs(vms, 2);
      uvmfree(&child);
      assert_int_equal(kfreecount(), before);
      assert_memory_equal(page_at(&parent, 2 * PGSIZE), saved, PGSIZE);
      assert_int_equal(page_at(&parent, 0)[99], 0x99);
      assert_int_equal(kref_get((uint64)zero_page()), 2);
    }
  }
  uint64 before = kfreecount();
  assert_int_equal(copyout(&parent, PGSIZE, "mine", 4), 0);
  assert_int_equal(copyout(&parent, 6 * PGSIZE, "mine", 4), 0);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(flags_at(&parent, PGSIZE), RW | VM_U);
  assert_int_equal(flags_at(&parent, 6 * PGSIZE), RW | VM_U);
  assert_true(vmstat.cow_reuse >= 2);
  assert_int_equal(vmstat.cow_copy, 0);
  uvmfree(&parent);
}

int
run_uvmcopy_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(uvmcopy_copies_and_separates),
    UNIT_TEST(uvmcopy_shares_copy_on_write),
    UNIT_TEST(uvmcopy_across_spans),
    UNIT_TEST(uvmcopy_out_of_memory),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("uvmcopy", tests, NULL, NULL);
}
