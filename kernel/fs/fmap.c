// Files as kernel/mm sees them: the narrow interface mm/mm.h declares
// (read a page of an inode, write one back, its size, hold and release
// it), so that the page cache and the file backing of regions know
// nothing of blocks, logs or inode locks, and tests/host can fake a file.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
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

// A reference to ip for writing back a dirty cached page of it that
// nobody maps (kernel/mm/fileevict.c), when nobody may hold one: the
// entry still holds ip's file, since iget gives no entry with a dirty
// cached page to another file (pcache_dirty_of).
void
fmap_hold_cached(struct inode *ip)
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

// Programs running from a file and shared writable mappings of it exclude
// each other (as ETXTBSY does on Unix): a store through such a mapping is
// a write to the program. textref and mapwriters change under this lock;
// filewrite and open read textref without it (atomically).
static struct spinlock textlock = { .name = "fmaptext" };   // free: no initlock needed

// One more (delta 1) or one fewer (-1) segment of a running program maps
// ip: while there are any, write() to it, O_TRUNC and shared writable
// mappings fail, so that the pages a program has yet to fault in stay its
// own. Returns 0, or -1 (nothing changed) for delta 1 while a shared
// writable mapping of ip exists. Takes a spin lock: fork calls it holding
// one.
int
fmap_denywrite(struct inode *ip, int delta)
{
  acquire(&textlock);
  int r = delta > 0 && ip->mapwriters > 0 ? -1 : 0;
  if (r == 0)
    __atomic_add_fetch(&ip->textref, delta, __ATOMIC_SEQ_CST);
  release(&textlock);
  return r;
}

// One more (delta 1) or one fewer (-1) shared mapping of ip that may be
// made writable. Returns 0, or -1 (nothing changed) for delta 1 while a
// program runs from ip. Takes a spin lock, as fmap_denywrite.
int
fmap_mapwrite(struct inode *ip, int delta)
{
  acquire(&textlock);
  int r = delta > 0 && ip->textref > 0 ? -1 : 0;
  if (r == 0)
    ip->mapwriters += delta;
  release(&textlock);
  return r;
}

// ip's inode number: fixed while a region holds ip, so no lock is needed.
uint
fmap_inum(struct inode *ip)
{
  return ip->inum;
}
