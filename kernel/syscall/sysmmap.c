// mmap, munmap, mprotect, msync (docs/syscalls.md; flags in abi/mman.h).
// Here the arguments are checked and turned into kernel/mm's terms; the
// address-space work is in mm/region.c.
#include "abi/types.h"
#include "abi/param.h"
#include "abi/stat.h"
#include "abi/mman.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "syscall/syscall.h"

// PROT_* bits as VM_* rights; -1 for unknown bits.
static int
vm_prot(int prot)
{
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
    return -1;
  return ((prot & PROT_READ) ? VM_R : 0) | ((prot & PROT_WRITE) ? VM_W : 0) |
         ((prot & PROT_EXEC) ? VM_X : 0);
}

// mmap(addr, len, prot, flags, fd, offset): the address of the new
// mapping, or -1.
uint64
sys_mmap(void)
{
  uint64 addr, len, off;
  int prot, flags, fd;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  argint(3, &flags);
  argint(4, &fd);
  argaddr(5, &off);

  int vprot = vm_prot(prot);
  int share = flags & (MAP_SHARED | MAP_PRIVATE);
  if (vprot < 0 || (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)) ||
      (share != MAP_SHARED && share != MAP_PRIVATE))
    return -1;
  int vflags = (share == MAP_SHARED ? VMMAP_SHARED : 0) |
               ((flags & MAP_FIXED) ? VMMAP_FIXED : 0);

  struct inode *ip = 0;
  int noprot = 0;
  if (!(flags & MAP_ANONYMOUS)) {
    struct file *f;
    if (fd < 0 || fd >= NOFILE || (f = myproc()->ofile[fd]) == 0)
      return -1;
    if (f->type != FD_INODE || f->ip->type != T_FILE || !f->readable)
      return -1;
    // A shared mapping stores into the file: only through a descriptor
    // that may write it. A private one never does.
    if (share == MAP_SHARED && !f->writable)
      noprot = VM_W;
    ip = f->ip;
  } else {
    off = 0;
  }
  return vm_map(&myproc()->vm, addr, len, vprot, vflags, ip, off, noprot);
}

// munmap and msync: op on the range (addr, len) of the caller's memory,
// the call's first two arguments. Returns what op returns.
static uint64
on_range(int (*op)(struct vmspace *vm, uint64 addr, uint64 len))
{
  uint64 addr, len;
  argaddr(0, &addr);
  argaddr(1, &len);
  return op(&myproc()->vm, addr, len);
}

// munmap(addr, len): 0, or -1 for a bad range.
uint64
sys_munmap(void)
{
  return on_range(vm_unmap);
}

// mprotect(addr, len, prot): 0, or -1 with nothing changed.
uint64
sys_mprotect(void)
{
  uint64 addr, len;
  int prot;
  argaddr(0, &addr);
  argaddr(1, &len);
  argint(2, &prot);
  int vprot = vm_prot(prot);
  if (vprot < 0)
    return -1;
  return vm_protect(&myproc()->vm, addr, len, vprot);
}

// msync(addr, len, flags): write the range's shared file pages back now.
// flags is accepted for compatibility and ignored (every msync is
// synchronous).
uint64
sys_msync(void)
{
  return on_range(vm_sync);
}
