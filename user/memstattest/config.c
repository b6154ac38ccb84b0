// memstattest: vmconfig's options, and bad arguments to every call.
#include "memstattest.h"

// ---- vmconfig

void
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

void
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
void
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

