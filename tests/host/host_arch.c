// The machine-dependent hooks kernel/mm calls besides the page-table code
// (kernel/arch/riscv/pagetable.c is compiled unchanged). On the host there
// is no TLB: flushes are only counted, so tests can see that mm asks for
// one after removing mappings.
#include "host.h"

uint64 host_tlb_flushes;

void
tlb_flush(void)
{
  host_tlb_flushes++;
}
