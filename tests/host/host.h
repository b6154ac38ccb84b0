// The simulated machine kernel/mm runs on in tests/host: RAM, the host's
// kernel/lib, the arch hooks mm needs, a fake file system, and checkers
// that read the Sv39 tables on their own. Included by the tests and the
// fuzzer, never by kernel code.
#ifndef LAZULI_HOST_H
#define LAZULI_HOST_H

#include <setjmp.h>
#include <stddef.h>
#include "abi/types.h"
#include "mm/mm.h"

// ---- host_lib.c: kernel/lib on the host
// lib/lib.h cannot sit beside libc's headers (int strlen, void printf), so
// host code that must stop like the kernel does gets panic from here.
void panic(const char *msg) __attribute__((noreturn));
// panic() longjmps to host_panic_jmp when a test has set it, else calls
// host_panic_hook when set (it must not return), else prints and aborts.
extern jmp_buf *host_panic_jmp;
extern const char *host_panic_msg;          // the last panic's message
extern void (*host_panic_hook)(const char *msg);
int host_locks_held(void);                  // spin locks held right now
// Called once (then cleared) by the next memmove of fewer than PGSIZE
// bytes: what another hart does while a kernel copy is under way.
extern void (*host_memmove_meanwhile)(void);
void host_locks_reset(void);                // after a caught panic

// ---- host_arch.c
extern uint64 host_tlb_flushes;             // tlb_flush* calls so far
// Since the last host_tlb_forget: was page va flushed (by a full flush or
// one of its range)? Was everything flushed?
int host_tlb_flushed(uint64 va);
int host_tlb_flushed_all(void);
void host_tlb_forget(void);

// ---- machine.c: RAM
#define RAM_MAX_PAGES 4096
// Fresh RAM of npages pages (the kalloc records included), filled with
// junk, handed to kinit, then zeropage_init as the kernel boots. Free
// pages are poisoned for AddressSanitizer except their first 8 bytes (the
// free-list link).
void machine_boot(uint64 npages);
// kinit on [start, end) inside the current RAM, with the same poisoning,
// and no zero page.
void machine_kinit(uint64 start, uint64 end);
uint64 machine_zero_page(void);             // the zero page machine_boot made
int machine_page_in_use(uint64 pa);         // a managed page with references
uint64 machine_ram_start(void);
uint64 machine_ram_end(void);
uint64 machine_first_page(void);            // lowest page kalloc manages
// Take pages with kalloc until only leave are free; they are held by the
// machine (and counted by machine_check_refs) until machine_unexhaust.
void machine_exhaust(uint64 leave);
void machine_unexhaust(void);
// The first page machine_exhaust holds (0: none); each holds the address
// of the next in its first word.
void *machine_exhausted(void);

// ---- ptcheck.c: page tables read straight from the Sv39 format, and
// the accounting checks made with them.
// Every present entry of a page table, read straight from the Sv39 format.
struct ptvisitor {
  void (*table)(uint64 pa, void *arg);                    // a table page
  void (*leaf)(uint64 va, pte_t pte, int level, void *arg); // a leaf
  void *arg;
};
// pt_visit passes over last-level tables shared since a fork (reached
// through an invalid level-1 entry with PTE_SHTABLE); pt_visit_shared
// calls shared for each one (at pa), and goes into it if that returns 1.
void pt_visit(pagetable_t pt, const struct ptvisitor *v);
void pt_visit_shared(pagetable_t pt, const struct ptvisitor *v,
                     int (*shared)(uint64 pa, void *arg));
// Every leaf as the process sees it: into every table it shares.
void pt_visit_all(pagetable_t pt, const struct ptvisitor *v);
// Inner table pages (not the root) with no entry in use (valid, swapped
// or a mark), but the last-level tables of the spans (at va) that excused
// says may be empty.
int pt_empty_tables(pagetable_t pt, int (*excused)(uint64 va, void *arg), void *arg);
// Page-table pages that mapping va would still have to allocate (0..2);
// a shared table's mark counts as a table.
int pt_missing_tables(pagetable_t pt, uint64 va);
// Every swapped-out PTE of a page table, shared tables included.
void pt_visit_swapped(pagetable_t pt, void (*fn)(uint64 va, pte_t pte, void *arg), void *arg);

