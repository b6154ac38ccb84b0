// System calls that show and tune the memory system (kernel/abi/memstat.h).
#include "abi/types.h"
#include "abi/memstat.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "proc/proc.h"
#include "syscall/syscall.h"

// memstat(&st): page totals and fault counters.
uint64
sys_memstat(void)
{
  uint64 addr;
  argaddr(0, &addr);
  struct memstat st = vmstat;
  st.total = ktotalpages();
  st.free = kfreecount();
  return copyout(&myproc()->vm, addr, &st, sizeof(st));
}

// vmconfig(key, value): switch an option; returns the old value or -1.
uint64
sys_vmconfig(void)
{
  int key, value;
  argint(0, &key);
  argint(1, &value);
  return vmconfig(key, value);
}
