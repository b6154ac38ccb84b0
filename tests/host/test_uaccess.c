// uaccess.c: copyout, copyin and copyinstr, which reach user pages through
// vmfault like a user access would.
#include "unit.h"

#define RW (VM_R | VM_W)

static void
fill(uchar *b, uint64 n, int seed)
{
  for (uint64 i = 0; i < n; i++)
    b[i] = (uchar)(i * 7 + seed);
}

static void
copy_round_trip_across_pages(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = uvmalloc(&vm, 0, 3 * PGSIZE, RW);
  uchar in[5000], out[5000];
  fill(in, sizeof(in), 3);
  assert_int_equal(copyout(&vm, PGSIZE - 100, in, sizeof(in)), 0);

  // The bytes are where the page table says.
  uchar *p0 = page_at(&vm, 0), *p1 = page_at(&vm, PGSIZE), *p2 = page_at(&vm, 2 * PGSIZE);
  assert_memory_equal(p0 + PGSIZE - 100, in, 100);
  assert_memory_equal(p1, in + 100, PGSIZE);
  assert_memory_equal(p2, in + 100 + PGSIZE, sizeof(in) - 100 - PGSIZE);
  assert_int_equal(p0[PGSIZE - 101], 0);
  assert_int_equal(p2[sizeof(in) - 100 - PGSIZE], 0);

  memset(out, 0, sizeof(out));
  assert_int_equal(copyin(&vm, out, PGSIZE - 100, sizeof(out)), 0);
  assert_memory_equal(out, in, sizeof(in));
  assert_int_equal(copyin(&vm, out, 3 * PGSIZE - 1, 1), 0);
  assert_int_equal(copyout(&vm, 0, in, 0), 0);
  uvmfree(&vm);
}

