// The user library: system calls and the small C library of user/lib.
#ifndef LAZULI_USER_H
#define LAZULI_USER_H

#include "abi/types.h"
#include "abi/stat.h"
#include "abi/fcntl.h"
#include "abi/param.h"
#include "abi/memstat.h"
#include "abi/mman.h"
#include <stdarg.h>

// System calls (user/lib/usys.S, numbers in kernel/abi/syscalls.def).
int fork(void);
int exit(int status) __attribute__((noreturn));
int wait(int *status);
int pipe(int fds[2]);
int write(int fd, const void *buf, int n);
int read(int fd, void *buf, int n);
int close(int fd);
int kill(int pid);
int exec(const char *path, char **argv);
int open(const char *path, int flags);
int mknod(const char *path, short major, short minor);
int unlink(const char *path);
int fstat(int fd, struct stat *st);
int link(const char *old, const char *new);
int mkdir(const char *path);
int chdir(const char *path);
int dup(int fd);
int getpid(void);
char *sys_sbrk(int n, int type);   // raw call: returns the old break or (char*)-1
int pause(int ticks);
int uptime(void);
long freepages(void);              // free physical pages (docs/syscalls.md)
int halt(int code);                // power the machine off (docs/syscalls.md)
int memstat(struct memstat *st);   // memory counters (abi/memstat.h)
int procinfo(struct procinfo *buf, int max);        // processes (abi/memstat.h)
int vmdump(int pid, struct ptentry *buf, int max);  // a page table's valid PTEs
int vmconfig(int key, int value);  // switch a memory option; -1 reads it
void *mmap(void *addr, uint64 len, int prot, int flags, int fd, uint64 off);  // abi/mman.h
int munmap(void *addr, uint64 len);
int mprotect(void *addr, uint64 len, int prot);
int msync(void *addr, uint64 len, int flags);
int vmregions(int pid, struct vmregion *buf, int max);   // regions (abi/memstat.h)

// user/lib: sbrk grows eagerly, sbrklazy lazily; both return the old break.
char *sbrk(int n);
char *sbrklazy(int n);

// user/lib: strings and memory
int stat(const char *path, struct stat *st);
char *strcpy(char *dst, const char *src);
void *memmove(void *dst, const void *src, int n);
char *strchr(const char *s, char c);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, int n);
uint strlen(const char *s);
void *memset(void *dst, int c, uint n);
int memcmp(const void *a, const void *b, uint n);
void *memcpy(void *dst, const void *src, uint n);
char *gets(char *buf, int max);
int atoi(const char *s);

// user/lib: formatted output (%d %u %x %p %s %c %%, l for 64-bit, widths
// such as %5d, %-10s, %08x)
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vfprintf(int fd, const char *fmt, va_list ap);

// user/lib: heap
void *malloc(uint n);
void free(void *p);

#endif
