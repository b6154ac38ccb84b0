// swaptest: buffers that the kernel copies into under a spin lock.
#include "swaptest.h"

// Ask procinfo (odd k) or vmdump (even k) to fill a fresh lazy buffer of
// npages: how many entries it returned, or -1; *self counts the entries
// for this process that procinfo stored.
static int
fill_buffer(int k, uint64 npages, int *self)
{
  uint64 bytes = npages * PG;
  char *buf = sbrklazy(bytes);
  expect(buf != (char *)-1, "sbrklazy of %lu pages failed", npages);
  int n;
  if (k % 2) {
    struct procinfo *pi = (struct procinfo *)buf;
    n = procinfo(pi, bytes / sizeof(*pi));
    for (int i = 0; i < n; i++)
      *self += pi[i].pid == getpid();
  } else {
    n = vmdump(getpid(), (struct ptentry *)buf, bytes / sizeof(struct ptentry));
  }
  expect(sbrk(-(int)bytes) != (char *)-1, "shrinking the buffer failed");
  return n;
}

// procinfo and vmdump copy into the caller's buffer holding a process's
// spin lock, where a copy must not sleep: the whole buffer is made
// present first, and pinned. A buffer larger than RAM cannot be present
// at once: the faults that bring in its last pages send its first ones
// to swap, and the call must fail with -1 rather than copy into a page
// in swap. One that fits, half the RAM, must work.
void
pinned_buffer(void)
{
  uint64 ram = ram_pages();
  int self = 0;
  for (int k = 0; k < 2; k++) {
    int n = fill_buffer(k, ram * 3 / 2, &self);
    expect(n == -1, "a buffer of 1.5 x RAM for %s gave %d", k ? "procinfo" : "vmdump", n);
  }
  for (int k = 0; k < 2; k++) {
    int n = fill_buffer(k, ram / 2, &self);
    expect(n > 0, "a buffer of half the RAM for %s gave %d", k ? "procinfo" : "vmdump", n);
  }
  expect(self == 1, "procinfo listed this process %d times", self);
  expect_slots_accounted("after the buffers");
}
