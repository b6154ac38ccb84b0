// vm.c: uvmcopy of a process whose pages are shared already: forks of
// forks, where three processes share pages and exit in any order; a
// copying fork of copy-on-write pages (PROT_NONE ones too); the zero page,
// which every fork shares. The fork of one process: test_uvmcopy.c.
#include "uvmcopy.h"

// Three processes sharing pages (a fork of a fork: its pages are shared
// already) write and exit, in every order: each always sees its own
// bytes, and nothing leaks.
#define NP 3

static void
poke(struct vmspace *v, uchar m[][NPG], int i, int page, uchar val)
{
  assert_int_equal(copyout(&v[i], page * PGSIZE + 100, &val, 1), 0);
  m[i][page] = val;
}

static void
check_all(struct vmspace *v, uchar m[][NPG], const int *live)
{
  struct vmspace *vms[NP];
  int n = 0;
  for (int i = 0; i < NP; i++) {
    if (!live[i])
      continue;
    vms[n++] = &v[i];
    for (int page = 0; page < NPG; page++) {
      uchar b = 0xFF;
      assert_int_equal(copyin(&v[i], &b, page * PGSIZE + 100, 1), 0);
      if (b != m[i][page])
        fail_msg("process %d page %d: %#x, expected %#x", i, page, b, m[i][page]);
    }
  }
  assert_refs(vms, n);
}

