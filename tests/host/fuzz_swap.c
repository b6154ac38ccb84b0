// The fuzzer's swap (fuzz.h): a swap device for most inputs, the reverse
// map and the reclaimer booted with it (kernel/mm/rmap.c, reclaim.c), the
// room eviction may make, and the checks of what went to swap: every
// swapped-out PTE lies in its process's memory and its slot holds the
// model's bytes, and every slot's count is the number of PTEs naming it.
#include <string.h>
#include "fuzz.h"

// Slots of the swap device, chosen by the boot byte: from a few slots,
// which fill up and bring out-of-memory back, to more than RAM; none for
// one input in eight (memory runs out as it did before swap).
static const uint64 swap_sizes[8] = { 24, 8, 48, 96, 160, 320, 1024, 0 };

uint64
swap_slots(uint8 boot)
{
  return swap_sizes[(boot / 5) % 8];
}

// Boot the swap device, the reverse map over the RAM machine_boot just
// made, and the reclaimer, with eviction on and a policy the boot byte
// chooses (op_config may change both).
void
swap_boot(uint8 boot)
{
  fakeswap_reset(swap_slots(boot));
  swapinit();
  static uchar rmap_mem[RAM_MAX_PAGES * 32];
  uint64 npages = (machine_ram_end() - machine_ram_start()) / PGSIZE;
  if (rmap_bytes(npages) > sizeof(rmap_mem))
    fuzz_fail("rmap_mem too small");
  rmap_init(rmap_mem, machine_ram_start(), npages);
  vmreg_reset();
  reclaim_init();
  vm_evict = 1;
  vm_policy = (boot / 3) % 4;
}

// The pages eviction may make free for an access to [va, va+len) of p:
// each takes a slot, so no more than the free slots and those the access
// frees as it reads its own pages back (a page read back takes a page and
// gives back its slot when no other PTE names it, which lets another page
// go). None with eviction off, where reclaim only drops the page cache's
// clean pages, which mavail counts.
uint64
evict_room(struct proc *p, uint64 va, uint64 len)
{
  if (!vm_evict)
    return 0;
  uint64 n = swap_total() - swap_used();
  for (uint64 a = PGROUNDDOWN(va); len > 0 && a < va + len && a < MAXVA; a += PGSIZE) {
    long slot = swap_slot(p->vm.pagetable, a);
    n += slot >= 0 && swap_refs((int)slot) == 1;
  }
  return n;
}

// Did pages go to swap, or come back, since span_before?
int
swap_moved(const struct span *sp)
{
  return vmstat.swap_outs != sp->outs || vmstat.swap_ins != sp->ins;
}

struct swapcheck {
  struct proc *p;
  int *withdata;
};

// A swapped-out PTE of p at va: in the heap or a private region (pages
// of shared mappings never go), and its slot holds what the model says
// the page holds: the bytes written, else the file's (a private file
// page is in swap only as p's own copy) or zeros.
static void
check_one(uint64 va, pte_t pte, void *arg)
{
  struct swapcheck *sc = arg;
  struct proc *p = sc->p;
  struct region *r = mregion(p, va);
  if ((!r && (va < p->heapbase || va >= p->sz)) || (r && (r->shared || r->kind == VMA_GUARD)))
    fuzz_fail("page %#lx in swap outside the process's private memory", va);
  uint64 slot = pte >> PTE_SWAP_SHIFT;
  const uchar *got = fakeswap_block(slot);
  if (!got)
    fuzz_fail("page %#lx in swap slot %lu, never written", va, slot);
  struct mpage *m = mpage(p, va, 0);
  static const uchar zeros[PGSIZE];
  const uchar *want = m ? m->b : mfilepage(r, va) ? mfilepage(r, va) : zeros;
  *sc->withdata += m != 0;
  if (memcmp(got, want, PGSIZE) != 0) {
    int i = 0;
    while (got[i] == want[i])
      i++;
    fuzz_fail("page %#lx in swap slot %lu byte %d: %#x, model %#x", va, slot, i, got[i],
              want[i]);
  }
}

// p's pages in swap, against the model; *withdata counts those the model
// has bytes for.
void
check_swapped(struct proc *p, int *withdata)
{
  struct swapcheck sc = { p, withdata };
  pt_visit_swapped(p->vm.pagetable, check_one, &sc);
}

// Each slot's references are the swapped-out PTEs that name it.
void
check_slots(struct vmspace *const *vms, int n)
{
  char msg[256];
  if (machine_check_slots(vms, n, msg, sizeof(msg)) != 0)
    fuzz_fail("swap slots: %s", msg);
}

// When every process has gone: every slot is free again.
void
check_no_slots(void)
{
  if (swap_used() != 0)
    fuzz_fail("%lu swap slots in use after every process exited", swap_used());
}
