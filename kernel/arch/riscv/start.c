// Machine-mode start: the little a hart must do in M-mode before the
// kernel proper runs in supervisor mode.
#include "abi/types.h"
#include "abi/param.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/arch.h"
#include "arch/riscv/memlayout.h"

void _entry_s(void);

// entry.S carves one boot stack per hart out of this.
__attribute__((aligned(16))) char stack0[4096 * NCPU];

// The device tree's address, as QEMU handed it to hart 0.
uint64 fdt_base;

#define MENVCFG_STCE (1L << 63)   // Sstc: S-mode may use stimecmp
#define MCOUNTEREN_TM (1L << 1)   // S-mode may read the time CSR

// The page table a hart turns paging on with: 1 GiB leaves mapping the
// first BOOTMAP_GB gigabytes of physical memory (devices and RAM) where
// P2V puts them, and RAM's first gigabyte, where the kernel is, also at
// its physical address, which the hart is executing at when paging goes
// on. main switches to the kernel's real table (kvmmake) as soon as it is
// built. A constant, so every hart can use it from its first instruction.
#define BOOTMAP_GB 8
#define GIGA(pa) (PA2PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define DIRECT(gb) [PX(2, KERNOFFSET + ((uint64)(gb) << 30))] = GIGA((uint64)(gb) << 30)
__attribute__((aligned(4096))) static pte_t bootpt[512] = {
  [PX(2, KERNBASE)] = GIGA(KERNBASE),
  DIRECT(0), DIRECT(1), DIRECT(2), DIRECT(3),
  DIRECT(4), DIRECT(5), DIRECT(6), DIRECT(7),
};
uint64 bootmap_end = (uint64)BOOTMAP_GB << 30;   // physical memory bootpt maps

// Called by entry.S on each hart with its boot stack. Runs at the physical
// address: every address taken here is physical (medany code is
// pc-relative), which is what M-mode needs.
void
start(uint64 hartid, uint64 fdt)
{
  if (hartid == 0)
    fdt_base = fdt;

  // mret will "return" to _entry_s in supervisor mode, with paging on.
  uint64 ms = csr_read(mstatus);
  ms = (ms & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
  csr_write(mstatus, ms);
  csr_write(mepc, (uint64)_entry_s);
  csr_write(satp, MAKE_SATP((uint64)bootpt));

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
  // The machine timer is never used: push its compare value out of reach.
  // Left at 0 it would keep MTIP pending (though masked), and QEMU then
  // checks for interrupts at every exit from its translated code.
  *(volatile uint64 *)CLINT_MTIMECMP(hartid) = ~0UL;

  w_tp(hartid);   // cpuid() reads it
  asm volatile("mret");
}
