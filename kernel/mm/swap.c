// Swap space: the slots of the swap device.
//
// The swap device is a block device of 4096-byte slots (kernel/dev's
// swapdev.c puts it on the second virtio disk; tests/host fakes it). A
// slot is counted like a physical page: each reference is a place that
// holds the page's contents in that slot (a swapped-out PTE, or a write in
// flight), so a page shared by several processes when it was swapped out
// stays shared on the swap device, and the slot is free again when the
// last reference goes. The counts are one 16-bit word per slot, as Linux
// keeps one byte per slot in its swap_map. Pages are moved to slots and
// back by reclaim.c; the slot map's lock is never held across the disk.
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"

static struct {
  struct spinlock lock;
  uint64 nslots;     // slots in use by this kernel (0: no swap)
  uint64 nused;      // slots with a reference
  uint64 nrefs;      // references, all slots together
  uint64 next;       // where the search for a free slot starts
  uint16 refs[SWAP_MAXSLOTS];
} swap;

// Size the slot map from the swap device: every slot free. A device
// larger than SWAP_MAXSLOTS slots is used up to that size. Returns the
// number of slots (0 without a swap device). Called once at boot, before
// anything swaps (tests/host calls it again for each fresh device).
uint64
swapinit(void)
{
  initlock(&swap.lock, "swap");
  uint64 n = swapdev_pages();
  if (n > SWAP_MAXSLOTS)
    n = SWAP_MAXSLOTS;
  swap.nslots = n;
  swap.nused = 0;
  swap.nrefs = 0;
  swap.next = 0;
  memset(swap.refs, 0, sizeof(swap.refs));
  return n;
}

// Slots the swap device offers, and of those, slots holding a page.
uint64
swap_total(void)
{
  return swap.nslots;
}

uint64
swap_used(void)
{
  acquire(&swap.lock);
  uint64 n = swap.nused;
  release(&swap.lock);
  return n;
}

// The count of slot, which must be a slot of the device. Caller holds
// swap.lock.
static uint16 *
ref_of(int slot)
{
  if (slot < 0 || (uint64)slot >= swap.nslots)
    panic("swap: no such slot");
  return &swap.refs[slot];
}

// Take a free slot and give it one reference. The search goes on from
// where the last one stopped (next fit), so slots are used round the
// device rather than the low ones over and over. Returns the slot, or -1
// when every slot is in use (or there is no swap device).
int
swap_alloc(void)
{
  int slot = -1;
  acquire(&swap.lock);
  for (uint64 i = 0; i < swap.nslots && slot < 0; i++) {
    uint64 s = (swap.next + i) % swap.nslots;
    if (swap.refs[s] == 0)
      slot = s;
  }
  if (slot >= 0) {
    swap.refs[slot] = 1;
    swap.nused++;
    swap.nrefs++;
    swap.next = (slot + 1) % swap.nslots;
  }
  release(&swap.lock);
  return slot;
}

// Take a run of consecutive free slots, at most want of them, each with
// one reference, so that pages evicted together go to the disk in one
// request: the first run found from where the last search stopped, or
// the longest one when none is as long as want. Returns the first slot
// and sets *n to the run's length, or returns -1 when swap is full.
int
swap_alloc_run(int want, int *n)
{
  acquire(&swap.lock);
  long best = -1;
  int bestlen = 0;
  for (uint64 i = 0; i < swap.nslots && bestlen < want;) {
    uint64 s = (swap.next + i) % swap.nslots;
    int len = 0;
    while (len < want && s + len < swap.nslots && swap.refs[s + len] == 0)
      len++;
    if (len > bestlen) {
      best = s;
      bestlen = len;
    }
    i += len + 1;
  }
  for (int k = 0; k < bestlen; k++)
    swap.refs[best + k] = 1;
  swap.nused += bestlen;
  swap.nrefs += bestlen;
  if (best >= 0)
    swap.next = (best + bestlen) % swap.nslots;
  release(&swap.lock);
  *n = bestlen;
  return best;
}

// One more reference to slot, which must be in use: another place now
// holds the same swapped-out page (a fork sharing it).
void
swap_dup(int slot)
{
  acquire(&swap.lock);
  uint16 *r = ref_of(slot);
  if (*r == 0)
    panic("swap_dup: free slot");
  if (*r == 0xffff)
    panic("swap_dup: too many references");
  (*r)++;
  swap.nrefs++;
  release(&swap.lock);
}

// Drop one reference to slot; at the last one the slot is free again.
// Dropping a free slot is a kernel bug: it panics.
void
swap_free(int slot)
{
  acquire(&swap.lock);
  uint16 *r = ref_of(slot);
  if (*r == 0)
    panic("swap_free: free slot");
  swap.nrefs--;
  if (--*r == 0)
    swap.nused--;
  release(&swap.lock);
}

// References to all slots together: one per swapped-out PTE (a slot
// shared by several holds several), plus those of a batch being written.
uint64
swap_refs_total(void)
{
  acquire(&swap.lock);
  uint64 n = swap.nrefs;
  release(&swap.lock);
  return n;
}

// References to slot (0: free).
int
swap_refs(int slot)
{
  acquire(&swap.lock);
  int n = *ref_of(slot);
  release(&swap.lock);
  return n;
}
