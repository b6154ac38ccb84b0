// swaptest: processes that share swapped pages, or RAM.
#include "swaptest.h"

// fork of a process whose pages are in swap: both see the old contents,
// each its own stores (parent and child write different halves at once),
// and the slots are shared until each side brings its page back.
void
fork_swapped(void)
{
  expect(have_swap(), "no swap disk");
  uint64 n = ram_pages() * 3 / 5;
  char *p = sbrklazy(n * PG);
  expect(p != (char *)-1, "sbrk failed");
  fill(p, n, 6);
  sweep(ram_pages());   // pushes most of p out
  struct memstat st;
  getstat(&st);
  expect(st.swap_used > n / 4, "only %lu slots in use after the sweep", st.swap_used);
  int pid = fork();
  expect(pid >= 0, "fork failed");
  uint64 half = n / 2;
  if (pid == 0) {
    long bad = check(p, n, 6);
    fill(p, half, 7);
    sweep(ram_pages() / 2);
    long bad7 = check(p, half, 7);
    long bad6 = check_from(p, half, n - half, 6);
    exit(bad >= 0 ? 1 : bad7 >= 0 ? 2 : bad6 >= 0 ? 3 : 0);
  }
  fill_from(p, half, n - half, 8);
  long bad6 = check(p, half, 6);
  long bad8 = check_from(p, half, n - half, 8);
  int status = -5;
  wait(&status);
  expect(status == 0, "the child saw wrong contents (status %d: 1 before its stores, "
         "2 its own half, 3 the other half)", status);
  expect(bad6 < 0 && bad8 < 0, "the parent saw page %ld of its old half, %ld of its new "
         "half wrong", bad6, bad8);
  expect_slots_accounted("after the child exited");
}

// A process whose pages are in swap gives its slots back when it exits.
void
exit_frees_slots(void)
{
  expect(have_swap(), "no swap disk");
  struct memstat a, b;
  getstat(&a);
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    uint64 n = ram_pages() * 5 / 4;
    char *p = sbrklazy(n * PG);
    if (p == (char *)-1)
      exit(1);
    fill(p, n, 9);
    struct memstat st;
    memstat(&st);
    exit(st.swap_used > a.swap_used + n / 8 ? 0 : 2);
  }
  int status = -5;
  wait(&status);
  getstat(&b);
  expect(status == 0, "the child ended with %d (2: few of its pages went to swap)", status);
  expect_slots_accounted("after the child exited");
}

// Three processes over-commit RAM together (1.5x RAM in all), each
// filling and checking its own memory twice: on 3 harts they evict each
// other's pages.
void
overcommit_together(void)
{
  expect(have_swap(), "no swap disk");
  uint64 n = ram_pages() / 2;
  int pids[3];
  for (int k = 0; k < 3; k++) {
    pids[k] = fork();
    expect(pids[k] >= 0, "fork failed");
    if (pids[k] == 0) {
      char *p = sbrklazy(n * PG);
      if (p == (char *)-1)
        exit(1);
      for (int round = 0; round < 2; round++) {
        fill(p, n, 20 + k + round);
        if (check(p, n, 20 + k + round) >= 0)
          exit(2 + round);
      }
      exit(0);
    }
  }
  int bad = wait_children(3);
  expect(bad == 0, "a process ended with status %d (2, 3: wrong contents in round 1, 2)", bad);
  expect_slots_accounted("after all three exited");
}

// fork with shared page tables while memory is short: three children of
// a parent whose tables they share read all of its memory and then write
// it, on 3 harts at once, 2x RAM in all. Each child's first access to a
// 2 MiB span copies the shared table while reclaim, on behalf of another
// child, may be sending pages of that same table to swap (forkshare.c's
// table lock keeps the two apart). Every child sees the parent's bytes,
// then its own; the parent keeps its own.
void
shared_tables_under_pressure(void)
{
  expect(have_swap(), "no swap disk");
  int share = vmconfig(VMCONF_FORKSHARE, 1);
  uint64 n = ram_pages() / 2;
  char *p = sbrklazy(n * PG);
  expect(p != (char *)-1, "sbrk failed");
  fill(p, n, 30);
  int pids[3];
  for (int k = 0; k < 3; k++) {
    pids[k] = fork();
    expect(pids[k] >= 0, "fork failed");
    if (pids[k] == 0) {
      if (check(p, n, 30) >= 0)
        exit(1);
      fill(p, n, 31 + k);
      exit(check(p, n, 31 + k) >= 0 ? 2 : 0);
    }
  }
  int bad = wait_children(3);
  long mine = check(p, n, 30);
  vmconfig(VMCONF_FORKSHARE, share);
  expect(bad == 0, "a child ended with status %d (1: the parent's bytes wrong, 2: its own)",
         bad);
  expect(mine < 0, "page %ld of the parent's came back wrong", mine);
  expect_slots_accounted("after the children exited");
}
