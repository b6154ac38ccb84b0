// memstattest: what the memory system shows about itself (system calls
// 26-29, docs/syscalls.md): the counters of memstat move as they must,
// procinfo lists processes with plausible sizes, vmdump shows the PTE a
// touch made, in the caller's page table and in another process's,
// vmconfig switches options and refuses nonsense, and every bad argument
// is a -1, never a killed caller or a kernel panic.
//
// A test that changes a vmconfig option sets it back before it checks
// anything (a failed check ends the test at once).
#include "user.h"
#include "test.h"

#define PGSIZE 4096
#define PGROUNDUP(a) (((uint64)(a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define MAXVA (1L << 38)
#define TRAPFRAME (MAXVA - 2 * PGSIZE)

// Sv39 PTE bits as vmdump reports them.
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)

#define MAXDUMP 512

static struct ptentry dumpbuf[MAXDUMP];
static struct procinfo pibuf[NPROC];
static int mainpid;   // the memstattest that runs the tests (each in a child)

static void
getstat(struct memstat *st)
{
  expect(memstat(st) == 0, "memstat failed");
}

// A fresh lazy heap page, page-aligned, not yet touched.
static char *
lazy_page(void)
{
  char *p = sbrklazy(2 * PGSIZE);
  expect(p != (char *)-1, "sbrklazy failed");
  return (char *)PGROUNDUP(p);
}

// procinfo's entry for pid in pibuf, or 0.
static struct procinfo *
find_proc(int pid)
{
  int n = procinfo(pibuf, NPROC);
  expect(n > 0 && n <= NPROC, "procinfo returned %d", n);
  for (int i = 0; i < n; i++)
    if (pibuf[i].pid == pid)
      return &pibuf[i];
  return 0;
}

// vmdump's leaf entry for page va of pid (dumped into dumpbuf), or 0.
static struct ptentry *
find_leaf(int pid, uint64 va)
{
  int n = vmdump(pid, dumpbuf, MAXDUMP);
  expect(n > 0 && n <= MAXDUMP, "vmdump of pid %d returned %d", pid, n);
  for (int i = 0; i < n; i++)
    if (dumpbuf[i].leaf && dumpbuf[i].va == va)
      return &dumpbuf[i];
  return 0;
}

// The bits a freshly written heap page has: valid, user, read and write,
// not execute.
static void
expect_heap_leaf(struct ptentry *e, uint64 va)
{
  expect(e != 0, "no leaf maps va 0x%lx", va);
  int want = PTE_V | PTE_R | PTE_W | PTE_U;
  expect((e->bits & want) == want && !(e->bits & PTE_X),
         "the leaf for heap page 0x%lx has bits 0x%x", va, e->bits);
  expect(e->level == 0, "the leaf for 0x%lx is at level %d", va, e->level);
  expect(e->index == ((va >> 12) & 511), "the leaf for 0x%lx has index %d", va, e->index);
  expect(e->pa != 0 && e->pa % PGSIZE == 0, "the leaf for 0x%lx maps pa 0x%lx", va, e->pa);
}

// ---- memstat

static void
zero_fill_counts(void)
{
  struct memstat a, b;
  char *p = lazy_page();
  getstat(&a);
  p[0] = 1;
  getstat(&b);
  expect(b.zero_fill >= a.zero_fill + 1, "zero_fill went from %lu to %lu on a lazy touch",
         a.zero_fill, b.zero_fill);
  expect(b.cow_copy == a.cow_copy && b.kills == a.kills,
         "a lazy touch counted a copy-on-write copy or a kill");
}

static void
bad_store(void)
{
  *(volatile char *)0 = 1;   // text: not writable
}

static void
kill_counts(void)
{
  struct memstat a, b;
  getstat(&a);
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    bad_store();
    exit(0);
  }
  int st = 0;
  expect(wait(&st) == pid, "wait lost the child");
  getstat(&b);
  expect(st == -1, "the child that stored to its text exited with %d", st);
  expect(b.kills == a.kills + 1, "kills went from %lu to %lu for one killed child",
         a.kills, b.kills);
}

