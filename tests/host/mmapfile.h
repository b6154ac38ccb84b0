// Shared by test_mmap.c and test_pcache.c: a file to map, and an
// address space's end (test_mmap.c).
#ifndef LAZULI_MMAPFILE_TEST_H
#define LAZULI_MMAPFILE_TEST_H

#include "unit.h"

#define FILEPAGES 6
#define RW (VM_R | VM_W)

// /f: FILEPAGES pages, byte i holding i * 7 + page + 1, size bytes long;
// opened (one reference, given back by close_file).
extern uchar mapdata[FILEPAGES * PGSIZE];   // /f as open_file made it
struct inode *open_file(uint64 size);
void close_file(struct inode *ip);
// Everything vm holds goes: file regions first (they write back), then
// the rest.
void vm_end(struct vmspace *vm);
uchar byte_at(struct vmspace *vm, uint64 va);

#endif
