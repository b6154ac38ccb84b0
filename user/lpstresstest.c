// lpstresstest: large pages (kernel/mm/largepage.c) under a random mix of
// everything that makes, splits, shares and frees them: an eager and a
// lazy heap grown and shrunk at any page, sequential and scattered stores
// (blocks taken whole, promotion), an anonymous mapping (private or shared,
// read-write or write-only) with munmap holes and mprotect of parts,
// copy-on-write and copying forks where both sides store, children that
// use up all memory and then store to, split and fork what they share,
// and VMCONF_LARGEPAGE, VMCONF_COW and VMCONF_KPTI switched on the way.
// A model says what every page must hold (its first and last byte); it
// is checked after every step, in the children too. The work runs in a
// process of its own, and the free pages must be what they were once it
// is reaped. The seed is fixed, so a failure repeats.
#include "user.h"
#include "test.h"
#include "abi/mman.h"

#define PGSIZE 4096
#define LARGE (2L << 20)
#define LARGE_UP(a) (((uint64)(a) + LARGE - 1) & ~(uint64)(LARGE - 1))
#define HEAPPAGES (10 * 512)   // the heap the model follows: 20 MiB
#define MAPPAGES (3 * 512)     // the mapping: 6 MiB
#define ROUNDS 160

static uint seed = 12345;
static int cow;                    // VMCONF_COW as the stress found it
static char *base;                 // the heap's part the model follows, 2 MiB-aligned
static long heappages;             // its pages: [base, base + heappages pages)
static uchar heapsalt[HEAPPAGES];  // what each holds: 0 for zeros
static char *map;                  // the mapping, MAPPAGES pages
static int mapshared, mapprot;
static uchar mapsalt[MAPPAGES];
static uchar mapped[MAPPAGES];     // 0: in a munmap hole

static uint
rnd(uint n)
{
  seed = seed * 1103515245 + 12345;
  return (seed >> 8) % n;
}

static char
mark(long i, int salt, int end)
{
  return salt == 0 ? 0 : (char)(i * 7 + salt * 13 + end + 1);
}

static void
put(char *p, long i, uchar *salts, int salt)
{
  p[i * PGSIZE] = mark(i, salt, 0);
  p[i * PGSIZE + PGSIZE - 1] = mark(i, salt, 1);
  salts[i] = salt;
}

static void
check_pages(char *p, long n, uchar *salts, uchar *present, const char *what, int round)
{
  for (long i = 0; i < n; i++) {
    if (present && !present[i])
      continue;
    expect(p[i * PGSIZE] == mark(i, salts[i], 0) &&
           p[i * PGSIZE + PGSIZE - 1] == mark(i, salts[i], 1),
           "round %d pid %d: %s page %ld holds %d, not %d", round, getpid(), what, i,
           p[i * PGSIZE], mark(i, salts[i], 0));
  }
}

static void
verify(int round)
{
  check_pages(base, heappages, heapsalt, 0, "heap", round);
  if (map)
    check_pages(map, MAPPAGES, mapsalt, mapped, "mapping", round);
}

// Store salt into n pages of the heap from page i on, in order (a
// sequential writer: fault-around, blocks taken whole) or, scattered,
// into every page of the range in a shuffled order (promotion).
static void
store_heap(long i, long n, int salt, int scattered)
{
  if (i >= heappages)
    return;
  if (i + n > heappages)
    n = heappages - i;
  for (long k = 0; k < n; k++)
    put(base, scattered ? i + (k * 37) % n : i + k, heapsalt, salt);
}

static void
store_map(long i, long n, int salt)
{
  for (long k = i; k < i + n && k < MAPPAGES; k++)
    if (mapped[k])
      put(map, k, mapsalt, salt);
}

static void
grow(long n, int lazy, int round)
{
  if (heappages + n > HEAPPAGES)
    n = HEAPPAGES - heappages;
  char *r = lazy ? sbrklazy(n * PGSIZE) : sbrk(n * PGSIZE);
  expect(r == base + heappages * PGSIZE, "round %d: sbrk(%ld) returned %p", round,
         n * PGSIZE, r);
  for (long k = heappages; k < heappages + n; k++)
    heapsalt[k] = 0;
  heappages += n;
}

static void
shrink(long n, int round)
{
  if (n > heappages)
    n = heappages;
  expect(sbrk(-n * PGSIZE) != (char *)-1, "round %d: shrinking by %ld pages failed", round, n);
  heappages -= n;
}

