// The page-table interface every architecture provides to kernel/mm.
// kernel/mm sees page tables only through these names: it never looks at
// PTE bits, so the same mm code runs on Sv39 here (and on the host in
// tests/host) and could run on another MMU.
#ifndef LAZULI_MMU_H
#define LAZULI_MMU_H

#include "abi/types.h"
#include "arch/riscv/memlayout.h"  // PGSIZE, MAXVA, pte_t, P2V, V2P, TRAMPOLINE...
#include "abi/memstat.h"           // struct ptentry

#define PGROUNDUP(a)   (((a) + PGSIZE - 1) & ~((uint64)PGSIZE - 1))
#define PGROUNDDOWN(a) ((a) & ~((uint64)PGSIZE - 1))

// Access rights of a mapping, in machine-independent form.
#define VM_R    0x01   // readable
#define VM_W    0x02   // writable
#define VM_X    0x04   // executable
#define VM_U    0x08   // user-accessible
#define VM_COW  0x10   // shared copy-on-write: write faults copy (software bit)

// Return the address of the leaf PTE for va in pagetable, creating inner
// table pages on the way only if alloc is set. Returns 0 if an inner table
// is missing (alloc == 0) or cannot be allocated. When it returns 0 with
// alloc == 0, no address in va's aligned PT_LEAF_SPAN bytes is mapped, so
// a scan may skip to the next span. Within one span, the PTEs of
// consecutive pages are consecutive in memory (as in every radix page
// table): a scan walks once per span and steps through the entries.
pte_t *walk(pagetable_t pagetable, uint64 va, int alloc);

int pte_valid(pte_t pte);           // maps something
uint64 pte_pa(pte_t pte);           // physical address of the page
int pte_flags(pte_t pte);           // VM_* rights
pte_t pte_make(uint64 pa, int flags); // a valid leaf PTE

// A page that lives in swap slot `slot` instead of RAM: an invalid PTE
// (every access faults) that remembers the slot. pte_valid is 0 for it,
// and it is never 0, so it differs from a PTE that never mapped anything.
pte_t pte_make_swap(uint64 slot);
int pte_is_swap(pte_t pte);
uint64 pte_swap_slot(pte_t pte);    // the slot of a pte_is_swap PTE

pagetable_t pagetable_new(void);    // an empty top-level table, or 0
// Free the table pages of pagetable. Every leaf must already be unmapped.
void pagetable_free(pagetable_t pagetable);
// Free the inner table pages that map nothing in [from, to), so that a
// page table costs only what its mappings need after memory is unmapped.
// The top-level table stays.
void pagetable_prune(pagetable_t pagetable, uint64 from, uint64 to);
// Number of inner and top-level table pages (for tests and vmprint).
int pagetable_pages(pagetable_t pagetable);

// Make pagetable the hart's translation and flush stale TLB entries.
void pagetable_activate(pagetable_t pagetable);
// Forget cached translations after PTEs changed.
void tlb_flush(void);

// The kernel's own mappings (RAM, devices, trampoline), for kvmmake.
struct kmap {
  uint64 va, pa, size;
  int flags;   // VM_* rights
};
// Fill out[] (at most max) with them for RAM ending at phystop; returns
// how many.
int arch_kmaps(struct kmap *out, int max, uint64 phystop);

// Call fn for every valid PTE of pagetable, described as vmdump shows it
// (abi/memstat.h): depth first, a table's entries right after the entry
// that points to it. fn must not change the page table.
void pagetable_visit(pagetable_t pagetable,
                     void (*fn)(void *arg, const struct ptentry *e), void *arg);
// Number of valid leaf PTEs with user access: the pages a process has
// resident.
uint64 pagetable_user_pages(pagetable_t pagetable);

#endif
