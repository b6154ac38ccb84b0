// What kalloc.c (free memory) and kref.c (reference counts) share: the
// record of each physical page and the allocator's state. Nothing else
// includes this header; the rest of the kernel asks through mm.h.
#ifndef LAZULI_KMEM_H
#define LAZULI_KMEM_H

#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"

#define NORDERS (LARGE_ORDER + 1)

// A record's ref (struct page, mm.h): ref > 0: in use, with that many
// references. ref == 0: free, inside a free block or loose. The first page
// of a free block of order k has FREE_HEAD(k), which is how a freed block
// tells whether its buddy is free whole (a loose page is not: it is merged
// when the loose list drains). IN_BLOCK: a page of a large block held
// whole, whose count is the block's (kref.c).
#define FREE_HEAD(order) (-1 - (order))
#define IN_BLOCK (-64)

// The links of a free block sit in its first page: free memory holds them.
struct freeblock {
  struct freeblock *next, *prev;
};

// A loose page's link, likewise.
struct freepage {
  struct freepage *next;
};

struct kmem {
  struct spinlock lock;
  struct freeblock free[NORDERS];  // circular lists of free blocks, by order
  uint64 nblocks[NORDERS];         // blocks on each list
  struct freepage *loose;          // single pages freed, not merged yet
  uint64 nloose, maxloose;         // pages on it, and its bound
  uint64 nfree;                    // free pages: in blocks, and loose
  uint64 npages;                   // pages managed (kpages: where, and their records)
  uint64 run, run_end;             // page-table pages free in the current run
  int *whole;                      // per aligned large block: references held whole
  uint64 wbase;                    // the first such block's address
};
extern struct kmem mem;

// The record of page pa, which the caller knows is managed: the free
// lists' own bookkeeping, kept short for the single-page path.
static inline struct page *
rec(uint64 pa)
{
  return &kpages.recs[(pa - kpages.base) / PGSIZE];
}

// Drop one reference from pg, atomically; returns how many it had.
// who names the caller in the panic for a page that is already free.
// One atomic add, not a compare-and-swap loop: exit drops one for every
// page of a shared table that it frees.
static inline int
ref_drop(struct page *pg, const char *who)
{
  int old = __atomic_fetch_sub(&pg->ref, 1, __ATOMIC_SEQ_CST);
  if (old <= 0)
    kref_bad(pg, old, 1, who);
  return old;
}

// kref.c, for kalloc.c
void kref_hold_whole(uint64 pa);   // a fresh large block: one reference, held whole
int kref_put_large(uint64 pa);     // 1: dropped; 0: the caller's is the last; -1: split

#endif