static void
new_mapping(int round)
{
  if (map)
    expect(munmap(map, MAPPAGES * PGSIZE) == 0, "round %d: munmap of the mapping failed", round);
  static int nmaps;
  mapshared = rnd(3) == 0;
  mapprot = nmaps++ % 2 ? PROT_WRITE : PROT_READ | PROT_WRITE;   // write-only: readable too
  map = mmap(0, MAPPAGES * PGSIZE, mapprot,
             MAP_ANONYMOUS | (mapshared ? MAP_SHARED : MAP_PRIVATE), -1, 0);
  expect(map != (char *)-1, "round %d: mmap failed", round);
  for (long i = 0; i < MAPPAGES; i++) {
    mapsalt[i] = 0;
    mapped[i] = 1;
  }
  // Written in order before anything reads it: fresh pages, and a block
  // taken whole when the mapping is private.
  store_map(0, rnd(MAPPAGES), 1 + round % 99);
}

// munmap a hole of the mapping, or mprotect a part of it read-only (a
// store there would kill us: only reads are checked) and back.
static void
cut_mapping(int round)
{
  long i = rnd(MAPPAGES), n = 1 + rnd(rnd(2) ? 8 : 700);
  if (i + n > MAPPAGES)
    n = MAPPAGES - i;
  if (rnd(2)) {
    expect(munmap(map + i * PGSIZE, n * PGSIZE) == 0, "round %d: munmap of a hole failed",
           round);
    for (long k = i; k < i + n; k++)
      mapped[k] = 0;
    return;
  }
  int whole = 1;
  for (long k = i; k < i + n; k++)
    whole &= mapped[k];
  int r = mprotect(map + i * PGSIZE, n * PGSIZE, PROT_READ);
  expect(r == (whole ? 0 : -1), "round %d: mprotect of pages %ld+%ld returned %d", round, i, n, r);
  verify(round);
  if (whole)
    expect(mprotect(map + i * PGSIZE, n * PGSIZE, mapprot) == 0, "round %d: mprotect back failed",
           round);
}

// Make this process's own copy of the pages of [p, p+n), which fork left
// shared copy-on-write, by storing to each of them what it holds.
static void
own(void *p, long n)
{
  volatile uchar *b = p;
  for (long i = 0; i < n; i += PGSIZE)
    b[i] = b[i];
  b[n - 1] = b[n - 1];
}

// In a child: take every page there is, then fork, mprotect and munmap a
// part of a large page, shrink into one, and store to what is shared with
// the parent, all with no memory left. Each may fail (-1) or kill this
// process (out of memory); nothing may panic, and the parent's memory
// must stay as it was. The model's own pages are copied first, so that
// bookkeeping is not what runs out.
static void
exhaust(int round)
{
  own(&seed, sizeof(seed));
  own(heapsalt, sizeof(heapsalt));
  own(mapsalt, sizeof(mapsalt));
  own(mapped, sizeof(mapped));
  char *end = base + heappages * PGSIZE;   // where the model's heap ends
  long cut = 1 + rnd(5);
  int shrink_first = rnd(2);
  for (long chunk = 4 * LARGE; chunk >= PGSIZE; chunk /= 2)
    while (sbrk(chunk) != (char *)-1)
      ;
  int pid = fork();
  if (pid == 0) {
    store_heap(rnd(heappages + 1), 600, 200, 0);
    exit(0);
  }
  if (pid > 0)
    wait(0);
  if (map) {
    long i = 1 + rnd(MAPPAGES - 2);
    if (mprotect(map + i * PGSIZE, PGSIZE, PROT_READ) == 0)
      mprotect(map + i * PGSIZE, PGSIZE, mapprot);
    i = 1 + rnd(MAPPAGES - 2);
    if (munmap(map + i * PGSIZE, PGSIZE) == 0)
      mapped[i] = 0;
  }
  // Back into the model's heap, at a page that may cut a large page.
  if (shrink_first && sbrk(-(long)(sbrk(0) - end) - cut * PGSIZE) != (char *)-1)
    heappages = heappages > cut ? heappages - cut : 0;
  store_heap(rnd(heappages + 1), 1000, 201, rnd(2));
  if (map && !mapshared)
    store_map(rnd(MAPPAGES), 1000, 202);
  if (!shrink_first)
    sbrk(-(long)(sbrk(0) - end) - cut * PGSIZE);
  exit(0);
}

