// filetest's parts (user/filetest.c runs them): what they share.
#ifndef LAZULI_FILETEST_H
#define LAZULI_FILETEST_H

#include "../user.h"
#include "abi/fs.h"
#include "../test.h"

#define PGSIZE 4096
#define WILD ((void *)0xffffffffff000UL)       // far above MAXVA
#define TRAMPOLINE ((void *)0x3fffffff000UL)   // MAXVA - PGSIZE
#define TRAPFRAME ((void *)0x3ffffffe000UL)    // MAXVA - 2 * PGSIZE

// ---- util.c (each helper ends the test through expect when it fails)
extern char wbuf[4 * BSIZE], rbuf[4 * BSIZE];   // data to write, data read
uchar pat(int seed, int j);
void fill(char *b, int seed, int n);
void makefile(const char *path, int seed, int n);
void checkfile(const char *path, int seed, int n);
int statok(const char *path, struct stat *st);
uint inum(const char *path);
int entries(const char *dir, int *dots);
void join(char *dst, const char *dir, const char *name);
void rmtree(const char *dir, int depth);
int hasentry(const char *dir, const char *name);

// ---- the tests (files.c, names.c, limits.c, args.c)
void t_create_rw(void);
void t_through_file(void);
void t_empty_path(void);
void t_trunc(void);
void t_offsets(void);
void t_fstat(void);
void t_unlink(void);
void t_link(void);
void t_dirs(void);
void t_unlink_dir(void);
void t_maxfile(void);
void t_concurrent(void);
void t_nofile(void);
void t_nfile(void);
void t_bad_args(void);
void t_long_path(void);

#endif
