// Link names for the kernel/lib functions whose kernel prototypes differ
// from the C library's (int strlen, void printf, uint lengths). The
// Makefile force-includes this file (-include) in every kernel unit, so
// kernel/mm calls bind to host_lib.c's klib_* definitions and never to
// libc by accident. host_lib.c includes it too, around lib/lib.h, so the
// compiler checks its definitions against the kernel's own prototypes.
// No kernel source changes: this renames symbols, nothing else.
#define memset   klib_memset
#define memmove  klib_memmove
#define memcpy   klib_memcpy
#define memcmp   klib_memcmp
#define strlen   klib_strlen
#define strncmp  klib_strncmp
#define strncpy  klib_strncpy
#define printf   klib_printf
#define vprintf  klib_vprintf