static void
free_matches(void)
{
  struct memstat st;
  getstat(&st);
  long f = freepages();
  // freepages counts the cached pages nobody maps: kalloc takes them back.
  expect(st.free + st.reclaimable == (uint64)f, "memstat says %lu free and %lu reclaimable, freepages %ld",
         st.free, st.reclaimable, f);
  expect(st.reclaimable <= st.cached, "%lu reclaimable of %lu cached", st.reclaimable, st.cached);
  uint64 sum = 0;
  for (int k = 0; k < MEMSTAT_ORDERS; k++)
    sum += st.free_blocks[k] << k;
  expect(sum == st.free, "free blocks add up to %lu pages, free is %lu", sum, st.free);
  // A fresh machine with this little in use has whole 2 MiB blocks free.
  expect(st.free_blocks[MEMSTAT_ORDERS - 1] > 0, "no free 2 MiB block");
  expect(st.total > st.free, "total %lu is not above free %lu", st.total, st.free);
  // QEMU's -m is at least 128M; a few pages hold the kernel.
  expect(st.total > (64 << 20) / PGSIZE && st.total < (64L << 30) / PGSIZE,
         "total %lu pages is no plausible RAM size", st.total);
}

// The buddy allocator (docs/memory.md): an eager 16 MiB heap takes its
// pages from the 2 MiB blocks once the smaller free blocks are used up,
// and when the heap shrinks back, its pages merge into the same number of
// whole 2 MiB blocks as before (give or take the one the process's own
// page-table pages may come from).
static void
blocks_merge_back(void)
{
  struct memstat a, b, c;
  getstat(&a);
  uint64 small = 0;
  for (int k = 0; k < MEMSTAT_ORDERS - 1; k++)
    small += a.free_blocks[k] << k;
  long mib = 16;
  char *p = sbrk(mib << 20);
  expect(p != (char *)-1, "sbrk of %ld MiB failed", mib);
  getstat(&b);
  uint64 big = a.free_blocks[MEMSTAT_ORDERS - 1], left = b.free_blocks[MEMSTAT_ORDERS - 1];
  // At least the heap less the small blocks came from 2 MiB blocks.
  uint64 pages = (mib << 20) / PGSIZE;
  uint64 need = pages > small ? (pages - small) / 512 : 0;
  expect(left + need <= big, "%lu of %lu 2 MiB blocks left after taking %ld MiB",
         left, big, mib);
  expect(sbrk(-(mib << 20)) != (char *)-1, "shrinking failed");
  getstat(&c);
  expect(c.free_blocks[MEMSTAT_ORDERS - 1] + 1 >= big,
         "%lu 2 MiB blocks after the heap shrank, %lu before", c.free_blocks[MEMSTAT_ORDERS - 1], big);
}

// Sequential touches with fault-around off fill one page per fault; with
// it on, some pages are mapped ahead.
static void
fault_around_counts(void)
{
  struct memstat a, b, c;
  char *q = sbrklazy(40 * PGSIZE);
  expect(q != (char *)-1, "sbrklazy failed");
  q = (char *)PGROUNDUP(q);
  int old = vmconfig(VMCONF_FAULTAROUND, 0);
  getstat(&a);
  for (int i = 0; i < 16; i++)
    q[i * PGSIZE] = 1;
  getstat(&b);
  vmconfig(VMCONF_FAULTAROUND, 1);
  for (int i = 16; i < 32; i++)
    q[i * PGSIZE] = 1;
  getstat(&c);
  vmconfig(VMCONF_FAULTAROUND, old);
  expect(old == 0 || old == 1, "vmconfig(FAULTAROUND) returned %d", old);
  expect(b.zero_fill == a.zero_fill + 16 && b.fault_around == a.fault_around,
         "16 touches, fault-around off: zero_fill +%lu, fault_around +%lu",
         b.zero_fill - a.zero_fill, b.fault_around - a.fault_around);
  // The window may run past the last page touched, up to the break.
  expect(c.zero_fill >= b.zero_fill + 16 && c.fault_around > b.fault_around,
         "16 touches, fault-around on: zero_fill +%lu, fault_around +%lu",
         c.zero_fill - b.zero_fill, c.fault_around - b.fault_around);
}

// ---- procinfo

