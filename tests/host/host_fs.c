// A file system that serves a few files from memory, with the calls exec
// makes (begin_op, end_op, namei, ilock, readi, iunlockput) and the rules
// kernel/fs states for them: namei inside a transaction, readi with the
// inode locked, every reference given back. Breaking a rule panics, like
// an assertion in the real code would.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs/fs.h"
#include "host.h"

#define NFAKEFILE 8

static struct fakefile {
  char name[MAXPATH];
  uchar *data;          // malloc'd to the exact size: overreads are caught
  struct inode ip;
} files[NFAKEFILE];

static int nops;        // open transactions
int fakefs_pagereads, fakefs_pagewrites;   // pages read and written by mm
// Called once, then cleared, in the middle of the next page read (after the
// bytes were copied): what another process might do while the real reader
// sleeps on the disk.
void (*fakefs_meanwhile)(void);
// The same for the next page write, after its bytes reached the "disk".
void (*fakefs_meanwhile_write)(void);
int fakefs_failwrites;   // page writes still to fail
static long failwrite_in = -1;   // page writes until one fails; -1: none
int fakefs_failedwrites;   // page writes failed since the reset

static void
meanwhile(void (**hook)(void))
{
  void (*fn)(void) = *hook;
  *hook = 0;
  if (fn)
    fn();
}

void
fakefs_reset(void)
{
  for (int i = 0; i < NFAKEFILE; i++) {
    free(files[i].data);
    memset(&files[i], 0, sizeof(files[i]));
  }
  nops = 0;
  fakefs_pagereads = fakefs_pagewrites = 0;
  fakefs_meanwhile = fakefs_meanwhile_write = 0;
  fakefs_failwrites = 0;
  failwrite_in = -1;
  fakefs_failedwrites = 0;
}

void
fakefs_failwrite(long after)
{
  failwrite_in = after;
}

long
fakefs_failwrite_pending(void)
{
  return failwrite_in;
}

void
fakefs_put(const char *name, const void *data, uint64 size)
{
  struct fakefile *f = 0;
  for (int i = 0; i < NFAKEFILE && !f; i++)
    if (strcmp(files[i].name, name) == 0)
      f = &files[i];
  for (int i = 0; i < NFAKEFILE && !f; i++)
    if (files[i].name[0] == 0)
      f = &files[i];
  if (!f || strlen(name) >= MAXPATH || name[0] == 0 || f->ip.ref != 0)
    panic("fakefs_put: no room, bad name or file in use");
  free(f->data);
  f->data = malloc(size ? size : 1);
  if (!f->data)
    panic("fakefs_put: out of host memory");
  memcpy(f->data, data, size);
  strcpy(f->name, name);
  memset(&f->ip, 0, sizeof(f->ip));
  f->ip.inum = (uint)(f - files) + 1;
  f->ip.type = T_FILE;
  f->ip.size = (uint)size;
  f->ip.valid = 1;
}

// No transaction open and no inode locked; references may be held (by
// mappings). 0, or -1 with msg saying what is wrong.
int
fakefs_quiet(char *msg, size_t msgsz)
{
  if (nops != 0) {
    snprintf(msg, msgsz, "%d file-system transaction(s) still open", nops);
    return -1;
  }
  for (int i = 0; i < NFAKEFILE; i++) {
    if (files[i].ip.lock.locked) {
      snprintf(msg, msgsz, "inode of %s locked", files[i].name);
      return -1;
    }
  }
  return 0;
}

// Quiet, and no reference to any inode left.
int
fakefs_idle(char *msg, size_t msgsz)
{
  if (fakefs_quiet(msg, msgsz) != 0)
    return -1;
  for (int i = 0; i < NFAKEFILE; i++) {
    if (files[i].ip.ref != 0 || files[i].ip.lock.locked) {
      snprintf(msg, msgsz, "inode of %s: ref %d, locked %u", files[i].name,
               files[i].ip.ref, files[i].ip.lock.locked);
      return -1;
    }
  }
  return 0;
}

