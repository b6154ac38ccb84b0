// The kernel's page table: one for all harts, made once at boot.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "mm/mm.h"

static pagetable_t kernel_pagetable;
uint64 phystop;   // end of RAM, set by main from the device tree

// Build the kernel's page table: what the architecture says the kernel
// needs (RAM, devices, trampoline), plus one kernel stack per process
// slot, each with an unmapped guard page below it.
static pagetable_t
kvmmake(void)
{
  pagetable_t pt = pagetable_new();
  if (pt == 0)
    panic("kvmmake: out of memory");

  struct kmap maps[16];
  int n = arch_kmaps(maps, NELEM(maps), phystop);
  for (int i = 0; i < n; i++)
    if (mappages(pt, maps[i].va, maps[i].size, maps[i].pa, maps[i].flags) != 0)
      panic("kvmmake: mappages");

  for (int i = 0; i < NPROC; i++) {
    for (int j = 0; j < KSTACKPAGES; j++) {
      void *pa = kalloc();
      if (pa == 0 ||
          mappages(pt, KSTACK(i) + j * PGSIZE, PGSIZE, V2P(pa), VM_R | VM_W) != 0)
        panic("kvmmake: kernel stacks");
    }
  }
  return pt;
}

void
kvminit(void)
{
  kernel_pagetable = kvmmake();
}

// Switch this hart to the kernel's page table.
void
kvminithart(void)
{
  pagetable_activate(kernel_pagetable);
}
