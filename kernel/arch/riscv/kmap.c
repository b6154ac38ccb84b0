// The kernel's own mappings on QEMU virt: devices and RAM where P2V puts
// them (the direct map, global), and the trampoline at the top of the user
// half.
#include "abi/types.h"
#include "arch/mmu.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/arch.h"

extern char etext[];   // kernel.ld: end of kernel text

#define KVA(pa) ((uint64)P2V(pa))

// Fill out[] with the kernel's mappings; returns how many.
int
arch_kmaps(struct kmap *out, int max, uint64 phystop)
{
  struct kmap m[] = {
    { KVA(POWEROFF), POWEROFF, PGSIZE, VM_R | VM_W | VM_G },
    { KVA(UART0), UART0, PGSIZE, VM_R | VM_W | VM_G },
    { KVA(VIRTIO0), VIRTIO0, VIRTIO_NSLOT * PGSIZE, VM_R | VM_W | VM_G },   // every virtio slot
    { KVA(PLIC), PLIC, PLIC_SIZE, VM_R | VM_W | VM_G },
    { KVA(KERNBASE), KERNBASE, V2P(etext) - KERNBASE, VM_R | VM_X | VM_G },
    { (uint64)etext, V2P(etext), phystop - V2P(etext), VM_R | VM_W | VM_G },
    // In the user half, like every process's: not global.
    { TRAMPOLINE, V2P(trampoline), PGSIZE, VM_R | VM_X },
  };
  int n = sizeof(m) / sizeof(m[0]);
  if (n > max)
    n = max;
  for (int i = 0; i < n; i++)
    out[i] = m[i];
  return n;
}
