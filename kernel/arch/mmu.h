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

// A large page: the biggest block one leaf PTE maps that user memory can
// use (a 2 MiB megapage in Sv39), 2^LARGE_ORDER pages aligned to its size.
#define LARGE_ORDER  MEGAPAGE_ORDER
#define LARGE_PAGES  (1 << LARGE_ORDER)
#define LARGE_PGSIZE ((uint64)PGSIZE << LARGE_ORDER)

// Access rights of a mapping, in machine-independent form.
#define VM_R    0x01   // readable
#define VM_W    0x02   // writable
#define VM_X    0x04   // executable
#define VM_U    0x08   // user-accessible
#define VM_COW  0x10   // shared copy-on-write: write faults copy (software bit)
#define VM_G    0x20   // global: the kernel's, the same in every address space

// A page table has two halves. The user half, [0, MAXVA), is each
// process's own. The kernel half (addresses from KERNVA_BASE up) is the
// kernel's: a process's table either shares the kernel's own tables there
// (pagetable_kernel_half) or leaves it empty (separate tables, KPTI). Every
// function below that takes a range, counts or frees works on the user
// half only: a process never pays for, or frees, the kernel's tables.

// Return the address of the leaf PTE for va in pagetable, creating inner
// table pages on the way only if alloc is set. Returns 0 if an inner table
// is missing (alloc == 0) or cannot be allocated. When it returns 0 with
// alloc == 0, no address in va's aligned PT_LEAF_SPAN bytes is mapped, so
// a scan may skip to the next span. Within one span, the PTEs of
// consecutive pages are consecutive in memory (as in every radix page
// table): a scan walks once per span and steps through the entries.
// A large page on the way is a caller's mistake (panic): code that may
// meet one uses walk_leaf below. A last-level table shared since a fork
// (below) is followed when alloc is 0: the PTE returned may be read, but
// written only after the caller has made the table its own
// (ptshare_own); walking through one with alloc set is a mistake (panic).
pte_t *walk(pagetable_t pagetable, uint64 va, int alloc);

// Large pages. A large page maps an aligned block of LARGE_PGSIZE bytes,
// as kalloc_large hands them out, with one PTE. Its mapping holds one
// reference to the block (kernel/mm/kref.c: one count for the whole
// block, or, once the block is split, one on each of its LARGE_PAGES
// pages). These functions change no count: before a demotion, kernel/mm
// splits the block (lp_demote), so that each small PTE then holds the
// reference of its own page. The caller flushes the TLB (tlb_flush) after
// each of these changes, before relying on it.
//
// The leaf PTE that maps va, small or large, and in *size the bytes it
// maps (PGSIZE or LARGE_PGSIZE); 0 if nothing maps va. Unlike walk it
// never allocates and never panics at a large page. It follows a shared
// table's mark as walk does.
pte_t *walk_leaf(pagetable_t pagetable, uint64 va, uint64 *size);
// Map the block at physical pa as one large page at va, both aligned to
// LARGE_PGSIZE, with rights flags; the mapping takes over a reference to
// the block (above). A last-level table there whose entries are
// all zero is freed; one that maps something or holds a swapped-out
// page's slot, a shared table's mark, or a large page already there, is
// a caller's mistake (panic). Returns 0, or -1 (nothing
// changed) when the table page above it cannot be allocated.
int mappages_large(pagetable_t pagetable, uint64 va, uint64 pa, int flags);
// Split the large page that maps va into LARGE_PAGES small PTEs with the
// same rights and bits, mapping the same pages, in a new last-level
// table: table, a page the caller took (every entry is written), or,
// when table is 0, one kalloc_table gives. Returns 0, or -1 when no page
// is free for the table (the large page stays). va must be mapped by a
// large page.
int pagetable_demote(pagetable_t pagetable, uint64 va, pagetable_t table);

// Reading and making leaf PTEs: inline, defined in the architecture's
// header.
#include "arch/riscv/pte.h"
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

// The accessed bit of the valid leaf *pte, cleared in the same atomic step:
// the MMU sets it in the PTE at an access, maybe on another hart at this
// very moment, and an update made meanwhile (the dirty bit) is not lost.
// A hart whose TLB still holds the translation sets it again only after
// its next flush, so a page may look unused when it was: the replacement
// policies only need a hint.
int pte_test_clear_accessed(pte_t *pte);

pagetable_t pagetable_new(void);    // an empty top-level table, or 0
// Free the user half's table pages and drop one reference to the top-level
// table. Every user leaf, large pages too, must already be unmapped. The
// kernel half's entries stay: a hart that still has the table loaded (and
// holds its own reference) keeps running on them.
void pagetable_free(pagetable_t pagetable);
// Point pagetable's kernel half at the tables of kpt's (the kernel's page
// table), or empty it when kpt is 0. Only for a table no hart runs on.
void pagetable_kernel_half(pagetable_t pagetable, pagetable_t kpt);
// A new top-level table holding pagetable's user half and kpt's kernel
// half (none when kpt is 0); pagetable's user half is then emptied, so
// that its tables belong to the new one. Returns 0 when out of memory
// (pagetable is then unchanged). For switching a live address space
// between the two designs while other harts may still run on the old top.
pagetable_t pagetable_reroot(pagetable_t pagetable, pagetable_t kpt);
// Free the inner table pages that map nothing in [from, to) (and hold no
// swapped-out page's slot), so that a page table costs only what its
// mappings need after memory is unmapped. The top-level table stays.
void pagetable_prune(pagetable_t pagetable, uint64 from, uint64 to);
// Number of inner and top-level table pages (for tests and vmprint):
// the process's own, not the shared tables it reaches through marks.
int pagetable_pages(pagetable_t pagetable);