static void
procinfo_self(void)
{
  struct procinfo *me = find_proc(getpid());
  expect(me != 0, "procinfo does not list the caller");
  expect(me->state == PS_RUNNING, "the caller's state is %d", me->state);
  expect(strcmp(me->name, "memstattest") == 0, "the caller's name is '%s'", me->name);
  expect(me->size == (uint64)sbrk(0), "size %lu, but the break is %p", me->size, sbrk(0));
  // text, data, stack at least; never more than the pages below the break.
  expect(me->resident >= 3 && me->resident <= PGROUNDUP(me->size) / PGSIZE,
         "resident %lu pages with size %lu", me->resident, me->size);
  // The root, and two tables on each of the paths to low memory and to
  // the trampoline.
  expect(me->tables >= 5 && me->tables < 20, "%lu page-table pages", me->tables);

  struct procinfo *parent = find_proc(mainpid);
  expect(parent != 0, "procinfo does not list the parent, pid %d", mainpid);
  expect(parent->state == PS_SLEEPING, "the waiting parent's state is %d", parent->state);
  expect(strcmp(parent->name, "memstattest") == 0, "the parent's name is '%s'", parent->name);
  expect(find_proc(1) != 0, "procinfo does not list init");
}

// Touching lazy pages makes as many more resident as were filled (two,
// or more when fault-around maps ahead).
static void
procinfo_resident(void)
{
  struct memstat a, b;
  char *p = sbrklazy(8 * PGSIZE);
  expect(p != (char *)-1, "sbrklazy failed");
  struct procinfo *me = find_proc(getpid());
  expect(me != 0, "procinfo does not list the caller");
  uint64 before = me->resident;
  p = (char *)PGROUNDUP(p);
  getstat(&a);
  p[PGSIZE] = 1;
  p[4 * PGSIZE] = 1;
  getstat(&b);
  me = find_proc(getpid());
  uint64 filled = b.zero_fill - a.zero_fill;
  expect(filled >= 2 && me->resident == before + filled,
         "%lu pages filled: resident %lu -> %lu", filled, before, me->resident);
}

// With less room than processes, only max entries are written but the
// count is all of them.
static void
procinfo_short_buffer(void)
{
  int n = procinfo(pibuf, NPROC);
  expect(n >= 3, "procinfo counts %d processes (init, sh, testrun at least)", n);
  memset(pibuf, 0x5a, sizeof(pibuf));
  int m = procinfo(pibuf, 1);
  expect(m >= 3, "procinfo(buf, 1) returned %d", m);
  expect(pibuf[0].pid > 0, "procinfo(buf, 1) stored no entry");
  expect(pibuf[1].pid == 0x5a5a5a5a, "procinfo(buf, 1) wrote a second entry");
  expect(procinfo(0, 0) == m, "procinfo(0, 0) does not count the processes");
}

// ---- vmdump

// The n entries in dumpbuf are a well-formed page table in depth-first
// order, ending with the trampoline.
static void
expect_tree(int n)
{
  expect(n > 0 && n <= MAXDUMP, "vmdump returned %d", n);
  expect(dumpbuf[0].level == 2 && !dumpbuf[0].leaf, "the first entry is no top-level table");
  for (int i = 1; i < n; i++) {
    struct ptentry *a = &dumpbuf[i - 1], *b = &dumpbuf[i];
    uint64 span = (uint64)PGSIZE << (9 * b->level);
    expect(b->va % span == 0, "entry %d: va 0x%lx not aligned to its level %d", i, b->va, b->level);
    expect(b->level == 0 || !b->leaf, "entry %d: a leaf at level %d", i, b->level);
    if (b->level < a->level) {
      uint64 aspan = (uint64)PGSIZE << (9 * a->level);
      expect(b->level == a->level - 1 && !a->leaf && b->va >= a->va && b->va < a->va + aspan,
             "entry %d (level %d va 0x%lx) does not follow its table", i, b->level, b->va);
    }
  }
  struct ptentry *last = &dumpbuf[n - 1];
  expect(last->leaf && last->va == MAXVA - PGSIZE && (last->bits & PTE_X) &&
         !(last->bits & PTE_U), "the last entry is not the trampoline");
}

// A touched heap page shows as a user leaf at its va.
static void
vmdump_self(void)
{
  char *p = lazy_page();
  p[0] = 1;
  struct ptentry *e = find_leaf(getpid(), (uint64)p);
  expect_heap_leaf(e, (uint64)p);
  int n = vmdump(getpid(), dumpbuf, MAXDUMP);
  expect(vmdump(getpid(), 0, 0) == n, "vmdump(pid, 0, 0) does not count the entries");
  expect_tree(n);
}