static void
fork_chains_exit_in_any_order(void **state)
{
  (void)state;
  static const int orders[6][NP] = {
    { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
  };
  uint64 start = kfreecount();
  for (int o = 0; o < 6; o++) {
    struct vmspace v[NP];
    uchar m[NP][NPG] = { { 0, 0x11, 0x12, 0, 0, 0, 0, 0 } };
    int live[NP] = { 1, 1, 1 };
    make_parent(&v[0]);
    vm_new(&v[1]);
    assert_int_equal(uvmcopy(&v[0], &v[1]), 0);
    vm_new(&v[2]);
    assert_int_equal(uvmcopy(&v[1], &v[2]), 0);   // the child forks
    memcpy(m[1], m[0], NPG);
    memcpy(m[2], m[0], NPG);
    for (int i = 0; i < NP; i++) {
      assert_ptr_equal(page_at(&v[i], PGSIZE), page_at(&v[0], PGSIZE));
      assert_int_equal(refs_at(&v[i], PGSIZE), 3);
      assert_int_equal(refs_at(&v[i], 0), 3);
      assert_int_equal(flags_at(&v[i], 6 * PGSIZE), VM_R | VM_U | VM_COW);
    }
    assert_int_equal(kref_get((uint64)zero_page()), 1 + 3);
    check_all(v, m, live);

    poke(v, m, 1, 1, 0xC1);
    poke(v, m, 2, 2, 0xA2);
    poke(v, m, 0, 6, 0xB6);
    poke(v, m, 2, 4, 0xA4);
    check_all(v, m, live);
    for (int k = 0; k < NP; k++) {
      int gone = orders[o][k];
      uvmfree(&v[gone]);
      live[gone] = 0;
      for (int i = 0; i < NP; i++)
        if (live[i])
          poke(v, m, i, 1 + k + i, (uchar)(0x40 + 16 * k + i));
      check_all(v, m, live);
    }
    assert_int_equal(kfreecount(), start);
    assert_int_equal(kref_get((uint64)zero_page()), 1);
  }
}

// A copying fork of a process whose pages are shared copy-on-write with
// another: the new child gets private, writable copies (the zero page
// excepted); the two that share keep sharing.
static void
copying_fork_uncows_shared_pages(void **state)
{
  (void)state;
  struct vmspace p, a, b;
  make_parent(&p);
  vm_new(&a);
  assert_int_equal(uvmcopy(&p, &a), 0);
  struct snapshot shared;
  snap(&a, &shared);

  vm_cow = 0;
  vm_new(&b);
  uint64 nfree = kfreecount();
  assert_int_equal(uvmcopy(&a, &b), 0);
  assert_int_equal(kfreecount(), nfree - 4 - 2);
  for (int i = 0; i < NPG; i++) {
    uint64 va = i * PGSIZE;
    assert_int_equal(present(&b, va), shared.present[i]);
    if (!shared.present[i])
      continue;
    assert_ptr_equal(page_at(&a, va), shared.pa[i]);
    assert_ptr_equal(page_at(&p, va), shared.pa[i]);
    assert_int_equal(flags_at(&a, va), shared.flags[i]);
    assert_int_equal(flags_at(&p, va), shared.flags[i]);
    assert_memory_equal(page_at(&b, va), shared.pa[i], PGSIZE);
    if (shared.pa[i] == zero_page()) {
      assert_ptr_equal(page_at(&b, va), zero_page());
      assert_int_equal(flags_at(&b, va), VM_R | VM_U | VM_COW);
    } else {
      assert_ptr_not_equal(page_at(&b, va), shared.pa[i]);
      assert_int_equal(refs_at(&b, va), 1);
      assert_int_equal(refs_at(&a, va), 2);
    }
  }
  assert_int_equal(flags_at(&b, 0), VM_R | VM_X | VM_U);
  assert_int_equal(flags_at(&b, PGSIZE), RW | VM_U);
  assert_int_equal(flags_at(&b, 6 * PGSIZE), RW | VM_U);
  assert_int_equal(kref_get((uint64)zero_page()), 1 + 3);

  // b writes its own pages without a fault that allocates.
  nfree = kfreecount();
  assert_int_equal(copyout(&b, PGSIZE, "b1", 2), 0);
  assert_int_equal(copyout(&b, 6 * PGSIZE, "b6", 2), 0);
  assert_int_equal(kfreecount(), nfree);
  char c[2];
  copyin(&a, c, PGSIZE, 2);
  assert_memory_equal(c, "\x11\x11", 2);
  copyin(&p, c, 6 * PGSIZE, 2);
  assert_memory_equal(c, "\0s", 2);
  struct vmspace *vms[] = { &p, &a, &b };
  assert_refs(vms, 3);
  uvmfree(&a);
  uvmfree(&b);
  uvmfree(&p);
}

// A copying fork of a page shared copy-on-write under PROT_NONE gives the
// child a private copy that is still PROT_NONE (VM_R and the mark, not
// VM_W); made writable again, its first store takes no page. (A fuzz
// input caught the child's copy writable.)
static void
copying_fork_keeps_prot_none(void **state)
{
  (void)state;
  uint64 start = kfreecount();
  struct vmspace p, a, b;
  vm_new(&p);
  uint64 at = vm_map(&p, 0, PGSIZE, RW, 0, 0, 0, 0);
  assert_int_equal(copyout(&p, at, "pn", 2), 0);
  vm_new(&a);
  assert_int_equal(uvmcopy(&p, &a), 0);
  assert_int_equal(vm_protect(&p, at, PGSIZE, 0), 0);
  assert_int_equal(flags_at(&p, at), VM_R | VM_COW);
  vm_cow = 0;
  vm_new(&b);
  assert_int_equal(uvmcopy(&p, &b), 0);
  assert_ptr_not_equal(page_at(&b, at), page_at(&p, at));
  assert_int_equal(refs_at(&b, at), 1);
  assert_int_equal(flags_at(&b, at), VM_R | VM_COW);
  assert_int_equal(vm_protect(&b, at, PGSIZE, RW), 0);
  uint64 nfree = kfreecount();
  assert_int_equal(copyout(&b, at + 2, "b", 1), 0);
  assert_int_equal(kfreecount(), nfree);
  assert_memory_equal(page_at(&b, at), "pnb", 3);
  struct vmspace *vms[] = { &p, &a, &b };
  assert_refs(vms, 3);
  uvmfree(&a);
  uvmfree(&b);
  uvmfree(&p);
  assert_int_equal(kfreecount(), start);
}

// The zero page is shared by every fork, copying or not; a write in one
// process gives that process a zeroed page; shrinking drops references.
static void
zero_page_shared_by_every_fork(void **state)
{
  (void)state;
  struct vmspace p, c1, c2;
  vm_new(&p);
  p.sz = 4 * PGSIZE;
  uchar b[2 * PGSIZE];
  assert_int_equal(copyin(&p, b, PGSIZE, 2 * PGSIZE), 0);   // pages 1 and 2
  assert_int_equal(kref_get((uint64)zero_page()), 3);
  vm_new(&c1);
  assert_int_equal(uvmcopy(&p, &c1), 0);
  vm_cow = 0;
  vm_new(&c2);
  uint64 nfree = kfreecount();
  assert_int_equal(uvmcopy(&p, &c2), 0);
  assert_int_equal(kfreecount(), nfree - 2);   // tables only
  assert_int_equal(kref_get((uint64)zero_page()), 7);
  struct vmspace *all[] = { &p, &c1, &c2 };
  for (int i = 0; i < 3; i++) {
    for (int pg = 1; pg <= 2; pg++) {
      assert_ptr_equal(page_at(all[i], pg * PGSIZE), zero_page());
      assert_int_equal(flags_at(all[i], pg * PGSIZE), VM_R | VM_U | VM_COW);
    }
    assert_false(present(all[i], 0));
    assert_false(present(all[i], 3 * PGSIZE));
  }

  assert_int_equal(copyout(&c1, PGSIZE + 8, "w", 1), 0);
  assert_ptr_not_equal(page_at(&c1, PGSIZE), zero_page());
  assert_int_equal(flags_at(&c1, PGSIZE), VM_R | VM_W | VM_U);
  assert_int_equal(page_at(&c1, PGSIZE)[7], 0);
  assert_int_equal(kref_get((uint64)zero_page()), 6);
  assert_int_equal(vmstat.cow_copy, 0);

  p.sz = uvmdealloc(&p, p.sz, PGSIZE);
  assert_int_equal(kref_get((uint64)zero_page()), 4);
  assert_refs(all, 3);
  for (int i = 0; i < 3; i++)
    uvmfree(all[i]);
}

int
run_refork_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(fork_chains_exit_in_any_order),
    UNIT_TEST(copying_fork_uncows_shared_pages),
    UNIT_TEST(copying_fork_keeps_prot_none),
    UNIT_TEST(zero_page_shared_by_every_fork),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("refork", tests, NULL, NULL);
}
