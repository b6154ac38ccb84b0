// The physical and kernel-virtual layout of QEMU virt (SPEC.md).
// The kernel runs in the upper half of the Sv39 address space (addresses
// with bit 38 set, sign-extended), where all of physical memory, RAM and
// devices, appears at a fixed offset: the direct map. The lower half is
// user space.
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
#define CLINT      0x02000000L    // core-local interruptor: the machine timer
#define CLINT_MTIMECMP(hart) (CLINT + 0x4000 + 8 * (hart))
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
// tests/host (LAZULI_HOST), whose "physical" pages are host memory,
// converts with the identity.
#ifdef LAZULI_HOST
#define KERNOFFSET 0L
#else
#define KERNOFFSET 0xFFFFFFC000000000L   // = KERNVA_BASE: pa 0 at the bottom
#endif
#ifndef __ASSEMBLER__
#define P2V(pa) ((void *)((uint64)(pa) + KERNOFFSET))
#define V2P(va) ((uint64)(va) - KERNOFFSET)
#endif

// At the top of the user half of every page table, the kernel's and each
// process's: the trampoline page (trap entry and exit code, which must stay
// mapped while satp changes under it), and in user tables the trap frame
// below it. Neither has the U bit.
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME  (TRAMPOLINE - PGSIZE)
// Kernel stacks sit at the very top of the kernel half, each with an
// unmapped guard page below it, so that overflowing a kernel stack faults
// instead of silently overwriting its neighbour.
#define KSTACKPAGES 2
#define KSTACK(i)  (0UL - ((i) + 1) * (KSTACKPAGES + 1) * PGSIZE)

#endif
