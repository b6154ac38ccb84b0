// A process's memory as the rest of kernel/proc sees it: making and
// freeing its address space (with the trampoline and trap frame on top),
// moving its break, and copies that may go to user or kernel memory.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "arch/riscv/arch.h"
#include "proc/proc.h"

// Free an address space made by proc_vmcreate and all its user memory.
void
proc_vmfree(struct vmspace *vm)
{
  if (vm->pagetable == 0)
    return;
  uvmunmap(vm->pagetable, TRAMPOLINE, 1, 0);
  uvmunmap(vm->pagetable, TRAPFRAME, 1, 0);
  uvmfree(vm);
}

// A user address space for p: empty, with the trampoline and p's trap
// frame mapped at the top (no user access), and the kernel half the
// current design asks for (kernel/mm/kvm.c).
int
proc_vmcreate(struct proc *p, struct vmspace *vm)
{
  if (uvmcreate(vm) != 0)
    return -1;
  kvm_setupvm(vm);
  if (mappages(vm->pagetable, TRAMPOLINE, PGSIZE, V2P(trampoline), VM_R | VM_X) != 0 ||
      mappages(vm->pagetable, TRAPFRAME, PGSIZE, V2P(p->trapframe), VM_R | VM_W) != 0) {
    proc_vmfree(vm);
    return -1;
  }
  return 0;
}

// Grow the heap by n bytes (n >= 0). lazy: only move the break; pages
// appear on first touch. Eager: whole aligned 2 MiB blocks become large
// pages where they can (kernel/mm/largepage.c). A size that wraps or
// reaches the lowest mapping above the heap (or the trap frame) fails
// with -1 and changes nothing.
int
growproc(long n, int lazy)
{
  struct vmspace *vm = &myproc()->vm;
  uint64 sz = vm->sz;
  uint64 newsz = sz + n;

  if (newsz < sz || newsz > vm_heaplimit(vm))   // never into a mapping
    return -1;
  if (!lazy && (PGROUNDUP(newsz) - PGROUNDUP(sz)) / PGSIZE > reclaim_limit())
    return -1;   // could never fit: fail before evicting anything
  // An eager grow takes its pages a large block at a time (its part of
  // one aligned LARGE_PGSIZE span), reclaiming room for each first: it may
  // use more than the free RAM while swap has room.
  for (uint64 a = sz; !lazy && a < newsz;) {
    uint64 span = (a | (LARGE_PGSIZE - 1)) + 1;
    uint64 to = span < newsz ? span : newsz;
    if (reclaim_room((PGROUNDUP(to) - PGROUNDUP(a)) / PGSIZE) != 0 ||
        uvmalloc_large(vm, a, to, VM_R | VM_W) == 0) {
      uvmdealloc(vm, a, sz);
      return -1;
    }
    a = to;
  }
  vm->sz = newsz;
  return 0;
}

// Shrink the heap by n bytes: uvmdealloc unmaps and frees the pages above
// the new break (lazy pages never touched cost nothing). A shrink that
// would end below the heap's start changes nothing, as in xv6, where
// sbrk(-(sbrk(0) + 1)) must leave the process as it was. A large page or
// a page table shared since a fork that the new break cuts is split or
// copied first (kernel/mm/vm.c range_edges); when no page is left for
// that, the shrink fails with -1 and changes nothing the process sees.
int
shrinkproc(uint64 n)
{
  struct vmspace *vm = &myproc()->vm;
  if (n == 0 || n > vm->sz - vm->heapbase)
    return 0;
  uint64 sz = uvmdealloc(vm, vm->sz, vm->sz - n);
  if (sz == vm->sz)
    return -1;
  vm->sz = sz;
  return 0;
}

int
either_copyout(int user_dst, uint64 dst, void *src, uint64 len)
{
  if (user_dst)
    return copyout(&myproc()->vm, dst, src, len);
  memmove((void *)dst, src, len);
  return 0;
}

int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if (user_src)
    return copyin(&myproc()->vm, dst, src, len);
  memmove(dst, (void *)src, len);
  return 0;
}
