// System-call dispatch and argument fetching. The table comes from
// abi/syscalls.def, the same list the user stubs are made from.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

#define SYSCALL(num, name) uint64 sys_##name(void);
#include "abi/syscalls.def"
#undef SYSCALL

static uint64 (*const syscalls[])(void) = {
#define SYSCALL(num, name) [num] = sys_##name,
#include "abi/syscalls.def"
#undef SYSCALL
};

static const char *const syscall_names[] = {
#define SYSCALL(num, name) [num] = #name,
#include "abi/syscalls.def"
#undef SYSCALL
};

int
fetchaddr(uint64 addr, uint64 *ip)
{
  return copyin(&myproc()->vm, ip, addr, sizeof(*ip));
}

int
fetchstr(uint64 addr, char *buf, int max)
{
  if (copyinstr(&myproc()->vm, buf, addr, max) != 0)
    return -1;
  return strlen(buf);
}

static uint64
argraw(int n)
{
  struct trapframe *tf = myproc()->trapframe;
  switch (n) {
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw");
}

void
argint(int n, int *ip)
{
  *ip = argraw(n);
}

void
argaddr(int n, uint64 *ip)
{
  *ip = argraw(n);
}

int
argstr(int n, char *buf, int max)
{
  uint64 addr;
  argaddr(n, &addr);
  return fetchstr(addr, buf, max);
}

// Run the call whose number is in a7; its result goes back in a0.
void
syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;
  if (num < NELEM(syscalls) && syscalls[num]) {
    p->trapframe->a0 = syscalls[num]();
  } else {
    printf("pid %d %s: unknown system call %ld\n", p->pid, p->name, (long)num);
    p->trapframe->a0 = -1;
  }
}

// For messages and tools: the name of system call num, or 0.
const char *
syscall_name(int num)
{
  if (num < 0 || num >= (int)NELEM(syscall_names))
    return 0;
  return syscall_names[num];
}