// Last-level tables shared between processes since a fork (the spans of
// PT_LEAF_SPAN bytes, kernel/mm/forkshare.c). The MMU has no way to make
// a non-leaf entry read-only, so the entry of a shared table is made
// invalid in every process that shares it, with a mark that still names
// the table: any access to the span faults, and the fault path makes the
// table the process's own before it changes a PTE. The table's page holds
// one reference per sharer (kalloc.c); each PTE in it holds one reference
// to its page for all the sharers together. These functions only change
// entries: kernel/mm counts the references, and flushes the TLB after
// span_share (the sharer's valid entry became a mark).
enum span_kind {
  SPAN_NONE,     // no last-level table and no large page: nothing mapped
  SPAN_TABLE,    // the process's own last-level table
  SPAN_SHARED,   // a shared table's mark
  SPAN_LARGE,    // a large page (a leaf above the last level)
};
// What maps va's span; *table is set to the last-level table's 512 PTEs
// (a kernel pointer to its page) for SPAN_TABLE and SPAN_SHARED, to the
// large page's PTE for SPAN_LARGE, else 0. The kernel half is SPAN_NONE:
// its tables are never shared this way.
int span_kind(pagetable_t pagetable, uint64 va, pte_t **table);
// Share with child the last-level tables of pagetable's spans from va
// (span-aligned) to end, as far as va's level-1 table goes: each span
// with a table or a mark gets the mark in both, and fn is called with the
// physical address of each table newly shared (the caller counts the new
// sharer). A span mapped by a large page gets it in both, made read-only
// and VM_COW where it was writable, and large is called with its block
// (the caller counts the new mapping); with large 0, it stops before such
// a span (the caller's). Spans with nothing are passed over; so are spans
// child has that very mark or large page for already. Sets *next to where
// it stopped; returns the number of tables newly shared, or -1 when
// child's upper table cannot be allocated (the spans before *next are
// shared). A span child maps otherwise is a caller's mistake (panic).
int span_share(pagetable_t pagetable, pagetable_t child, uint64 va, uint64 end,
               void (*fn)(uint64 pa), void (*large)(uint64 pa), uint64 *next);
// The first span from va (span-aligned) to end that maps something (any
// kind but SPAN_NONE), or end: for scans that skip empty spans quickly.
uint64 span_next(pagetable_t pagetable, uint64 va, uint64 end);
// Replace the mark of va's span (SPAN_SHARED) by a valid entry for table,
// the process's own from now on (the same table, or a copy of it).
void span_own(pagetable_t pagetable, uint64 va, pte_t *table);
// Remove the marks of the spans from va (span-aligned) to end, as far as
// va's level-1 table goes (those spans map nothing now), calling fn with
// each table a mark named. Returns where it stopped.
uint64 span_clear(pagetable_t pagetable, uint64 va, uint64 end, void (*fn)(pte_t *table));

// Make pagetable the hart's translation and flush stale TLB entries.
void pagetable_activate(pagetable_t pagetable);
// Forget this hart's cached translations after PTEs changed: all of them,
// those of the page holding va, or those of the pages of [va, va+len).
void tlb_flush(void);
void tlb_flush_page(uint64 va);
void tlb_flush_range(uint64 va, uint64 len);

// The kernel's own mappings (RAM, devices, trampoline), for kvmmake.
struct kmap {
  uint64 va, pa, size;
  int flags;   // VM_* rights
};
// Fill out[] (at most max) with them for RAM ending at phystop; returns
// how many.
int arch_kmaps(struct kmap *out, int max, uint64 phystop);

// Call fn for every valid PTE of pagetable's user half, described as
// vmdump shows it (abi/memstat.h): depth first, a table's entries right
// after the entry that points to it. fn must not change the page table.
// A shared table's mark is reported as a table entry with info
// PTI_SHARED, and the leaves below it with info PTI_SHARED.
void pagetable_visit(pagetable_t pagetable,
                     void (*fn)(void *arg, const struct ptentry *e), void *arg);
// The same for the kernel half (virtual addresses sign-extended).
void pagetable_visit_kernel(pagetable_t pagetable,
                            void (*fn)(void *arg, const struct ptentry *e), void *arg);
// Pages mapped by valid leaf PTEs with user access, a large page counting
// as LARGE_PAGES: the pages a process has resident.
uint64 pagetable_user_pages(pagetable_t pagetable);

#endif
