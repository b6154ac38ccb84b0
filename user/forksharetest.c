// In-guest tests of fork sharing last-level page tables (VMCONF_FORKSHARE,
// kernel/mm/forkshare.c): what fork costs, parent and children writing
// and reading after the fork, exec and exit in either order, nested forks,
// sbrk shrinking and munmap in a shared range, and free pages back exactly
// where they were. Each test switches sharing on, and large pages off (a
// large page is no table to share: largepage.c, largetest.c), and puts
// the old values back.
#include "user.h"
#include "test.h"

#define PGSIZE 4096
#define SPAN (512 * PGSIZE)   // what one last-level table maps: 2 MiB

static struct memstat
stats(void)
{
  struct memstat st;
  memstat(&st);
  return st;
}

static int old_forkshare = -1, old_largepage;

// Switch sharing on or off, and large pages off; the first call remembers
// the options for restore. (Each test runs in a process of its own.)
static void
sharing(int on)
{
  if (old_forkshare < 0) {
    old_forkshare = vmconfig(VMCONF_FORKSHARE, -1);
    old_largepage = vmconfig(VMCONF_LARGEPAGE, 0);
  }
  vmconfig(VMCONF_FORKSHARE, on);
}

static void
restore(void)
{
  vmconfig(VMCONF_FORKSHARE, old_forkshare);
  vmconfig(VMCONF_LARGEPAGE, old_largepage);
}

// n whole spans of eager heap, aligned to a span; page i of the result
// holds the word tag + i at its start.
static uint64 *
span_heap(int n, long tag)
{
  uint64 top = (uint64)sbrk(0);
  sbrk((SPAN - top % SPAN) % SPAN);
  char *p = sbrk(n * SPAN);
  expect(p != (char *)-1, "sbrk of %d spans failed", n);
  for (int i = 0; i < n * 512; i++)
    *(uint64 *)(p + (uint64)i * PGSIZE) = tag + i;
  return (uint64 *)p;
}

// Does page i of p, for every step-th i below npages, hold tag + i?
static int
holds(uint64 *p, int npages, int step, long tag)
{
  for (int i = 0; i < npages; i += step)
    if (p[(uint64)i * PGSIZE / 8] != (uint64)(tag + i))
      return 0;
  return 1;
}

static void
fill(uint64 *p, int npages, int step, long tag)
{
  for (int i = 0; i < npages; i += step)
    p[(uint64)i * PGSIZE / 8] = tag + i;
}

// Forking 4 spans of heap costs no last-level table with sharing on, and
// at least 4 without.
static void
fork_cost_flat(void)
{
  sharing(0);
  span_heap(4, 1);
  long copied = fork_cost();
  sharing(1);
  struct memstat s0 = stats();
  long shared = fork_cost();
  struct memstat s1 = stats();
  restore();
  expect(shared >= 0 && copied >= shared + 4,
         "fork cost %ld pages sharing tables, %ld writing PTEs", shared, copied);
  expect(s1.pt_shared - s0.pt_shared >= 4, "pt_shared rose by %ld, want at least 4",
         (long)(s1.pt_shared - s0.pt_shared));
}

// Parent and child write, in turn, to the memory they share, and each
// sees its own stores only; the second writer of each table takes it over.
static void
write_and_read(void)
{
  sharing(1);
  uint64 *p = span_heap(3, 100);
  int to_child[2], to_parent[2];
  pipe(to_child);
  pipe(to_parent);
  struct memstat s0 = stats();
  int pid = fork();
  if (pid == 0) {
    fill(p, 3 * 512, 3, 5000);
    write(to_parent[1], "w", 1);
    char c;
    read(to_child[0], &c, 1);   // the parent has written too
    exit(holds(p, 3 * 512, 3, 5000) && holds(p + PGSIZE / 8, 3 * 512 - 1, 3, 101) ? 0 : 1);
  }
  char c;
  read(to_parent[0], &c, 1);
  int mine = holds(p, 3 * 512, 1, 100);
  fill(p, 3 * 512, 2, 9000);
  write(to_child[1], "r", 1);
  int status = -1;
  wait(&status);
  struct memstat s1 = stats();
  restore();
  expect(mine, "the parent saw the child's stores");
  expect(holds(p, 3 * 512, 2, 9000) && holds(p + PGSIZE / 8, 3 * 512 - 1, 2, 101),
         "the parent lost its own stores");
  expect(status == 0, "the child saw the parent's stores, or lost its own");
  expect(s1.pt_copied - s0.pt_copied >= 3, "pt_copied rose by %ld, want 3 or more",
         (long)(s1.pt_copied - s0.pt_copied));
}

