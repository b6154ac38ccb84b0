// kernel/lib: strings, formatted output, panic. The bottom layer: it calls
// nothing above it; output goes to whatever sink the console registers.
#ifndef LAZULI_LIB_H
#define LAZULI_LIB_H

#include "abi/types.h"
#include <stdarg.h>

// string.c
void *memset(void *dst, int c, uint64 n);
void *memmove(void *dst, const void *src, uint64 n);
void *memcpy(void *dst, const void *src, uint64 n);
int memcmp(const void *a, const void *b, uint64 n);
int strlen(const char *s);
int strncmp(const char *a, const char *b, uint n);
char *strncpy(char *dst, const char *src, int n);
char *safestrcpy(char *dst, const char *src, int n); // always NUL-terminates

// printf.c: %d %u %x %p %s %c %%, with l for 64-bit (%ld %lu %lx).
void printf(const char *fmt, ...);
void vprintf(const char *fmt, va_list ap);
void printf_setsink(void (*putc)(int c));
void panic(const char *msg) __attribute__((noreturn));
extern volatile int panicked;   // set once a hart panics: others stop output

// Provided by the platform (arch): stop the machine. code 0 = success.
void machine_halt(int code) __attribute__((noreturn));

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
