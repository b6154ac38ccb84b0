// File-system system calls. Each checks its arguments (a bad descriptor,
// a negative count, a wild pointer or a missing path gives -1) and then
// calls into kernel/fs. Every call that may change the disk runs as one
// transaction, between begin_op and end_op.

#include "abi/types.h"
#include "abi/param.h"
#include "abi/stat.h"
#include "abi/fcntl.h"
#include "lib/lib.h"
#include "proc/proc.h"
#include "mm/mm.h"
#include "fs/fs.h"
#include "syscall/syscall.h"

// Fetch the n-th argument as a file descriptor of the current process.
// Returns 0 and sets *pfd (if not 0) and *pf, or -1 if it is not open.
static int
argfd(int n, int *pfd, struct file **pf)
{
  int fd;

  argint(n, &fd);
  if (fd < 0 || fd >= NOFILE)
    return -1;
  struct file *f = myproc()->ofile[fd];
  if (f == 0)
    return -1;
  if (pfd)
    *pfd = fd;
  *pf = f;
  return 0;
}

// Give f the lowest free descriptor of the current process and return
// it, or -1 if all NOFILE are taken. The caller's reference to f moves
// to the descriptor.
static int
fdalloc(struct file *f)
{
  struct proc *p = myproc();

  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

uint64
sys_dup(void)
{
  struct file *f;

  if (argfd(0, 0, &f) < 0)
    return -1;
  int fd = fdalloc(f);
  if (fd < 0)
    return -1;
  filedup(f);
  return fd;
}

uint64
sys_read(void)
{
  struct file *f;
  uint64 addr;
  int n;

  argaddr(1, &addr);
  argint(2, &n);
  if (argfd(0, 0, &f) < 0 || n < 0)
    return -1;
  return fileread(f, addr, n);
}

uint64
sys_write(void)
{
  struct file *f;
  uint64 addr;
  int n;

  argaddr(1, &addr);
  argint(2, &n);
  if (argfd(0, 0, &f) < 0 || n < 0)
    return -1;
  return filewrite(f, addr, n);
}

uint64
sys_close(void)
{
  int fd;
  struct file *f;

  if (argfd(0, &fd, &f) < 0)
    return -1;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

uint64
sys_fstat(void)
{
  struct file *f;
  uint64 addr;

  argaddr(1, &addr);
  if (argfd(0, 0, &f) < 0)
    return -1;
  return filestat(f, addr);
}

// link(old, new): make new name the same inode as old. Directories
// cannot be linked, which keeps the directory graph a tree.
uint64
sys_link(void)
{
  char old[MAXPATH], new[MAXPATH], name[DIRSIZ + 1];

  if (argstr(0, old, MAXPATH) < 0 || argstr(1, new, MAXPATH) < 0)
    return -1;

  begin_op();
  struct inode *ip = namei(old);
  if (ip == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type == T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  // Count the new link first, so that ip can be unlocked before the new
  // parent is locked: holding both could deadlock with a path walk. If
  // the link cannot be made, the count is taken back below.
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  struct inode *dp = nameiparent(new, name);
  if (dp == 0)
    goto bad;
  ilock(dp);
  if (dirlink(dp, name, ip->inum) < 0) {
    iunlockput(dp);
    goto bad;
  }
  iunlockput(dp);
  iput(ip);
  end_op();
  return 0;

bad:
  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return -1;
}

// Is directory dp empty but for "." and ".."? The caller holds dp->lock.
static int
isdirempty(struct inode *dp)
{
  struct dirent de;

  for (uint off = 0; off + sizeof de <= dp->size; off += sizeof de) {
    if (readi(dp, 0, (uint64)&de, off, sizeof de) != sizeof de)
      panic("isdirempty: readi");
    if (de.inum != 0 && namecmp(de.name, ".") != 0 &&
        namecmp(de.name, "..") != 0)
      return 0;
  }
  return 1;
}

uint64
sys_unlink(void)
{
  char path[MAXPATH], name[DIRSIZ + 1];
  struct inode *ip, *dp;
  struct dirent de;
  uint off;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;

  begin_op();
  dp = nameiparent(path, name);
  if (dp == 0) {
    end_op();
    return -1;
  }
  ilock(dp);

  // Removing "." or ".." would break the tree's links.
  if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0)
    goto bad;
  ip = dirlookup(dp, name, &off);
  if (ip == 0)
    goto bad;
  ilock(ip);
  if (ip->nlink < 1)
    panic("unlink: inode has no links");
  if (ip->type == T_DIR && !isdirempty(ip)) {
    iunlockput(ip);
    goto bad;
  }

  memset(&de, 0, sizeof de);
  if (writei(dp, 0, (uint64)&de, off, sizeof de) != sizeof de)
    panic("unlink: writei");
  if (ip->type == T_DIR) {
    // The child's ".." named dp.
    dp->nlink--;
    iupdate(dp);
  }
  iunlockput(dp);

  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return 0;

bad:
  iunlockput(dp);
  end_op();
  return -1;
}

// Make a new inode of the given type at path and return it locked; for a
// directory also its "." and ".." entries. If path exists and a plain
// file is wanted, return the existing file or device, locked. Return 0 on
// any failure, having undone everything. In a transaction.
static struct inode *
create(char *path, short type, short major, short minor)
{
  char name[DIRSIZ + 1];
  struct inode *ip, *dp;

  dp = nameiparent(path, name);
  if (dp == 0)
    return 0;
  ilock(dp);

  ip = dirlookup(dp, name, 0);
  if (ip) {
    iunlockput(dp);
    ilock(ip);
    if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    iunlockput(ip);
    return 0;
  }

  ip = ialloc(dp->dev, type);
  if (ip == 0) {
    iunlockput(dp);
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if (type == T_DIR) {
    // "." is not counted in ip->nlink: a directory referring to itself
    // would otherwise never reach nlink 0.
    if (dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
      goto fail;
  }
  if (dirlink(dp, name, ip->inum) < 0)
    goto fail;
  if (type == T_DIR) {
    // Only now that ip is linked in does its ".." count as a link to dp.
    dp->nlink++;
    iupdate(dp);
  }
  iunlockput(dp);
  return ip;

fail:
  // With no links, iput frees the inode and any block it got.
  ip->nlink = 0;
  iupdate(ip);
  iunlockput(ip);
  iunlockput(dp);
  return 0;
}

uint64
sys_open(void)
{
  char path[MAXPATH];
  int omode;
  struct inode *ip;

  argint(1, &omode);
  if (argstr(0, path, MAXPATH) < 0)
    return -1;

  int readable = !(omode & O_WRONLY);
  int writable = (omode & O_WRONLY) || (omode & O_RDWR);

  begin_op();
  if (omode & O_CREATE) {
    ip = create(path, T_FILE, 0, 0);
    if (ip == 0) {
      end_op();
      return -1;
    }
  } else {
    ip = namei(path);
    if (ip == 0) {
      end_op();
      return -1;
    }
    ilock(ip);
  }

  // A file a program runs from may not be emptied (fmap_denywrite).
  if ((ip->type == T_DIR && (writable || (omode & O_TRUNC))) ||
      (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)) ||
      ((omode & O_TRUNC) && __atomic_load_n(&ip->textref, __ATOMIC_SEQ_CST) > 0)) {
    iunlockput(ip);
    end_op();
    return -1;
  }

  struct file *f = filealloc();
  int fd = f ? fdalloc(f) : -1;
  if (fd < 0) {
    if (f)
      fileclose(f);
    iunlockput(ip);
    end_op();
    return -1;
  }

  if (ip->type == T_DEVICE) {
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = readable;
  f->writable = writable;

  if ((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);

  iunlock(ip);
  end_op();
  return fd;
}

uint64
sys_mkdir(void)
{
  char path[MAXPATH];

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  struct inode *ip = create(path, T_DIR, 0, 0);
  if (ip == 0) {
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

uint64
sys_mknod(void)
{
  char path[MAXPATH];
  int major, minor;

  argint(1, &major);
  argint(2, &minor);
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  struct inode *ip = create(path, T_DEVICE, major, minor);
  if (ip == 0) {
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

uint64
sys_chdir(void)
{
  char path[MAXPATH];
  struct proc *p = myproc();

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  iunlock(ip);
  // Dropping the old directory may free it (if it was removed): that
  // writes the disk, so it belongs to the transaction.
  iput(p->cwd);
  end_op();
  p->cwd = ip;
  return 0;
}

uint64
sys_pipe(void)
{
  uint64 fdarray;   // user address of int fds[2]
  struct file *rf, *wf;
  struct proc *p = myproc();

  argaddr(0, &fdarray);
  if (pipealloc(&rf, &wf) < 0)
    return -1;

  int fd0 = fdalloc(rf);
  int fd1 = fd0 < 0 ? -1 : fdalloc(wf);
  int fds[2] = { fd0, fd1 };
  if (fd1 < 0 || copyout(&p->vm, fdarray, fds, sizeof fds) < 0) {
    if (fd0 >= 0)
      p->ofile[fd0] = 0;
    if (fd1 >= 0)
      p->ofile[fd1] = 0;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  return 0;
}
