// The cmocka unit tests of kernel/mm and the Sv39 page-table code: the
// fixture every test runs in, helpers, and main.
#include "unit.h"

static uint64 free_at_start;

static void
unit_panic(const char *msg)
{
  fail_msg("kernel panic: %s", msg);
}

// The fixture on a machine with npages of RAM.
static int
setup_with_ram(uint64 npages)
{
  host_panic_jmp = 0;
  host_panic_hook = unit_panic;
  host_locks_reset();
  fakefs_reset();
  fakeswap_reset(0);   // no swap unless a test attaches a device
  swapinit();
  machine_boot(npages);
  // The reverse map covers the new RAM; no address space is registered
  // for it to visit until a test adds one (host_vmreg.c).
  static uchar rmap_mem[RAM_MAX_PAGES * 32];
  if (rmap_bytes(npages) > sizeof(rmap_mem))
    fail_msg("rmap_mem too small");
  rmap_init(rmap_mem, machine_ram_start(), npages);
  vmreg_reset();
  reclaim_init();
  free_at_start = kfreecount();   // the zero page is taken by now
  // Every test starts with every option on and the counters at zero.
  vm_cow = vm_faultaround = vm_zeropage = vm_demandexec = vm_largepage = 1;
  // The fork that writes every PTE, which most tests check PTE by PTE;
  // test_forkshare.c switches table sharing on.
  vm_forkshare = 0;
  vm_policy = POLICY_CLOCK;
  memset(&vmstat, 0, sizeof(vmstat));
  return 0;
}

int
unit_setup(void **state)
{
  (void)state;
  return setup_with_ram(UNIT_RAM_PAGES);
}

int
unit_setup_big(void **state)
{
  (void)state;
  return setup_with_ram(RAM_MAX_PAGES);
}

int
unit_teardown(void **state)
{
  (void)state;
  char msg[256];
  // The page cache may keep clean pages nobody maps: they are as good as
  // free. A dirty or still mapped one is a leak.
  pcache_reclaim(UNIT_RAM_PAGES);
  if (kfreecount() != free_at_start)
    fail_msg("leak: kfreecount %lu after the test, %lu before", kfreecount(), free_at_start);
  if (machine_check_refs(0, 0, msg, sizeof(msg)) != 0)
    fail_msg("reference counts after the test: %s", msg);
  if (machine_check_pcache(msg, sizeof(msg)) != 0)
    fail_msg("page cache after the test: %s", msg);
  if (host_locks_held() != 0)
    fail_msg("%d spin lock(s) still held", host_locks_held());
  if (fakefs_idle(msg, sizeof(msg)) != 0)
    fail_msg("file system not idle: %s", msg);
  if (swap_used() != 0)
    fail_msg("leak: %lu swap slots still in use", swap_used());
  return 0;
}

void
vm_new(struct vmspace *vm)
{
  assert_int_equal(uvmcreate(vm), 0);
  assert_non_null(vm->pagetable);
}

// These see through large pages: va's page is then the block's page
// that holds it, with the large page's rights.
int
present(struct vmspace *vm, uint64 va)
{
  uint64 size;
  pte_t *pte = lp_walk(vm->pagetable, va, &size);
  return pte != 0 && pte_valid(*pte);
}

uchar *
page_at(struct vmspace *vm, uint64 va)
{
  uint64 size;
  pte_t *pte = lp_walk(vm->pagetable, va, &size);
  assert_true(pte != 0 && pte_valid(*pte));
  return (uchar *)lp_leaf_pa(*pte, size, va);
}

int
flags_at(struct vmspace *vm, uint64 va)
{
  uint64 size;
  pte_t *pte = lp_walk(vm->pagetable, va, &size);
  assert_true(pte != 0 && pte_valid(*pte));
  return pte_flags(*pte);
}

int
refs_at(struct vmspace *vm, uint64 va)
{
  return kref_get((uint64)page_at(vm, va));
}

uchar *
zero_page(void)
{
  return (uchar *)machine_zero_page();
}

// The access is allowed by va's PTE as it is.
static int
ready(struct vmspace *vm, uint64 va, enum access a)
{
  return present(vm, va) && (flags_at(vm, va) & (a == ACCESS_WRITE ? VM_W : VM_R));
}

static int
count_ready(struct vmspace *vm, uint64 npages, enum access a)
{
  int n = 0;
  for (uint64 i = 0; i < npages; i++)
    n += ready(vm, i * PGSIZE, a);
  return n;
}

int
touch_in_order(struct vmspace *vm, uint64 npages, enum access a, int *made, int max)
{
  int nfaults = 0;
  for (uint64 i = 0; i < npages; i++) {
    if (ready(vm, i * PGSIZE, a))
      continue;
    int before = count_ready(vm, npages, a);
    assert_int_equal(vmfault(vm, i * PGSIZE + 8, a), FAULT_OK);
    assert_true(nfaults < max);
    made[nfaults++] = count_ready(vm, npages, a) - before;
  }
  return nfaults;
}

void
assert_windows(const int *made, int n, const int *want, int nwant)
{
  for (int i = 0; i < n && i < nwant; i++)
    if (made[i] != want[i])
      fail_msg("fault %d made %d page(s) ready, expected %d", i, made[i], want[i]);
  assert_int_equal(n, nwant);
}

void
assert_refs(struct vmspace *const *vms, int n)
{
  char msg[256];
  if (machine_check_refs(vms, n, msg, sizeof(msg)) != 0)
    fail_msg("reference counts: %s", msg);
  if (machine_check_pcache(msg, sizeof(msg)) != 0)
    fail_msg("page cache: %s", msg);
}

int
main(void)
{
  int (*groups[])(int *) = {
    run_kalloc_tests, run_pagetable_tests, run_vm_tests, run_fault_tests, run_zeropage_tests, run_faultaround_tests,
    run_uaccess_tests, run_uvmcopy_tests, run_refork_tests, run_cow_tests, run_stats_tests,
    run_exec_tests, run_swap_tests, run_replace_tests, run_buddy_tests,
    run_largepage_tests, run_mmap_tests, run_pcache_tests, run_pccount_tests, run_lpvm_tests, run_lpfork_tests, run_lpedge_tests,
    run_forkshare_tests, run_unshare_tests,
    run_rmap_tests, run_fileevict_tests, run_writeback_tests,
    run_lpevict_tests,
  };
  int failed = 0, total = 0;
  for (uint64 i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
    int n;
    failed += groups[i](&n);
    total += n;
  }

  printf("unit tests: %d run, %d passed, %d failed\n", total, total - failed, failed);
  return failed != 0;
}
