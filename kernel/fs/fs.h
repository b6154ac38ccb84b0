// kernel/fs: buffer cache, log, inodes, directories, path names, files,
// pipes. The on-disk format is in abi/fs.h.
#ifndef LAZULI_KFS_H
#define LAZULI_KFS_H

#include "abi/types.h"
#include "abi/param.h"
#include "abi/fs.h"
#include "abi/stat.h"
#include "lib/sleeplock.h"
#include "fs/buf.h"

// In-memory copy of an inode.
struct inode {
  uint dev;
  uint inum;
  int ref;               // C pointers to it; protected by the inode table lock
  int textref;           // segments of running programs mapping it (fmap.c)
  int mapwriters;        // shared mappings that may store to it (fmap.c)
  struct sleeplock lock; // protects everything below
  int valid;             // read from disk yet?
  short type;            // copy of the disk inode
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT + 1];
};

struct pipe;

struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE } type;
  int ref;
  char readable;
  char writable;
  struct pipe *pipe;   // FD_PIPE
  struct inode *ip;    // FD_INODE and FD_DEVICE
  uint off;            // FD_INODE
  short major;         // FD_DEVICE
};

// Device switch: maps a major device number to its read and write.
// user != 0: addr is a user virtual address in the current process.
struct devsw {
  int (*read)(int user, uint64 addr, int n);
  int (*write)(int user, uint64 addr, int n);
};
extern struct devsw devsw[NDEV];
#define CONSOLE 1

// bio.c
void binit(void);
struct buf *bread(uint dev, uint blockno);
void bwrite(struct buf *b);
void brelse(struct buf *b);
void bpin(struct buf *b);
void bunpin(struct buf *b);

// log.c
void initlog(int dev, struct superblock *sb);
void begin_op(void);
void end_op(void);
void log_write(struct buf *b);

// fs.c
void fsinit(int dev);      // read the superblock, recover the log; may sleep
uint balloc(uint dev);     // a zeroed data block, 0 when the disk is full
void bfree(uint dev, uint b);
void iinit(void);
int inum_valid(uint inum);
struct inode *iget(uint dev, uint inum);
struct inode *ialloc(uint dev, short type);
struct inode *idup(struct inode *ip);
void ilock(struct inode *ip);
void iunlock(struct inode *ip);
void iput(struct inode *ip);
int iput_notlast(struct inode *ip);
void iunlockput(struct inode *ip);
void iupdate(struct inode *ip);

// data.c
void itrunc(struct inode *ip);
void stati(struct inode *ip, struct stat *st);
int readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
int writei(struct inode *ip, int user_src, uint64 src, uint off, uint n);

// dir.c
int namecmp(const char *s, const char *t);
struct inode *dirlookup(struct inode *dp, char *name, uint *poff);
int dirlink(struct inode *dp, char *name, uint inum);
struct inode *namei(char *path);
struct inode *nameiparent(char *path, char *name);

// file.c
void fileinit(void);
struct file *filealloc(void);
struct file *filedup(struct file *f);
void fileclose(struct file *f);
int filestat(struct file *f, uint64 addr);
int fileread(struct file *f, uint64 addr, int n);
int filewrite(struct file *f, uint64 addr, int n);

// pipe.c
int pipealloc(struct file **f0, struct file **f1);
void pipeclose(struct pipe *pi, int writable);
int piperead(struct pipe *pi, uint64 addr, int n);
int pipewrite(struct pipe *pi, uint64 addr, int n);

#endif
