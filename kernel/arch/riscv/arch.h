// What the rest of the kernel calls in kernel/arch/riscv.
#ifndef LAZULI_ARCH_H
#define LAZULI_ARCH_H

#include "abi/types.h"

#define TIMER_INTERVAL 1000000   // timebase units per tick: 0.1 s at 10 MHz

extern uint64 fdt_base;
extern uint64 bootmap_end;   // start.c: the boot page table maps [0, this)

// fdt.c: RAM from the device tree's /memory node. 0 on success.
int fdt_memory(uint64 fdt, uint64 *base, uint64 *size);

// trap.c
void trapinithart(void);
void usertrapret(void) __attribute__((noreturn));

// plic.c
void plicinit(void);
void plicinithart(void);
int plic_claim(void);
void plic_complete(int irq);

// swtch.S
struct context;
void swtch(struct context *old, struct context *new);

// trampoline.S
extern char trampoline[], uservec[], userret[];

#endif
