// The file system proper: blocks, inodes and file contents, in the
// on-disk format of abi/fs.h. Every size is taken from the superblock.
//
// Layers, from the bottom:
//   blocks:      balloc/bfree, through the free-block bitmap;
//   inodes:      an in-memory table of NINODE inodes, each a cached copy
//                of a disk inode with a reference count and a sleep-lock;
//   file data:   bmap, readi, writei, itrunc (data.c);
//   directories and path names are built on these, in dir.c.
//
// Any function that may write the disk must run inside a transaction
// (begin_op/end_op, log.c) and writes blocks with log_write, never bwrite.
//
// Inode life cycle. An in-memory inode is in use while ref > 0: iget and
// idup take a reference, iput drops one. ilock reads the disk inode the
// first time (valid) and keeps other processes out until iunlock. When
// the last reference goes and no directory names the inode (nlink == 0),
// iput frees it and its blocks on disk.
//
// The inode table spin-lock is never held while sleeping.

#include "abi/types.h"
#include "abi/param.h"
#include "abi/fs.h"
#include "abi/stat.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "lib/sleeplock.h"
#include "proc/proc.h"
#include "dev/dev.h"
#include "fs/fs.h"

static struct superblock sb;  // of the root device; written once by fsinit

// First data block: every block before it is metadata.
static uint
datastart(void)
{
  return sb.size - sb.nblocks;
}

// Read the superblock of dev, make sure the disk holds a file system of
// our format, and recover the log. Called once, in the first process
// (it sleeps on disk I/O), after binit and iinit.
void
fsinit(int dev)
{
  struct buf *b = bread(dev, 1);
  memmove(&sb, b->data, sizeof sb);
  brelse(b);

  if (sb.magic != FSMAGIC)
    panic("fsinit: the disk holds no Lazuli/xv6 file system");

  // The regions must come in order without overlapping, or allocating a
  // block could overwrite an inode or the log.
  uint inodeblocks = (sb.ninodes + IPB - 1) / IPB;
  uint bitmapblocks = (sb.size + BPB - 1) / BPB;
  if (sb.nlog < 2 || sb.logstart < 2 ||
      sb.inodestart < sb.logstart + sb.nlog ||
      sb.bmapstart < sb.inodestart + inodeblocks ||
      sb.nblocks > sb.size || datastart() < sb.bmapstart + bitmapblocks ||
      sb.ninodes <= ROOTINO)
    panic("fsinit: inconsistent superblock");
  // Every block must be on the disk. A block past its end can be neither
  // read nor written, and the file system cannot go on without it: found
  // later, by a program's write that allocated it, it would panic then.
  if ((uint64)sb.size * BSIZE > virtio_disk_bytes(0))
    panic("fsinit: the disk is smaller than its file system");

  initlog(dev, &sb);
}

// ---- blocks

// Fill block b with zeros. In a transaction.
static void
bzero(uint dev, uint b)
{
  struct buf *bp = bread(dev, b);
  memset(bp->data, 0, BSIZE);
  log_write(bp);
  brelse(bp);
}

// Allocate a zeroed data block and return its number, or 0 if the disk
// is full. In a transaction.
// Only data blocks are considered, so that a damaged bitmap cannot hand
// out a block of metadata.
uint
balloc(uint dev)
{
  struct buf *bp = 0;

  for (uint b = datastart(); b < sb.size; b++) {
    if (bp == 0 || bp->blockno != BBLOCK(b, sb)) {
      if (bp)
        brelse(bp);
      bp = bread(dev, BBLOCK(b, sb));
    }
    uint bit = b % BPB;
    uchar mask = 1 << (bit % 8);
    if ((bp->data[bit / 8] & mask) == 0) {
      bp->data[bit / 8] |= mask;
      log_write(bp);
      brelse(bp);
      bzero(dev, b);
      return b;
    }
  }
  if (bp)
    brelse(bp);
  printf("balloc: out of blocks\n");
  return 0;
}

// Mark block b free in the bitmap. In a transaction.
void
bfree(uint dev, uint b)
{
  if (b < datastart() || b >= sb.size)
    panic("bfree: not a data block");
  struct buf *bp = bread(dev, BBLOCK(b, sb));
  uint bit = b % BPB;
  uchar mask = 1 << (bit % 8);
  if ((bp->data[bit / 8] & mask) == 0)
    panic("bfree: block already free");
  bp->data[bit / 8] &= ~mask;
  log_write(bp);
  brelse(bp);
}

// ---- inodes

static struct {
  struct spinlock lock;  // protects ref, dev and inum of every entry
  struct inode inode[NINODE];
} itable;

// Prepare the inode table. Called once at boot.
void
iinit(void)
{
  initlock(&itable.lock, "itable");
  for (int i = 0; i < NINODE; i++)
    initsleeplock(&itable.inode[i].lock, "inode");
}

// Is inum the number of an inode on the disk? 0 (a free directory slot)
// is not, nor is a number beyond the inode area, which only a damaged
// disk can hold.
int
inum_valid(uint inum)
{
  return inum != 0 && inum < sb.ninodes;
}

