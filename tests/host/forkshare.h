// Helpers of the host tests of fork sharing page tables (forkshare.c):
// test_forkshare.c (sharing, lifetimes) and test_unshare.c (each cause of
// making a shared table one's own).
#ifndef LAZULI_FORKSHARE_TEST_H
#define LAZULI_FORKSHARE_TEST_H

#include "unit.h"

#define RW (VM_R | VM_W)
#define SPAN PT_LEAF_SPAN
#define SPANPAGES (SPAN / PGSIZE)
#define GB1 (1UL << 30)

// A process whose heap [0, npages pages) is present, page i starting with
// the word i + 1.
static inline void
make_parent(struct vmspace *p, uint64 npages)
{
  vm_new(p);
  p->sz = uvmalloc(p, 0, npages * PGSIZE, RW);
  assert_int_equal(p->sz, npages * PGSIZE);
  for (uint64 i = 0; i < npages; i++)
    *(uint64 *)page_at(p, i * PGSIZE) = i + 1;
}

// Fork p into c with table sharing on.
static inline void
fork_into(struct vmspace *p, struct vmspace *c)
{
  vm_new(c);
  assert_int_equal(uvmcopy(p, c), 0);
}

static inline int
kind_at(struct vmspace *vm, uint64 va)
{
  pte_t *table;
  return span_kind(vm->pagetable, va, &table);
}

// References to the last-level table of va's span.
static inline int
table_refs(struct vmspace *vm, uint64 va)
{
  pte_t *table;
  span_kind(vm->pagetable, va, &table);
  assert_non_null(table);
  return kref_get((uint64)table);
}

// The word at va as the process would load it: through the fault path
// (copyin), which makes a shared span the process's own.
static inline uint64
load(struct vmspace *vm, uint64 va)
{
  uint64 w = 0;
  assert_int_equal(copyin(vm, &w, va, sizeof(w)), 0);
  return w;
}

// The word at va read straight from the page table, changing nothing.
static inline uint64
peek(struct vmspace *vm, uint64 va)
{
  return *(uint64 *)(page_at(vm, PGROUNDDOWN(va)) + va % PGSIZE);
}

static inline void
store(struct vmspace *vm, uint64 va, uint64 w)
{
  assert_int_equal(copyout(vm, va, &w, sizeof(w)), 0);
}

// Everything vm holds goes, as at exit or exec: vm_dropfiles lets go of
// the shared tables (and file regions), uvmfree of the rest.
static inline void
vm_end(struct vmspace *vm)
{
  vm_dropfiles(vm);
  uvmfree(vm);
}

static inline void
check_refs(struct vmspace *a, struct vmspace *b, struct vmspace *c)
{
  struct vmspace *all[] = { a, b, c };
  assert_refs(all, c ? 3 : b ? 2 : 1);
}

#endif
