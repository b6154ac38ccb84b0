// largetest: large pages for anonymous memory (kernel/mm/largepage.c,
// docs/memory.md "Large pages"). An eager heap and a shared anonymous
// mapping get 2 MiB pages for their aligned blocks; a lazy heap written in
// order gets them at the fault, one filled in any order by promotion; a
// shrink, a munmap hole, an mprotect and a copy-on-write fork split them,
// and every byte stays where it was; with no aligned block free, small
// pages do the job. Every test turns VMCONF_LARGEPAGE on and gives it
// back before its checks.
#include "user.h"
#include "test.h"
#include "abi/mman.h"

#define PGSIZE 4096
#define LARGE (2L << 20)
#define LARGE_UP(a) (((uint64)(a) + LARGE - 1) & ~(uint64)(LARGE - 1))
#define MAXDUMP 4096
#define MAPAT ((char *)(1L << 32))   // where MAP_FIXED mappings go: aligned, far above the heap

static struct ptentry dumpbuf[MAXDUMP];

static void
getstat(struct memstat *st)
{
  expect(memstat(st) == 0, "memstat failed");
}

// Large pages on, for the whole test process (a child of its own).
static void
large_on(void)
{
  expect(vmconfig(VMCONF_LARGEPAGE, 1) >= 0, "vmconfig(VMCONF_LARGEPAGE) failed");
}

// The vmdump entry of the leaf that maps va in this process, or 0.
static struct ptentry *
leaf_of(char *va)
{
  // Depth first, low addresses first: the heap's entries come before a
  // large mapping's that do not fit.
  int n = vmdump(getpid(), dumpbuf, MAXDUMP);
  expect(n > 0, "vmdump returned %d", n);
  for (int i = 0; i < n && i < MAXDUMP; i++) {
    struct ptentry *e = &dumpbuf[i];
    uint64 span = (uint64)PGSIZE << (9 * e->level);
    if (e->leaf && (uint64)va >= e->va && (uint64)va < e->va + span)
      return e;
  }
  return 0;
}

// The size of the leaf that maps va in this process: 2 MiB, 4 KiB, or 0
// when none does.
static uint64
leaf_size(char *va)
{
  struct ptentry *e = leaf_of(va);
  return e ? (uint64)PGSIZE << (9 * e->level) : 0;
}

// Move the break up to the next 2 MiB boundary (eagerly), and return it.
// vmdump's buffer is made present first, so that counts of free pages
// taken after this do not see its pages arrive.
static char *
align_break(void)
{
  leaf_size(0);
  char *p = sbrk(0);
  uint64 pad = LARGE_UP(p) - (uint64)p;
  expect(sbrk(pad) != (char *)-1, "sbrk(%lu) failed", pad);
  return sbrk(0);
}

// A byte that tells page i of a test's memory (and salt) apart.
static char
mark(long i, int salt)
{
  return (char)(i * 7 + salt + 1);
}

static void
fill(char *p, long npages, int salt)
{
  for (long i = 0; i < npages; i++) {
    p[i * PGSIZE] = mark(i, salt);
    p[i * PGSIZE + PGSIZE - 1] = mark(i, salt + 1);
  }
}

// Do pages [from, to) of p hold what fill(p, .., salt) wrote?
static void
check(char *p, long from, long to, int salt, const char *when)
{
  for (long i = from; i < to; i++)
    expect(p[i * PGSIZE] == mark(i, salt) && p[i * PGSIZE + PGSIZE - 1] == mark(i, salt + 1),
           "page %ld holds %d, not %d, %s", i, p[i * PGSIZE], mark(i, salt), when);
}

// An eager heap of two aligned blocks: two large pages (counted in
// memstat), a page table of three pages at most (root, one level-1 table
// and the one last-level table the rest of the heap uses), and every page
// free again after the shrink.
static void
eager_heap(void)
{
  large_on();
  char *p = align_break();
  struct memstat a, b;
  getstat(&a);
  long before = freepages();
  expect(sbrk(2 * LARGE) == p, "sbrk of 4 MiB failed");
  getstat(&b);
  expect(leaf_size(p) == LARGE && leaf_size(p + LARGE + 5 * PGSIZE) == LARGE,
         "the heap's aligned blocks are mapped by %lu- and %lu-byte pages", leaf_size(p),
         leaf_size(p + LARGE + 5 * PGSIZE));
  expect(b.large_mapped == a.large_mapped + 2, "large_mapped went from %lu to %lu",
         a.large_mapped, b.large_mapped);
  expect(before - freepages() == 2 * 512, "4 MiB cost %ld pages", before - freepages());
  fill(p, 1024, 3);
  check(p, 0, 1024, 3, "after the fill");
  expect(sbrk(-2 * LARGE) != (char *)-1, "shrinking failed");
  expect(freepages() == before, "%ld pages free after the shrink, %ld before", freepages(),
         before);
}

