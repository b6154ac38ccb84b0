// swaptest's parts (user/swaptest.c runs them): what they share.
#ifndef LAZULI_SWAPTEST_H
#define LAZULI_SWAPTEST_H

#include "../user.h"
#include "../test.h"

#define SWAP_MAXSLOTS 65536   // kernel/mm/mm.h
#define PG 4096

// Helpers (util.c).
void getstat(struct memstat *st);
uint64 ram_pages(void);
uint64 pattern(uint64 tag, uint64 n, uint64 i);
void fill_from(char *p, uint64 first, uint64 npages, uint64 tag);
void fill(char *p, uint64 npages, uint64 tag);
long check_from(char *p, uint64 first, uint64 npages, uint64 tag);
long check(char *p, uint64 npages, uint64 tag);
void sweep(uint64 npages);
int have_swap(void);
long region_resident(int pid, uint64 va);
void expect_slots_accounted(const char *when);
int wait_children(int n);

// The tests (basic.c, roundtrip.c, share.c, large.c).
void swap_counters(void);
void policy_switch(void);
void out_of_memory(void);
void heap_roundtrip(void);
void eager_overcommit(void);
void stack_roundtrip(void);
void mmap_anon_roundtrip(void);
void mmap_private_file_roundtrip(void);
void fork_swapped(void);
void exit_frees_slots(void);
void overcommit_together(void);
void shared_tables_under_pressure(void);
void large_eager_overcommit(void);
void large_pages_make_room(void);

// A buffer the kernel copies into under a spin lock (pinned.c).
void pinned_buffer(void);

// File pages that processes map, under memory pressure (files.c).
void file_dirty_writeback(void);
void file_clean_dropped(void);

#endif
