// System calls about processes and memory.
#include "abi/types.h"
#include "abi/param.h"
#include "abi/fcntl.h"
#include "lib/lib.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

uint64
sys_exit(void)
{
  int n;
  argint(0, &n);
  exit(n);
}

uint64
sys_getpid(void)
{
  return myproc()->pid;
}

uint64
sys_fork(void)
{
  return fork();
}

uint64
sys_wait(void)
{
  uint64 p;
  argaddr(0, &p);
  return wait(p);
}

// sbrk(n, type): move the break by n bytes, eagerly (SBRK_EAGER) or
// lazily (SBRK_LAZY); a shrink (shrinkproc) is always eager, and fails
// only when splitting a large page, or copying a page table shared since
// a fork, finds no page free. Returns the old break, or -1.
uint64
sys_sbrk(void)
{
  int n, type;
  argint(0, &n);
  argint(1, &type);
  if (type != SBRK_EAGER && type != SBRK_LAZY)
    return -1;
  uint64 old = myproc()->vm.sz;
  if (n < 0) {
    if (shrinkproc(-(long)n) != 0)
      return -1;
  } else if (growproc(n, type == SBRK_LAZY) != 0)
    return -1;
  return old;
}

// pause(n): sleep n ticks. -1 if killed meanwhile.
uint64
sys_pause(void)
{
  int n;
  argint(0, &n);
  if (n < 0)
    n = 0;
  acquire(&tickslock);
  uint start = ticks;
  while (ticks - start < (uint)n) {
    if (killed(myproc())) {
      release(&tickslock);
      return -1;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

uint64
sys_uptime(void)
{
  acquire(&tickslock);
  uint t = ticks;
  release(&tickslock);
  return t;
}

uint64
sys_kill(void)
{
  int pid;
  argint(0, &pid);
  return kill(pid);
}

// exec(path, argv): copy the path and the argument strings into kernel
// pages (one page per string), then replace the image.
uint64
sys_exec(void)
{
  char path[MAXPATH];
  char *argv[MAXARG + 1];
  uint64 uargv;
  int ret = -1, n = 0;

  argaddr(1, &uargv);
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  for (;; n++) {
    uint64 uarg;
    if (n > MAXARG || fetchaddr(uargv + n * sizeof(uint64), &uarg) != 0)
      goto out;
    if (uarg == 0) {
      argv[n] = 0;
      break;
    }
    if (n == MAXARG)   // a 33rd string: too many
      goto out;
    argv[n] = kalloc();
    if (argv[n] == 0)
      goto out;
    if (fetchstr(uarg, argv[n], PGSIZE) < 0) {
      n++;
      goto out;
    }
  }
  ret = exec(path, argv);
out:
  for (int i = 0; i < n && argv[i]; i++)
    kfree(argv[i]);
  return ret;
}

// freepages(): the number of free physical pages (docs/syscalls.md),
// counting the page cache's clean pages that nobody maps: kalloc takes
// them back before it fails.
uint64
sys_freepages(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  return kfreecount() + reclaimable;
}

// halt(code): power the machine off; QEMU exits with code (docs/syscalls.md).
uint64
sys_halt(void)
{
  int code;
  argint(0, &code);
  printf("halt: powering off\n");
  machine_halt(code);
}
