// The kernel's own mappings on QEMU virt: devices and RAM at their
// physical addresses, and the trampoline at the top.
#include "abi/types.h"
#include "arch/mmu.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/arch.h"

extern char etext[];   // kernel.ld: end of kernel text

// Fill out[] with the kernel's mappings; returns how many.
int
arch_kmaps(struct kmap *out, int max, uint64 phystop)
{
  struct kmap m[] = {
    { POWEROFF, POWEROFF, PGSIZE, VM_R | VM_W },
    { UART0, UART0, PGSIZE, VM_R | VM_W },
    { VIRTIO0, VIRTIO0, 8 * PGSIZE, VM_R | VM_W },   // all eight virtio slots
    { PLIC, PLIC, PLIC_SIZE, VM_R | VM_W },
    { KERNBASE, KERNBASE, (uint64)etext - KERNBASE, VM_R | VM_X },
    { (uint64)etext, (uint64)etext, phystop - (uint64)etext, VM_R | VM_W },
    { TRAMPOLINE, (uint64)trampoline, PGSIZE, VM_R | VM_X },
  };
  int n = sizeof(m) / sizeof(m[0]);
  if (n > max)
    n = max;
  for (int i = 0; i < n; i++)
    out[i] = m[i];
  return n;
}
