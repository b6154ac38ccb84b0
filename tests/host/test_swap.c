// swap.c: the slot map, on the fake device of host_swap.c, with pages
// written to slots and read back as reclaim.c does; a device error on a
// page-in; and the PTE of a swapped-out page (pagetable.c).
#include "unit.h"

// A device of n slots, attached as the kernel does at boot.
static void
attach(uint64 n)
{
  fakeswap_reset(n);
  assert_int_equal(swapinit(), n);
  assert_int_equal(swap_total(), n);
  assert_int_equal(swap_used(), 0);
}

// A page from kalloc filled with a pattern that differs per seed.
static uchar *
pattern_page(int seed)
{
  uchar *p = kalloc();
  assert_non_null(p);
  for (int i = 0; i < PGSIZE; i++)
    p[i] = (uchar)(i * 31 + seed * 7 + (i >> 8));
  return p;
}

// Write page pa to a fresh slot, as an eviction does: the slot, or -1
// when every slot is taken (nothing then reaches the device).
static int
out(uint64 pa)
{
  int slot = swap_alloc();
  if (slot >= 0)
    assert_int_equal(swapdev_rw(slot, P2V(pa), 1, 1), 0);
  return slot;
}

// Read slot into page pa, as a page-in does.
static int
in(int slot, uint64 pa)
{
  return swapdev_rw(slot, P2V(pa), 1, 0);
}

static void
assert_pattern(const uchar *p, int seed)
{
  for (int i = 0; i < PGSIZE; i++)
    if (p[i] != (uchar)(i * 31 + seed * 7 + (i >> 8)))
      fail_msg("byte %d is 0x%x, expected 0x%x", i, p[i],
               (uchar)(i * 31 + seed * 7 + (i >> 8)));
}

// Without a swap device there are no slots: nothing can be swapped out,
// and nothing reaches a device.
static void
no_swap_device(void **state)
{
  (void)state;
  assert_int_equal(swap_total(), 0);
  assert_int_equal(swap_alloc(), -1);
  uchar *p = pattern_page(1);
  assert_int_equal(out(V2P(p)), -1);
  assert_pattern(p, 1);
  assert_int_equal(fakeswap_writes + fakeswap_reads, 0);
  kfree(p);
}

// Pages written out come back byte for byte into other pages, each slot
// holds its own page on the device, and the counters count it all.
static void
swap_round_trip(void **state)
{
  (void)state;
  attach(16);
  enum { N = 5 };
  int slots[N];
  for (int k = 0; k < N; k++) {
    uchar *p = pattern_page(k);
    slots[k] = out(V2P(p));
    assert_in_range(slots[k], 0, 15);
    for (int j = 0; j < k; j++)
      assert_int_not_equal(slots[j], slots[k]);
    assert_int_equal(swap_refs(slots[k]), 1);
    assert_pattern(p, k);                  // writing leaves the page alone
    assert_memory_equal(fakeswap_block(slots[k]), p, PGSIZE);
    kfree(p);
  }
  assert_int_equal(swap_used(), N);
  for (int k = N - 1; k >= 0; k--) {
    uchar *q = kalloc();                   // zeroed; the page is elsewhere now
    assert_int_equal(in(slots[k], V2P(q)), 0);
    assert_pattern(q, k);
    assert_int_equal(swap_refs(slots[k]), 1);   // the caller drops it
    swap_free(slots[k]);
    kfree(q);
  }
  assert_int_equal(fakeswap_writes, N);
  assert_int_equal(fakeswap_reads, N);
  assert_int_equal(swap_used(), 0);
}

// A slot is counted like a page: each reference is dropped on its own,
// and the slot is free (and counted free) only when the last one goes.
static void
slot_refcounts(void **state)
{
  (void)state;
  attach(4);
  uchar *p = pattern_page(9);
  int s = out(V2P(p));
  assert_true(s >= 0);
  swap_dup(s);                              // a fork shares the page
  swap_dup(s);
  assert_int_equal(swap_refs(s), 3);
  assert_int_equal(swap_used(), 1);
  assert_int_equal(swap_refs_total(), 3);
  swap_free(s);
  swap_free(s);
  assert_int_equal(swap_refs(s), 1);
  assert_int_equal(swap_used(), 1);
  assert_int_equal(swap_refs_total(), 1);
  uchar *q = kalloc();
  assert_int_equal(in(s, V2P(q)), 0);   // the last holder reads it
  assert_pattern(q, 9);
  swap_free(s);
  assert_int_equal(swap_refs(s), 0);
  assert_int_equal(swap_used(), 0);
  kfree(p);
  kfree(q);
}

