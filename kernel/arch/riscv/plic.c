// The platform-level interrupt controller: routes the UART's and the
// disk's interrupts to the harts' supervisor mode.
#include "abi/types.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/arch.h"
#include "proc/proc.h"

#define REG(a) (*(volatile uint32 *)P2V(a))

// Give both sources a non-zero priority: zero means "never interrupt".
void
plicinit(void)
{
  REG(PLIC_PRIORITY + UART0_IRQ * 4) = 1;
  REG(PLIC_PRIORITY + VIRTIO0_IRQ * 4) = 1;
}

// Let this hart's S-mode context take both sources, at any priority.
void
plicinithart(void)
{
  int hart = cpuid();
  REG(PLIC_SENABLE(hart)) = (1 << UART0_IRQ) | (1 << VIRTIO0_IRQ);
  REG(PLIC_SPRIORITY(hart)) = 0;
}

// The highest-priority pending source for this hart, or 0.
int
plic_claim(void)
{
  return REG(PLIC_SCLAIM(cpuid()));
}

// This hart is done with irq; the PLIC may deliver it again.
void
plic_complete(int irq)
{
  REG(PLIC_SCLAIM(cpuid())) = irq;
}
