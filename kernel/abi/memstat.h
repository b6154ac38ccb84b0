// What the memory system shows about itself: system calls 26-29
// (docs/syscalls.md), shared by the kernel and user programs.
#ifndef LAZULI_MEMSTAT_H
#define LAZULI_MEMSTAT_H

#include "abi/types.h"

// Sizes of free physical blocks memstat tells apart: 2^k pages for k =
// 0 .. MEMSTAT_ORDERS - 1 (4 KiB .. 2 MiB, a large page).
#define MEMSTAT_ORDERS 10

// memstat(&st): the whole machine.
struct memstat {
  uint64 total;         // physical pages kalloc manages
  uint64 free;          // of those, free now
  // Free blocks of 2^k pages, aligned to their size, that free is made
  // of: free == sum of free_blocks[k] << k. free_blocks[9] is how many
  // large pages could be handed out now.
  uint64 free_blocks[MEMSTAT_ORDERS];
  uint64 zero_fill;     // lazy heap pages filled with zeros on a fault
  uint64 fault_around;  // pages fault-around handled ahead (counted above too)
  uint64 zero_map;      // reads of untouched lazy pages given the shared zero page
  uint64 cow_copy;      // writes to shared copy-on-write pages that copied the page
  uint64 cow_reuse;     // writes to copy-on-write pages held alone: made writable
  uint64 kills;         // processes killed for a bad access
  uint64 swap_total;    // slots (of a page each) on the swap device; 0: no swap
  uint64 swap_used;     // of those, holding a page now
  uint64 swap_outs;     // pages written to swap
  uint64 swap_ins;      // pages read back from swap
  uint64 cached;        // pages in the page cache (filled in on demand)
  uint64 reclaimable;   // of those, clean and mapped by nobody: as good as free
  uint64 pc_hits;       // file pages found in the page cache
  uint64 pc_misses;     // file pages that were not
  uint64 file_reads;    // pages read from files into the cache
  uint64 writebacks;    // dirty cached pages written back to their files
  uint64 file_mapped;   // file pages mapped into a process by a fault
  uint64 large_mapped;  // large pages mapped whole: eager sbrk/mmap, or a sequential fault
  uint64 large_promoted; // aligned blocks of small pages copied into a large page
  uint64 large_demoted; // large pages split into small ones
  uint64 faults;        // page faults user processes took (hardware, not kernel copies)
  uint64 pt_shared;     // last-level page tables fork shared instead of copying PTEs
  uint64 pt_copied;     // shared tables copied by a process that changed its span
  uint64 pt_taken;      // shared tables taken over by their last sharer, no copy
  uint64 major_faults;  // faults that read a page back from swap
  uint64 minor_faults;  // faults fixed without waiting for a disk (file reads aside)
  uint64 evict_anon;    // anonymous pages evicted to swap
  uint64 evict_file;    // clean file pages dropped to make room
  uint64 evict_dirty;   // dirty file pages written back and dropped
  uint64 swap_refs;     // references to the slots in use: one per swapped-out
                        // PTE (a page shared when it went out has several)
};

// procinfo(buf, max): one per process, the first max of them stored.
// Returns how many processes there are.
struct procinfo {
  int pid;
  int state;            // PS_* below
  char name[16];
  uint64 size;          // bytes of address space below the break
  uint64 resident;      // user pages mapped now
  uint64 tables;        // page-table pages
  uint64 shared;        // of the resident pages, those others map too
  uint64 swapped;       // pages in swap
};
// resident and tables of a process that kept running on another hart while
// procinfo waited to look at its page table.
#define PI_UNKNOWN (~(uint64)0)
#define PS_USED     1
#define PS_SLEEPING 2
#define PS_RUNNABLE 3
#define PS_RUNNING  4
#define PS_ZOMBIE   5

// vmdump(pid, buf, max): every valid PTE of the user half of pid's page
// table, depth first (a table's entries right after the entry pointing to
// it). Returns how many there are (it may be more than max; only max are
// stored). With VMDUMP_KERNEL or'ed into pid: the kernel half instead
// (empty when the process has a separate table, VMCONF_KPTI).
#define VMDUMP_KERNEL 0x40000000

struct ptentry {
  uint64 va;       // first virtual address the entry covers
  uint64 pa;       // physical address of the page, or of the next table
  uint16 index;    // index in its table (0-511)
  uint8 level;     // 2 = top-level table ... 0 = last level
  uint8 leaf;      // 1: maps a page; 0: points to a table
  uint32 bits;     // the PTE's low 10 bits as the hardware has them
  uint8 info;      // leaves: PTI_* below
};
#define PTI_FILE   1   // the page is in a file-backed region
#define PTI_SHARED 2   // another PTE maps the same page (fork, MAP_SHARED, text),
                       // or the PTE is in a last-level table shared since a
                       // fork; a large page: one of its pages at least; on a
                       // table entry: that shared table's mark (the entry is
                       // invalid for the MMU: V is clear)

// vmregions(pid, buf, max): pid's regions in address order, the heap among
// them. Returns how many there are (only max are stored), or -1.
struct vmregion {
  uint64 start, end;    // [start, end)
  uint64 off;           // file offset of start (file-backed regions)
  uint64 resident;      // pages mapped now
  uint32 inum;          // inode number of the file, 0 if anonymous
  uint8 prot;           // PROT_* (abi/mman.h)
  uint8 kind;           // VR_* below
  uint8 shared;         // MAP_SHARED
};
#define VR_SEGMENT 1   // program text or data
#define VR_GUARD   2   // stack guard page
#define VR_STACK   3
#define VR_HEAP    4   // [heapbase, break)
#define VR_MMAP    5

// vmconfig(key, value): switch a memory-system option at run time; value
// -1 only reads it. Returns the old value, or -1 for an unknown key or
// value. Options are 0 (off) or 1 (on), but VMCONF_POLICY, a POLICY_*.
#define VMCONF_COW          1   // fork shares pages copy-on-write (else copies)
#define VMCONF_FAULTAROUND  2   // lazy heap faults map ahead for sequential touches
#define VMCONF_ZEROPAGE     3   // reads of untouched lazy pages map the zero page
#define VMCONF_POLICY       4   // page-replacement policy: one of POLICY_* below
#define VMCONF_DEMANDEXEC   5   // exec maps segments from the file (else reads them in)
#define VMCONF_KPTI         6   // separate page tables: the kernel is in no user table
#define VMCONF_LARGEPAGE    7   // anonymous memory gets 2 MiB pages where it can
#define VMCONF_FORKSHARE    8   // fork shares last-level page tables (with VMCONF_COW)
#define VMCONF_EVICT        9   // short of memory, pages go to swap (else the fault fails)

// Page-replacement policies (kernel/mm/replace.c, docs/paging.md).
#define POLICY_FIFO    0   // the page resident longest
#define POLICY_CLOCK   1   // second chance: FIFO, skipping (and clearing) accessed pages
#define POLICY_AGING   2   // LRU approximation: the lowest age from the accessed bits
#define POLICY_RANDOM  3   // any resident page
#define NPOLICY        4

#endif
