// Copies between kernel memory and a user address space. The kernel reads
// and writes user pages through the kernel's direct map of RAM (P2V of
// their physical addresses), so these never fault: a page that is absent
// or not permitted goes through vmfault first, as a user access would.
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

// Make every page of [va, va+len) present and allowed for access, as a
// user access would. Returns 0, or -1 if any page may not be accessed.
// A copy of the same kind right after it needs no allocation. An empty
// range touches no page, whatever va is (it names no byte), and a range
// that wraps past the top of the address space touches none either.
int
prefault(struct vmspace *vm, uint64 va, uint64 len, enum access access)
{
  if (len == 0)
    return 0;
  if (va + len < va)
    return -1;
  for (uint64 a = PGROUNDDOWN(va); a < va + len; a += PGSIZE)
    if (vmfault_pa(vm, a, access) == 0)
      return -1;
  return 0;
}

#define PIN_TRIES 4   // prefaults a pin may take when reclaim keeps taking pages

// Are all pages of [va, va+len) there for an access of kind access? An
// empty range names no page; prefault has checked that it does not wrap.
static int
ready(struct vmspace *vm, uint64 va, uint64 len, enum access access)
{
  for (uint64 a = PGROUNDDOWN(va); len > 0 && a < va + len; a += PGSIZE)
    if (!vmfault_ready(vm, a, access))
      return 0;
  return 1;
}

// As prefault, and keep the pages in place until unpin: the caller may
// sleep before it copies under a spin lock (procinfo), and eviction
// must not take them meanwhile. The whole address space is held
// (vm->busy, which reclaim respects: rmap.c's lock rules), not the pages
// one by one: a page reference would not do, since a reclaimer that had
// counted the page's references just before could still take it. The
// hold begins only after prefault, whose faults must be free to reclaim:
// so a page it made present early may have gone to swap meanwhile
// (another process's reclaim, while this one was preempted between two
// faults), and the range is looked at again once held, and faulted in
// again if a page went. Returns 0, or -1 (nothing held).
int
prefault_pin(struct vmspace *vm, uint64 va, uint64 len, enum access access)
{
  for (int tries = 0; tries < PIN_TRIES; tries++) {
    if (prefault(vm, va, len, access) != 0)
      return -1;
    vm->busy++;
    if (ready(vm, va, len, access))
      return 0;
    vm->busy--;
  }
  return -1;
}

// Let go of what prefault_pin held. The caller is the owner. A count
// below zero would let reclaim change this process's PTEs in its fault
// path: a kernel bug, caught here.
void
unpin(struct vmspace *vm)
{
  if (--vm->busy < 0)
    panic("unpin: not pinned");
}

// Copy len bytes between kernel buffer kbuf and user address va, in the
// direction access says (ACCESS_WRITE: to the user). Returns 0, or -1 if
// any byte may not be accessed (nothing is promised about bytes before it).
static int
ucopy(struct vmspace *vm, uint64 va, char *kbuf, uint64 len, enum access access)
{
  while (len > 0) {
    uint64 va0 = PGROUNDDOWN(va);
    uint64 pa = vmfault_pa(vm, va0, access);
    if (pa == 0)
      return -1;
    uint64 n = PGSIZE - (va - va0);
    if (n > len)
      n = len;
    char *u = (char *)P2V(pa + (va - va0));
    if (access == ACCESS_WRITE)
      memmove(u, kbuf, n);
    else
      memmove(kbuf, u, n);
    len -= n;
    kbuf += n;
    va = va0 + PGSIZE;
  }
  return 0;
}

// Copy len bytes from src to user address dstva. Returns 0 or -1.
int
copyout(struct vmspace *vm, uint64 dstva, const void *src, uint64 len)
{
  return ucopy(vm, dstva, (char *)src, len, ACCESS_WRITE);
}

// Copy len bytes from user address srcva to dst. Returns 0 or -1.
int
copyin(struct vmspace *vm, void *dst, uint64 srcva, uint64 len)
{
  return ucopy(vm, srcva, dst, len, ACCESS_READ);
}

// Copy a NUL-terminated string from user address srcva into dst, at most
// max bytes with the NUL. Returns 0, or -1 on a bad address or when no NUL
// came within max bytes.
int
copyinstr(struct vmspace *vm, char *dst, uint64 srcva, uint64 max)
{
  while (max > 0) {
    uint64 va0 = PGROUNDDOWN(srcva);
    uint64 pa = vmfault_pa(vm, va0, ACCESS_READ);
    if (pa == 0)
      return -1;
    uint64 n = PGSIZE - (srcva - va0);
    if (n > max)
      n = max;
    const char *p = (const char *)P2V(pa + (srcva - va0));
    for (uint64 i = 0; i < n; i++) {
      *dst = p[i];
      if (p[i] == 0)
        return 0;
      dst++;
    }
    max -= n;
    srcva = va0 + PGSIZE;
  }
  return -1;
}
