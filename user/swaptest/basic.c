// swaptest: the counters, the policy switch, and running out of RAM and
// swap together.
#include "swaptest.h"

// The slots are those of the swap disk (none without one) and none is
// in use: no process holds a swapped-out page while this test starts.
void
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
void
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

// A child that touches more than RAM and swap together is killed (the
// console says "out of memory"), while a sibling that keeps its memory
// lives on and finds it intact once the hog is gone; every slot is
// accounted for afterwards. (The sibling waits on a pipe meanwhile: a
// process that faults while nothing is left is killed too, whichever it
// is.)
void
out_of_memory(void)
{
  struct memstat st;
  getstat(&st);
  int fds[2];
  expect(pipe(fds) == 0, "pipe failed");
  int quiet = fork();
  expect(quiet >= 0, "fork failed");
  if (quiet == 0) {
    uint64 n = 64;
    char *p = sbrk(n * PG);
    if (p == (char *)-1)
      exit(3);
    fill(p, n, 10);
    char c;
    if (read(fds[0], &c, 1) != 1)
      exit(5);
    exit(check(p, n, 10) >= 0 ? 4 : 0);
  }
  int hog = fork();
  expect(hog >= 0, "fork failed");
  if (hog == 0) {
    uint64 n = (st.total + st.swap_total) * 5 / 4;
    char *p = sbrklazy(n * PG);
    if (p == (char *)-1)
      exit(5);
    for (uint64 i = 0; i < n; i++)
      p[i * PG] = 1;
    exit(6);   // should have been killed
  }
  int hs = -5, qs = -5;
  int first = wait(&hs);
  write(fds[1], "x", 1);
  int second = wait(&qs);
  close(fds[0]);
  close(fds[1]);
  expect(first == hog && second == quiet, "the hog was not the first to end");
  expect(hs == -1, "the hog ended with status %d, not killed (-1)", hs);
  expect(qs == 0, "the quiet sibling ended with status %d", qs);
  expect_slots_accounted("after the hog was killed");
}