// When every slot is taken no slot is handed out and nothing is
// written; a slot set free is the one the next allocation gets.
static void
swap_exhaustion(void **state)
{
  (void)state;
  attach(6);
  uchar *p = pattern_page(3);
  int slots[6];
  for (int i = 0; i < 6; i++) {
    slots[i] = out(V2P(p));
    assert_true(slots[i] >= 0);
  }
  assert_int_equal(swap_used(), 6);
  uint64 writes = fakeswap_writes;
  assert_int_equal(out(V2P(p)), -1);
  assert_int_equal(swap_alloc(), -1);
  assert_int_equal(fakeswap_writes, writes);
  assert_int_equal(swap_used(), 6);
  swap_free(slots[2]);
  assert_int_equal(out(V2P(p)), slots[2]);
  for (int i = 0; i < 6; i++)
    swap_free(slots[i]);
  assert_int_equal(swap_used(), 0);
  kfree(p);
}

// Slots are handed out round the device (next fit): a slot just freed is
// not reused before the ones after it.
static void
slots_next_fit(void **state)
{
  (void)state;
  attach(4);
  assert_int_equal(swap_alloc(), 0);
  assert_int_equal(swap_alloc(), 1);
  swap_free(0);
  assert_int_equal(swap_alloc(), 2);
  assert_int_equal(swap_alloc(), 3);
  assert_int_equal(swap_alloc(), 0);      // wrapped round
  assert_int_equal(swap_alloc(), -1);
  for (int s = 0; s < 4; s++)
    swap_free(s);
}

// A device error while a page comes back: the fault fails (the process
// will be killed), the PTE still names the slot with its reference, and
// nothing was mapped; once the device works again the page comes back.
static void
swap_read_error(void **state)
{
  (void)state;
  attach(4);
  struct vmspace vm;
  vm_new(&vm);
  vm.sz = uvmalloc(&vm, 0, PGSIZE, VM_R | VM_W);
  memset(page_at(&vm, 0), 0x5c, PGSIZE);
  vmreg_add(&vm);
  assert_int_equal(reclaim(1), 1);
  pte_t *pte = walk(vm.pagetable, 0, 0);
  assert_true(pte_is_swap(*pte));
  int s = pte_swap_slot(*pte);
  uint64 nfree = kfreecount();
  fakeswap_fail(0);
  assert_int_equal(vmfault(&vm, 0, ACCESS_READ), FAULT_BADADDR);
  assert_true(pte_is_swap(*pte) && pte_swap_slot(*pte) == (uint64)s);
  assert_int_equal(swap_refs(s), 1);
  assert_int_equal(kfreecount(), nfree);
  assert_int_equal(vmstat.swap_ins, 0);
  assert_int_equal(vmfault(&vm, 0, ACCESS_READ), FAULT_OK);
  assert_int_equal(page_at(&vm, 0)[100], 0x5c);
  assert_int_equal(swap_used(), 0);
  vmreg_remove(&vm);
  uvmfree(&vm);
}

// A run of consecutive free slots for a batch: as long as asked when
// there is one, from where the last search stopped, else the longest.
static void
slot_runs(void **state)
{
  (void)state;
  attach(16);
  int n;
  assert_int_equal(swap_alloc_run(4, &n), 0);
  assert_int_equal(n, 4);
  assert_int_equal(swap_alloc_run(4, &n), 4);
  assert_int_equal(n, 4);
  for (int i = 8; i < 16; i++)
    assert_int_equal(swap_alloc(), i);   // all taken now
  swap_free(1);
  swap_free(2);
  swap_free(9);
  assert_int_equal(swap_alloc_run(4, &n), 1);   // the longest run left: 1-2
  assert_int_equal(n, 2);
  assert_int_equal(swap_used(), 15);
  assert_int_equal(swap_refs_total(), 15);
  for (int i = 0; i < 16; i++)
    if (swap_refs(i))
      swap_free(i);
  assert_int_equal(swap_used(), 0);
  int f = swap_alloc_run(20, &n);   // a run never goes past the device's end
  assert_true(f >= 0 && n >= 13 && f + n <= 16);
  for (int i = f; i < f + n; i++)
    swap_free(i);
}

