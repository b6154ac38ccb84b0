// Helpers shared by the host tests of large pages for anonymous memory
// (test_lpvm.c, test_lpfork.c), on RAM_MAX_PAGES of RAM.
#ifndef LAZULI_LPVM_H
#define LAZULI_LPVM_H

#include "unit.h"

#define MB2 LARGE_PGSIZE
#define RW (VM_R | VM_W)
#define MAPAT (1UL << 32)   // where the tests put mappings

void check_refs(struct vmspace *vm);                        // assert_refs of one
void check_refs2(struct vmspace *a, struct vmspace *b);     // and of two
uint64 leaf_size(struct vmspace *vm, uint64 va);            // LARGE_PGSIZE, PGSIZE or 0
// Store a mark telling page va (and salt) apart in its first and last
// byte, through the fault path as a store would; holds() checks it.
void store(struct vmspace *vm, uint64 va, int salt);
int holds(struct vmspace *vm, uint64 va, int salt);
void store_range(struct vmspace *vm, uint64 from, uint64 to, int salt);
void assert_holds(struct vmspace *vm, uint64 from, uint64 to, int salt);
// Leave no 2 MiB block free (each keeps one page in use); unfragment
// gives those pages back.
void fragment(void);
void unfragment(void);
// An eager heap [heapbase, sz) of vm, as growproc makes it.
void eager_heap(struct vmspace *vm, uint64 heapbase, uint64 sz);

#endif
