// The fuzzer of kernel/mm (fuzz_vm.c says what it does): what its files
// share. fuzz_model.c is the model, fuzz_tables.c the page tables read
// directly and what an access must allocate, fuzz_check.c the checker,
// fuzz_swap.c the swap device, reclaim's room and the checks of swapped
// pages and slots, fuzz_heap.c growing and shrinking the heap, fuzz_mem.c
// the other operations on processes and their memory (accesses, faults,
// exit, config, sweeps), fuzz_fork.c fork, fuzz_map.c mmap and its kin and
// the file operations, fuzz_exec.c exec, fuzz_disk.c disk errors and
// processes running elsewhere, fuzz_vm.c the libFuzzer entry that decodes
// the input.
#ifndef LAZULI_FUZZ_H
#define LAZULI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "abi/param.h"
#include "arch/riscv/sv39.h"
#include "fs/fs.h"
#include "mm/elf.h"
#include "host.h"

#define NPROCS 4
#define MAXSTEPS 256
#define MAXMPAGES 2048       // model pages per process; sweeps leave 4 a step for the rest
#define MHASH 4096           // slots of a process's index of its model pages
#define MAXREG (NVMA + 1)    // regions: exec's and mmap's
#define RW (VM_R | VM_W)
#define LARGE_ROUNDUP(a) (((a) + LARGE_PGSIZE - 1) & ~(LARGE_PGSIZE - 1))
#define LARGE_ROUNDDOWN(a) ((a) & ~(LARGE_PGSIZE - 1))

struct mpage {
  uint64 va;
  uchar b[PGSIZE];
};

struct region {
  uint64 start, end;
  int prot;
  enum vma_kind kind;
  int file;          // 1 + index in mfiles; 0: anonymous
  int shared;        // MAP_SHARED
  int noprot;        // rights it may never get (VM_W: shared, file opened read-only)
  uint64 off;        // file offset of start
  int anon;          // shared anonymous memory: which mapping (its pages are
                     // shared by every region with this number); else 0
};

// The files mmap, read() and write() use. view: the bytes every mapping
// of a page (not stored to privately) and read() see, which is the cached
// page when there is one; its part past the end of the file may hold
// stores through shared mappings until the page leaves the cache. disk:
// what the file holds, which a shared page reaches when it is written back
// (msync, munmap, exit: whenever a mapping's present page goes or is
// synced).
#define NMFILE 3
#define FMAX (4 * PGSIZE)    // write() grows a file no further
struct mfile {
  char name[8];
  struct inode *ip;          // no reference of the fuzzer's own
  uint64 size;
  uchar view[FMAX], disk[FMAX];
};
extern struct mfile mfiles[NMFILE];

struct proc {
  int live;
  int elsewhere;     // this slot's processes run elsewhere (fuzz_disk.c)
  struct vmspace vm;
  // the model
  uint64 heapbase, sz;
  int nreg;
  struct region reg[MAXREG];
  int npages;
  struct mpage pages[MAXMPAGES];
  uint16 index[MHASH];      // 1 + the slot in pages of a va (open addressing); 0: free
};

extern struct proc procs[NPROCS + 1];   // the last: exec's new image
extern int opt_zeropage, opt_faultaround, opt_largepage;   // what vmconfig was told
extern int opt_forkshare;   // fork shares last-level tables (forkshare.c)
// A big machine (fuzz_vm.c: a few boot bytes): RAM with free 2 MiB blocks,
// where large pages appear, and the operations that make them.
extern int bigmachine;

struct input {
  const uint8 *d;
  uint64 n, i;
};

// Pages an operation must allocate: page-table pages for the addresses
// it maps, counting each missing table once.
// Spans whose table fork shares are counted once too: the first access
// copies the table (own_need).
struct tables {
  pagetable_t pt;    // 0: a page table still to be made (all missing)
  uint64 l1[MAXMPAGES], l0[MAXMPAGES], own[MAXMPAGES];
  int n1, n0, nown;
};

// The lazy pages of [va, va+len) before an access, to see after it what
// the access made of them.
#define MAXSPAN 4
struct span {
  uint64 first;            // page of va
  int n;                   // pages
  int absent[MAXSPAN];     // lazy: neither present nor in swap
  uint64 outs, ins;        // vmstat's swap_outs and swap_ins before
};

// ---- fuzz_vm.c: the input and the driver's state
extern int step;              // for messages
extern const char *opname;
extern uchar iobuf[128 * 64 + 1];   // the bytes of copyin, copyout, read(), write()
// Print where the input was and what went wrong, and abort.
void __attribute__((noreturn, format(printf, 1, 2))) fuzz_fail(const char *fmt, ...);
uint8 take(struct input *in);         // the next byte of the input, 0 past its end
uint64 take16(struct input *in);      // the next two, little-endian