void
begin_op(void)
{
  nops++;
}

void
end_op(void)
{
  if (nops <= 0)
    panic("fakefs: end_op without begin_op");
  nops--;
}

struct inode *
namei(char *path)
{
  if (nops <= 0)
    panic("fakefs: namei outside a transaction");
  for (int i = 0; i < NFAKEFILE; i++) {
    if (files[i].name[0] && strcmp(files[i].name, path) == 0) {
      files[i].ip.ref++;
      return &files[i].ip;
    }
  }
  return 0;
}

static struct fakefile *
file_of(struct inode *ip)
{
  for (int i = 0; i < NFAKEFILE; i++)
    if (ip == &files[i].ip)
      return &files[i];
  panic("fakefs: not one of its inodes");
}

void
ilock(struct inode *ip)
{
  file_of(ip);
  if (ip->ref < 1)
    panic("fakefs: ilock without a reference");
  if (ip->lock.locked)
    panic("fakefs: ilock of a locked inode (deadlock)");
  ip->lock.locked = 1;
}

// As kernel/fs/fs.c: 0 bytes past the end, fewer at the end of the file.
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  struct fakefile *f = file_of(ip);
  if (!ip->lock.locked)
    panic("fakefs: readi without the inode lock");
  if (user_dst)
    panic("fakefs: readi into user memory is not simulated");
  if (off > ip->size)
    return 0;
  if ((uint64)off + n > ip->size)
    n = ip->size - off;
  memcpy((void *)dst, f->data + off, n);
  return (int)n;
}

void
iunlockput(struct inode *ip)
{
  file_of(ip);
  if (!ip->lock.locked)
    panic("fakefs: iunlockput of an unlocked inode");
  if (ip->ref < 1)
    panic("fakefs: iunlockput without a reference");
  ip->lock.locked = 0;
  ip->ref--;
}

// ---- the narrow interface kernel/mm reaches files through (fs/fmap.c)


int
fmap_readpage(struct inode *ip, uint64 index, void *page)
{
  struct fakefile *f = file_of(ip);
  if (ip->ref < 1 || ip->lock.locked || host_locks_held() != 0)
    panic("fakefs: fmap_readpage of an unreferenced or locked inode, or holding a spin lock");
  uint64 off = index * PGSIZE;
  if (off < ip->size)
    memcpy(page, f->data + off, ip->size - off < PGSIZE ? ip->size - off : PGSIZE);
  fakefs_pagereads++;
  meanwhile(&fakefs_meanwhile);
  return 0;
}

int
fmap_writepage(struct inode *ip, uint64 index, const void *page)
{
  struct fakefile *f = file_of(ip);
  if (ip->ref < 1 || ip->lock.locked || nops != 0 || host_locks_held() != 0)
    panic("fakefs: fmap_writepage of an unreferenced or locked inode, in a transaction "
          "or holding a spin lock");
  if (fakefs_failwrites > 0 || (failwrite_in >= 0 && failwrite_in-- == 0)) {
    if (fakefs_failwrites > 0)
      fakefs_failwrites--;
    fakefs_failedwrites++;
    return -1;   // a disk error: nothing written
  }
  uint64 off = index * PGSIZE;
  if (off < ip->size) {
    uint64 n = ip->size - off < PGSIZE ? ip->size - off : PGSIZE;
    memcpy(f->data + off, page, n);
    pcache_update(ip, off, page, n);   // as writei does, naming its source
  }
  fakefs_pagewrites++;
  meanwhile(&fakefs_meanwhile_write);
  return 0;
}

uint64
fmap_size(struct inode *ip)
{
  file_of(ip);
  return ip->size;
}

void
fmap_hold(struct inode *ip)
{
  file_of(ip);
  if (ip->ref < 1)
    panic("fakefs: fmap_hold without a reference");
  ip->ref++;
}

