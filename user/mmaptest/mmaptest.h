// mmaptest's parts (user/mmaptest.c runs them): what they share.
#ifndef LAZULI_MMAPTEST_H
#define LAZULI_MMAPTEST_H

#include "../user.h"
#include "../test.h"

#define PGSIZE 4096
#define FILE_BYTES (3 * PGSIZE + 1000)   // three pages and a partial one
#define TRAPFRAME_VA ((1L << 38) - 2 * PGSIZE)   // Sv39: then the trampoline

// The buffer make_file and file_byte use (util.c). A test that counts
// pages from before its first make_file calls warm first: each test runs
// in a forked child, where the first store to a page of it copies the
// page.
extern char buf[FILE_BYTES];

// Helpers (util.c).
char pattern(int i);                        // the byte at offset i of the test files
void warm(void);
int make_file(const char *name, int mode);
int holds_pattern(char *p, int from, int to);
char file_byte(const char *name, int off);
int kills(char *p, int write);              // is an access to p refused?

// "mmaptest hold R W", a process that holds a program running (cache.c).
void hold(char *r, char *w);

// The tests (map.c, ranges.c, limits.c, cache.c, abuse.c).
void anonymous(void);
void file_private_read(void);
void past_end_of_file(void);
void shared_store_seen_by_read(void);
void write_seen_through_mapping(void);
void private_stores_stay(void);
void outlives_close_and_unlink(void);
void munmap_ranges(void);
void fork_shares_and_copies(void);
void exit_writes_back(void);
void msync_writes(void);
void protect(void);
void bad_input(void);
void heap_limit(void);
void cache_shares_pages(void);
void running_program(void);
void truncate_unmaps(void);
void far_offsets(void);
void fixed_places(void);
void copies_refused(void);
void shared_anon_too_big(void);

#endif
