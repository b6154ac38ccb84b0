// Open files: the system-wide table of NFILE struct files that file
// descriptors point to, and the read/write/stat operations on them, which
// pass on to pipes, devices (through devsw) or inodes.
//
// One struct file is shared by every descriptor that dup or fork copied
// from the same open(), which is why the offset lives here and not in the
// process.

#include "abi/types.h"
#include "abi/param.h"
#include "abi/stat.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "proc/proc.h"
#include "mm/mm.h"
#include "fs/fs.h"

struct devsw devsw[NDEV];

static struct {
  struct spinlock lock;  // protects ref and type of every entry
  struct file file[NFILE];
} ftable;

// Blocks of data one transaction of filewrite may write. Writing a block
// also changes at most one bitmap block; on top of those the inode and the
// indirect block (and the bitmap block for the indirect block) may change:
// 2 * FILEWRITE_BLOCKS + 3 must not exceed MAXOPBLOCKS.
#define FILEWRITE_BLOCKS ((MAXOPBLOCKS - 3) / 2)

// Prepare the file table. Called once at boot.
void
fileinit(void)
{
  initlock(&ftable.lock, "ftable");
}

// Return an unused file with one reference and type FD_NONE, or 0 if the
// table is full.
struct file *
filealloc(void)
{
  acquire(&ftable.lock);
  for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
    if (f->ref == 0) {
      f->ref = 1;
      f->type = FD_NONE;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

// Take one more reference to f, which the caller already has one to.
struct file *
filedup(struct file *f)
{
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("filedup: file not open");
  f->ref++;
  release(&ftable.lock);
  return f;
}

// Drop a reference to f; the last one closes what it refers to. May
// sleep. The caller holds no locks and is not in a transaction.
void
fileclose(struct file *f)
{
  acquire(&ftable.lock);
  if (f->ref < 1)
    panic("fileclose: file not open");
  if (--f->ref > 0) {
    release(&ftable.lock);
    return;
  }
  // Closing sleeps, so work on a copy and give the entry back first.
  struct file ff = *f;
  f->type = FD_NONE;
  release(&ftable.lock);

  if (ff.type == FD_PIPE) {
    pipeclose(ff.pipe, ff.writable);
  } else if (ff.type == FD_INODE || ff.type == FD_DEVICE) {
    // The last reference to the inode may free it: that writes the disk.
    begin_op();
    iput(ff.ip);
    end_op();
  }
}

// Copy f's metadata as a struct stat to user address addr of the current
// process. Returns 0, or -1 if f is a pipe or addr is not writable.
int
filestat(struct file *f, uint64 addr)
{
  struct stat st;

  if (f->type != FD_INODE && f->type != FD_DEVICE)
    return -1;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  if (copyout(&myproc()->vm, addr, &st, sizeof st) < 0)
    return -1;
  return 0;
}

// Read up to n bytes from f into user address addr of the current process.
// Returns the number read (0 at end of file), or -1.
int
fileread(struct file *f, uint64 addr, int n)
{
  if (!f->readable)
    return -1;

  switch (f->type) {
  case FD_PIPE:
    return piperead(f->pipe, addr, n);
  case FD_DEVICE:
    if (f->major < 0 || f->major >= NDEV || devsw[f->major].read == 0)
      return -1;
    return devsw[f->major].read(1, addr, n);
  case FD_INODE: {
    // readi copies out holding the inode's lock; a fault on a file page
    // there would take an inode lock, perhaps the same one. The file
    // pages stay until the copies are done.
    if (vm_prefault_files(&myproc()->vm, addr, n, ACCESS_WRITE) != 0)
      return -1;
    // The inode lock also serializes the use of f->off.
    ilock(f->ip);
    int r = readi(f->ip, 1, addr, f->off, n);
    if (r > 0)
      f->off += r;
    iunlock(f->ip);
    vm_unpin_files(&myproc()->vm);
    return r;
  }
  default:
    panic("fileread: bad file type");
  }
}

// Write n bytes from user address addr of the current process to f.
// Returns the number written, which is less than n only if the file or
// the disk is full or addr is partly unreadable; -1 if nothing could be
// written.
int
filewrite(struct file *f, uint64 addr, int n)
{
  if (!f->writable)
    return -1;

  switch (f->type) {
  case FD_PIPE:
    return pipewrite(f->pipe, addr, n);
  case FD_DEVICE:
    if (f->major < 0 || f->major >= NDEV || devsw[f->major].write == 0)
      return -1;
    return devsw[f->major].write(1, addr, n);
  case FD_INODE: {
    // One transaction may not write more than MAXOPBLOCKS blocks, so a
    // large write is cut into pieces, each its own transaction. Each
    // piece ends on a block boundary so that it touches no more than
    // FILEWRITE_BLOCKS data blocks. A crash may thus leave a prefix of
    // the data written, never a damaged file system.
    if (vm_prefault_files(&myproc()->vm, addr, n, ACCESS_READ) != 0)
      return -1;
    if (__atomic_load_n(&f->ip->textref, __ATOMIC_SEQ_CST) > 0) {
      vm_unpin_files(&myproc()->vm);
      return -1;   // a program runs from it (fmap_denywrite)
    }
    int tot = 0;
    while (tot < n) {
      begin_op();
      ilock(f->ip);
      uint m = FILEWRITE_BLOCKS * BSIZE - f->off % BSIZE;
      if (m > (uint)(n - tot))
        m = n - tot;
      int r = writei(f->ip, 1, addr + tot, f->off, m);
      if (r > 0) {
        f->off += r;
        tot += r;
      }
      iunlock(f->ip);
      end_op();
      if (r != (int)m)
        break;
    }
    vm_unpin_files(&myproc()->vm);
    return (tot > 0 || n == 0) ? tot : -1;
  }
  default:
    panic("filewrite: bad file type");
  }
}
