// memstattest's parts (user/memstattest.c runs them): what they share.
#ifndef LAZULI_MEMSTATTEST_H
#define LAZULI_MEMSTATTEST_H

#include "../user.h"
#include "../test.h"

#define PGSIZE 4096
#define PGROUNDUP(a) (((uint64)(a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define MAXVA (1L << 38)
#define TRAPFRAME (MAXVA - 2 * PGSIZE)

// Sv39 PTE bits as vmdump reports them.
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_U (1 << 4)

#define MAXDUMP 512

extern struct ptentry dumpbuf[MAXDUMP];
extern struct procinfo pibuf[NPROC];
extern int mainpid;   // the memstattest that runs the tests (each in a child)

// A store to address 0 (counters.c): it must kill; its address is code,
// which bad_arguments hands to calls as a buffer.
void bad_store(void);

// Helpers (util.c).
void getstat(struct memstat *st);
char *lazy_page(void);
struct procinfo *find_proc(int pid);
struct ptentry *find_leaf(int pid, uint64 va);
void expect_heap_leaf(struct ptentry *e, uint64 va);

// The tests (counters.c, look.c, config.c).
void zero_fill_counts(void);
void kill_counts(void);
void free_matches(void);
void blocks_merge_back(void);
void fault_around_counts(void);
void procinfo_self(void);
void procinfo_resident(void);
void procinfo_short_buffer(void);
void vmdump_self(void);
void vmdump_other(void);
void vmdump_busy(void);
void vmconfig_options(void);
void bad_arguments(void);
void count_only(void);

#endif
