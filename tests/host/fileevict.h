// Shared by test_fileevict.c and test_writeback.c: a file of NPG pages
// and address spaces that map it (test_fileevict.c).
#ifndef LAZULI_FILEEVICT_TEST_H
#define LAZULI_FILEEVICT_TEST_H

#include "unit.h"

#define NPG 4
#define RW (VM_R | VM_W)

extern uchar filedata[NPG * PGSIZE];   // /e as fe_open_file made it
// /e: NPG pages, byte i of page p holding (i * 13 + p * 7 + 3), opened
// (one reference, given back with fmap_release or finish).
struct inode *fe_open_file(void);
// An address space that vm_visit reaches, with a mapping of pages
// [0, npg) of ip (shared, or private) at *va, each faulted in for access.
void mapper(struct vmspace *vm, struct inode *ip, int npg, int shared, int prot,
            enum access access, uint64 *va);
void use(struct vmspace *vm, uint64 va);   // the MMU sets va's accessed bit
void done_with(struct vmspace *vm);        // unregistered, files dropped, freed
// Every reference accounted for, then a and b (0: none) go, and ip's
// reference (0: none).
void finish(struct vmspace *a, struct vmspace *b, struct inode *ip);
uint64 cached_pages(void);                 // pages in the page cache
void assert_file_page(uint64 page, const uchar *want);   // /e's page is want

#endif
