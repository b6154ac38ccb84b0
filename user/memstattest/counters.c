// memstattest: the counters of memstat move as they must.
#include "memstattest.h"

void
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

void
bad_store(void)
{
  *(volatile char *)0 = 1;   // text: not writable
}

void
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

void
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
void
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
void
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

