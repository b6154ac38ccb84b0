// Sv39 leaf PTEs as kernel/mm sees them (arch/mmu.h declares and explains
// each function): reading and making one. They are inline because the
// loops that go through a table's 512 entries (fork sharing or copying a
// table, teardown) call them for every entry, and a call costs more than
// the few bit operations each one is. Included by arch/mmu.h only, after
// the VM_* rights.
#ifndef LAZULI_PTE_H
#define LAZULI_PTE_H

#include "arch/riscv/sv39.h"

// kernel/lib's (lib/lib.h), declared alone: host programs that include
// this header for the PTE format have a libc of their own.
void panic(const char *msg) __attribute__((noreturn));

static inline int
pte_valid(pte_t pte)
{
  return (pte & PTE_V) != 0;
}

static inline uint64
pte_pa(pte_t pte)
{
  return PTE2PA(pte);
}

static inline int
pte_flags(pte_t pte)
{
  int f = 0;
  if (pte & PTE_R) f |= VM_R;
  if (pte & PTE_W) f |= VM_W;
  if (pte & PTE_X) f |= VM_X;
  if (pte & PTE_U) f |= VM_U;
  if (pte & PTE_COW) f |= VM_COW;
  if (pte & PTE_G) f |= VM_G;
  return f;
}

// A leaf. A and D are set up front: the page is going to be used, and
// hardware that does not manage them would otherwise fault on first use.
// A leaf needs some right (without one, Sv39 reads the PTE as a pointer to
// a table), and Sv39 reserves W without R.
static inline pte_t
pte_make(uint64 pa, int flags)
{
  if (!(flags & (VM_R | VM_W | VM_X)) || ((flags & VM_W) && !(flags & VM_R)))
    panic("pte_make: not a valid leaf");
  pte_t pte = PA2PTE(pa) | PTE_V | PTE_A | PTE_D;
  if (flags & VM_R) pte |= PTE_R;
  if (flags & VM_W) pte |= PTE_W;
  if (flags & VM_X) pte |= PTE_X;
  if (flags & VM_U) pte |= PTE_U;
  if (flags & VM_COW) pte |= PTE_COW;
  if (flags & VM_G) pte |= PTE_G;
  return pte;
}

// An invalid PTE holding a swap slot. With V clear the MMU looks at no
// other bit, so all of them are software's: PTE_SWAP says "in swap" (an
// invalid PTE is otherwise 0) and the slot sits where the PPN would.
static inline pte_t
pte_make_swap(uint64 slot)
{
  if (slot > PTE_SWAP_MAXSLOT)
    panic("pte_make_swap: slot too large");
  return (slot << PTE_SWAP_SHIFT) | PTE_SWAP;
}

static inline int
pte_is_swap(pte_t pte)
{
  return (pte & (PTE_V | PTE_SWAP)) == PTE_SWAP;
}

static inline uint64
pte_swap_slot(pte_t pte)
{
  if (!pte_is_swap(pte))
    panic("pte_swap_slot: not a swapped-out PTE");
  return pte >> PTE_SWAP_SHIFT;
}

#endif
