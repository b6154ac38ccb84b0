// The fuzzer's disk errors (fuzz.h): the input chooses when a swap write
// (a page-out), a swap read (a page-in) or a file page's write-back fails,
// as a disk error would, and marks processes as running elsewhere, where
// reclaim cannot look at them. What the kernel must do then:
//   - a failed page-out sends no page: each stays resident with its bytes
//     and its slot is free again. The checker sees that after every step
//     (contents, slot counts: machine_check_slots), so nothing here but
//     the count;
//   - a failed page-in maps nothing and keeps the slot: a kernel copy
//     returns -1 (copyin, copyout, copyinstr), a fault answers
//     FAULT_BADADDR and the process is killed, the others untouched. Only
//     the accesses the model follows may meet one: each says so
//     (pagein_failed), and one anywhere else is a failure;
//   - a failed write-back loses nothing: the page stays dirty in the cache
//     (the checker: a cached page is the view, one not cached is on the
//     disk), msync returns -1, and the file's disk keeps the bytes it had
//     before the step (disk_after). When the input ends, the pages still
//     dirty are written and every file's disk must then be its view.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"

// The counts at the start of the step, and the files' disks in the model
// then, when a write-back is to fail.
static uint64 reads0, writes0;
static int wbs0, snapped, handled;
static int armed[3];   // this input armed a page-out, page-in, write-back error
static uchar disk0[NMFILE][FMAX];

// The inputs run, and those that met each error (fuzz-replay and
// FUZZ_DISK_STATS print them).
struct diskstats diskstats;

// The disk operation byte: bits 0-1 which error, bits 2-3 after how many
// more requests of that kind (few: an input makes few); 3 in bits 0-1: the process slot of bits 2-3
// starts or stops running elsewhere (its process now and those it holds
// later).
void
op_disk(struct input *in)
{
  uint8 b = take(in);
  long after = (b >> 2) & 3;
  if ((b & 3) != 3)
    armed[b & 3] = 1;
  switch (b & 3) {
  case 0:
    fakeswap_fail_kind(1, after);
    break;
  case 1:
    fakeswap_fail_kind(0, after);
    break;
  case 2:
    fakefs_failwrite(after);
    break;
  default: {
    struct proc *q = &procs[(b >> 2) % NPROCS];
    q->elsewhere = !q->elsewhere;
    if (q->live)
      vmreg_running_elsewhere(&q->vm, q->elsewhere);
    diskstats.elsewhere++;
  }
  }
}

// p's address space becomes one reclaim visits (spawn, exec), passed over
// while p's slot runs elsewhere.
void
vm_register(struct proc *p)
{
  vmreg_add(&p->vm);
  if (p->elsewhere)
    vmreg_running_elsewhere(&p->vm, 1);
}

void
disk_before(void)
{
  reads0 = fakeswap_failed[0];
  writes0 = fakeswap_failed[1];
  wbs0 = fakefs_failedwrites;
  handled = 0;
  snapped = fakefs_failwrite_pending() >= 0;
  for (int f = 0; snapped && f < NMFILE; f++)
    memcpy(disk0[f], mfiles[f].disk, FMAX);
}

int
pageins_may_fail(void)
{
  return fakeswap_fail_pending(0) >= 0;
}

uint64
pagein_failures(void)
{
  return fakeswap_failed[0];
}

// An access of p met a failed page-in, and the kernel answered failed
// (ok == 0; else it is a failure). Page va0 (if not MAXVA: the one
// accessed) must still be in swap: nothing was mapped, the slot kept.
void
pagein_failed(struct proc *p, uint64 va0, int ok)
{
  if (ok)
    fuzz_fail("an access succeeded, but the page-in it needed failed");
  if (va0 != MAXVA && swap_slot(p->vm.pagetable, va0) < 0)
    fuzz_fail("page %#lx: its page-in failed, and it is not in swap any more", va0);
  handled = 1;
}

// A failed page-in at a user access: FAULT_BADADDR, and the process is
// killed (the kernel's usertrap); its exit frees what it held.
void
pagein_kills(struct proc *p, uint64 va, int r)
{
  if (r != FAULT_BADADDR)
    fuzz_fail("vmfault(%#lx) = %d after a failed page-in, not FAULT_BADADDR", va, r);
  pagein_failed(p, PGROUNDDOWN(va), 0);
  diskstats.kills++;
  op_exit(p);
}

// After the step, before the checker: a page-in only where the step
// expected one; a write-back that failed left the disk's page as it was.
void
disk_after(void)
{
  if (fakeswap_failed[0] != reads0 && !handled)
    fuzz_fail("a page-in failed in an operation that does not expect one");
  if (fakefs_failedwrites == wbs0)
    return;
  if (!snapped)
    fuzz_fail("a write-back failed with none armed");
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    const uchar *real = fakefs_data(m->name);
    for (uint64 off = 0; off < m->size; off += PGSIZE) {
      uint64 n = m->size - off < PGSIZE ? m->size - off : PGSIZE;
      if (memcmp(real + off, m->disk + off, n) != 0 && memcmp(real + off, disk0[f] + off, n) == 0)
        memcpy(m->disk + off, disk0[f] + off, n);
    }
  }
}

// When every process has gone: the pages a failed write-back left dirty
// are written now (the disk works again), and every file's disk is then
// its view: no store was lost.
void
disk_flush(void)
{
  fakefs_failwrite(-1);
  fakeswap_fail_kind(0, -1);
  fakeswap_fail_kind(1, -1);
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    struct inode *ip = fakefs_open(m->name);
    for (uint64 i = 0; i < PGROUNDUP(m->size) / PGSIZE; i++)
      if (pcache_writeback(ip, i) < 0)
        fuzz_fail("file %s page %lu: write-back failed with the disk working", m->name, i);
    fmap_release(ip);
    if (memcmp(fakefs_data(m->name), m->view, m->size) != 0)
      fuzz_fail("file %s: its disk is not its view once every page was written", m->name);
    memcpy(m->disk, m->view, m->size);
  }
  diskstats.inputs++;
  diskstats.outfail += fakeswap_failed[1] != 0;
  diskstats.infail += fakeswap_failed[0] != 0;
  diskstats.wbfail += fakefs_failedwrites != 0;
  diskstats.unseen += vmreg_unseen != 0;
  for (int k = 0; k < 3; k++) {
    diskstats.armed[k] += armed[k];
    armed[k] = 0;
  }
}

static void
print_stats(void)
{
  fprintf(stderr, "%s\n", disk_stats_line());
}

const char *
disk_stats_line(void)
{
  static char line[640];
  struct diskstats *d = &diskstats;
  snprintf(line, sizeof(line),
           "disk errors: %lu inputs; a page-out failed in %lu, a page-in in %lu (%lu processes "
           "killed), a write-back in %lu (armed in %lu, %lu, %lu); %lu times a process ran "
           "elsewhere or back, and reclaim could not look at a page's hint in %lu inputs",
           d->inputs, d->outfail, d->infail, d->kills, d->wbfail, d->armed[0], d->armed[1],
           d->armed[2], d->elsewhere, d->unseen);
  return line;
}

// FUZZ_DISK_STATS set: the counts go to stderr when the fuzzer exits.
void
disk_stats_at_exit(void)
{
  static int done;
  if (!done && getenv("FUZZ_DISK_STATS"))
    atexit(print_stats);
  done = 1;
}
