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
//
// Fault-around: a process that fills its lazy heap in order would pay one
// trap per page, and a trap costs far more than zeroing a page. So a fault
// on the page right after the ones the previous fault mapped maps a window
// twice as large (up to FAULT_AROUND_MAX pages) of the absent heap pages
// from there. A scattered toucher keeps a window of one page: it gets
// exactly the pages it touches. Each page is still zeroed once, by kalloc.
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

#define FAULT_AROUND_MAX 256   // 1 MiB

// Back absent heap page va with a fresh zeroed page. Returns 0, or -1 when
// out of memory.
static int
map_zeroed(struct vmspace *vm, uint64 va)
{
  void *pa = kalloc();
  if (pa == 0)
    return -1;
  if (mappages(vm->pagetable, va, PGSIZE, (uint64)pa, VM_R | VM_W | VM_U) != 0) {
    kfree(pa);
    return -1;
  }
  return 0;
}

// A page of the heap that was grown lazily is touched for the first time:
// map it, and, for a sequential toucher, the absent pages after it.
static int
zero_fill(struct vmspace *vm, uint64 va)
{
  if (map_zeroed(vm, va) != 0)
    return FAULT_NOMEM;
  VMSTAT_INC(zero_fill);

  int window = 1;
  if (vm_faultaround && va == vm->seq_next && vm->seq_window > 0)
    window = vm->seq_window * 2 > FAULT_AROUND_MAX ? FAULT_AROUND_MAX : vm->seq_window * 2;
  int n = 1;
  for (; n < window; n++) {
    uint64 a = va + n * PGSIZE;
    // Stop at the break, at a page already there, or when memory is short:
    // the extra pages are a bet, never a reason to fail.
    if (a >= vm->sz)
      break;
    pte_t *pte = walk(vm->pagetable, a, 0);
    if ((pte && pte_valid(*pte)) || map_zeroed(vm, a) != 0)
      break;
    VMSTAT_INC(zero_fill);
    VMSTAT_INC(fault_around);
  }
  vm->seq_window = window;
  vm->seq_next = va + n * PGSIZE;
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
