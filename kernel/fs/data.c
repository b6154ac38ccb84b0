// File contents: which disk block holds each block of a file (bmap,
// through NDIRECT direct addresses and one indirect block), freeing them
// all (itrunc), and reading and writing bytes (readi, writei), which go
// through the page cache's copy of a page when it holds one. The layers
// below (blocks and inodes) are in fs.c; the same rules hold: the caller
// holds the inode's lock, and anything that may write the disk runs in a
// transaction.

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

// Return the disk block holding block bn of ip's contents. If it has
// none, allocate one when alloc is set; return 0 when not, or when the
// disk is full. The caller holds ip->lock (and is in a transaction if
// alloc is set); bn < MAXFILE.
static uint
bmap(struct inode *ip, uint bn, int alloc)
{
  uint addr;

  if (bn < NDIRECT) {
    addr = ip->addrs[bn];
    if (addr == 0 && alloc) {
      addr = balloc(ip->dev);
      ip->addrs[bn] = addr;
    }
    return addr;
  }
  bn -= NDIRECT;
  if (bn >= NINDIRECT)
    panic("bmap: block beyond MAXFILE");

  uint ind = ip->addrs[NDIRECT];
  if (ind == 0) {
    if (!alloc)
      return 0;
    ind = balloc(ip->dev);
    if (ind == 0)
      return 0;
    ip->addrs[NDIRECT] = ind;
  }

  struct buf *bp = bread(ip->dev, ind);
  addr = ((uint *)bp->data)[bn];
  brelse(bp);
  if (addr == 0 && alloc) {
    // The indirect block is not held across balloc, so that a process
    // never needs two buffers at once here. Holding ip->lock is what
    // keeps anyone else from changing this entry meanwhile.
    addr = balloc(ip->dev);
    if (addr) {
      bp = bread(ip->dev, ind);
      ((uint *)bp->data)[bn] = addr;
      log_write(bp);
      brelse(bp);
    }
  }
  return addr;
}

// Free all of ip's data blocks and make it empty. The caller holds
// ip->lock, in a transaction.
void
itrunc(struct inode *ip)
{
  for (int i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i]) {
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }

  if (ip->addrs[NDIRECT]) {
    struct buf *bp = bread(ip->dev, ip->addrs[NDIRECT]);
    uint *a = (uint *)bp->data;
    for (uint j = 0; j < NINDIRECT; j++) {
      if (a[j])
        bfree(ip->dev, a[j]);
    }
    brelse(bp);
    bfree(ip->dev, ip->addrs[NDIRECT]);
    ip->addrs[NDIRECT] = 0;
  }

  ip->size = 0;
  // The page cache forgets the pages, and mappings let go of them, once
  // the size says they are gone (ip is locked: no page is read meanwhile).
  pcache_truncate(ip, 0);
  iupdate(ip);
}

// Fill *st from ip. The caller holds ip->lock.
void
stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// Copy up to n bytes of ip's contents from offset off to dst, a user
// address of the current process if user_dst is set, else a kernel
// address. Returns the number of bytes copied, less than n at the end of
// the file, or -1 if dst is not writable. The caller holds ip->lock.
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  if (off > ip->size)
    return 0;
  if ((uint64)off + n > ip->size)
    n = ip->size - off;

  uint tot, m;
  for (tot = 0; tot < n; tot += m, off += m, dst += m) {
    uint addr = bmap(ip, off / BSIZE, 0);
    if (addr == 0)
      break;
    m = BSIZE - off % BSIZE;
    if (m > n - tot)
      m = n - tot;
    // A cached page may hold stores through a shared mapping that the
    // disk has not seen yet: it is the file's content.
    uint64 cpa = pcache_peek(ip, off / PGSIZE);
    int r;
    if (cpa) {
      r = either_copyout(user_dst, dst, (char *)P2V(cpa) + off % PGSIZE, m);
      kfree(P2V(cpa));
    } else {
      struct buf *bp = bread(ip->dev, addr);
      r = either_copyout(user_dst, dst, bp->data + off % BSIZE, m);
      brelse(bp);
    }
    if (r < 0)
      return -1;
  }
  return tot;
}

// Copy n bytes from src (a user address if user_src is set, else a kernel
// address) into ip's contents at offset off, growing the file if needed.
// Returns the number of bytes written; that is less than n if the file
// reached MAXFILE blocks, the disk filled up, or src became unreadable.
// Returns -1 if off is beyond the end of the file. The caller holds
// ip->lock, in a transaction that has room for the blocks written.
int
writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  if (off > ip->size)
    return -1;
  if ((uint64)off + n > (uint64)MAXFILE * BSIZE)
    n = MAXFILE * BSIZE - off;

  uint tot, m;
  for (tot = 0; tot < n; tot += m, off += m, src += m) {
    uint addr = bmap(ip, off / BSIZE, 1);
    if (addr == 0)
      break;
    struct buf *bp = bread(ip->dev, addr);
    m = BSIZE - off % BSIZE;
    if (m > n - tot)
      m = n - tot;
    int r = either_copyin(bp->data + off % BSIZE, user_src, src, m);
    // A failed copy may have changed part of the block already; log it
    // anyway, so that the cached block and the disk never disagree. The
    // page cache's copy, which mappings see, follows too; from a kernel
    // source the bytes are named where they came from, so that the cache
    // knows a write-back of its own page (mm/pagecache.c).
    log_write(bp);
    pcache_update(ip, off, user_src ? bp->data + off % BSIZE : (void *)src, m);
    brelse(bp);
    if (r < 0)
      break;
  }

  if (off > ip->size)
    ip->size = off;
  // Written even if the size is unchanged: bmap may have added blocks.
  iupdate(ip);
  return tot;
}
