// The fault path: the one place that decides what an access to a user page
// that is absent or not permitted means. Hardware faults (usertrap) and the
// kernel's copies to and from user memory (uaccess.c) both come here, so a
// lazy page behaves the same whoever touches it first.
//
//   vmfault
//     page present  -> permitted already?       FAULT_OK (nothing to do)
//                      otherwise                FAULT_BADADDR
//     page absent   -> in the heap, not exec?   zero_fill
//                      otherwise                FAULT_BADADDR
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

// Is the access allowed by a present page's rights?
static int
permits(int flags, enum access access)
{
  if (!(flags & VM_U))
    return 0;
  switch (access) {
  case ACCESS_READ:  return (flags & VM_R) != 0;
  case ACCESS_WRITE: return (flags & VM_W) != 0;
  case ACCESS_EXEC:  return (flags & VM_X) != 0;
  }
  return 0;
}

// A page of the heap that was grown lazily and is touched for the first
// time: back it with a fresh zeroed page.
static int
zero_fill(struct vmspace *vm, uint64 va)
{
  void *pa = kalloc();
  if (pa == 0)
    return FAULT_NOMEM;
  if (mappages(vm->pagetable, va, PGSIZE, (uint64)pa, VM_R | VM_W | VM_U) != 0) {
    kfree(pa);
    return FAULT_NOMEM;
  }
  return FAULT_OK;
}

// Decide about an access of kind access to user address va in vm.
// Returns FAULT_OK when the access may be retried (a page was mapped, or
// was there already), FAULT_BADADDR when the process may not make it, and
// FAULT_NOMEM when it may but no page is left.
int
vmfault(struct vmspace *vm, uint64 va, enum access access)
{
  if (va >= MAXVA)
    return FAULT_BADADDR;
  va = PGROUNDDOWN(va);

  pte_t *pte = walk(vm->pagetable, va, 0);
  if (pte && pte_valid(*pte))
    return permits(pte_flags(*pte), access) ? FAULT_OK : FAULT_BADADDR;

  if (va >= vm->heapbase && va < vm->sz && access != ACCESS_EXEC)
    return zero_fill(vm, va);
  return FAULT_BADADDR;
}
