// fault.c: writes to pages shared copy-on-write (cow_break), through
// vmfault as a store would fault and through copyout as the kernel
// writes; copy (cow_copy) while others share the page, reuse (cow_reuse)
// when the writer holds the last reference. How fork shares: test_uvmcopy.c.
#include "unit.h"

#define RW (VM_R | VM_W)
#define NPG 4

// A parent with NPG heap pages from 0, page i filled with 0x30 + i, and a
// child forked from it copy-on-write.
static void
fork_pair(struct vmspace *parent, struct vmspace *child)
{
  vm_new(parent);
  parent->sz = uvmalloc(parent, 0, NPG * PGSIZE, RW);
  for (int i = 0; i < NPG; i++)
    memset(page_at(parent, i * PGSIZE), 0x30 + i, PGSIZE);
  vm_new(child);
  assert_int_equal(uvmcopy(parent, child), 0);
  for (int i = 0; i < NPG; i++)
    assert_ptr_equal(page_at(parent, i * PGSIZE), page_at(child, i * PGSIZE));
}

static void
assert_filled(struct vmspace *vm, uint64 va, uchar c)
{
  uchar *p = page_at(vm, va);
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != c)
      fail_msg("va %#lx byte %d: %#x, expected %#x", va, i, p[i], c);
}

