// Machine-mode start: the little a hart must do in M-mode before the
// kernel proper runs in supervisor mode.
#include "abi/types.h"
#include "abi/param.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/arch.h"

void main(void);

// entry.S carves one boot stack per hart out of this.
__attribute__((aligned(16))) char stack0[4096 * NCPU];

// The device tree's address, as QEMU handed it to hart 0.
uint64 fdt_base;

#define MENVCFG_STCE (1L << 63)   // Sstc: S-mode may use stimecmp
#define MCOUNTEREN_TM (1L << 1)   // S-mode may read the time CSR

// Called by entry.S on each hart with its boot stack.
void
start(uint64 hartid, uint64 fdt)
{
  if (hartid == 0)
    fdt_base = fdt;

  // mret will "return" to main in supervisor mode with paging off.
  uint64 ms = csr_read(mstatus);
  ms = (ms & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
  csr_write(mstatus, ms);
  csr_write(mepc, (uint64)main);
  csr_write(satp, 0);

  // Every exception and interrupt goes straight to supervisor mode.
  csr_write(medeleg, 0xffff);
  csr_write(mideleg, 0xffff);
  csr_set(sie, SIE_SEIE | SIE_STIE);

  // Let S-mode reach all of physical memory.
  csr_write(pmpaddr0, 0x3fffffffffffffL);
  csr_write(pmpcfg0, 0xf);

  // The timer belongs to S-mode (Sstc): it sets stimecmp itself.
  csr_set(mie, SIE_STIE);
  csr_set(0x30a, MENVCFG_STCE);   // menvcfg
  csr_set(mcounteren, MCOUNTEREN_TM);
  csr_write(0x14d, r_time() + TIMER_INTERVAL);  // stimecmp

  w_tp(hartid);   // cpuid() reads it
  asm volatile("mret");
}