// A child that exits, or execs, before the parent touches its memory
// leaves the tables to the parent: no table copied, none of its pages.
static void
exit_or_exec_first(void)
{
  sharing(1);
  uint64 *p = span_heap(2, 7);
  for (int exec_it = 0; exec_it <= 1; exec_it++) {
    int pid = fork();
    if (pid == 0) {
      if (exec_it) {
        char *argv[] = { "forksharetest", "exit0", 0 };
        exec("/forksharetest", argv);
      }
      exit(0);
    }
    int status = -1;
    wait(&status);
    // (The stack's table was copied before the child left: this process
    // used its stack meanwhile. The heap's spans were left alone.)
    struct memstat s0 = stats();
    fill(p, 2 * 512, 1, 70 + exec_it);
    struct memstat s1 = stats();
    expect(status == 0, "the child (exec %d) exited with %d", exec_it, status);
    expect(s1.pt_copied == s0.pt_copied && s1.cow_copy == s0.cow_copy,
           "exec %d: %ld tables and %ld pages copied after the child left", exec_it,
           (long)(s1.pt_copied - s0.pt_copied), (long)(s1.cow_copy - s0.cow_copy));
    expect(s1.pt_taken - s0.pt_taken >= 2, "exec %d: pt_taken rose by %ld, want 2 or more",
           exec_it, (long)(s1.pt_taken - s0.pt_taken));
  }
  restore();
  expect(holds(p, 2 * 512, 1, 71), "the parent's stores were lost");
}

// A parent that exits first: its child (a grandchild of the test) shares
// the grandparent's tables through it, then goes on alone.
static void
parent_exits_first(void)
{
  sharing(1);
  uint64 *p = span_heap(2, 300);
  int go[2], done[2];
  pipe(go);
  pipe(done);
  int pid = fork();
  if (pid == 0) {
    if (fork() == 0) {
      char c;
      read(go[0], &c, 1);   // the middle process is gone
      int ok = holds(p, 2 * 512, 1, 300);
      fill(p, 2 * 512, 5, 40);
      ok = ok && holds(p, 2 * 512, 5, 40);
      write(done[1], ok ? "y" : "n", 1);
      exit(0);
    }
    exit(0);
  }
  wait(0);
  write(go[1], "g", 1);
  char c = 0;
  read(done[0], &c, 1);
  fill(p, 2 * 512, 7, 60);
  restore();
  expect(c == 'y', "the grandchild saw wrong memory");
  expect(holds(p, 2 * 512, 7, 60) && holds(p + PGSIZE / 8, 2 * 512 - 1, 7, 301),
         "the test process saw the grandchild's stores");
}

// Three generations share one table; each writes its own page and sees
// only that store.
static void
nested(void)
{
  sharing(1);
  uint64 *p = span_heap(1, 1);
  int pid = fork();
  if (pid == 0) {
    int g = fork();
    p[(uint64)(g == 0 ? 2 : 1) * PGSIZE / 8] = 0xabc;
    int ok = p[0] == 1 && p[PGSIZE / 8 * 3] == 4;
    ok = ok && p[(uint64)(g == 0 ? 1 : 2) * PGSIZE / 8] == (uint64)(g == 0 ? 2 : 3);
    if (g == 0)
      exit(ok ? 0 : 1);
    int status = -1;
    wait(&status);
    exit(ok && status == 0 ? 0 : 1);
  }
  p[3 * PGSIZE / 8] = 0xdef;
  int status = -1;
  wait(&status);
  restore();
  expect(status == 0, "a child or grandchild saw another's store");
  expect(p[PGSIZE / 8] == 2 && p[2 * PGSIZE / 8] == 3 && p[3 * PGSIZE / 8] == 0xdef,
         "the parent saw a descendant's store");
}

