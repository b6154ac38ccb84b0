// A swap device in host memory, for swap.c (kernel/mm/mm.h's swapdev_*
// interface), with the rules of the real one checked: a request names a
// slot of the device, and the caller holds no spin lock (the real device
// sleeps). A request can be made to fail, as a disk error would.
#include <stdlib.h>
#include <string.h>
#include "host.h"

static uchar **blocks;     // one per slot, allocated at its first write
static uint64 npages;
static long fail_in = -1;  // requests until the one that fails; -1: none
static long fail_kind_in[2] = { -1, -1 };   // the same, reads [0] and writes [1] apart

uint64 fakeswap_reads, fakeswap_writes;
uint64 fakeswap_failed[2];   // requests failed: reads, writes
void (*fakeswap_meanwhile_write)(void);

void
fakeswap_reset(uint64 pages)
{
  for (uint64 i = 0; i < npages; i++)
    free(blocks[i]);
  free(blocks);
  blocks = pages ? calloc(pages, sizeof(*blocks)) : 0;
  if (pages && !blocks)
    abort();
  npages = pages;
  fail_in = fail_kind_in[0] = fail_kind_in[1] = -1;
  fakeswap_reads = fakeswap_writes = 0;
  fakeswap_failed[0] = fakeswap_failed[1] = 0;
  fakeswap_meanwhile_write = 0;
}

void
fakeswap_fail(long after)
{
  fail_in = after;
}

void
fakeswap_fail_kind(int write, long after)
{
  fail_kind_in[write != 0] = after;
}

long
fakeswap_fail_pending(int write)
{
  return fail_kind_in[write != 0];
}

const uchar *
fakeswap_block(uint64 slot)
{
  return slot < npages ? blocks[slot] : 0;
}

uint64
swapdev_pages(void)
{
  return npages;
}

// One slot. A slot never written reads as junk, as a fresh disk may hold
// anything.
static int
swapdev_rw1(uint64 slot, void *page, int write)
{
  if (host_locks_held() != 0)
    panic("swapdev_rw: called holding a spin lock");
  if (slot >= npages)
    panic("swapdev_rw: slot beyond the device");
  if (fail_in >= 0 && fail_in-- == 0)
    return -1;
  if (write) {
    if (!blocks[slot] && !(blocks[slot] = malloc(PGSIZE)))
      abort();
    memcpy(blocks[slot], page, PGSIZE);
    fakeswap_writes++;
  } else {
    if (blocks[slot])
      memcpy(page, blocks[slot], PGSIZE);
    else
      memset(page, 0xA5, PGSIZE);
    fakeswap_reads++;
  }
  return 0;
}

// n slots from slot on, one request (a failure counts once). A write
// that succeeds then calls fakeswap_meanwhile_write, once: what another
// process might do while the reclaimer sleeps on the disk.
int
swapdev_rw(uint64 slot, void *buf, int n, int write)
{
  if (n <= 0 || slot + n > npages)
    panic("swapdev_rw: slot beyond the device");
  long *kind = &fail_kind_in[write != 0];
  if (*kind >= 0 && (*kind)-- == 0) {
    if (host_locks_held() != 0)
      panic("swapdev_rw: called holding a spin lock");
    fakeswap_failed[write != 0]++;
    return -1;
  }
  for (int i = 0; i < n; i++) {
    if (swapdev_rw1(slot + i, (char *)buf + (uint64)i * PGSIZE, write) != 0) {
      fakeswap_failed[write != 0]++;
      return -1;
    }
  }
  void (*hook)(void) = fakeswap_meanwhile_write;
  if (write && hook) {
    fakeswap_meanwhile_write = 0;
    hook();
  }
  return 0;
}