// vmdump of a child that sleeps in read: its page table has the page it
// touched. Once the child is reaped, its pid is unknown.
static void
vmdump_other(void)
{
  int up[2], down[2];
  expect(pipe(up) == 0 && pipe(down) == 0, "pipe failed");
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    char *q = lazy_page();
    q[0] = 1;
    write(up[1], &q, sizeof(q));
    char c;
    read(down[0], &c, 1);   // sleep here while the parent looks
    exit(0);
  }
  char *q = 0;
  expect(read(up[0], &q, sizeof(q)) == sizeof(q), "no word from the child");
  // Once it has written, it goes to sleep in read; give it the time.
  struct procinfo *c = 0;
  for (int i = 0; i < 20; i++) {
    c = find_proc(pid);
    if (c && c->state == PS_SLEEPING)
      break;
    pause(1);
  }
  expect(c && c->state == PS_SLEEPING, "the child is not sleeping");
  struct ptentry *e = find_leaf(pid, (uint64)q);
  write(down[1], "x", 1);
  int st = -5;
  expect(wait(&st) == pid && st == 0, "the child ended with status %d", st);
  expect_heap_leaf(e, (uint64)q);
  expect(vmdump(pid, dumpbuf, MAXDUMP) == -1, "vmdump of a reaped pid did not fail");
}

// Look at busy (vmdump, procinfo) ten times: each look must give a
// well-formed table, or -1 / PI_UNKNOWN when it kept running on another
// hart. Its break may lag behind its table: it may have been stopped in
// sbrk between mapping pages and moving the break.
static void
look_at_busy(int busy)
{
  int dumps = 0, infos = 0;
  for (int i = 0; i < 10; i++) {
    int n = vmdump(busy, dumpbuf, MAXDUMP);
    if (n != -1) {
      expect_tree(n);
      dumps++;
    }
    struct procinfo *c = find_proc(busy);
    expect(c != 0, "procinfo does not list the busy process");
    if (c->resident != PI_UNKNOWN) {
      expect(c->resident >= 3 && c->resident <= PGROUNDUP(c->size) / PGSIZE + 64,
             "busy process: resident %lu, size %lu", c->resident, c->size);
      infos++;
    }
  }
  printf("memstat:vmdump_busy: %d of 10 dumps, %d of 10 resident counts\n", dumps, infos);
}

// Looking at a process that keeps changing its page table, perhaps running
// on another hart meanwhile, never sees a torn table nor panics. The looks
// run in a process of their own, so that the busy one is killed however
// they end.
static void
vmdump_busy(void)
{
  int busy = fork();
  expect(busy >= 0, "fork failed");
  if (busy == 0) {
    for (;;) {
      char *p = sbrk(64 * PGSIZE);
      if (p != (char *)-1) {
        p[0] = p[63 * PGSIZE] = 1;
        sbrk(-64 * PGSIZE);
      }
    }
  }
  int looker = fork();
  if (looker == 0) {
    look_at_busy(busy);
    exit(0);
  }
  int st = -5, bst = 0;
  int w = looker > 0 ? wait(&st) : -1;
  kill(busy);
  int bw = wait(&bst);
  expect(looker > 0 && w == looker, "fork or wait failed");
  if (st != 0)
    exit(st == TEST_REPORTED ? st : 1);
  expect(bw == busy && bst == -1, "the busy process ended with status %d", bst);
}

// ---- vmconfig

static void
vmconfig_options(void)
{
  int keys[] = { VMCONF_COW, VMCONF_FAULTAROUND, VMCONF_ZEROPAGE, VMCONF_DEMANDEXEC, VMCONF_KPTI,
                 VMCONF_LARGEPAGE, VMCONF_FORKSHARE, VMCONF_EVICT };
  for (int k = 0; k < (int)(sizeof(keys) / sizeof(keys[0])); k++) {
    int key = keys[k];
    int old = vmconfig(key, -1);
    int flipped = vmconfig(key, !old);
    int reread = vmconfig(key, -1);
    int toolarge = vmconfig(key, 2);
    int negative = vmconfig(key, -2);
    int kept = vmconfig(key, -1);
    int restored = vmconfig(key, old);
    int now = vmconfig(key, -1);
    expect(old == 0 || old == 1, "key %d: value %d", key, old);
    expect(flipped == old && reread == !old, "key %d: set to %d returned %d, then reads %d",
           key, !old, flipped, reread);
    expect(toolarge == -1 && negative == -1 && kept == !old,
           "key %d: values 2 and -2 returned %d and %d, left %d", key, toolarge, negative, kept);
    expect(restored == !old && now == old, "key %d: restoring returned %d, reads %d",
           key, restored, now);
  }
  expect(vmconfig(0, -1) == -1 && vmconfig(VMCONF_EVICT + 1, 0) == -1 &&
         vmconfig(-1, 1) == -1 && vmconfig(1000, -1) == -1, "an unknown key did not fail");
}