// With VMCONF_LARGEPAGE off, the same heap is small pages.
static void
switched_off(void)
{
  int old = vmconfig(VMCONF_LARGEPAGE, 0);
  char *p = align_break();
  char *q = sbrk(LARGE);
  uint64 size = leaf_size(p);
  vmconfig(VMCONF_LARGEPAGE, old);
  expect(q == p, "sbrk of 2 MiB failed");
  expect(size == PGSIZE, "a %lu-byte page with large pages off", size);
}

// A lazy heap written in order: the faults that reach an aligned block
// in order take it whole. The first block, where the writing starts, is
// filled page by page and then promoted.
static void
lazy_in_order(void)
{
  large_on();
  char *p = align_break();
  struct memstat a, b;
  getstat(&a);
  expect(sbrklazy(4 * LARGE) == p, "sbrklazy failed");
  fill(p, 4 * 512, 5);
  getstat(&b);
  expect(leaf_size(p) == LARGE && leaf_size(p + 3 * LARGE) == LARGE,
         "a lazy heap written in order is mapped by %lu-byte pages", leaf_size(p + 3 * LARGE));
  expect(b.large_mapped - a.large_mapped >= 3, "%lu blocks taken whole",
         b.large_mapped - a.large_mapped);
  expect(b.zero_fill - a.zero_fill == 512 && b.large_promoted == a.large_promoted + 1,
         "%lu pages filled one by one, %lu blocks promoted", b.zero_fill - a.zero_fill,
         b.large_promoted - a.large_promoted);
  check(p, 0, 4 * 512, 5, "in a lazy heap");
}

// A lazy block written out of order, every page: its last fault promotes
// it to a large page, contents copied.
static void
promotion(void)
{
  large_on();
  char *p = align_break();
  struct memstat a, b;
  getstat(&a);
  expect(sbrklazy(LARGE) == p, "sbrklazy failed");
  for (long k = 0; k < 512; k++) {
    long i = (k * 37) % 512;   // 37 is prime to 512: every page once
    p[i * PGSIZE] = mark(i, 9);
    p[i * PGSIZE + PGSIZE - 1] = mark(i, 10);
    if (k == 510)
      expect(leaf_size(p) == PGSIZE, "promoted before the block was complete");
  }
  getstat(&b);
  expect(leaf_size(p) == LARGE, "the complete block is mapped by %lu-byte pages", leaf_size(p));
  expect(b.large_promoted == a.large_promoted + 1, "large_promoted went from %lu to %lu",
         a.large_promoted, b.large_promoted);
  check(p, 0, 512, 9, "after the promotion");
}

// Shrinking the heap into a large page splits it: the pages below the
// new break keep their bytes, the ones above are free again.
static void
shrink_into(void)
{
  large_on();
  char *p = align_break();
  long before = freepages();
  expect(sbrk(LARGE) == p, "sbrk failed");
  fill(p, 512, 11);
  struct memstat a, b;
  getstat(&a);
  expect(sbrk(-(LARGE / 2 + 3 * PGSIZE)) != (char *)-1, "shrinking failed");
  getstat(&b);
  expect(b.large_demoted == a.large_demoted + 1, "large_demoted went from %lu to %lu",
         a.large_demoted, b.large_demoted);
  expect(leaf_size(p) == PGSIZE, "a %lu-byte page after the shrink", leaf_size(p));
  check(p, 0, 256 - 3, 11, "after the shrink");
  // The pages above the break and nothing more came back; the split
  // made one last-level table.
  long used = before - freepages();
  expect(used == 256 - 3 + 1, "%ld pages used for %d pages of heap", used, 256 - 3);
  expect(sbrk(-(LARGE / 2 - 3 * PGSIZE)) != (char *)-1, "shrinking failed");
  expect(freepages() == before, "%ld pages free, %ld before", freepages(), before);
}

static char *forked;   // the large block fork_writes shares

static void
child_writes(void)
{
  check(forked, 0, 1024, 13, "in the child");
  fill(forked + 100 * PGSIZE, 1, 40);   // one page of the first block
  check(forked + 100 * PGSIZE, 0, 1, 40, "the child's store");
  check(forked, 0, 100, 13, "in the child after its store");
  check(forked, 101, 1024, 13, "in the child after its store");
  exit(0);
}

