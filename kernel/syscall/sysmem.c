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
  st.free = kfreeblocks(st.free_blocks);
  st.swap_total = swap_total();
  st.swap_used = swap_used();
  st.swap_refs = swap_refs_total();
  pcache_count(&st.cached, &st.reclaimable);
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

// procinfo and vmdump copy into the caller's buffer while holding another
// process's spin lock, where a copy must not allocate a page (nor, one day,
// sleep). So the whole buffer, room for max entries of size bytes, is made
// present and writable first: the copies then find every page in place.
// They stay pinned until done(): the process may sleep before it copies
// (lock_still), and eviction must not take them meanwhile (uaccess.c).
// Returns 0, or -1 for a negative max or a buffer the caller may not write.
static int
prefault_buffer(uint64 addr, int max, uint64 size)
{
  if (max < 0)
    return -1;
  return prefault_pin(&myproc()->vm, addr, (uint64)max * size, ACCESS_WRITE);
}

// The copies into the buffer are done: r is the call's result.
static uint64
done(uint64 r)
{
  unpin(&myproc()->vm);
  return r;
}

#define STILL_TICKS 10   // how long to wait for a process to stop running

static uint
now(void)
{
  acquire(&tickslock);
  uint t = ticks;
  release(&tickslock);
  return t;
}

// Acquire p->lock at a moment when p is not running on another hart. Then
// nothing changes p's page table while the lock is held: p cannot be
// scheduled, and wait cannot free it. (The caller itself is running here,
// in this system call, so its own table is still too.) A process running
// elsewhere is waited for, yielding the hart, for up to STILL_TICKS.
// Returns 1 with p->lock held, or 0 without it when p kept running.
static int
lock_still(struct proc *p)
{
  uint start = now();
  for (;;) {
    acquire(&p->lock);
    if (p->state != RUNNING || p == myproc())
      return 1;
    release(&p->lock);
    if (now() - start > STILL_TICKS)
      return 0;
    yield();
  }
}

static int
procstate_abi(enum procstate s)
{
  switch (s) {
  case USED: return PS_USED;
  case SLEEPING: return PS_SLEEPING;
  case RUNNABLE: return PS_RUNNABLE;
  case RUNNING: return PS_RUNNING;
  case ZOMBIE: return PS_ZOMBIE;
  case UNUSED: break;
  }
  return 0;
}

struct sharecount {
  struct vmspace *vm;
  uint64 n;
};

// How many of the pages user leaf e of vm maps another PTE maps too. A
// large page's pages are asked one by one: after fork, the other
// process's stores may have taken some of them out of the sharing.
static int
leaf_shared(struct vmspace *vm, const struct ptentry *e)
{
  int pages = e->level == 1 ? LARGE_PAGES : 1, n = 0;
  for (int i = 0; i < pages; i++) {
    uint64 off = (uint64)i * PGSIZE;
    if (vm_page_info(vm, e->va + off, e->pa + off) & PTI_SHARED)
      n++;
  }
  return n;
}

static void
count_shared(void *arg, const struct ptentry *e)
{
  struct sharecount *c = arg;
  if (e->leaf && e->va < USERTOP)   // a PTE in a shared table is shared whole
    c->n += (e->info & PTI_SHARED) ? 1 : leaf_shared(c->vm, e);
}

// User pages of vm that another PTE maps too. vm's page table holds still.
static uint64
shared_pages(struct vmspace *vm)
{
  struct sharecount c = { vm, 0 };
  pagetable_visit(vm->pagetable, count_shared, &c);
  return c.n;
}

// procinfo(buf, max): a struct procinfo for each process, the first max
// of them stored at buf. Returns how many processes there are, or -1.
uint64
sys_procinfo(void)
{
  uint64 addr;
  int max;
  argaddr(0, &addr);
  argint(1, &max);
  if (prefault_buffer(addr, max, sizeof(struct procinfo)) != 0)
    return -1;

  struct vmspace *to = &myproc()->vm;
  int n = 0;
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    int still = lock_still(p);
    if (!still)
      acquire(&p->lock);   // for the fields; its page table is moving
    if (p->state == UNUSED) {
      release(&p->lock);
      continue;
    }
    struct procinfo pi;
    memset(&pi, 0, sizeof(pi));
    pi.pid = p->pid;
    pi.state = procstate_abi(p->state);
    safestrcpy(pi.name, p->name, sizeof(pi.name));
    pi.size = p->vm.sz;
    pi.resident = pi.tables = PI_UNKNOWN;
    if (still && p->vm.pagetable) {
      pi.resident = pagetable_user_pages(p->vm.pagetable);
      pi.tables = pagetable_pages(p->vm.pagetable);
      pi.shared = shared_pages(&p->vm);
      pi.swapped = vm_swapped_pages(&p->vm);
    }
    int bad = n < max && copyout(to, addr + n * sizeof(pi), &pi, sizeof(pi)) != 0;
    release(&p->lock);
    if (bad)
      return done(-1);
    n++;
  }
  return done(n);
}

