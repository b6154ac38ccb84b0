// The machine-dependent hooks kernel/mm calls besides the page-table code
// (kernel/arch/riscv/pagetable.c is compiled unchanged). On the host there
// is no TLB: flushes are counted and the pages they covered remembered, so
// tests can see that mm asks for one, and for which pages, after changing
// mappings.
#include "host.h"

uint64 host_tlb_flushes;

#define NRANGES 64
static struct { uint64 lo, hi; } ranges[NRANGES];   // flushed [lo, hi)
static int nranges;
static int flushed_all;   // a full flush, or more ranges than fit

static void
remember(uint64 lo, uint64 hi)
{
  host_tlb_flushes++;
  if (nranges == NRANGES) {
    flushed_all = 1;
    return;
  }
  ranges[nranges].lo = lo;
  ranges[nranges].hi = hi;
  nranges++;
}

void
tlb_flush(void)
{
  remember(0, 0);
  flushed_all = 1;
}

void
tlb_flush_page(uint64 va)
{
  remember(PGROUNDDOWN(va), PGROUNDDOWN(va) + PGSIZE);
}

void
tlb_flush_range(uint64 va, uint64 len)
{
  remember(PGROUNDDOWN(va), PGROUNDUP(va + len));
}

int
host_tlb_flushed(uint64 va)
{
  if (flushed_all)
    return 1;
  for (int i = 0; i < nranges; i++)
    if (va >= ranges[i].lo && va < ranges[i].hi)
      return 1;
  return 0;
}

int
host_tlb_flushed_all(void)
{
  return flushed_all;
}

void
host_tlb_forget(void)
{
  nranges = 0;
  flushed_all = 0;
}
