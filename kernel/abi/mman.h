// mmap, munmap, mprotect and msync (docs/syscalls.md): the flags, shared
// by the kernel and user programs. The values are Linux's.
#ifndef LAZULI_MMAN_H
#define LAZULI_MMAN_H

#define PROT_NONE  0
#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4

#define MAP_SHARED    0x01   // stores reach the file; fork shares the pages
#define MAP_PRIVATE   0x02   // copy-on-write from the file
#define MAP_FIXED     0x10   // exactly at addr, replacing what is there
#define MAP_ANONYMOUS 0x20   // zeros, no file (fd and offset are ignored)

#define MAP_FAILED ((void *)-1)

#endif