// Process pid, returned with its lock held at a moment it is not running
// (lock_still); 0 for an unknown pid or one that kept running elsewhere.
static struct proc *
proc_still(int pid)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    int found = p->state != UNUSED && p->pid == pid;
    release(&p->lock);
    if (!found)
      continue;
    if (!lock_still(p))
      return 0;
    // While p->lock was let go, p may have exited and been freed.
    if (p->state == UNUSED || p->pid != pid) {
      release(&p->lock);
      return 0;
    }
    return p;
  }
  return 0;
}

// The arguments (pid, buf, max) of vmdump and vmregions, whose records
// are size bytes: buf made ready for max of them (prefault_buffer), then
// process pid found with its lock held (proc_still). pidflags are flag
// bits the pid argument may carry: they are handed back in *flags, not
// looked up. Returns the process, the buffer pinned until done(); or 0,
// with nothing pinned, for a bad buffer, an unknown pid or a process that
// kept running.
static struct proc *
argproc_buffer(uint64 size, int pidflags, int *flags, uint64 *addr, int *max)
{
  int pid;
  argint(0, &pid);
  argaddr(1, addr);
  argint(2, max);
  if (prefault_buffer(*addr, *max, size) != 0)
    return 0;
  *flags = pid & pidflags;
  struct proc *p = proc_still(pid & ~pidflags);
  if (p == 0)
    unpin(&myproc()->vm);
  return p;
}

struct dump {
  struct vmspace *vm;   // whose table is dumped
  struct vmspace *to;   // the caller's address space
  uint64 addr;          // its buffer
  int max;              // room for this many entries
  int n;                // entries seen
  int bad;              // a copy failed
};

static void
dump_entry(void *arg, const struct ptentry *pe)
{
  struct dump *d = arg;
  struct ptentry e = *pe;
  if (e.leaf && e.va < USERTOP)   // a large page is shared if any of its pages is
    e.info = (vm_page_info(d->vm, e.va, e.pa) & ~PTI_SHARED) |
             ((pe->info & PTI_SHARED) || leaf_shared(d->vm, &e) ? PTI_SHARED : 0);
  if (d->n < d->max && copyout(d->to, d->addr + d->n * sizeof(e), &e, sizeof(e)) != 0)
    d->bad = 1;
  d->n++;
}

// vmdump(pid, buf, max): pid's valid PTEs as struct ptentry, the first max
// of them stored at buf: the user half, or the kernel half when pid has
// VMDUMP_KERNEL. Returns how many there are, or -1 for a bad
// buffer, an unknown pid, or a process that kept running on another hart.
uint64
sys_vmdump(void)
{
  int kernel, max;
  uint64 addr;
  struct proc *p = argproc_buffer(sizeof(struct ptentry), VMDUMP_KERNEL, &kernel, &addr, &max);
  if (p == 0)
    return -1;
  struct dump d = { &p->vm, &myproc()->vm, addr, max, 0, 0 };
  if (p->vm.pagetable && kernel)
    pagetable_visit_kernel(p->vm.pagetable, dump_entry, &d);
  else if (p->vm.pagetable)
    pagetable_visit(p->vm.pagetable, dump_entry, &d);
  release(&p->lock);
  return done(d.bad ? -1 : d.n);
}

struct regions {
  struct vmspace *to;   // the caller's address space
  uint64 addr;          // its buffer
  int max, n, bad;
};

static void
region_entry(void *arg, const struct vmregion *r)
{
  struct regions *d = arg;
  if (d->n < d->max && copyout(d->to, d->addr + d->n * sizeof(*r), r, sizeof(*r)) != 0)
    d->bad = 1;
  d->n++;
}

// vmregions(pid, buf, max): pid's regions as struct vmregion, the heap
// among them, the first max stored at buf (for pmap). Returns how many
// there are, or -1 as vmdump does.
uint64
sys_vmregions(void)
{
  int flags, max;
  uint64 addr;
  struct proc *p = argproc_buffer(sizeof(struct vmregion), 0, &flags, &addr, &max);
  if (p == 0)
    return -1;
  struct regions d = { &myproc()->vm, addr, max, 0, 0 };
  vm_describe(&p->vm, region_entry, &d);
  release(&p->lock);
  return done(d.bad ? -1 : d.n);
}
