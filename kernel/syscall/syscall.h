// kernel/syscall: dispatch and argument fetching.
#ifndef LAZULI_SYSCALL_H
#define LAZULI_SYSCALL_H

#include "abi/types.h"

void syscall(void);

// The n-th argument register of the current system call.
void argint(int n, int *ip);
void argaddr(int n, uint64 *ip);
// Copy the NUL-terminated string the n-th argument points to into buf
// (at most max bytes, NUL included). Returns its length, or -1.
int argstr(int n, char *buf, int max);
// Read a 64-bit word / a string at user address addr of the current process.
int fetchaddr(uint64 addr, uint64 *ip);
int fetchstr(uint64 addr, char *buf, int max);

#endif
