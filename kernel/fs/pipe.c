// Pipes: a bounded byte buffer between a write end and a read end, each
// an open file.
//
// User memory is copied while no spin lock is held: copyin and copyout may
// take a page fault that sleeps (a page read from a file, for instance),
// and sleeping with a spin lock held is forbidden. So the writer copies
// into a staging buffer on its stack before taking the lock, and a reader
// copies bytes out of the pipe and consumes them only once they reached
// the user, so that a failed copy loses nothing.

#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "proc/proc.h"
#include "mm/mm.h"
#include "fs/fs.h"

// Bytes a pipe buffers. A power of two, so that the free-running counters
// stay correct modulo PIPESIZE when they wrap around.
#define PIPESIZE 2048

// Bytes moved between user memory and the pipe per lock acquisition.
#define STAGESIZE 128

struct pipe {
  struct spinlock lock;  // protects everything below
  uint nread;     // bytes read so far; data[nread % PIPESIZE] is next
  uint nwrite;    // bytes written so far; nwrite - nread are buffered
  int readopen;   // the read end is still open
  int writeopen;  // the write end is still open
  int reading;    // a reader is copying bytes out: other readers wait
  char data[PIPESIZE];
};
_Static_assert(sizeof(struct pipe) <= PGSIZE, "a pipe fits in one page");

// Make a pipe and two files for it: *f0 reads it and *f1 writes it.
// Returns 0, or -1 (having freed everything) when out of memory or files.
int
pipealloc(struct file **f0, struct file **f1)
{
  struct pipe *pi = 0;

  *f0 = filealloc();
  *f1 = filealloc();
  if (*f0 == 0 || *f1 == 0)
    goto bad;
  pi = kalloc();
  if (pi == 0)
    goto bad;

  initlock(&pi->lock, "pipe");
  pi->nread = 0;
  pi->nwrite = 0;
  pi->readopen = 1;
  pi->writeopen = 1;
  pi->reading = 0;

  (*f0)->type = FD_PIPE;
  (*f0)->readable = 1;
  (*f0)->writable = 0;
  (*f0)->pipe = pi;
  (*f1)->type = FD_PIPE;
  (*f1)->readable = 0;
  (*f1)->writable = 1;
  (*f1)->pipe = pi;
  return 0;

bad:
  // Files of type FD_NONE: closing them only gives the entries back.
  if (*f0)
    fileclose(*f0);
  if (*f1)
    fileclose(*f1);
  return -1;
}

// Close one end of pi (the write end if writable is set). Wakes whoever
// waits on the other end, and frees the pipe once both ends are closed.
void
pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if (writable) {
    pi->writeopen = 0;
    wakeup(&pi->nread);
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);
  }
  if (pi->readopen || pi->writeopen) {
    release(&pi->lock);
    return;
  }
  release(&pi->lock);
  kfree(pi);
}

// Write n bytes from user address addr of the current process into pi,
// sleeping while the pipe is full. Returns n; or -1 if the read end is
// closed or the process is killed; or, if addr becomes unreadable, the
// number of bytes written before (-1 if none).
int
pipewrite(struct pipe *pi, uint64 addr, int n)
{
  struct proc *pr = myproc();
  char stage[STAGESIZE];
  int tot = 0;

  while (tot < n) {
    int m = n - tot;
    if (m > STAGESIZE)
      m = STAGESIZE;
    if (copyin(&pr->vm, stage, addr + tot, m) < 0)
      return tot > 0 ? tot : -1;

    acquire(&pi->lock);
    for (int i = 0; i < m; ) {
      if (!pi->readopen || killed(pr)) {
        release(&pi->lock);
        return -1;
      }
      if (pi->nwrite - pi->nread == PIPESIZE) {
        wakeup(&pi->nread);
        sleep(&pi->nwrite, &pi->lock);
        continue;
      }
      pi->data[pi->nwrite++ % PIPESIZE] = stage[i++];
    }
    wakeup(&pi->nread);
    release(&pi->lock);
    tot += m;
  }
  return tot;
}

// Read up to n bytes from pi into user address addr of the current
// process. Sleeps until there is something to read or the write end is
// closed; then returns what is buffered, up to n bytes (0 once the pipe
// is empty and closed). Returns -1 if the process is killed while
// waiting, or if addr is not writable and nothing was read.
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  struct proc *pr = myproc();
  char stage[STAGESIZE];
  int tot = 0;

  acquire(&pi->lock);
  while (pi->reading || (pi->nread == pi->nwrite && pi->writeopen)) {
    if (killed(pr)) {
      release(&pi->lock);
      return -1;
    }
    sleep(&pi->nread, &pi->lock);
  }

  // Only this reader takes bytes out until it clears reading, so the
  // bytes it copied to the stage stay in the pipe, unread, until it
  // consumes them; writers never overwrite unread bytes.
  pi->reading = 1;
  while (tot < n && pi->nread != pi->nwrite) {
    int m = n - tot;
    if ((uint)m > pi->nwrite - pi->nread)
      m = pi->nwrite - pi->nread;
    if (m > STAGESIZE)
      m = STAGESIZE;
    for (int i = 0; i < m; i++)
      stage[i] = pi->data[(pi->nread + i) % PIPESIZE];
    release(&pi->lock);

    int r = copyout(&pr->vm, addr + tot, stage, m);

    acquire(&pi->lock);
    if (r < 0) {
      if (tot == 0)
        tot = -1;
      break;
    }
    pi->nread += m;
    tot += m;
    wakeup(&pi->nwrite);
  }
  pi->reading = 0;
  // Other readers may wait for reading to clear.
  wakeup(&pi->nread);
  release(&pi->lock);
  return tot;
}
