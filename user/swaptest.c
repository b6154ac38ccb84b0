// swaptest: swap space and page replacement as user programs see them
// (docs/paging.md): memstat's swap counters, vmconfig's policies, and
// eviction: contents that go to swap and come back byte for byte (heap,
// stack, anonymous and private file mappings), fork sharing swapped
// pages, slots freed at exit, out of memory when RAM and swap are both
// gone, and several processes over-committing together. The eviction
// tests size themselves from memstat (1.5x RAM and so on), so they are
// meant for a small MEM: tools/runtests.py runs them in its swap stage
// (MEM 32M); without a swap disk they check that over-commit fails
// cleanly instead.
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

// ---- eviction

#define PG 4096

static uint64
ram_pages(void)
{
  struct memstat st;
  getstat(&st);
  return st.total;
}

// The word at word i of page n of a region filled for owner tag (n
// counts from the region's start, wherever a fill or check begins).
static uint64
pattern(uint64 tag, uint64 n, uint64 i)
{
  return (tag << 40) ^ (n << 12) ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void
fill_from(char *p, uint64 first, uint64 npages, uint64 tag)
{
  for (uint64 n = first; n < first + npages; n++) {
    uint64 *w = (uint64 *)(p + n * PG);
    for (int i = 0; i < PG / 8; i++)
      w[i] = pattern(tag, n, i);
  }
}

static void
fill(char *p, uint64 npages, uint64 tag)
{
  fill_from(p, 0, npages, tag);
}

// The first page of p from first on whose contents differ from fill's,
// or -1.
static long
check_from(char *p, uint64 first, uint64 npages, uint64 tag)
{
  for (uint64 n = first; n < first + npages; n++) {
    uint64 *w = (uint64 *)(p + n * PG);
    for (int i = 0; i < PG / 8; i++)
      if (w[i] != pattern(tag, n, i))
        return n;
  }
  return -1;
}

static long
check(char *p, uint64 npages, uint64 tag)
{
  return check_from(p, 0, npages, tag);
}

// Touch npages new pages of heap, writing each: what pushes other pages out.
static void
sweep(uint64 npages)
{
  char *p = sbrklazy(npages * PG);
  expect(p != (char *)-1, "sbrk of %lu pages for the sweep failed", npages);
  for (uint64 n = 0; n < npages; n++)
    p[n * PG] = 1;
  expect(sbrk(-(int)(npages * PG)) != (char *)-1, "shrinking the sweep failed");
}

static int
have_swap(void)
{
  struct memstat st;
  getstat(&st);
  return st.swap_total > 0;
}

// The heap: 1.5x RAM filled and read back; pages went out and came back.
static void
heap_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  struct memstat a, b;
  getstat(&a);
  uint64 n = ram_pages() * 3 / 2;
  char *p = sbrklazy(n * PG);
  expect(p != (char *)-1, "sbrk of %lu pages failed", n);
  fill(p, n, 1);
  long bad = check(p, n, 1);
  getstat(&b);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
  expect(b.swap_outs - a.swap_outs >= n - a.total && b.evict_anon > a.evict_anon,
         "%lu pages went to swap for %lu pages in %lu of RAM", b.swap_outs - a.swap_outs,
         n, a.total);
  expect(b.swap_ins > a.swap_ins && b.major_faults > a.major_faults,
         "%lu pages came back, %lu major faults", b.swap_ins - a.swap_ins,
         b.major_faults - a.major_faults);
}

// An eager sbrk bigger than the free RAM succeeds while swap has room.
static void
eager_overcommit(void)
{
  expect(have_swap(), "no swap disk");
  uint64 n = ram_pages() * 5 / 4;
  char *p = sbrk(n * PG);
  expect(p != (char *)-1, "eager sbrk of %lu pages (RAM: %lu) failed", n, ram_pages());
  fill(p, n, 2);
  long bad = check(p, n, 2);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
}

// Resident pages of the region of pid that holds va (vmregions), or -1.
static long
region_resident(int pid, uint64 va)
{
  static struct vmregion r[64];   // not on the stack, which is under test
  int n = vmregions(pid, r, 64);
  for (int i = 0; i < n && i < 64; i++)
    if (va >= r[i].start && va < r[i].end)
      return r[i].resident;
  return -1;
}

// The stack page goes to swap while this process waits for a child that
// sweeps memory, and comes back whole. (A process that sweeps itself
// touches its stack all the while; and wait(0) pins no status word on
// the stack.) The child tells through a pipe whether it saw the parent's
// stack leave RAM.
static void
stack_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  volatile uint64 local[256];
  for (int i = 0; i < 256; i++)
    local[i] = pattern(3, 0, i);
  int parent = getpid();
  uint64 sp = (uint64)local;
  int fds[2];
  expect(pipe(fds) == 0, "pipe failed");
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    char out = 0;
    for (int tries = 0; tries < 6 && !out; tries++) {
      sweep(ram_pages() * 5 / 4);
      out = region_resident(parent, sp) == 0;
    }
    write(fds[1], &out, 1);
    exit(0);
  }
  wait(0);
  char out = 0;
  int got = read(fds[0], &out, 1);
  close(fds[0]);
  close(fds[1]);
  int ok = 1;
  for (int i = 0; i < 256; i++)
    if (local[i] != pattern(3, 0, i))
      ok = 0;
  expect(ok, "the stack came back wrong");
  expect(got == 1 && out, "the stack never left RAM while the child swept");
}

