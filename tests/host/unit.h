// Shared by the cmocka unit tests: the per-test fixture and helpers.
#ifndef LAZULI_UNIT_H
#define LAZULI_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "host.h"

#define UNIT_RAM_PAGES 512

// Every test boots a fresh machine (with its zero page), with vm_cow,
// vm_faultaround, vm_zeropage, vm_demandexec and vm_largepage on, the clock policy, no
// swap device and vmstat cleared; afterwards the teardown gives back the
// page cache's clean unmapped pages and checks that kfreecount() is back
// at its value after boot, that every page's reference count matches the
// references that still exist (the kernel's to the zero page), that no
// spin lock is held, that the fake file system is idle and that no swap
// slot is in use.
int unit_setup(void **state);
int unit_teardown(void **state);
#define UNIT_TEST(f) cmocka_unit_test_setup_teardown(f, unit_setup, unit_teardown)
// The same on RAM_MAX_PAGES of RAM: 16 MiB, several large blocks.
int unit_setup_big(void **state);
#define UNIT_TEST_BIG(f) cmocka_unit_test_setup_teardown(f, unit_setup_big, unit_teardown)

// Evaluate stmt, which must panic with a message containing substr. The
// panic longjmps back here; the locks the kernel held are let go.
#define expect_panic(stmt, substr)                                          \
  do {                                                                      \
    jmp_buf jb_;                                                            \
    host_panic_jmp = &jb_;                                                  \
    if (setjmp(jb_) == 0) {                                                 \
      (void)(stmt);                                                         \
      host_panic_jmp = 0;                                                   \
      fail_msg("no panic from %s", #stmt);                                  \
    }                                                                       \
    host_panic_jmp = 0;                                                     \
    host_locks_reset();                                                     \
    if (!strstr(host_panic_msg, (substr)))                                  \
      fail_msg("%s panicked with \"%s\", expected \"%s\"", #stmt,           \
               host_panic_msg, (substr));                                   \
  } while (0)

// Helpers (unit_main.c).
void vm_new(struct vmspace *vm);                 // uvmcreate, asserted
int present(struct vmspace *vm, uint64 va);      // a valid PTE maps va
uchar *page_at(struct vmspace *vm, uint64 va);   // its physical page
int flags_at(struct vmspace *vm, uint64 va);     // its VM_* rights
int refs_at(struct vmspace *vm, uint64 va);      // its page's reference count
uchar *zero_page(void);                          // the kernel's zero page
void assert_refs(struct vmspace *const *vms, int n);
// Touch pages [0, npages) of vm in order, as a program walking an array
// does: a vmfault wherever the access is not allowed by the PTE yet.
// made[] (room for max) gets how many pages each fault made ready;
// returns the number of faults. assert_windows compares made with want.
int touch_in_order(struct vmspace *vm, uint64 npages, enum access a, int *made, int max);
void assert_windows(const int *made, int n, const int *want, int nwant);
// An executable in img (cap bytes) whose segments sit at page-aligned
// offsets, as exec demand-pages them: text (two pages, textsz bytes of
// them from file pages 1 and 2) at 0, data at 0x3000 (100 bytes of the
// file), bss to 0x5032. Returns its size (test_mmap.c).
uint64 aligned_program(uchar *img, uint64 cap, uint64 textsz);

// One per file; each returns its number of failed tests and sets
// *ntests to the number it ran.
int run_kalloc_tests(int *ntests);
int run_pagetable_tests(int *ntests);
int run_vm_tests(int *ntests);
// vm's heap grown lazily to [heapbase, sz), as sbrklazy does (test_fault.c).
void lazy_heap(struct vmspace *vm, uint64 heapbase, uint64 sz);
int run_fault_tests(int *ntests);
int run_zeropage_tests(int *ntests);
int run_faultaround_tests(int *ntests);
int run_uaccess_tests(int *ntests);
int run_uvmcopy_tests(int *ntests);
int run_refork_tests(int *ntests);
int run_cow_tests(int *ntests);
int run_stats_tests(int *ntests);
int run_exec_tests(int *ntests);
int run_swap_tests(int *ntests);
int run_replace_tests(int *ntests);
int run_buddy_tests(int *ntests);
int run_largepage_tests(int *ntests);
int run_mmap_tests(int *ntests);
int run_pcache_tests(int *ntests);
int run_pccount_tests(int *ntests);
int run_lpvm_tests(int *ntests);
int run_lpfork_tests(int *ntests);
int run_lpedge_tests(int *ntests);
int run_forkshare_tests(int *ntests);
int run_unshare_tests(int *ntests);
int run_rmap_tests(int *ntests);
int run_fileevict_tests(int *ntests);
int run_writeback_tests(int *ntests);
int run_lpevict_tests(int *ntests);

#endif
