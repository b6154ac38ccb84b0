// Files as kernel/mm sees them: the narrow interface mm/mm.h declares
// (read a page of an inode, write one back, its size, hold and release
// it), so that the page cache and the file backing of regions know
// nothing of blocks, logs or inode locks, and tests/host can fake a file.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "fs/fs.h"

// Bytes of one write-back transaction: a block of data may also change a
// bitmap block, and the inode changes too (as for filewrite).
#define WRITEBACK_BYTES (((MAXOPBLOCKS - 3) / 2) * BSIZE)

// Read page index of ip into page, which is zeroed: the bytes of the file
// that fall in it (none past the end). Returns 0, or -1 if the file could
// not be read.
int
fmap_readpage(struct inode *ip, uint64 index, void *page)
{
  int r = 0;
  ilock(ip);
  uint64 off = index * PGSIZE;
  if (off < ip->size) {
    uint n = ip->size - off < PGSIZE ? ip->size - off : PGSIZE;
    if (readi(ip, 0, (uint64)page, off, n) != n)
      r = -1;
  }
  iunlock(ip);
  return r;
}

// Write the bytes of page that lie within the file (a store past its end
// never grows it) to page index of ip, through the log, in transactions
// the log has room for. Returns 0 or -1.
int
fmap_writepage(struct inode *ip, uint64 index, const void *page)
{
  uint64 off = index * PGSIZE;
  for (uint64 done = 0; done < PGSIZE;) {
    begin_op();
    ilock(ip);
    uint64 n = 0;
    if (off + done < ip->size) {
      n = ip->size - (off + done);
      if (n > PGSIZE - done)
        n = PGSIZE - done;
      if (n > WRITEBACK_BYTES)
        n = WRITEBACK_BYTES;
    }
    int r = n ? writei(ip, 0, (uint64)page + done, off + done, n) : 0;
    iunlock(ip);
    end_op();
    if (r != n)
      return -1;
    if (n == 0)
      break;
    done += n;
  }
  return 0;
}

uint64
fmap_size(struct inode *ip)
{
  ilock(ip);
  uint64 size = ip->size;
  iunlock(ip);
  return size;
}

void
fmap_hold(struct inode *ip)
{
  idup(ip);
}

// Drop a region's reference; the last one of an unlinked file frees it.
// Only the last one needs a transaction: exit and exec drop many.
void
fmap_release(struct inode *ip)
{
  if (iput_notlast(ip) == 0)
    return;
  begin_op();
  iput(ip);
  end_op();
}

// One more (delta 1) or one fewer (-1) segment of a running program maps
// ip: while there are any, write() to it and O_TRUNC fail (as ETXTBSY
// does), so that the pages a program has yet to fault in stay its own.
// Atomic: fork calls it holding a spin lock.
void
fmap_denywrite(struct inode *ip, int delta)
{
  __sync_fetch_and_add(&ip->textref, delta);
}

// ip's inode number: fixed while a region holds ip, so no lock is needed.
uint
fmap_inum(struct inode *ip)
{
  return ip->inum;
}
