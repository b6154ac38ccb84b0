// The write-ahead log: it makes each file-system system call atomic on
// disk, so that a crash leaves either all of a call's block writes or none.
//
// A system call brackets its writes with begin_op() and end_op(), and
// writes blocks through log_write() instead of bwrite(). log_write() only
// notes the block number and pins the changed buffer in the cache. When
// the last outstanding operation ends, the log commits them all together
// ("group commit"):
//
//   1. copy every changed block into the log area on disk;
//   2. write the header block with the count and the home block numbers:
//      this single-block write is the moment the transaction commits;
//   3. copy each block from the log to its home location;
//   4. write the header again with a count of zero.
//
// A crash before 2 leaves the old contents everywhere; a crash after 2 is
// finished at boot, when initlog() repeats step 3 from the header it finds.
//
// On disk the log is sb.nlog blocks from sb.logstart: the header block,
// then the data blocks. The header holds a uint count and then uint block
// numbers, little-endian, which is also this machine's byte order, so the
// header is copied between disk and memory as it is.

#include "abi/types.h"
#include "abi/param.h"
#include "abi/fs.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "proc/proc.h"
#include "fs/fs.h"

// Home block numbers that fit in the header block after the count.
#define HEADER_SLOTS (BSIZE / sizeof(uint) - 1)

struct logheader {
  uint n;
  uint block[HEADER_SLOTS];
};
_Static_assert(sizeof(struct logheader) == BSIZE, "log header is one block");

static struct {
  struct spinlock lock;  // protects outstanding, committing and lh
  uint dev;
  uint start;     // block number of the header; data blocks follow it
  uint size;      // data blocks a header on this disk can describe
  uint capacity;  // blocks one commit may hold (see initlog)
  int outstanding;  // operations between begin_op and end_op
  int committing;   // a commit is writing: no operation may begin
  struct logheader lh;  // blocks changed by the current transaction
} fslog;

// Read the header block into fslog.lh. Used only at boot.
static void
read_head(void)
{
  struct buf *b = bread(fslog.dev, fslog.start);
  memmove(&fslog.lh, b->data, sizeof fslog.lh);
  brelse(b);
}

// Write fslog.lh to the header block. When lh.n > 0 this write is the
// commit point of the transaction.
static void
write_head(void)
{
  struct buf *b = bread(fslog.dev, fslog.start);
  memmove(b->data, &fslog.lh, sizeof fslog.lh);
  bwrite(b);
  brelse(b);
}

// Copy each block the transaction changed from the cache into its slot
// in the log area.
static void
write_log(void)
{
  for (uint i = 0; i < fslog.lh.n; i++) {
    struct buf *to = bread(fslog.dev, fslog.start + 1 + i);
    struct buf *from = bread(fslog.dev, fslog.lh.block[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

// Copy each logged block to its home location. After a normal commit the
// home buffers were pinned by log_write and are unpinned here; at boot
// (recovering) nothing was pinned.
static void
install_trans(int recovering)
{
  for (uint i = 0; i < fslog.lh.n; i++) {
    struct buf *from = bread(fslog.dev, fslog.start + 1 + i);
    struct buf *to = bread(fslog.dev, fslog.lh.block[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    if (!recovering)
      bunpin(to);
    brelse(to);
    brelse(from);
  }
}

// Finish a transaction that committed before a crash, if there is one.
static void
recover_from_log(void)
{
  read_head();
  // A header that does not describe this log means the disk is damaged;
  // installing it would write blocks at random places.
  if (fslog.lh.n > fslog.size)
    panic("log: bad header");
  install_trans(1);
  fslog.lh.n = 0;
  write_head();
}

// Set up the log of the file system on dev, described by sb, and recover
// from a crash if the log holds a committed transaction. Called once, by
// fsinit, in a process (it sleeps on disk I/O), before any begin_op.
void
initlog(int dev, struct superblock *sb)
{
  initlock(&fslog.lock, "log");
  fslog.dev = dev;
  fslog.start = sb->logstart;
  fslog.size = sb->nlog - 1;
  if (fslog.size > HEADER_SLOTS)
    fslog.size = HEADER_SLOTS;

  // Every block of a transaction stays pinned in the buffer cache until
  // the commit, and the commit itself, like the operations still running,
  // needs free buffers to work with. Keeping MAXOPBLOCKS buffers out of
  // the log's reach means pinned blocks can never fill the cache.
  fslog.capacity = fslog.size;
  if (fslog.capacity > NBUF - MAXOPBLOCKS)
    fslog.capacity = NBUF - MAXOPBLOCKS;
  if (fslog.capacity < MAXOPBLOCKS)
    panic("initlog: log too small for one operation");

  recover_from_log();
}

// Start a file-system operation. It may sleep until a commit finishes or
// until the log has room for this operation's MAXOPBLOCKS writes on top of
// those of every operation already running. The caller holds no locks.
void
begin_op(void)
{
  acquire(&fslog.lock);
  while (fslog.committing ||
         fslog.lh.n + (fslog.outstanding + 1) * MAXOPBLOCKS > fslog.capacity)
    sleep(&fslog, &fslog.lock);
  fslog.outstanding++;
  release(&fslog.lock);
}

// Commit the current transaction, if it changed anything. The caller is
// the last operation to end: committing is set and nobody else touches
// fslog.lh until it is cleared, so no lock is needed here.
static void
commit(void)
{
  if (fslog.lh.n == 0)
    return;
  write_log();
  write_head();
  install_trans(0);
  fslog.lh.n = 0;
  write_head();
}

// End a file-system operation. If it was the last one running, commit
// everything written since the previous commit. May sleep. The caller
// holds no locks.
void
end_op(void)
{
  int do_commit = 0;

  acquire(&fslog.lock);
  if (fslog.committing)
    panic("end_op: committing");
  if (fslog.outstanding < 1)
    panic("end_op: no operation");
  fslog.outstanding--;
  if (fslog.outstanding == 0) {
    do_commit = 1;
    fslog.committing = 1;
  } else {
    // This operation's reservation is released: a waiting begin_op may
    // now fit.
    wakeup(&fslog);
  }
  release(&fslog.lock);

  if (do_commit) {
    // Sleeping on disk I/O with a spin lock held is not allowed, so
    // commit runs unlocked; committing keeps everyone else out.
    commit();
    acquire(&fslog.lock);
    fslog.committing = 0;
    wakeup(&fslog);
    release(&fslog.lock);
  }
}

// Record that b's contents changed in the current transaction, to be
// written at commit: use it instead of bwrite(). The caller holds b (from
// bread) and is between begin_op and end_op. A block written several
// times in one transaction takes one slot in the log.
void
log_write(struct buf *b)
{
  acquire(&fslog.lock);
  if (fslog.outstanding < 1)
    panic("log_write outside of a transaction");

  uint i;
  for (i = 0; i < fslog.lh.n; i++) {
    if (fslog.lh.block[i] == b->blockno)
      break;
  }
  if (i == fslog.lh.n) {
    if (fslog.lh.n >= fslog.capacity)
      panic("log_write: transaction too big");
    fslog.lh.block[fslog.lh.n++] = b->blockno;
    bpin(b);
  }
  release(&fslog.lock);
}