// fork: the child checks everything, stores to its own copy (and to a
// part of a shared mapping the parent then expects), checks again and
// ends, while the parent stores to its own copy too.
static void
fork_round(int round, int exhaustion)
{
  int salt = 100 + round % 100;
  long si = rnd(MAPPAGES), sn = 1 + rnd(600);
  int pid = fork();
  expect(pid >= 0, "round %d: fork failed", round);
  if (pid == 0) {
    verify(round);
    if (exhaustion)
      exhaust(round);
    store_heap(rnd(heappages + 1), 1 + rnd(1200), salt, rnd(2));
    if (map)
      store_map(mapshared ? si : rnd(MAPPAGES), mapshared ? sn : 1 + rnd(600), salt);
    verify(round);
    if (rnd(2))
      shrink(rnd(heappages + 1), round);
    exit(0);
  }
  // (With the child taking all memory, a store here could be our end.)
  if (!exhaustion)
    store_heap(rnd(heappages + 1), 1 + rnd(1200), salt + 1, rnd(2));
  if (map && !mapshared && !exhaustion)
    store_map(rnd(MAPPAGES), 1 + rnd(600), salt + 1);
  int st = wait_child(pid);
  expect(st == 0 || (exhaustion && st == -1), "round %d: the child exited with %d", round, st);
  if (map && mapshared && !exhaustion)
    store_map(si, sn, salt);
}

static void
stress(void)
{
  char *p = sbrk(0);
  expect(sbrk(LARGE_UP(p) - (uint64)p) != (char *)-1, "aligning the break failed");
  base = sbrk(0);
  cow = vmconfig(VMCONF_COW, -1);
  for (int round = 1; round <= ROUNDS; round++) {
    vmconfig(VMCONF_LARGEPAGE, rnd(5) != 0);
    if (round == ROUNDS / 2)
      vmconfig(VMCONF_KPTI, !vmconfig(VMCONF_KPTI, -1));
    switch (rnd(12)) {
    case 0: {
      long from = heappages;
      int lazy = rnd(2);
      grow(rnd(2) ? 512 * (1 + rnd(3)) : 1 + rnd(700), lazy, round);
      if (lazy && rnd(2))   // written in order before anything reads it
        store_heap(from, heappages - from, 1 + round % 99, 0);
      break;
    }
    case 1: shrink(rnd(2) ? 1 + rnd(40) : rnd(heappages + 1), round); break;
    case 2: case 3: store_heap(rnd(heappages + 1), 1 + rnd(1500), 1 + round % 99, 0); break;
    case 4: store_heap(rnd(heappages / 512 + 1) * 512, 512, 1 + round % 99, 1); break;
    case 5: if (!map || rnd(3) == 0) new_mapping(round); break;
    case 6: if (map) store_map(rnd(MAPPAGES), 1 + rnd(1000), 1 + round % 99); break;
    case 7: if (map) cut_mapping(round); break;
    case 8: fork_round(round, 0); break;
    case 9:
      vmconfig(VMCONF_COW, 0);
      fork_round(round, 0);
      vmconfig(VMCONF_COW, cow);
      break;
    case 10: case 11: fork_round(round, rnd(3) == 0); break;
    }
    verify(round);
  }
}

// The stress in a child of its own: once it is reaped, every page it had
// (large or small, shared or copied, its tables) is free again, and large
// pages were made, promoted and split on the way.
static void
mixed(void)
{
  struct memstat a, b;
  expect(memstat(&a) == 0, "memstat failed");
  long before = freepages();
  int pid = fork();
  if (pid == 0) {
    stress();
    exit(0);
  }
  expect(pid > 0, "fork failed");
  wait_child_ok(pid, "the stress");
  expect(memstat(&b) == 0, "memstat failed");
  expect(freepages() == before, "%ld pages free after the stress, %ld before", freepages(),
         before);
  expect(b.large_mapped > a.large_mapped && b.large_promoted > a.large_promoted &&
         b.large_demoted > a.large_demoted,
         "large pages mapped %lu, promoted %lu, split %lu: the stress missed some",
         b.large_mapped - a.large_mapped, b.large_promoted - a.large_promoted,
         b.large_demoted - a.large_demoted);
}

static struct test tests[] = {
  { "lpstress:mixed", mixed },
};

int
main(int argc, char **argv)
{
  int lp = vmconfig(VMCONF_LARGEPAGE, -1), cow = vmconfig(VMCONF_COW, -1);
  int kpti = vmconfig(VMCONF_KPTI, -1);
  // Its children use up memory again and again: with eviction on, each
  // would first fill the swap disk, which takes minutes (swaptest covers
  // running out of memory with swap).
  int evict = vmconfig(VMCONF_EVICT, 0);
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  vmconfig(VMCONF_EVICT, evict);
  vmconfig(VMCONF_LARGEPAGE, lp);
  vmconfig(VMCONF_COW, cow);
  vmconfig(VMCONF_KPTI, kpti);
  test_exit();
}