// ---- fuzz_model.c: the model
int access_prot(enum access a);
uint64 mavail(void);
uint64 mpool(void);
uchar *mfilepage(const struct region *r, uint64 va0);
int mpastend(const struct region *r, uint64 va0);
struct mpage *mpage(struct proc *p, uint64 va0, int create);
struct region *mregion(struct proc *p, uint64 va);
uint64 mheaplimit(struct proc *p);
void mreg_insert(struct proc *p, struct region r);
void mdrop_range(struct proc *p, uint64 from, uint64 to);
int msplits(struct proc *p, uint64 a, uint64 e);
void mcut(struct proc *p, uint64 a, uint64 e);
int mallowed(struct proc *p, uint64 va, enum access a);
void mindex(struct proc *p);
void msync_range(struct proc *p, uint64 a, uint64 e);
void mwritten_back(void);
uchar *mcached(int f, uint64 index);
void mforget_tails(void);
void mcopy(struct proc *p, const struct proc *q);
void mwrite(struct proc *p, uint64 va, const uchar *src, uint64 len);
uchar mbyte(struct proc *p, uint64 va);
int mtouches_file(struct proc *p, uint64 va, uint64 len);

// ---- fuzz_tables.c: the page tables, read directly, and what accesses need
pte_t leaf(pagetable_t pt, uint64 va);
long swap_slot(pagetable_t pt, uint64 va);
uint64 span_mark(pagetable_t pt, uint64 va);
int span_copied(pagetable_t pt, uint64 va);
int large_leaf(pagetable_t pt, uint64 va);
int block_private(pte_t pte);
int raw_rights(pte_t pte);
int is_zero(pte_t pte);
int shared(pte_t pte);
uint64 tables_large(struct tables *t, uint64 va);
uint64 table_split(struct tables *t, uint64 va);
uint64 tables_for(struct tables *t, uint64 va);
uint64 own_need(struct tables *t, uint64 va);
uint64 own_ends_need(pagetable_t pt, uint64 from, uint64 to);
uint64 own_range_need(pagetable_t pt, uint64 from, uint64 to);
uint64 page_need(struct proc *p, uint64 va0, enum access a, struct tables *t);
uint64 mreach(struct proc *p, uint64 va, uint64 len, enum access a, uint64 extra);
void mfits(struct proc *p, uint64 va0, enum access a, int *sure, int *can);

// ---- fuzz_swap.c: the swap device, reclaim's room, swapped pages and slots
uint64 swap_slots(uint8 boot);
void swap_boot(uint8 boot);
uint64 evict_room(struct proc *p, uint64 va, uint64 len);
int swap_moved(const struct span *sp);
void check_swapped(struct proc *p, int *withdata);
void check_slots(struct vmspace *const *vms, int n);
void check_no_slots(void);

// ---- fuzz_check.c: the checker
void check_all(void);
void span_before(struct proc *p, uint64 va, uint64 len, struct span *sp);
void check_written(struct proc *p, const struct span *sp);
void check_read(struct proc *p, const struct span *sp);

// What an eager mapping of whole pages (uvmalloc_large: sbrk, shared
// anonymous mmap) must take, seen before it.
struct eager {
  uint64 need;     // pages as small pages, with their tables (and table copies)
  uint64 blocks;   // whole aligned blocks, each a table fewer as a megapage
  uint64 avail, pool;   // mavail() and mpool() before
  int spare;       // free blocks enough that every block must be a megapage
  struct tables *t;   // its tables, and the spans whose shared table it copies
};

// ---- fuzz_heap.c: the heap; fuzz_mem.c: accesses, faults, exit, config,
// sweeps; fuzz_fork.c: fork
void eager_before(struct proc *p, uint64 from, uint64 to, struct eager *e);
void eager_after(struct proc *p, uint64 from, uint64 to, const struct eager *e, int ok,
                 const char *what);
int spawn(struct proc *p);
void op_exit(struct proc *p);
void op_grow(struct proc *p, struct input *in, int lazy);
void op_shrink(struct proc *p, struct input *in);
uint64 pick_len(struct input *in);
void do_write(struct proc *p, uint64 va, uint64 len, uint8 seed);
void op_write(struct proc *p, struct input *in);
void do_read(struct proc *p, uint64 va, uint64 len);
void op_read(struct proc *p, struct input *in);
void op_readstr(struct proc *p, struct input *in);
void op_fault(struct proc *p, struct input *in);
void op_fork(struct proc *p, struct proc *c, int cow);
void op_config(struct input *in);
void op_sweep(struct proc *p, struct input *in);

// ---- fuzz_map.c: mmap, munmap, mprotect, msync, and the files
void op_mmap(struct proc *p, struct input *in);
void op_fmmap(struct proc *p, struct input *in);
void op_munmap(struct proc *p, struct input *in);
void op_mprotect(struct proc *p, struct input *in);
void op_msync(struct proc *p, struct input *in);
void op_fileaccess(struct proc *p, struct input *in, int store);
void op_fread(struct input *in);
void op_fwrite(struct input *in);
void op_ftrunc(struct input *in);
void mfiles_boot(void);

// ---- fuzz_exec.c
void op_exec(struct proc *p, struct input *in);

// ---- fuzz_disk.c: disk errors chosen by the input, processes running elsewhere
struct diskstats {
  uint64 inputs, outfail, infail, wbfail, kills, elsewhere, unseen;
  uint64 armed[3];   // inputs that armed a page-out, page-in, write-back error
};
extern struct diskstats diskstats;
void op_disk(struct input *in);
void vm_register(struct proc *p);
void disk_before(void);
void disk_after(void);
int pageins_may_fail(void);
uint64 pagein_failures(void);
void pagein_failed(struct proc *p, uint64 va0, int ok);
void pagein_kills(struct proc *p, uint64 va, int r);
void disk_flush(void);
const char *disk_stats_line(void);
void disk_stats_at_exit(void);

#endif