// Misuse is a kernel bug and panics: a slot the device does not have, a
// free slot dropped, shared or read.
static void
swap_misuse_panics(void **state)
{
  (void)state;
  attach(2);
  uchar *q = kalloc();
  expect_panic(swap_free(0), "swap_free: free slot");
  expect_panic(swap_dup(1), "swap_dup: free slot");
  expect_panic(swap_refs(2), "no such slot");
  expect_panic(swap_refs(-1), "no such slot");
  expect_panic(swap_free(2), "no such slot");
  assert_int_equal(swap_used(), 0);
  kfree(q);
}

// A device larger than SWAP_MAXSLOTS is used up to that many slots.
static void
swap_device_larger_than_the_map(void **state)
{
  (void)state;
  fakeswap_reset(SWAP_MAXSLOTS + 10);
  assert_int_equal(swapinit(), SWAP_MAXSLOTS);
  for (int i = 0; i < SWAP_MAXSLOTS; i++)
    assert_int_equal(swap_alloc(), i);
  assert_int_equal(swap_alloc(), -1);
  assert_int_equal(swap_used(), SWAP_MAXSLOTS);
  for (int i = 0; i < SWAP_MAXSLOTS; i++)
    swap_free(i);
  fakeswap_reset(0);
  swapinit();
}

// The PTE of a swapped-out page: invalid to the MMU (V clear), never 0,
// not a valid leaf, and it gives its slot back, from 0 to the largest
// the format holds.
static void
swap_pte_encoding(void **state)
{
  (void)state;
  const uint64 slots[] = { 0, 1, 511, 12345, SWAP_MAXSLOTS - 1, PTE_SWAP_MAXSLOT };
  for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
    pte_t pte = pte_make_swap(slots[i]);
    assert_int_equal(pte & PTE_V, 0);
    assert_true(pte != 0);
    assert_false(pte_valid(pte));
    assert_true(pte_is_swap(pte));
    assert_int_equal(pte_swap_slot(pte), slots[i]);
  }
  // Neither an empty PTE nor any valid one reads as swapped out.
  uchar *p = kalloc();
  const int rights[] = { VM_R, VM_R | VM_W, VM_R | VM_X | VM_U, VM_R | VM_U | VM_COW };
  for (int i = 0; i < 4; i++)
    assert_false(pte_is_swap(pte_make(V2P(p), rights[i])));
  assert_false(pte_is_swap(0));
  expect_panic(pte_swap_slot(pte_make(V2P(p), VM_R)), "not a swapped-out PTE");
  expect_panic(pte_swap_slot(0), "not a swapped-out PTE");
  expect_panic(pte_make_swap(PTE_SWAP_MAXSLOT + 1), "slot too large");
  kfree(p);
}

// In a page table a swapped-out PTE maps nothing: walkers that count
// resident pages or list valid entries pass over it.
static void
swap_pte_maps_nothing(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  pte_t *pte = walk(vm.pagetable, 3 * PGSIZE, 1);
  assert_non_null(pte);
  *pte = pte_make_swap(77);
  assert_false(present(&vm, 3 * PGSIZE));
  assert_int_equal(pagetable_user_pages(vm.pagetable), 0);
  *pte = 0;
  uvmfree(&vm);
}

int
run_swap_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(no_swap_device),
    UNIT_TEST(swap_round_trip),
    UNIT_TEST(slot_refcounts),
    UNIT_TEST(swap_exhaustion),
    UNIT_TEST(slots_next_fit),
    UNIT_TEST(swap_read_error),
    UNIT_TEST(slot_runs),
    UNIT_TEST(swap_misuse_panics),
    UNIT_TEST(swap_device_larger_than_the_map),
    UNIT_TEST(swap_pte_encoding),
    UNIT_TEST(swap_pte_maps_nothing),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("swap", tests, NULL, NULL);
}
