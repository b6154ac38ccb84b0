// Sv39: three levels of 512 eight-byte PTEs, 4096-byte pages, 39-bit VAs.
#ifndef LAZULI_SV39_H
#define LAZULI_SV39_H

#ifndef __ASSEMBLER__
#include "abi/types.h"
#endif

#define PGSIZE  4096
#define PGSHIFT 12

// One bit below Sv39's 39, so that no valid user address has its top bit
// set and needs sign extension.
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

// The kernel half: Sv39 addresses with bit 38 set are sign-extended, so it
// runs from here to the top of the 64-bit space. The root table's entries
// KROOT_FIRST..511 map it.
#define KERNVA_BASE (~((1UL << 38) - 1))
#define KROOT_FIRST 256

// Bytes of address space one last-level table maps (512 PTEs of a page).
#define PT_LEAF_SPAN (512L * PGSIZE)
// A megapage: a leaf in a level-1 table maps that span, 2^9 pages, at once.
#define MEGAPAGE_ORDER 9

#ifndef __ASSEMBLER__
typedef uint64 pte_t;
typedef uint64 *pagetable_t;   // 512 PTEs
#endif

#define PTE_V (1L << 0)
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)
#define PTE_G (1L << 5)        // global: the same in every address space
#define PTE_A (1L << 6)
#define PTE_D (1L << 7)
#define PTE_COW (1L << 8)      // RSW bit: software's own
#define PTE_SWAP (1L << 9)     // RSW bit, in an invalid PTE: the page is in swap
// RSW bit 8 in an invalid level-1 entry: the last-level table its PPN
// names is shared with other processes since a fork (kernel/mm/forkshare.c).
// The MMU stops at V = 0, so every access to the entry's 2 MiB faults.
#define PTE_SHTABLE (1L << 8)
// Bits a swapped-out PTE uses for its slot: the PPN field and above.
#define PTE_SWAP_SHIFT 10
#define PTE_SWAP_MAXSLOT ((1UL << (64 - PTE_SWAP_SHIFT)) - 1)

#define PX(level, va) ((((uint64)(va)) >> (PGSHIFT + 9 * (level))) & 0x1FF)
#define PA2PTE(pa) ((((uint64)(pa)) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)

// satp value selecting Sv39 with root table pt.
#define SATP_SV39 (8L << 60)
#define MAKE_SATP(pt) (SATP_SV39 | (((uint64)(pt)) >> 12))

#endif
