// The physical and kernel-virtual layout of QEMU virt (SPEC.md).
// The kernel maps RAM and devices at their physical addresses.
#ifndef LAZULI_MEMLAYOUT_H
#define LAZULI_MEMLAYOUT_H

#include "arch/riscv/sv39.h"

#define POWEROFF   0x100000L      // SiFive test device
#define UART0      0x10000000L
#define UART0_IRQ  10
#define VIRTIO0    0x10001000L    // first virtio-mmio slot
#define VIRTIO0_IRQ 1             // its PLIC source; slot n has VIRTIO0_IRQ + n
#define VIRTIO_NSLOT 8            // slots, one every 0x1000
#define VIRTIO_SLOT(n) (VIRTIO0 + (n) * 0x1000L)
#define PLIC       0x0c000000L
#define PLIC_SIZE  0x400000L
#define PLIC_PRIORITY (PLIC + 0x0)
#define PLIC_SENABLE(h)   (PLIC + 0x2080 + (h) * 0x100)
#define PLIC_SPRIORITY(h) (PLIC + 0x201000 + (h) * 0x2000)
#define PLIC_SCLAIM(h)    (PLIC + 0x201004 + (h) * 0x2000)

#define KERNBASE 0x80000000L      // RAM starts here; the kernel is loaded here

// The kernel reaches physical address pa at kernel-virtual pa + KERNOFFSET.
// P2V and V2P convert: the kernel never dereferences a physical address.
// Page-table entries, kalloc's reference counts, satp and the disk's DMA
// descriptors hold physical addresses; the kernel's code holds pointers.
// Still 0: the kernel runs at physical addresses. tests/host (LAZULI_HOST),
// whose "physical" pages are host memory, keeps 0 for good.
#define KERNOFFSET 0L
#ifndef __ASSEMBLER__
#define P2V(pa) ((void *)((uint64)(pa) + KERNOFFSET))
#define V2P(va) ((uint64)(va) - KERNOFFSET)
#endif

// At the top of every address space, kernel and user alike: the trampoline
// page (trap entry and exit code), and in user space the trap frame below it.
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME  (TRAMPOLINE - PGSIZE)
// Kernel stacks sit below the trampoline, each with an unmapped guard page
// below it, so that overflowing a kernel stack faults instead of silently
// overwriting its neighbour.
#define KSTACKPAGES 2
#define KSTACK(i)  (TRAMPOLINE - ((i) + 1) * (KSTACKPAGES + 1) * PGSIZE)

#endif
