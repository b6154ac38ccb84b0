// The platform-level interrupt controller: routes the UART's and the
// disks' interrupts to the harts' supervisor mode.
#include "abi/types.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/arch.h"
#include "proc/proc.h"
#include "dev/dev.h"

#define REG(a) (*(volatile uint32 *)P2V(a))

// The sources this kernel takes: the UART and the virtio slots that hold
// a disk it drives. Another virtio device would interrupt with nobody to
// acknowledge it, over and over, so its slot stays off.
static uint32
sources(void)
{
  uint32 mask = 1u << UART0_IRQ;
  for (int slot = 0; slot < VIRTIO_NSLOT; slot++)
    if (virtio_disk_in_slot(slot))
      mask |= 1u << (VIRTIO0_IRQ + slot);
  return mask;
}

// Give every source a non-zero priority: zero means "never interrupt".
// After virtio_disk_init, which finds the disks.
void
plicinit(void)
{
  uint32 mask = sources();
  for (int irq = 0; irq < 32; irq++)
    if (mask & (1u << irq))
      REG(PLIC_PRIORITY + irq * 4) = 1;
}

// Let this hart's S-mode context take the sources, at any priority.
void
plicinithart(void)
{
  int hart = cpuid();
  REG(PLIC_SENABLE(hart)) = sources();
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
