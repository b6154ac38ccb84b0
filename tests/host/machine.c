// The simulated machine's RAM. The checkers that read its page tables
// in the Sv39 format directly are in ptcheck.c.
//
// RAM is one host allocation aligned to a large page, so that its large
// blocks are aligned as kalloc_large promises. kernel/mm treats physical
// addresses as pointers (the kernel maps RAM one to one), and so do we:
// a host pointer into this block is a physical address.
//
// Use after free of a physical page: when a page's last reference goes,
// __wrap_kfree and __wrap_kfree_large (the binaries link with --wrap for
// both) poison all of it but the free-list links for AddressSanitizer; kalloc's clearing memset makes
// it addressable again, and so does kalloc_copy's page-sized memmove
// (host_lib.c). A stale read or write through a freed page then stops the
// test at the faulting line.
//
// The zero page: machine_boot calls zeropage_init after kinit, as the
// kernel's main does, and remembers which page it got. The kernel keeps
// one reference to it for good; the checkers count that reference.
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include "host.h"

static uchar *ram;            // RAM_MAX_PAGES pages
static uint64 ram_end;        // end of the RAM in use
static uint64 kend;           // end of what kinit manages
static void *exhausted;       // pages machine_exhaust holds, linked
static uint64 zero_page;      // the kernel's zero page; 0 before machine_boot

// A free page's first bytes hold the links of the free block it may head.
#define LINKS (2 * sizeof(void *))

void __real_kfree(void *pa);
void __real_kfree_large(void *pa);

static void
poison_if_free(uint64 pa)
{
  if (kref_get(pa) == 0)
    ASAN_POISON_MEMORY_REGION((char *)pa + LINKS, PGSIZE - LINKS);
}

void
__wrap_kfree(void *pa)
{
  __real_kfree(pa);
  poison_if_free((uint64)pa);
}

void
__wrap_kfree_large(void *pa)
{
  __real_kfree_large(pa);
  for (uint64 i = 0; i < LARGE_PAGES; i++)
    poison_if_free((uint64)pa + i * PGSIZE);
}

void
machine_kinit(uint64 start, uint64 end)
{
  ASAN_UNPOISON_MEMORY_REGION(ram, (uint64)RAM_MAX_PAGES * PGSIZE);
  kinit(start, end);
  kend = PGROUNDDOWN(end);
  exhausted = 0;
  zero_page = 0;   // a bare kinit has none (the kernel's is stale now)
  pcache_init();   // empty: the pages it held are gone with the old RAM
  uint64 first = machine_first_page();
  for (uint64 i = 0; i < ktotalpages(); i++)
    ASAN_POISON_MEMORY_REGION((char *)(first + i * PGSIZE) + LINKS, PGSIZE - LINKS);
  // The rest of the block is not RAM.
  ASAN_POISON_MEMORY_REGION((char *)ram_end, (uint64)ram + (uint64)RAM_MAX_PAGES * PGSIZE - ram_end);
}

void
machine_boot(uint64 npages)
{
  if (npages > RAM_MAX_PAGES)
    panic("machine_boot: more RAM than RAM_MAX_PAGES");
  if (!ram) {
    ram = aligned_alloc(LARGE_PGSIZE, (uint64)RAM_MAX_PAGES * PGSIZE);
    if (!ram)
      panic("machine_boot: no host memory");
  }
  ASAN_UNPOISON_MEMORY_REGION(ram, (uint64)RAM_MAX_PAGES * PGSIZE);
  // Junk, not zeros: nothing may rely on RAM being clear at boot.
  memset(ram, 0xA5, npages * PGSIZE);
  ram_end = (uint64)ram + npages * PGSIZE;
  machine_kinit((uint64)ram, ram_end);
  zeropage_init();
  // Which page it took: the only one with a reference now.
  uint64 first = machine_first_page();
  for (uint64 i = 0; i < ktotalpages(); i++) {
    uint64 pa = first + i * PGSIZE;
    if (kref_get(pa) == 0)
      continue;
    if (zero_page || kref_get(pa) != 1 || !is_zeropage(pa))
      panic("machine_boot: zeropage_init took something else than one page");
    zero_page = pa;
  }
  if (!zero_page || kfreecount() != ktotalpages() - 1)
    panic("machine_boot: no zero page");
}

uint64
machine_zero_page(void)
{
  return zero_page;
}

int
machine_page_in_use(uint64 pa)
{
  uint64 first = machine_first_page();
  return pa % PGSIZE == 0 && pa >= first && pa < first + ktotalpages() * PGSIZE &&
         kref_get(pa) > 0;
}

uint64
machine_ram_start(void)
{
  return (uint64)ram;
}

uint64
machine_ram_end(void)
{
  return ram_end;
}

// kinit carves the page records from the bottom of its range and manages
// the pages above them, up to the (rounded-down) end.
uint64
machine_first_page(void)
{
  return kend - ktotalpages() * PGSIZE;
}

void
machine_exhaust(uint64 leave)
{
  while (kfreecount() > leave) {
    void **p = kalloc();
    if (!p)
      panic("machine_exhaust: kalloc failed with pages free");
    *p = exhausted;
    exhausted = p;
  }
}

void
machine_unexhaust(void)
{
  while (exhausted) {
    void *next = *(void **)exhausted;
    kfree(exhausted);
    exhausted = next;
  }
}

void *
machine_exhausted(void)
{
  return exhausted;
}
