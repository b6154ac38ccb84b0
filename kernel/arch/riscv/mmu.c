// The privileged half of the page-table interface: satp and sfence.vma.
#include "abi/types.h"
#include "arch/mmu.h"
#include "arch/riscv/riscv.h"

// Past this many pages one flush of everything is cheaper than one
// sfence.vma per page.
#define FLUSH_PAGES_MAX 64

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

void
tlb_flush_page(uint64 va)
{
  sfence_vma_va(va);
}

void
tlb_flush_range(uint64 va, uint64 len)
{
  uint64 first = PGROUNDDOWN(va), end = PGROUNDUP(va + len);
  if ((end - first) / PGSIZE > FLUSH_PAGES_MAX) {
    sfence_vma();
    return;
  }
  for (uint64 a = first; a < end; a += PGSIZE)
    sfence_vma_va(a);
}
