// memtest's parts (user/memtest.c runs them): what they share.
#ifndef LAZULI_MEMTEST_H
#define LAZULI_MEMTEST_H

#include "../user.h"
#include "../test.h"

#define PGSIZE 4096
#define PGROUNDDOWN(a) ((uint64)(a) & ~(uint64)(PGSIZE - 1))
#define MAXVA (1L << 38)

// A store one page above the break (kill.c): it must kill.
void store_above_break(void);

// The tests, in the order memtest runs them (sbrk.c, kill.c, fork.c, exec.c).
void eager_grow(void);
void lazy_grow(void);
void lazy_sparse(void);
void fault_around(void);
void shrink_frees(void);
void shrink_then_touch(void);
void shrink_too_far(void);
void limits(void);
void bad_accesses(void);
void copy_to_lazy(void);
void copy_from_lazy(void);
void path_on_lazy(void);
void copy_bad_pointers(void);
void fork_copies(void);
void fork_lazy(void);
void fork_nomem(void);
void fork_storm(void);
void fresh_pages_zero(void);
void exhaust_eager(void);
void exhaust_lazy(void);
void bad_elf(void);
void wild_elf(void);
void unmap_own(void);

#endif