// A copy-on-write fork shares each large page with one PTE. A store
// splits the writer's copy only; each side sees its own bytes.
static void
fork_writes(void)
{
  large_on();
  forked = align_break();
  expect(sbrk(2 * LARGE) == forked, "sbrk failed");
  fill(forked, 1024, 13);
  expect(child_status(child_writes) == 0, "the child failed");
  check(forked, 0, 1024, 13, "in the parent after the child's store");
  // The child has gone: the parent holds every page alone again, and its
  // store makes its large page writable, with no copy and no split.
  struct memstat a, b;
  getstat(&a);
  int pid = fork();
  if (pid == 0)
    exit(0);
  expect(pid > 0 && wait(0) == pid, "fork failed");
  fill(forked + LARGE + 7 * PGSIZE, 1, 50);
  getstat(&b);
  expect(leaf_size(forked + LARGE) == LARGE, "the parent's block was split");
  expect(b.cow_reuse > a.cow_reuse && b.cow_copy == a.cow_copy,
         "the parent's store copied %lu pages", b.cow_copy - a.cow_copy);
  check(forked + LARGE + 7 * PGSIZE, 0, 1, 50, "the parent's store");
  // Now a child that stores while the parent also does.
  pid = fork();
  if (pid == 0) {
    fill(forked, 1024, 60);
    check(forked, 0, 1024, 60, "the child's stores");
    exit(0);
  }
  expect(pid > 0, "fork failed");
  fill(forked + 3 * PGSIZE, 1, 70);
  int st = -1;
  expect(wait(&st) == pid && st == 0, "the second child failed with status %d", st);
  check(forked + 3 * PGSIZE, 0, 1, 70, "the parent's store beside the child's");
  check(forked, 0, 3, 13, "in the parent");
}

static char *hole;

// This process's procinfo: its pages that another process maps too.
static uint64
my_shared(void)
{
  static struct procinfo pi[NPROC];
  int n = procinfo(pi, NPROC);
  for (int i = 0; i < n && i < NPROC; i++)
    if (pi[i].pid == getpid())
      return pi[i].shared;
  expect(0, "procinfo does not show this process");
  return 0;
}

// procinfo counts the pages of a large page that another process maps
// too, each for itself: once a child's store has copied the first page of
// a block shared at fork, the parent's large page has 511 shared pages
// (its first page is its alone), one fewer than before the store; and
// vmdump (vmprint's S) shows the large page as shared.
static void
shared_count(void)
{
  large_on();
  char *p = align_break();
  expect(sbrk(LARGE) == p, "sbrk failed");
  fill(p, 512, 80);
  int ready[2], go[2];
  expect(pipe(ready) == 0 && pipe(go) == 0, "pipe failed");
  char c = 0;
  int pid = fork();
  if (pid == 0) {
    write(ready[1], &c, 1);
    read(go[0], &c, 1);
    fill(p, 1, 81);
    write(ready[1], &c, 1);
    read(go[0], &c, 1);
    exit(0);
  }
  expect(pid > 0, "fork failed");
  // Each count is taken while the child waits in read: nothing else of
  // either process changes between them but the child's store.
  read(ready[0], &c, 1);
  uint64 before = my_shared();
  write(go[1], &c, 1);
  read(ready[0], &c, 1);
  uint64 after = my_shared();
  struct ptentry *e = leaf_of(p);
  int large = e && ((uint64)PGSIZE << (9 * e->level)) == LARGE;
  int shown = e && (e->info & PTI_SHARED);
  write(go[1], &c, 1);
  wait_child_ok(pid, "the child");
  expect(large, "the parent's block was split");
  expect(shown, "vmdump shows the large page as not shared");
  expect(before >= 512 && after == before - 1,
         "procinfo counts %lu shared pages before the child's store, %lu after", before, after);
  check(p, 0, 512, 80, "in the parent");
}

static void
touch_hole(void)
{
  hole[0] = 1;
}

// munmap of a hole in a shared anonymous mapping's large page: the page
// is split, the hole is gone (a touch kills), the rest keeps its bytes
// and the hole's pages are free again.
static void
munmap_hole(void)
{
  large_on();
  char *m = mmap(MAPAT, 2 * LARGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                 -1, 0);
  expect(m == MAPAT, "mmap failed");
  expect(leaf_size(m) == LARGE && leaf_size(m + LARGE) == LARGE,
         "a shared anonymous mapping got %lu-byte pages", leaf_size(m));
  fill(m, 1024, 17);
  long before = freepages();
  hole = m + 300 * PGSIZE;
  expect(munmap(hole, 5 * PGSIZE) == 0, "munmap failed");
  expect(freepages() == before + 5 - 1, "%ld pages free after the hole, %ld before",
         freepages(), before);
  expect(leaf_size(m) == PGSIZE && leaf_size(m + LARGE) == LARGE,
         "after the hole: %lu- and %lu-byte pages", leaf_size(m), leaf_size(m + LARGE));
  check(m, 0, 300, 17, "below the hole");
  check(m, 305, 1024, 17, "above the hole");
  expect(child_status(touch_hole) == -1, "a touch of the hole was not killed");
  expect(munmap(m, 2 * LARGE) == 0, "munmap of the rest failed");
}

static char *guarded;

static void
store_guarded(void)
{
  guarded[10] = 1;
}