// The kernel's takes a reference to an entry that may have none left
// (fileevict.c's write-back of a dirty page nobody maps).
void
fmap_hold_cached(struct inode *ip)
{
  file_of(ip);
  ip->ref++;
}

void
fmap_release(struct inode *ip)
{
  file_of(ip);
  if (ip->ref < 1 || nops != 0 || host_locks_held() != 0)
    panic("fakefs: fmap_release without a reference, in a transaction or holding a spin lock");
  ip->ref--;
}

// The inode of file name with one reference more (as open gives), or 0.
struct inode *
fakefs_open(const char *name)
{
  for (int i = 0; i < NFAKEFILE; i++) {
    if (files[i].name[0] && strcmp(files[i].name, name) == 0) {
      files[i].ip.ref++;
      return &files[i].ip;
    }
  }
  return 0;
}

// The bytes of file name as they are now.
const uchar *
fakefs_data(const char *name)
{
  for (int i = 0; i < NFAKEFILE; i++)
    if (files[i].name[0] && strcmp(files[i].name, name) == 0)
      return files[i].data;
  return 0;
}

int
fmap_denywrite(struct inode *ip, int delta)
{
  file_of(ip);
  if (delta > 0 && ip->mapwriters > 0)
    return -1;
  ip->textref += delta;
  if (ip->textref < 0)
    panic("fakefs: fmap_denywrite below zero");
  return 0;
}

int
fmap_mapwrite(struct inode *ip, int delta)
{
  file_of(ip);
  if (delta > 0 && ip->textref > 0)
    return -1;
  ip->mapwriters += delta;
  if (ip->mapwriters < 0)
    panic("fakefs: fmap_mapwrite below zero");
  return 0;
}

uint
fmap_inum(struct inode *ip)
{
  file_of(ip);
  return ip->inum;
}

// ---- read(), write() and O_TRUNC as kernel/fs does them (fs.c readi,
// writei, itrunc), reduced to what kernel/mm sees: the page-cache hooks.

// read(): up to n bytes of ip from off into dst; a cached page is the
// file's content (it may hold stores the disk has not seen). Returns the
// bytes read.
uint64
fakefs_read(struct inode *ip, uint64 off, void *dst, uint64 n)
{
  struct fakefile *f = file_of(ip);
  if (off > ip->size)
    return 0;
  if (off + n > ip->size)
    n = ip->size - off;
  for (uint64 tot = 0, m; tot < n; tot += m, off += m) {
    m = PGSIZE - off % PGSIZE < n - tot ? PGSIZE - off % PGSIZE : n - tot;
    uint64 cpa = pcache_peek(ip, off / PGSIZE);
    if (cpa) {
      memcpy((char *)dst + tot, (char *)P2V(cpa) + off % PGSIZE, m);
      kfree(P2V(cpa));
    } else {
      memcpy((char *)dst + tot, f->data + off, m);
    }
  }
  return n;
}

// write(): n bytes from src at off (at most the size: no holes), growing
// the file; the disk first, then the cached page, as writei does.
// Returns n, or -1 past the end.
int
fakefs_write(struct inode *ip, uint64 off, const void *src, uint64 n)
{
  struct fakefile *f = file_of(ip);
  if (off > ip->size)
    return -1;
  if (off + n > ip->size) {
    uchar *d = realloc(f->data, off + n);
    if (!d)
      panic("fakefs_write: out of host memory");
    f->data = d;
    ip->size = (uint)(off + n);
  }
  for (uint64 tot = 0, m; tot < n; tot += m, off += m) {
    m = PGSIZE - off % PGSIZE < n - tot ? PGSIZE - off % PGSIZE : n - tot;
    memcpy(f->data + off, (const char *)src + tot, m);
    pcache_update(ip, off, f->data + off, m);
  }
  return (int)n;
}

// O_TRUNC: the file becomes empty (itrunc).
void
fakefs_truncate(struct inode *ip)
{
  file_of(ip);
  ip->size = 0;
  pcache_truncate(ip, 0);   // as itrunc does: once the size is the new one
}