// Copies go through vmfault: lazy pages are filled on the way. (Which
// other absent heap pages a fault maps as well is vmfault's business; the
// pages the copy touches must be there.)
static void
copy_onto_lazy_pages(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = 8 * PGSIZE;
  uchar in[16] = "0123456789abcdef", out[16];
  assert_int_equal(copyout(&vm, 2 * PGSIZE - 8, in, 16), 0);
  assert_false(present(&vm, 0));
  assert_true(present(&vm, PGSIZE));
  assert_true(present(&vm, 2 * PGSIZE));
  assert_memory_equal(page_at(&vm, PGSIZE) + PGSIZE - 8, in, 8);
  assert_memory_equal(page_at(&vm, 2 * PGSIZE), in + 8, 8);
  assert_int_equal(copyin(&vm, out, 2 * PGSIZE - 8, 16), 0);
  assert_memory_equal(out, in, 16);

  memset(out, 1, sizeof(out));
  assert_int_equal(copyin(&vm, out, 6 * PGSIZE + 5, 16), 0);
  for (int i = 0; i < 16; i++)
    assert_int_equal(out[i], 0);
  assert_true(present(&vm, 6 * PGSIZE));
  assert_false(present(&vm, 0));
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

static void
copyout_refuses_readonly_page(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  uvmalloc(&vm, 0, PGSIZE, VM_R);
  vm.heapbase = PGSIZE;
  vm.sz = 2 * PGSIZE;   // a lazy heap page above it
  uchar *p = page_at(&vm, 0);
  memcpy(p + 10, "text", 4);

  assert_int_equal(copyout(&vm, 10, "XXXX", 4), -1);
  assert_int_equal(copyout(&vm, PGSIZE - 2, "XXXX", 4), -1);
  assert_memory_equal(p + 10, "text", 4);
  assert_int_equal(p[PGSIZE - 2], 0);
  char out[4];
  assert_int_equal(copyin(&vm, out, 10, 4), 0);
  assert_memory_equal(out, "text", 4);
  // The heap page above is writable.
  assert_int_equal(copyout(&vm, PGSIZE, "XXXX", 4), 0);
  uvmfree(&vm);
}

static void
copy_refuses_outside(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = uvmalloc(&vm, 0, 2 * PGSIZE, RW);
  uchar buf[16] = { 0 };
  uint64 before = kfreecount();
  assert_int_equal(copyout(&vm, 2 * PGSIZE, buf, 1), -1);
  assert_int_equal(copyout(&vm, 2 * PGSIZE - 4, buf, 8), -1);
  assert_int_equal(copyin(&vm, buf, 2 * PGSIZE - 4, 8), -1);
  assert_int_equal(copyin(&vm, buf, MAXVA - 4, 8), -1);
  assert_int_equal(copyin(&vm, buf, MAXVA, 1), -1);
  assert_int_equal(copyout(&vm, ~0UL - 3, buf, 4), -1);
  assert_int_equal(copyout(&vm, TRAMPOLINE, buf, 4), -1);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(copyin(&vm, buf, 2 * PGSIZE - 8, 8), 0);
  uvmfree(&vm);
}

static void
copyinstr_cases(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = uvmalloc(&vm, 0, 2 * PGSIZE, RW);
  char dst[64];
  copyout(&vm, PGSIZE - 3, "hello", 6);   // across the page line

  memset(dst, 'z', sizeof(dst));
  assert_int_equal(copyinstr(&vm, dst, PGSIZE - 3, sizeof(dst)), 0);
  assert_string_equal(dst, "hello");
  assert_int_equal(copyinstr(&vm, dst, PGSIZE - 3, 6), 0);   // NUL is the 6th byte
  assert_string_equal(dst, "hello");
  assert_int_equal(copyinstr(&vm, dst, PGSIZE - 3, 5), -1);
  assert_int_equal(copyinstr(&vm, dst, PGSIZE - 3, 0), -1);
  assert_int_equal(copyinstr(&vm, dst, PGSIZE + 2, 3), 0);
  assert_string_equal(dst, "");

  // No NUL before the end of user memory: refused.
  uchar as[8];
  memset(as, 'a', sizeof(as));
  copyout(&vm, 2 * PGSIZE - 8, as, 8);
  assert_int_equal(copyinstr(&vm, dst, 2 * PGSIZE - 8, sizeof(dst)), -1);
  // With a lazy page after it, the string ends in that page's zeros.
  vm.sz = 3 * PGSIZE;
  assert_int_equal(copyinstr(&vm, dst, 2 * PGSIZE - 8, sizeof(dst)), 0);
  assert_string_equal(dst, "aaaaaaaa");
  assert_true(present(&vm, 2 * PGSIZE));

  assert_int_equal(copyinstr(&vm, dst, 3 * PGSIZE, sizeof(dst)), -1);
  assert_int_equal(copyinstr(&vm, dst, MAXVA, sizeof(dst)), -1);
  uvmfree(&vm);
}

// prefault makes a range present; an empty range, wherever it starts,
// touches nothing (procinfo and vmdump with max = 0 only count).
static void
prefault_empty_touches_nothing(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = 4 * PGSIZE;   // lazy heap pages only
  uint64 before = kfreecount();
  uint64 starts[] = { PGSIZE + 5, 2 * PGSIZE, 3 * PGSIZE - 1, 4 * PGSIZE + 7,
                      MAXVA + 3, TRAMPOLINE + 1, ~0UL };
  for (unsigned i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
    assert_int_equal(prefault(&vm, starts[i], 0, ACCESS_WRITE), 0);
    assert_int_equal(prefault(&vm, starts[i], 0, ACCESS_READ), 0);
  }
  assert_int_equal(kfreecount(), before);
  for (uint64 va = 0; va < 4 * PGSIZE; va += PGSIZE)
    assert_false(present(&vm, va));

  // A range that wraps is refused before anything is touched.
  assert_int_equal(prefault(&vm, PGSIZE + 5, ~0UL - 2, ACCESS_WRITE), -1);
  assert_int_equal(kfreecount(), before);
  // A real range is made present: one byte is enough for its page.
  assert_int_equal(prefault(&vm, 2 * PGSIZE + 9, 1, ACCESS_WRITE), 0);
  assert_true(present(&vm, 2 * PGSIZE));
  uvmfree(&vm);
}

// A copy that is preempted (a timer interrupt in the kernel yields)
// between finding its page and storing into it is a stopped process that
// reclaim on another hart may look at. kerneltrap (kernel/arch/riscv/
// trap.c, which the host does not build) holds the address space around
// the yield (vm->busy); the hook does what it does, with a reclaim in
// between. The page the copy found must stay mapped until the copy is
// done, or the bytes would go to a page freed meanwhile and be lost.
static struct vmspace *copier;
static int copy_page_kept;

static void
reclaim_meanwhile(void)
{
  copier->busy++;   // kerneltrap, before yield
  reclaim(2);
  copier->busy--;   // and once the process runs again
  copy_page_kept = present(copier, 0);
  if (!copy_page_kept)
    fail_msg("the page being copied to went to swap during the copy");
}

static void
copy_keeps_its_page(void **state)
{
  (void)state;
  fakeswap_reset(8);
  assert_int_equal(swapinit(), 8);
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = uvmalloc(&vm, 0, 2 * PGSIZE, RW);
  vmreg_add(&vm);
  uchar in[100], out[100];
  fill(in, sizeof(in), 5);
  copier = &vm;
  host_memmove_meanwhile = reclaim_meanwhile;
  assert_int_equal(copyout(&vm, 10, in, sizeof(in)), 0);
  assert_true(copy_page_kept);
  assert_int_equal(vm.busy, 0);
  assert_int_equal(copyin(&vm, out, 10, sizeof(out)), 0);
  assert_memory_equal(out, in, sizeof(in));
  host_memmove_meanwhile = reclaim_meanwhile;
  assert_int_equal(copyin(&vm, out, 10, sizeof(out)), 0);   // and a copy from it
  assert_true(copy_page_kept);
  assert_memory_equal(out, in, sizeof(in));
  vmreg_remove(&vm);
  uvmfree(&vm);
  assert_int_equal(swap_used(), 0);
}

int
run_uaccess_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(copy_round_trip_across_pages),
    UNIT_TEST(copy_onto_lazy_pages),
    UNIT_TEST(copyout_refuses_readonly_page),
    UNIT_TEST(copy_refuses_outside),
    UNIT_TEST(copyinstr_cases),
    UNIT_TEST(prefault_empty_touches_nothing),
    UNIT_TEST(copy_keeps_its_page),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("uaccess", tests, NULL, NULL);
}