// Compare every managed page's reference count with the references the
// n address spaces hold (one per table page, one per leaf) plus the pages
// machine_exhaust holds and the kernel's one reference to the zero page,
// and kfreecount with the pages nobody holds. Also: no leaf is both
// writable and copy-on-write, a page with more than one reference is
// writable through no leaf, and the zero page holds only zeros.
// Returns 0, or -1 with a description in msg.
int machine_check_refs(struct vmspace *const *vms, int n, char *msg, size_t msgsz);
// Compare every swap slot's swap_refs with the swapped-out PTEs across the
// n address spaces that name it (a shared table's once), and swap_used
// with the slots named. Returns 0, or -1 with a description in msg.
int machine_check_slots(struct vmspace *const *vms, int n, char *msg, size_t msgsz);
// Compare pcache_count with a walk of the cache (host_pcache.c): every
// cached page, and those clean with no reference but the cache's.
// Returns 0, or -1 with a description in msg.
int machine_check_pcache(char *msg, size_t msgsz);

// ---- host_fs.c: files served from memory to exec
void fakefs_reset(void);
// Create or replace file name with a copy of data.
void fakefs_put(const char *name, const void *data, uint64 size);
// No transaction open, no inode referenced or locked. 0 if so, else -1
// with a description in msg.
int fakefs_idle(char *msg, size_t msgsz);
int fakefs_quiet(char *msg, size_t msgsz);   // idle but for references
uint64 fakefs_read(struct inode *ip, uint64 off, void *dst, uint64 n);
int fakefs_write(struct inode *ip, uint64 off, const void *src, uint64 n);
void fakefs_truncate(struct inode *ip);
// The inode of file name with one more reference (as open gives; give it
// back with fmap_release), or 0; the file's bytes now; and how many pages
// kernel/mm read and wrote through fmap_readpage and fmap_writepage.
struct inode *fakefs_open(const char *name);
const uchar *fakefs_data(const char *name);
extern int fakefs_pagereads, fakefs_pagewrites;
// Called once, then cleared, in the middle of the next page read
// (fakefs_meanwhile) or page write (..._write): what another process
// might do while the real one sleeps on the disk.
extern void (*fakefs_meanwhile)(void), (*fakefs_meanwhile_write)(void);
extern int fakefs_failwrites;   // the next n page writes fail, as a disk error
void fakefs_failwrite(long after);   // the page write after `after` more fails (-1: none)
long fakefs_failwrite_pending(void);   // writes until that one, -1 when none is to fail
extern int fakefs_failedwrites;   // page writes failed since the reset

// ---- host_swap.c: a swap device in memory (swapdev_pages, swapdev_rw)
// A device of pages slots (0: no device), none written yet; call swapinit
// after it. Requests holding a spin lock, or beyond the device, panic.
void fakeswap_reset(uint64 pages);
void fakeswap_fail(long after);             // the request after `after` more fails
void fakeswap_fail_kind(int write, long after);   // the same, of reads or writes alone
long fakeswap_fail_pending(int write);      // requests of that kind until it, -1: none
extern uint64 fakeswap_failed[2];           // requests failed since the reset: reads, writes
extern void (*fakeswap_meanwhile_write)(void);   // called once after the next write
const uchar *fakeswap_block(uint64 slot);   // slot's bytes, 0 if never written
extern uint64 fakeswap_reads, fakeswap_writes;  // requests done since the reset

// ---- host_vmreg.c: the address spaces vm_visit reaches ("processes")
void vmreg_reset(void);
void vmreg_add(struct vmspace *vm);
void vmreg_remove(struct vmspace *vm);
void vmreg_running_elsewhere(struct vmspace *vm, int on);   // passed over while on
int vmreg_is_elsewhere(struct vmspace *vm);                 // marked so
extern uint64 vmreg_unseen;   // vm_visit_one calls passed over since the reset
int vmreg_flushes(struct vmspace *vm);   // visits that changed its PTEs
int vmreg_visits(struct vmspace *vm);    // visits of it (its fn called)

// ---- elfimg.c: crafted ELF executables
struct seg {
  uint32 type;          // PT_LOAD, ...
  uint32 flags;         // PF_R | PF_W | PF_X
  uint64 vaddr, memsz;
  const void *data;     // filesz bytes placed in the file
  uint64 filesz;
};
// Lay out an executable in buf: the header, the program headers, then
// each segment's bytes. Returns its size; 0 if cap is too small.
uint64 elfimg_build(uchar *buf, uint64 cap, uint64 entry,
                    const struct seg *segs, int nseg);

#endif