// Return a reference to the in-memory inode (dev, inum), unlocked and not
// necessarily read from disk yet, or 0 if the table is full. Sharing one
// entry per inode is what makes its lock and its copy of the disk inode
// mean something.
struct inode *
iget(uint dev, uint inum)
{
  struct inode *ip, *empty = 0;

  acquire(&itable.lock);
  for (ip = itable.inode; ip < itable.inode + NINODE; ip++) {
    // An entry nobody references that still holds (dev, inum), read from
    // disk and not freed since (iput clears valid), is as good as the disk:
    // taking it again keeps the file's cached pages (mm/pagecache.c).
    if ((ip->ref > 0 || ip->valid) && ip->dev == dev && ip->inum == inum) {
      ip->ref++;
      release(&itable.lock);
      return ip;
    }
    if (empty == 0 && ip->ref == 0)
      empty = ip;
  }
  // Not an entry whose file has a dirty cached page (a write-back failed):
  // it keeps the file until the page is written (kernel/mm/fileevict.c).
  // Asked only of the entry about to be reused, which pcache_forget scans
  // the cache for anyway.
  while (empty && (empty->ref != 0 || pcache_dirty_of(empty)))
    empty = empty + 1 < itable.inode + NINODE ? empty + 1 : 0;
  if (empty == 0) {
    release(&itable.lock);
    printf("iget: no free inodes in the table\n");
    return 0;
  }
  ip = empty;
  pcache_forget(ip);   // the pages of the file it held before
  ip->dev = dev;
  ip->inum = inum;
  ip->ref = 1;
  ip->valid = 0;
  release(&itable.lock);
  return ip;
}

// Allocate a free disk inode of the given type on dev and return it
// referenced but unlocked, or 0 if there is no free inode. In a
// transaction.
struct inode *
ialloc(uint dev, short type)
{
  for (uint inum = ROOTINO; inum < sb.ninodes; inum++) {
    struct buf *bp = bread(dev, IBLOCK(inum, sb));
    struct dinode *dip = (struct dinode *)bp->data + inum % IPB;
    if (dip->type == 0) {
      // Take the table entry first: if the table is full the disk inode
      // must stay free.
      struct inode *ip = iget(dev, inum);
      if (ip) {
        memset(dip, 0, sizeof *dip);
        dip->type = type;
        log_write(bp);
      }
      brelse(bp);
      return ip;
    }
    brelse(bp);
  }
  printf("ialloc: no free inodes\n");
  return 0;
}

// Copy the in-memory inode to disk. Call it after changing any field
// that lives on disk. The caller holds ip->lock, in a transaction.
void
iupdate(struct inode *ip)
{
  struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof ip->addrs);
  log_write(bp);
  brelse(bp);
}

// Take one more reference to ip, which the caller already has one to.
struct inode *
idup(struct inode *ip)
{
  acquire(&itable.lock);
  ip->ref++;
  release(&itable.lock);
  return ip;
}

// Lock ip, reading the disk inode if this is the first lock since the
// entry was (re)used. The caller holds a reference and not the lock.
void
ilock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1)
    panic("ilock: no reference");

  acquiresleep(&ip->lock);
  if (!ip->valid) {
    struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
    struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
    ip->type = dip->type;
    ip->major = dip->major;
    ip->minor = dip->minor;
    ip->nlink = dip->nlink;
    ip->size = dip->size;
    memmove(ip->addrs, dip->addrs, sizeof ip->addrs);
    brelse(bp);
    ip->valid = 1;
    if (ip->type == 0)
      panic("ilock: inode is free on disk");
  }
}

// Unlock ip. The caller holds its lock.
void
iunlock(struct inode *ip)
{
  if (ip == 0 || !holdingsleep(&ip->lock) || ip->ref < 1)
    panic("iunlock");
  releasesleep(&ip->lock);
}

// Drop a reference to ip. If it was the last one and no directory entry
// names the inode any more, free the inode and its blocks on disk. In a
// transaction (it may write); the caller does not hold ip->lock.
void
iput(struct inode *ip)
{
  acquire(&itable.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    // Nobody else has a reference, so nobody holds the lock or can take
    // one through iget (no directory names it): acquiresleep does not
    // wait, and the table lock may be dropped meanwhile.
    release(&itable.lock);
    acquiresleep(&ip->lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;
    releasesleep(&ip->lock);
    acquire(&itable.lock);
  }
  ip->ref--;
  release(&itable.lock);
}

// Drop a reference to ip that is not the last one, without a transaction:
// then nothing can be written. Returns 0 when it did, -1 when it is the
// last reference and the caller must iput in a transaction.
int
iput_notlast(struct inode *ip)
{
  acquire(&itable.lock);
  int r = ip->ref > 1 ? 0 : -1;
  if (r == 0)
    ip->ref--;
  release(&itable.lock);
  return r;
}

// Unlock ip, then drop the reference.
void
iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}