// sbrk shrinking through a shared range, in the child: its view ends at
// the new break, the parent's is whole; growing again gives zeros.
static void
shrink_in_shared_range(void)
{
  sharing(1);
  uint64 *p = span_heap(3, 20);
  int pid = fork();
  if (pid == 0) {
    if (sbrk(-(SPAN + SPAN / 2)) == (char *)-1)
      exit(2);
    if (!holds(p, 512 + 256, 1, 20))
      exit(3);
    char *q = sbrklazy(SPAN + SPAN / 2);
    if (q != (char *)p + SPAN + SPAN / 2 || *(uint64 *)q != 0 ||
        p[(uint64)(3 * 512 - 1) * PGSIZE / 8] != 0)
      exit(4);
    exit(0);
  }
  int status = -1;
  wait(&status);
  restore();
  expect(status == 0, "the child's shrink went wrong (status %d)", status);
  expect(holds(p, 3 * 512, 1, 20), "the parent's memory changed");
}

// munmap in a shared range, in the child: the parent keeps every page.
static void
munmap_in_shared_range(void)
{
  sharing(1);
  char *m = mmap(0, 4 * SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  expect(m != (char *)-1, "mmap failed");
  for (int i = 0; i < 4 * 512; i++)
    *(uint64 *)(m + (uint64)i * PGSIZE) = i + 1;
  int pid = fork();
  if (pid == 0) {
    uint64 base = ((uint64)m + SPAN) / SPAN * SPAN;   // a whole span above m,
    if (munmap((char *)base, SPAN) != 0 ||            // and one cut in the middle
        munmap((char *)base + SPAN + 8 * PGSIZE, 16 * PGSIZE) != 0)
      exit(2);
    *(uint64 *)(base + SPAN) = 77;
    uint64 after = base + SPAN + 24 * PGSIZE;   // just above the hole
    if (*(uint64 *)m != 1 || *(uint64 *)after != (after - (uint64)m) / PGSIZE + 1 ||
        *(uint64 *)(base + SPAN) != 77)
      exit(3);
    exit(0);
  }
  int status = -1;
  wait(&status);
  restore();
  expect(status == 0, "the child's munmap went wrong (status %d)", status);
  for (int i = 0; i < 4 * 512; i++)
    expect(*(uint64 *)(m + (uint64)i * PGSIZE) == (uint64)i + 1,
           "the parent's page %d changed", i);
  munmap(m, 4 * SPAN);
}

// Free pages after the children are gone are exactly what they were,
// whichever side wrote first, and whether the children exec'd or exited.
static void
free_pages_exact(void)
{
  sharing(1);
  uint64 *p = span_heap(2, 1);
  long before = freepages();
  for (int round = 0; round < 4; round++) {
    int pid = fork();
    if (pid == 0) {
      if (round & 1)
        fill(p, 2 * 512, 9, 3);
      if (round & 2) {
        char *argv[] = { "forksharetest", "exit0", 0 };
        exec("/forksharetest", argv);
      }
      exit(0);
    }
    if (round < 2)
      fill(p, 2 * 512, 11, 4);
    wait(0);
  }
  long after = freepages();
  restore();
  expect(after == before, "%ld free pages before the forks, %ld after", before, after);
}

static struct test tests[] = {
  { "forkshare:cost", fork_cost_flat },
  { "forkshare:write_and_read", write_and_read },
  { "forkshare:exit_or_exec_first", exit_or_exec_first },
  { "forkshare:parent_exits_first", parent_exits_first },
  { "forkshare:nested", nested },
  { "forkshare:shrink", shrink_in_shared_range },
  { "forkshare:munmap", munmap_in_shared_range },
  { "forkshare:free_pages_exact", free_pages_exact },
};

int
main(int argc, char *argv[])
{
  if (argc == 2 && strcmp(argv[1], "exit0") == 0)
    exit(0);   // what a child execs in exit_or_exec_first and free_pages_exact
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