// An anonymous private mapping of 1.2x RAM: out and back.
static void
mmap_anon_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  uint64 n = ram_pages() * 6 / 5;
  char *p = mmap(0, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(p != MAP_FAILED, "mmap of %lu pages failed", n);
  fill(p, n, 4);
  long res = region_resident(getpid(), (uint64)p);
  long bad = check(p, n, 4);
  expect(res >= 0 && (uint64)res < n, "all %lu pages stayed resident", n);
  expect(bad < 0, "page %ld of %lu came back wrong", bad, n);
  expect(munmap(p, n * PG) == 0, "munmap failed");
}

// A private mapping of a file, every page written (private copies), then
// a sweep: the copies come back, and the file is as it was.
static void
mmap_private_file_roundtrip(void)
{
  expect(have_swap(), "no swap disk");
  int npg = 32;
  int fd = open("swapfile", O_CREATE | O_RDWR | O_TRUNC);
  expect(fd >= 0, "cannot create swapfile");
  char buf[512];
  for (int i = 0; i < npg * PG / 512; i++) {
    memset(buf, 'a' + i % 26, sizeof(buf));
    expect(write(fd, buf, sizeof(buf)) == sizeof(buf), "write failed");
  }
  char *p = mmap(0, npg * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  expect(p != MAP_FAILED, "mmap failed");
  fill(p, npg, 5);
  int tries = 0;
  for (; tries < 6 && region_resident(getpid(), (uint64)p) != 0; tries++)
    sweep(ram_pages() * 5 / 4);
  long res = region_resident(getpid(), (uint64)p);
  long bad = check(p, npg, 5);
  expect(res == 0, "%ld of %d pages still resident after %d sweeps", res, npg, tries);
  expect(bad < 0, "page %ld of the private copies came back wrong", bad);
  expect(munmap(p, npg * PG) == 0, "munmap failed");
  close(fd);
  fd = open("swapfile", O_RDONLY);
  for (int i = 0; i < npg * PG / 512; i++) {
    expect(read(fd, buf, sizeof(buf)) == sizeof(buf), "read failed");
    for (int j = 0; j < 512; j++)
      expect(buf[j] == 'a' + i % 26, "the file changed at byte %d", i * 512 + j);
  }
  close(fd);
  unlink("swapfile");
}


// Swap slots held by the PTEs of all processes (procinfo): while no two
// processes share a swapped page, each slot in use is held by exactly one
// PTE, so this must equal memstat's swap_used (nothing leaked a slot).
static struct procinfo pi[64];

static uint64
slots_held(void)
{
  int n = procinfo(pi, 64);
  uint64 sum = 0;
  for (int i = 0; i < n && i < 64; i++)
    if (pi[i].swapped != PI_UNKNOWN)
      sum += pi[i].swapped;
  return sum;
}

static void
expect_slots_accounted(const char *when)
{
  // The buffer must be in place before memstat counts: bringing a page of
  // it back from swap would free a slot in between.
  memset(pi, 0, sizeof(pi));
  struct memstat st;
  getstat(&st);
  uint64 held = slots_held();
  expect(st.swap_used == held, "%s: %lu swap slots in use, processes hold %lu", when,
         st.swap_used, held);
}

// fork of a process whose pages are in swap: both see the old contents,
// each its own stores (parent and child write different halves at once),
// and the slots are shared until each side brings its page back.
static void
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
static void
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

// A child that touches more than RAM and swap together is killed (the
// console says "out of memory"), while a sibling that keeps its memory
// lives on and finds it intact once the hog is gone; every slot is
// accounted for afterwards. (The sibling waits on a pipe meanwhile: a
// process that faults while nothing is left is killed too, whichever it
// is.)
static void
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

// Three processes over-commit RAM together (1.5x RAM in all), each
// filling and checking its own memory twice: on 3 harts they evict each
// other's pages.
static void
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
  int bad = 0;
  for (int k = 0; k < 3; k++) {
    int status = -5;
    wait(&status);
    if (status != 0)
      bad = status;
  }
  expect(bad == 0, "a process ended with status %d (2, 3: wrong contents in round 1, 2)", bad);
  expect_slots_accounted("after all three exited");
}

static struct test tests[] = {
  { "swap:counters", swap_counters },
  { "swap:policy_switch", policy_switch },
  { "swap:out_of_memory", out_of_memory },
  { "swap:heap_roundtrip", heap_roundtrip },
  { "swap:eager_overcommit", eager_overcommit },
  { "swap:stack_roundtrip", stack_roundtrip },
  { "swap:mmap_anon_roundtrip", mmap_anon_roundtrip },
  { "swap:mmap_private_file_roundtrip", mmap_private_file_roundtrip },
  { "swap:fork_swapped", fork_swapped },
  { "swap:exit_frees_slots", exit_frees_slots },
  { "swap:overcommit_together", overcommit_together },
};
#define NTESTS (int)(sizeof(tests) / sizeof(tests[0]))
#define NOSWAP_TESTS 3   // the first ones also make sense without a swap disk

int
main(int argc, char **argv)
{
  // Large pages are never evicted: off, so that all of the tests' memory
  // may go to swap.
  int lp = vmconfig(VMCONF_LARGEPAGE, 0);
  run_tests(tests, argc > 1 || have_swap() ? NTESTS : NOSWAP_TESTS, argc, argv);
  vmconfig(VMCONF_LARGEPAGE, lp);
  test_exit();
}