// ---- bad arguments: -1, and the caller lives on

static void
bad_arguments(void)
{
  struct ptentry small[2];
  char *kernel = (char *)0x80000000L;
  expect(memstat(0) == -1, "memstat into the text page did not fail");
  expect(memstat((struct memstat *)kernel) == -1, "memstat into the kernel did not fail");
  expect(memstat((struct memstat *)TRAPFRAME) == -1, "memstat onto the trap frame did not fail");
  expect(memstat((struct memstat *)(MAXVA - 8)) == -1, "memstat across MAXVA did not fail");

  expect(procinfo(0, 1) == -1, "procinfo into the text page did not fail");
  expect(procinfo(pibuf, -1) == -1, "procinfo with max -1 did not fail");
  expect(procinfo(pibuf, 0x7fffffff) == -1, "procinfo with a huge max did not fail");
  expect(procinfo((struct procinfo *)PGROUNDUP(sbrk(0)), 1) == -1,
         "procinfo above the break did not fail");
  expect(procinfo((struct procinfo *)kernel, 1) == -1, "procinfo into the kernel did not fail");

  int me = getpid();
  expect(vmdump(me, 0, 1) == -1, "vmdump into the text page did not fail");
  expect(vmdump(me, (struct ptentry *)bad_store, 1) == -1, "vmdump into code did not fail");
  expect(vmdump(me, small, -1) == -1, "vmdump with max -1 did not fail");
  expect(vmdump(me, small, 0x7fffffff) == -1, "vmdump with a huge max did not fail");
  expect(vmdump(me, (struct ptentry *)(MAXVA - 8), 1) == -1, "vmdump across MAXVA did not fail");
  expect(vmdump(me, (struct ptentry *)-4096L, 1) == -1, "vmdump to a wild address did not fail");
  expect(vmdump(0, small, 2) == -1, "vmdump of pid 0 did not fail");
  expect(vmdump(-1, small, 2) == -1, "vmdump of pid -1 did not fail");
  expect(vmdump(1 << 30, small, 2) == -1, "vmdump of an unknown pid did not fail");
  // Bad arguments and too small a buffer are different things.
  expect(vmdump(me, small, 2) > 2, "vmdump into 2 entries does not count them all");
}

// With max = 0 the buffer holds nothing, so any address will do: both
// calls only count, and touch no page (a lazy one stays unallocated).
static void
count_only(void)
{
  char *lazy = sbrklazy(PGSIZE) + 5;
  void *bufs[] = { lazy, (void *)1, (void *)0x80000001L, (void *)(TRAPFRAME + 3),
                   (void *)(MAXVA + 1), (void *)-4095L, (void *)bad_store };
  int me = getpid();
  long before = freepages();
  int procs = procinfo(0, 0), ptes = vmdump(me, 0, 0);
  expect(procs >= 3 && ptes > 0, "procinfo(0, 0) = %d, vmdump(me, 0, 0) = %d", procs, ptes);
  for (int i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
    int n = procinfo(bufs[i], 0);
    expect(n == procs, "procinfo(%p, 0) returned %d, not the count %d", bufs[i], n, procs);
    n = vmdump(me, bufs[i], 0);
    expect(n == ptes, "vmdump(me, %p, 0) returned %d, not the count %d", bufs[i], n, ptes);
  }
  expect(freepages() == before, "counting took %ld pages", before - freepages());
}

static struct test tests[] = {
  { "memstat:zero_fill", zero_fill_counts },
  { "memstat:kills", kill_counts },
  { "memstat:free", free_matches },
  { "memstat:blocks_merge_back", blocks_merge_back },
  { "memstat:fault_around", fault_around_counts },
  { "memstat:procinfo_self", procinfo_self },
  { "memstat:procinfo_resident", procinfo_resident },
  { "memstat:procinfo_short", procinfo_short_buffer },
  { "memstat:vmdump_self", vmdump_self },
  { "memstat:vmdump_other", vmdump_other },
  { "memstat:vmdump_busy", vmdump_busy },
  { "memstat:vmconfig", vmconfig_options },
  { "memstat:bad_arguments", bad_arguments },
  { "memstat:count_only", count_only },
};

int
main(int argc, char **argv)
{
  mainpid = getpid();
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
