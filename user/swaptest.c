// swaptest: what user programs see of swap space and page replacement
// before eviction uses them (docs/paging.md): memstat's swap counters
// describe the swap disk and stay consistent, and vmconfig switches the
// replacement policy among the four and refuses anything else. The size
// of the swap disk itself is checked by tools/runtests.py against the
// image it attached (the kernel prints it at boot; `free` shows it).
#include "user.h"
#include "test.h"

#define SWAP_MAXSLOTS 65536   // kernel/mm/mm.h

static void
getstat(struct memstat *st)
{
  expect(memstat(st) == 0, "memstat failed");
}

// The slots are those of the swap disk (none without one) and none is
// in use: no process holds a swapped-out page while this test starts.
static void
swap_counters(void)
{
  struct memstat a, b;
  getstat(&a);
  expect(a.swap_total <= SWAP_MAXSLOTS, "%lu swap slots, more than the kernel uses",
         a.swap_total);
  expect(a.swap_used == 0, "%lu of %lu swap slots in use at rest", a.swap_used,
         a.swap_total);
  // Memory use does not change the size of swap.
  char *p = sbrk(64 * 4096);
  expect(p != (char *)-1, "sbrk failed");
  for (int i = 0; i < 64; i++)
    p[i * 4096] = i;
  getstat(&b);
  expect(b.swap_total == a.swap_total && b.swap_used <= b.swap_total,
         "swap went from %lu/%lu to %lu/%lu slots used", a.swap_used, a.swap_total,
         b.swap_used, b.swap_total);
}

// Each policy can be chosen and read back; values outside 0-3 are
// refused and change nothing; the old policy comes back at the end.
static void
policy_switch(void)
{
  int old = vmconfig(VMCONF_POLICY, -1);
  int set[NPOLICY], got[NPOLICY];
  for (int p = 0; p < NPOLICY; p++) {
    set[p] = vmconfig(VMCONF_POLICY, p);
    got[p] = vmconfig(VMCONF_POLICY, -1);
  }
  int big = vmconfig(VMCONF_POLICY, NPOLICY);
  int neg = vmconfig(VMCONF_POLICY, -2);
  int kept = vmconfig(VMCONF_POLICY, -1);
  int restored = vmconfig(VMCONF_POLICY, old);
  expect(old >= 0 && old < NPOLICY, "the policy at boot reads %d", old);
  expect(set[0] == old, "setting FIFO returned %d, not the old policy %d", set[0], old);
  for (int p = 0; p < NPOLICY; p++) {
    expect(got[p] == p, "policy %d reads back as %d", p, got[p]);
    if (p > 0)
      expect(set[p] == p - 1, "setting policy %d returned %d", p, set[p]);
  }
  expect(big == -1 && neg == -1 && kept == NPOLICY - 1,
         "policies %d and -2 returned %d and %d, left %d", NPOLICY, big, neg, kept);
  expect(restored == NPOLICY - 1 && vmconfig(VMCONF_POLICY, -1) == old,
         "restoring policy %d failed", old);
}

static struct test tests[] = {
  { "swap:counters", swap_counters },
  { "swap:policy_switch", policy_switch },
};

int
main(int argc, char **argv)
{
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
