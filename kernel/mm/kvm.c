// The kernel's page table: one for all harts, made once at boot. Its
// kernel half (the direct map of RAM and devices, and the kernel stacks)
// never changes afterwards, so every process's page table can point at the
// same kernel-half tables (setupkvm's idea in x86 xv6): then a trap needs
// no page-table switch. With vm_kpti, process tables leave the kernel half
// empty instead, and every trap switches to this table.
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
      void *page = kalloc();
      if (page == 0 ||
          mappages(pt, KSTACK(i) + j * PGSIZE, PGSIZE, V2P(page), VM_R | VM_W | VM_G) != 0)
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

pagetable_t
kvm_pagetable(void)
{
  return kernel_pagetable;
}

// Give a new address space, on which no hart runs yet, the kernel half the
// current design asks for.
void
kvm_setupvm(struct vmspace *vm)
{
  vm->kshared = !vm_kpti;
  pagetable_kernel_half(vm->pagetable, vm->kshared ? kernel_pagetable : 0);
}

// Bring vm, the running process's, to the current design if it is in the
// other one: a new top-level table with the same user half. The hart must
// not be running on vm's table (other harts may still have the old top
// loaded; they hold their own reference to it). Best effort: without a
// free page, vm stays as it is, which works too (the trap path follows
// vm->kshared), and the next return to user mode tries again.
void
kvm_followmode(struct vmspace *vm)
{
  if (vm->kshared == !vm_kpti)
    return;
  int share = !vm_kpti;
  pagetable_t root = pagetable_reroot(vm->pagetable, share ? kernel_pagetable : 0);
  if (root == 0)
    return;
  kfree(vm->pagetable);   // the user half moved; drop the process's reference
  vm->pagetable = root;
  vm->kshared = share;
}
