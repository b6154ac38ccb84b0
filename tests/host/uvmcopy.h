// Helpers of the host tests of fork's copy of an address space:
// test_uvmcopy.c (the two kinds of fork of one process) and
// test_refork.c (forks of a process whose pages are shared already).
// Defined in test_uvmcopy.c.
#ifndef LAZULI_UVMCOPY_TEST_H
#define LAZULI_UVMCOPY_TEST_H

#include "unit.h"

#define RW (VM_R | VM_W)
#define NPG 8   // make_parent's pages

// Page 0 present and read-only (like a text segment); the heap from page 1
// up to page 8: pages 1-2 present, page 4 read before it was ever written
// (the zero page), page 6 written, the others lazy and never touched.
void make_parent(struct vmspace *p);

// What make_parent made, page by page: present, where, rights, references.
struct snapshot {
  int present[NPG];
  uchar *pa[NPG];
  int flags[NPG];
  int refs[NPG];
};
void snap(struct vmspace *vm, struct snapshot *s);

#endif