// mprotect of part of a large page splits it: the page made read-only
// refuses stores, its neighbours still take them.
static void
mprotect_part(void)
{
  large_on();
  char *m = mmap(MAPAT, LARGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                 -1, 0);
  expect(m == MAPAT && leaf_size(m) == LARGE, "no large shared anonymous mapping");
  fill(m, 512, 19);
  guarded = m + 9 * PGSIZE;
  expect(mprotect(guarded, PGSIZE, PROT_READ) == 0, "mprotect failed");
  expect(leaf_size(m) == PGSIZE, "not split by mprotect");
  expect(child_status(store_guarded) == -1, "a store to the read-only page was not killed");
  fill(m + 8 * PGSIZE, 1, 80);
  fill(m + 10 * PGSIZE, 1, 81);
  check(m + 8 * PGSIZE, 0, 1, 80, "before the read-only page");
  check(m + 10 * PGSIZE, 0, 1, 81, "after the read-only page");
  check(m, 9, 10, 19, "in the read-only page");
  expect(munmap(m, LARGE) == 0, "munmap failed");
}

// A lazy private anonymous mapping written in order gets large pages too.
static void
private_mapping(void)
{
  large_on();
  char *m = mmap(MAPAT, 3 * LARGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  expect(m == MAPAT, "mmap failed");
  fill(m, 3 * 512, 21);
  expect(leaf_size(m + 2 * LARGE) == LARGE, "a %lu-byte page in a private mapping",
         leaf_size(m + 2 * LARGE));
  check(m, 0, 3 * 512, 21, "in a private mapping");
  expect(munmap(m + LARGE + PGSIZE, LARGE) == 0, "munmap across two large pages failed");
  check(m, 0, 513, 21, "below the cut");
  check(m, 1025, 3 * 512, 21, "above the cut");
  expect(munmap(m, 3 * LARGE) == 0, "munmap failed");
}

// Fragmentation: with every 2 MiB block holding a page in use, large
// pages are not used, and eager and lazy heaps work all the same. Two
// lazy regions are written a page each in turn, with small pages only, so
// that their pages alternate in physical memory; the second one's going
// leaves every block half used.
static void
fragmented(void)
{
  int oldlarge = vmconfig(VMCONF_LARGEPAGE, 0);
  int oldaround = vmconfig(VMCONF_FAULTAROUND, 0);
  struct memstat st;
  getstat(&st);
  long half = ((long)st.free - (long)st.free / 128 - 64) / 2;   // room for page tables
  char *r1 = mmap(MAPAT, half * PGSIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  char *r2 = mmap(MAPAT + (1L << 30), half * PGSIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  for (long i = 0; r1 != MAP_FAILED && r2 != MAP_FAILED && i < half; i++) {
    r1[i * PGSIZE] = 1;
    r2[i * PGSIZE] = 1;
  }
  vmconfig(VMCONF_FAULTAROUND, oldaround);
  vmconfig(VMCONF_LARGEPAGE, oldlarge);
  expect(r1 == MAPAT && r2 == MAPAT + (1L << 30), "mmap of %ld pages failed", half);
  expect(munmap(r2, half * PGSIZE) == 0, "munmap failed");
  getstat(&st);
  expect(st.free_blocks[MEMSTAT_ORDERS - 1] == 0, "%lu 2 MiB blocks still free",
         st.free_blocks[MEMSTAT_ORDERS - 1]);
  expect(st.free > 2048, "only %lu pages free", st.free);
  large_on();
  char *p = align_break();
  expect(sbrk(LARGE) == p, "an eager sbrk failed under fragmentation");
  expect(leaf_size(p) == PGSIZE, "a %lu-byte page with no block free", leaf_size(p));
  fill(p, 512, 23);
  char *q = align_break();
  expect(sbrklazy(LARGE) == q, "sbrklazy failed");
  fill(q, 512, 25);
  check(p, 0, 512, 23, "in the eager heap");
  check(q, 0, 512, 25, "in the lazy heap");
  expect(leaf_size(q) == PGSIZE, "a %lu-byte page with no block free", leaf_size(q));
}

static struct test tests[] = {
  { "large:eager_heap", eager_heap },
  { "large:switched_off", switched_off },
  { "large:lazy_in_order", lazy_in_order },
  { "large:promotion", promotion },
  { "large:shrink_into", shrink_into },
  { "large:fork_writes", fork_writes },
  { "large:shared_count", shared_count },
  { "large:munmap_hole", munmap_hole },
  { "large:mprotect_part", mprotect_part },
  { "large:private_mapping", private_mapping },
  { "large:fragmented", fragmented },
};

int
main(int argc, char **argv)
{
  int old = vmconfig(VMCONF_LARGEPAGE, -1);
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  vmconfig(VMCONF_LARGEPAGE, old);
  test_exit();
}
