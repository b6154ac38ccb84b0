// The privileged half of the page-table interface: satp and sfence.vma.
#include "abi/types.h"
#include "arch/mmu.h"
#include "arch/riscv/riscv.h"

void
pagetable_activate(pagetable_t pagetable)
{
  sfence_vma();   // finish writes to the table before the hart walks it
  csr_write(satp, MAKE_SATP(V2P(pagetable)));
  sfence_vma();   // drop translations of the previous table
}

void
tlb_flush(void)
{
  sfence_vma();
}