// The first writer, whichever it is, gets a private copy with VM_W back;
// the other keeps the shared page, still copy-on-write, now held alone; its
// own write then takes that page back without copying.
static void
write_fault_copies_then_reuses(void **state)
{
  (void)state;
  for (int first = 0; first <= 1; first++) {
    memset(&vmstat, 0, sizeof(vmstat));
    struct vmspace v[2];
    fork_pair(&v[0], &v[1]);
    struct vmspace *w = &v[first], *o = &v[!first];
    uchar *shared = page_at(w, PGSIZE);
    uint64 nfree = kfreecount();
    uint64 flushes = host_tlb_flushes;

    assert_int_equal(vmfault(w, PGSIZE + 10, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(kfreecount(), nfree - 1);
    assert_true(host_tlb_flushes > flushes);
    uchar *mine = page_at(w, PGSIZE);
    assert_ptr_not_equal(mine, shared);
    assert_int_equal(flags_at(w, PGSIZE), RW | VM_U);
    assert_int_equal(kref_get((uint64)mine), 1);
    assert_filled(w, PGSIZE, 0x31);
    assert_ptr_equal(page_at(o, PGSIZE), shared);
    assert_int_equal(flags_at(o, PGSIZE), VM_R | VM_U | VM_COW);
    assert_int_equal(kref_get((uint64)shared), 1);
    // Only that page: its neighbours are still shared.
    assert_ptr_equal(page_at(w, 0), page_at(o, 0));
    assert_ptr_equal(page_at(w, 2 * PGSIZE), page_at(o, 2 * PGSIZE));
    assert_int_equal(vmstat.cow_copy, 1);
    assert_int_equal(vmstat.cow_reuse, 0);

    mine[0] = 'w';
    assert_int_equal(shared[0], 0x31);

    flushes = host_tlb_flushes;
    assert_int_equal(vmfault(o, PGSIZE, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(kfreecount(), nfree - 1);
    assert_true(host_tlb_flushes > flushes);
    assert_ptr_equal(page_at(o, PGSIZE), shared);
    assert_int_equal(flags_at(o, PGSIZE), RW | VM_U);
    assert_int_equal(kref_get((uint64)shared), 1);
    assert_int_equal(vmstat.cow_copy, 1);
    assert_int_equal(vmstat.cow_reuse, 1);
    // A read of a shared page needs nothing; a second write neither.
    assert_int_equal(vmfault(o, 3 * PGSIZE, ACCESS_READ), FAULT_OK);
    assert_int_equal(flags_at(o, 3 * PGSIZE), VM_R | VM_U | VM_COW);
    assert_int_equal(vmfault(w, PGSIZE, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(kfreecount(), nfree - 1);
    assert_refs((struct vmspace *[]){ &v[0], &v[1] }, 2);
    uvmfree(&v[0]);
    uvmfree(&v[1]);
  }
}

// copyout breaks a shared page as a store would, in either process, and
// across a page boundary; copyin reads shared pages without breaking them.
static void
copyout_breaks_shared_pages(void **state)
{
  (void)state;
  vm_faultaround = 0;   // exactly the pages written (windows: test_fault.c)
  struct vmspace p, c;
  fork_pair(&p, &c);
  uint64 nfree = kfreecount();
  char buf[8];
  assert_int_equal(copyin(&c, buf, 2 * PGSIZE - 4, 8), 0);
  assert_memory_equal(buf, "\x31\x31\x31\x31\x32\x32\x32\x32", 8);
  assert_int_equal(kfreecount(), nfree);
  assert_ptr_equal(page_at(&c, PGSIZE), page_at(&p, PGSIZE));

  assert_int_equal(copyout(&c, 2 * PGSIZE - 4, "childkid", 8), 0);
  assert_int_equal(kfreecount(), nfree - 2);
  assert_int_equal(vmstat.cow_copy, 2);
  assert_int_equal(copyout(&p, 3 * PGSIZE + 1, "mom", 3), 0);
  assert_int_equal(kfreecount(), nfree - 3);
  assert_int_equal(copyin(&c, buf, 2 * PGSIZE - 4, 8), 0);
  assert_memory_equal(buf, "childkid", 8);
  assert_int_equal(copyin(&p, buf, 2 * PGSIZE - 4, 8), 0);
  assert_memory_equal(buf, "\x31\x31\x31\x31\x32\x32\x32\x32", 8);
  assert_int_equal(copyin(&c, buf, 3 * PGSIZE, 4), 0);
  assert_memory_equal(buf, "\x33\x33\x33\x33", 4);
  assert_int_equal(copyin(&p, buf, 3 * PGSIZE, 4), 0);
  assert_memory_equal(buf, "\x33mom", 4);
  assert_int_equal(flags_at(&c, PGSIZE), RW | VM_U);
  assert_int_equal(flags_at(&c, 2 * PGSIZE), RW | VM_U);
  assert_int_equal(flags_at(&c, 3 * PGSIZE), VM_R | VM_U | VM_COW);
  assert_int_equal(flags_at(&p, 0), VM_R | VM_U | VM_COW);
  assert_refs((struct vmspace *[]){ &p, &c }, 2);
  uvmfree(&p);
  uvmfree(&c);
}

// When the other sharers have gone, a write takes the page back: same
// page, VM_W again, nothing allocated, even with no memory at all.
static void
write_alone_reuses_page(void **state)
{
  (void)state;
  struct vmspace p, c;
  fork_pair(&p, &c);
  uchar *pages[NPG];
  for (int i = 0; i < NPG; i++)
    pages[i] = page_at(&p, i * PGSIZE);
  uvmfree(&c);
  machine_exhaust(0);
  assert_int_equal(vmfault(&p, 0, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(copyout(&p, 2 * PGSIZE + 7, "ok", 2), 0);
  machine_unexhaust();
  assert_ptr_equal(page_at(&p, 0), pages[0]);
  assert_ptr_equal(page_at(&p, 2 * PGSIZE), pages[2]);
  assert_int_equal(flags_at(&p, 0), RW | VM_U);
  assert_int_equal(flags_at(&p, 2 * PGSIZE), RW | VM_U);
  assert_int_equal(flags_at(&p, 3 * PGSIZE), VM_R | VM_U | VM_COW);
  assert_memory_equal(pages[2] + 6, "\x32ok\x32", 4);
  assert_int_equal(vmstat.cow_reuse, 2);
  assert_int_equal(vmstat.cow_copy, 0);
  assert_refs((struct vmspace *[]){ &p }, 1);
  uvmfree(&p);
}

// No page for the copy: FAULT_NOMEM (copyout -1), and the shared page, its
// reference count and both PTEs stay exactly as they were.
static void
cow_break_out_of_memory(void **state)
{
  (void)state;
  struct vmspace p, c;
  fork_pair(&p, &c);
  uchar *shared = page_at(&p, PGSIZE);
  machine_exhaust(0);
  assert_int_equal(vmfault(&c, PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  assert_int_equal(vmfault(&p, PGSIZE, ACCESS_WRITE), FAULT_NOMEM);
  assert_int_equal(copyout(&c, PGSIZE + 3, "x", 1), -1);
  struct vmspace *vms[] = { &p, &c };
  for (int i = 0; i < 2; i++) {
    assert_ptr_equal(page_at(vms[i], PGSIZE), shared);
    assert_int_equal(flags_at(vms[i], PGSIZE), VM_R | VM_U | VM_COW);
  }
  assert_int_equal(kref_get((uint64)shared), 2);
  assert_filled(&p, PGSIZE, 0x31);
  assert_int_equal(vmstat.cow_copy + vmstat.cow_reuse, 0);
  assert_refs(vms, 2);
  machine_unexhaust();

  // With memory back, the same write works.
  assert_int_equal(copyout(&c, PGSIZE + 3, "x", 1), 0);
  assert_int_equal(page_at(&c, PGSIZE)[3], 'x');
  assert_filled(&p, PGSIZE, 0x31);
  assert_refs(vms, 2);
  uvmfree(&p);
  uvmfree(&c);
}

// A chain: parent, child, grandchild share a page three ways. The first
// two writers copy, the last one takes the page back.
static void
chain_of_forks(void **state)
{
  (void)state;
  struct vmspace v[3];
  fork_pair(&v[0], &v[1]);
  vm_new(&v[2]);
  assert_int_equal(uvmcopy(&v[1], &v[2]), 0);
  uchar *shared = page_at(&v[0], 0);
  assert_int_equal(kref_get((uint64)shared), 3);
  const int order[] = { 2, 0, 1 };
  for (int k = 0; k < 3; k++) {
    struct vmspace *w = &v[order[k]];
    uint64 nfree = kfreecount();
    char tag = (char)('a' + order[k]);
    assert_int_equal(copyout(w, 0, &tag, 1), 0);
    assert_int_equal(kfreecount(), nfree - (k < 2));
    assert_int_equal(kref_get((uint64)shared), k < 2 ? 2 - k : 1);
  }
  assert_ptr_equal(page_at(&v[1], 0), shared);
  assert_int_equal(vmstat.cow_copy, 2);
  assert_int_equal(vmstat.cow_reuse, 1);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(page_at(&v[i], 0)[0], 'a' + i);
    assert_int_equal(page_at(&v[i], 0)[1], 0x30);
    assert_int_equal(flags_at(&v[i], 0), RW | VM_U);
  }
  struct vmspace *vms[] = { &v[0], &v[1], &v[2] };
  assert_refs(vms, 3);
  for (int i = 0; i < 3; i++)
    uvmfree(&v[i]);
}

// Copy-on-write changes only VM_W: an executable writable page stays
// executable, fetches from it need no copy; a page never writable is
// shared read-only and a write to it is refused, shared or not.
static void
cow_keeps_other_rights(void **state)
{
  (void)state;
  struct vmspace p, c;
  vm_new(&p);
  uvmalloc(&p, 0, PGSIZE, VM_R | VM_X);
  uvmalloc(&p, PGSIZE, 2 * PGSIZE, VM_R | VM_W | VM_X);
  vma_add(&p, 0, PGSIZE, VM_R | VM_X, VMA_SEGMENT);
  vma_add(&p, PGSIZE, 2 * PGSIZE, VM_R | VM_W | VM_X, VMA_SEGMENT);
  p.sz = p.heapbase = 2 * PGSIZE;
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_int_equal(flags_at(&c, 0), VM_R | VM_X | VM_U);
  assert_int_equal(flags_at(&c, PGSIZE), VM_R | VM_X | VM_U | VM_COW);
  uint64 nfree = kfreecount();
  assert_int_equal(vmfault(&c, PGSIZE, ACCESS_EXEC), FAULT_OK);
  assert_int_equal(vmfault(&c, 0, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(copyout(&p, 0, "x", 1), -1);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(flags_at(&p, 0), VM_R | VM_X | VM_U);
  assert_int_equal(vmfault(&c, PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(flags_at(&c, PGSIZE), VM_R | VM_W | VM_X | VM_U);
  assert_int_equal(kfreecount(), nfree - 1);
  uvmfree(&c);
  assert_int_equal(vmfault(&p, 0, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(vmfault(&p, PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(flags_at(&p, PGSIZE), VM_R | VM_W | VM_X | VM_U);
  assert_refs((struct vmspace *[]){ &p }, 1);
  uvmfree(&p);
}

// Sequential writes after a fork break several shared pages per fault
// (copies in the child, reuses in the parent afterwards); scattered ones
// exactly one. A window stops at a page that needs no break.
static void
cow_fault_around(void **state)
{
  (void)state;
  struct vmspace p, c;
  vm_new(&p);
  p.sz = uvmalloc(&p, 0, 40 * PGSIZE, RW);
  for (int i = 0; i < 40; i++)
    page_at(&p, i * PGSIZE)[i] = (uchar)(i + 1);
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_int_equal(copyout(&c, 38 * PGSIZE, "x", 1), 0);   // one break
  assert_int_equal(vmstat.cow_copy, 1);

  uint64 nfree = kfreecount();
  int made[16];
  host_tlb_forget();
  int n = touch_in_order(&c, 40, ACCESS_WRITE, made, 16);
  // 0 | 1 2 | 3-6 | 7-14 | 15-30 | 31-37 (38 is the child's own) | 39
  // (not right after 37)
  const int want_child[] = { 1, 2, 4, 8, 16, 7, 1 };
  assert_windows(made, n, want_child, 7);
  // Each break flushed the pages it replaced, in ranges, never all.
  for (int i = 0; i < 40; i++)
    assert_true(i == 38 || host_tlb_flushed(i * PGSIZE));
  assert_false(host_tlb_flushed(40 * PGSIZE));
  assert_false(host_tlb_flushed_all());
  assert_int_equal(nfree - kfreecount(), 39);
  assert_int_equal(vmstat.cow_copy, 40);
  assert_int_equal(vmstat.fault_around, 1 + 3 + 7 + 15 + 6);
  for (int i = 0; i < 40; i++) {
    assert_int_equal(page_at(&c, i * PGSIZE)[i], i + 1);
    assert_ptr_not_equal(page_at(&c, i * PGSIZE), page_at(&p, i * PGSIZE));
    assert_int_equal(refs_at(&p, i * PGSIZE), 1);
    assert_int_equal(flags_at(&p, i * PGSIZE), VM_R | VM_U | VM_COW);
  }
  assert_int_equal(page_at(&c, 38 * PGSIZE)[0], 'x');

  // The parent, alone now, takes its pages back in windows too, without
  // allocating.
  nfree = kfreecount();
  n = touch_in_order(&p, 40, ACCESS_WRITE, made, 16);
  const int want_parent[] = { 1, 2, 4, 8, 16, 9 };
  assert_windows(made, n, want_parent, 6);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(vmstat.cow_reuse, 40);
  uvmfree(&c);

  // Scattered writes after another fork: one page each.
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  uint64 fault_around = vmstat.fault_around;
  const uint64 scattered[] = { 5, 20, 10, 9, 30, 29 };
  for (uint64 i = 0; i < sizeof(scattered) / sizeof(scattered[0]); i++) {
    uint64 before = kfreecount();
    assert_int_equal(vmfault(&c, scattered[i] * PGSIZE, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(kfreecount(), before - 1);
  }
  assert_int_equal(vmstat.fault_around, fault_around);
  assert_int_equal(flags_at(&c, 6 * PGSIZE), VM_R | VM_U | VM_COW);
  assert_int_equal(flags_at(&c, 21 * PGSIZE), VM_R | VM_U | VM_COW);
  struct vmspace *vms[] = { &p, &c };
  assert_refs(vms, 2);
  uvmfree(&p);
  uvmfree(&c);
}

// Copy-on-write windows run on into the next leaf table, whose PTEs are
// found there and not past the end of the last one.
static void
cow_fault_around_crosses_leaf_tables(void **state)
{
  (void)state;
  const uint64 span = PT_LEAF_SPAN / PGSIZE;
  struct vmspace p, c;
  vm_new(&p);
  p.sz = (span + 20) * PGSIZE;
  p.heapbase = (span - 20) * PGSIZE;
  assert_int_equal(uvmalloc(&p, p.heapbase, p.sz, RW), p.sz);
  for (uint64 i = span - 20; i < span + 20; i++)
    page_at(&p, i * PGSIZE)[0] = (uchar)i;
  vm_new(&c);
  // Keep the child's two leaf tables apart in memory, so that running off
  // the end of the first does not land in the second by luck: table pages
  // come one after another (kalloc_table), so the first leaf table is
  // made now and the page-table page after it stays held.
  pte_t *a = walk(c.pagetable, 0, 1);
  void *gap = kalloc_table();
  assert_ptr_equal((char *)gap - PGSIZE, a);
  assert_int_equal(uvmcopy(&p, &c), 0);
  assert_ptr_equal(walk(c.pagetable, p.heapbase, 0), a + span - 20);
  assert_ptr_not_equal(walk(c.pagetable, span * PGSIZE, 0), a + span);
  assert_int_equal(copyout(&c, (span + 4) * PGSIZE + 1, "x", 1), 0);   // stops the window
  // Faults at span-20, -19, -17, -13, -5: windows 1, 2, 4, 8, then 16
  // from span-5, cut at span+4.
  uint64 va = (span - 20) * PGSIZE;
  const int want[] = { 1, 2, 4, 8, 9 };
  for (int f = 0; f < 5; f++) {
    uint64 before = kfreecount();
    assert_int_equal(vmfault(&c, va, ACCESS_WRITE), FAULT_OK);
    assert_int_equal(before - kfreecount(), want[f]);
    va += want[f] * PGSIZE;
  }
  for (uint64 i = span - 20; i < span + 20; i++) {
    assert_int_equal(flags_at(&c, i * PGSIZE), i <= span + 4 ? RW | VM_U : VM_R | VM_U | VM_COW);
    assert_int_equal(page_at(&c, i * PGSIZE)[0], (uchar)i);
  }
  kfree(gap);
  struct vmspace *vms[] = { &p, &c };
  assert_refs(vms, 2);
  uvmfree(&p);
  uvmfree(&c);
}

int
run_cow_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(write_fault_copies_then_reuses),
    UNIT_TEST(copyout_breaks_shared_pages),
    UNIT_TEST(write_alone_reuses_page),
    UNIT_TEST(cow_break_out_of_memory),
    UNIT_TEST(chain_of_forks),
    UNIT_TEST(cow_keeps_other_rights),
    UNIT_TEST(cow_fault_around),
    UNIT_TEST(cow_fault_around_crosses_leaf_tables),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("cow", tests, NULL, NULL);
}
