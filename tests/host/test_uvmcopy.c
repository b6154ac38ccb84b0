// vm.c: uvmcopy, fork's copy of an address space.
#include "unit.h"

#define RW (VM_R | VM_W)

// Pages 0-2 present (page 0 read-only, like a text segment), heap from
// page 1 up to page 8 lazy except page 6, which was touched.
static void
make_parent(struct vmspace *p)
{
  vm_new(p);
  uvmalloc(p, 0, PGSIZE, VM_R | VM_X);
  uvmalloc(p, PGSIZE, 3 * PGSIZE, RW);
  vma_add(p, 0, PGSIZE, VM_R | VM_X, VMA_SEGMENT);
  p->heapbase = PGSIZE;
  p->sz = 8 * PGSIZE;
  memset(page_at(p, PGSIZE), 0x11, PGSIZE);
  memset(page_at(p, 2 * PGSIZE), 0x12, PGSIZE);
  page_at(p, 0)[99] = 0x99;
  assert_int_equal(copyout(p, 6 * PGSIZE + 1, "six", 3), 0);
}

static void
uvmcopy_copies_and_separates(void **state)
{
  (void)state;
  struct vmspace parent, child;
  make_parent(&parent);
  vm_new(&child);
  assert_int_equal(uvmcopy(&parent, &child), 0);

  assert_int_equal(child.sz, parent.sz);
  assert_int_equal(child.heapbase, parent.heapbase);
  assert_int_equal(child.nvma, 1);
  assert_memory_equal(&child.vma[0], &parent.vma[0], sizeof(struct vma));
  for (uint64 va = 0; va < parent.sz; va += PGSIZE) {
    assert_int_equal(present(&child, va), present(&parent, va));
    if (!present(&parent, va))
      continue;
    assert_ptr_not_equal(page_at(&child, va), page_at(&parent, va));
    assert_int_equal(flags_at(&child, va), flags_at(&parent, va));
    assert_memory_equal(page_at(&child, va), page_at(&parent, va), PGSIZE);
  }
  // Lazy pages stay absent in both.
  for (int i = 3; i < 8; i++)
    assert_int_equal(present(&child, i * PGSIZE), i == 6);
  struct vmspace *vms[] = { &parent, &child };
  assert_refs(vms, 2);

  // Independent afterwards, in both directions, lazy pages included.
  assert_int_equal(copyout(&child, PGSIZE + 5, "kid", 3), 0);
  assert_int_equal(copyout(&parent, 2 * PGSIZE + 5, "mom", 3), 0);
  assert_int_equal(copyout(&child, 4 * PGSIZE, "new", 3), 0);
  char b[3];
  copyin(&parent, b, PGSIZE + 5, 3);
  assert_memory_equal(b, "\x11\x11\x11", 3);
  copyin(&child, b, 2 * PGSIZE + 5, 3);
  assert_memory_equal(b, "\x12\x12\x12", 3);
  assert_false(present(&parent, 4 * PGSIZE));
  copyin(&child, b, 6 * PGSIZE + 1, 3);
  assert_memory_equal(b, "six", 3);
  assert_refs(vms, 2);

  uvmfree(&parent);
  copyin(&child, b, PGSIZE + 5, 3);
  assert_memory_equal(b, "kid", 3);
  uvmfree(&child);
}

// Memory runs out at every possible point: the child then holds exactly
// what was copied, uvmfree gives all of it back, the parent is untouched.
static void
uvmcopy_out_of_memory(void **state)
{
  (void)state;
  struct vmspace parent, child;
  make_parent(&parent);
  uchar saved[PGSIZE];
  memcpy(saved, page_at(&parent, 2 * PGSIZE), PGSIZE);
  // 4 present pages and their level-1 and level-0 tables.
  const uint64 need = 4 + 2;

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
  }
  uvmfree(&parent);
}

int
run_uvmcopy_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(uvmcopy_copies_and_separates),
    UNIT_TEST(uvmcopy_out_of_memory),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("uvmcopy", tests, NULL, NULL);
}
