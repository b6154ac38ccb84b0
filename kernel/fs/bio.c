// The buffer cache: NBUF in-memory copies of disk blocks.
//
// It does two jobs. It keeps recently used blocks in memory so that the
// file system does not read them again, and it is the one place where a
// block is shared: at most one buffer holds a given block, and its
// sleep-lock lets one process at a time read or change that copy.
//
// Use: bread() returns a locked buffer; change b->data and bwrite() it
// (the file system goes through log_write() instead); brelse() when done.
// Never hold a buffer longer than needed: there are few of them.

#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "lib/sleeplock.h"
#include "proc/proc.h"
#include "dev/dev.h"
#include "fs/fs.h"

static struct {
  struct spinlock lock;  // protects the list, refcnt, dev, blockno, waiting
  struct buf buf[NBUF];

  // Every buffer, on a circular doubly-linked list through prev/next in
  // order of last release: head.next is the most recently used, head.prev
  // the least. A buffer with refcnt 0 may be recycled for another block.
  struct buf head;

  int waiting;  // processes asleep in bget() until a buffer is free
} bcache;

// Prepare the cache. Called once, before any other function here.
void
binit(void)
{
  initlock(&bcache.lock, "bcache");
  bcache.head.prev = &bcache.head;
  bcache.head.next = &bcache.head;
  for (struct buf *b = bcache.buf; b < bcache.buf + NBUF; b++) {
    initsleeplock(&b->lock, "buffer");
    b->next = bcache.head.next;
    b->prev = &bcache.head;
    bcache.head.next->prev = b;
    bcache.head.next = b;
  }
}

// Return the buffer for block (dev, blockno), locked, with one more
// reference. Its data is valid only if b->valid says so.
// If every buffer is in use, wait for one: each holder gives its buffer
// back soon, whereas panicking would let many processes reading at once
// crash the kernel.
static struct buf *
bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&bcache.lock);
  for (;;) {
    // Look for the block first, also after a wait: another process may
    // have brought it in meanwhile, and two copies must never exist.
    for (b = bcache.head.next; b != &bcache.head; b = b->next) {
      if (b->dev == dev && b->blockno == blockno) {
        b->refcnt++;
        release(&bcache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }

    // Not cached: take the least recently used free buffer.
    for (b = bcache.head.prev; b != &bcache.head; b = b->prev) {
      if (b->refcnt == 0) {
        b->dev = dev;
        b->blockno = blockno;
        b->valid = 0;
        b->refcnt = 1;
        release(&bcache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }

    bcache.waiting++;
    sleep(&bcache, &bcache.lock);
    bcache.waiting--;
  }
}

// Return a locked buffer holding the contents of block (dev, blockno),
// reading it from disk if it is not cached. May sleep.
struct buf *
bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if (!b->valid) {
    virtio_disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

// Write b's contents to its block on disk now. The caller holds b->lock.
void
bwrite(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("bwrite: buffer not locked");
  virtio_disk_rw(b, 1);
}

// Drop one reference to b. When none is left b becomes the most recently
// used free buffer, and a process waiting for a buffer may take it.
// The caller holds bcache.lock.
static void
unref(struct buf *b)
{
  if (b->refcnt == 0)
    panic("buffer refcnt underflow");
  b->refcnt--;
  if (b->refcnt > 0)
    return;

  b->next->prev = b->prev;
  b->prev->next = b->next;
  b->next = bcache.head.next;
  b->prev = &bcache.head;
  bcache.head.next->prev = b;
  bcache.head.next = b;

  if (bcache.waiting > 0)
    wakeup(&bcache);
}

// Give back a buffer from bread(): unlock it and drop the reference.
// The caller holds b->lock and must not touch b afterwards.
void
brelse(struct buf *b)
{
  if (!holdingsleep(&b->lock))
    panic("brelse: buffer not locked");
  releasesleep(&b->lock);

  acquire(&bcache.lock);
  unref(b);
  release(&bcache.lock);
}

// Keep b in the cache until bunpin(), even while nobody holds it: the log
// needs the block's changed contents to stay in memory until they commit.
void
bpin(struct buf *b)
{
  acquire(&bcache.lock);
  b->refcnt++;
  release(&bcache.lock);
}

// Undo one bpin(b).
void
bunpin(struct buf *b)
{
  acquire(&bcache.lock);
  unref(b);
  release(&bcache.lock);
}
