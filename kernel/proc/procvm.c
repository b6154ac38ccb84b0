// Which page table each hart runs on.
//
// With the kernel in every process's table (the default), a hart in the
// kernel stays on the table of the process it last ran: traps do not
// switch, and the scheduler writes satp only when the next process needs
// another table. Two things follow.
//
// A table may stay loaded on a hart after its process left: the scheduler
// runs on it until it picks the next process. So loading a table takes a
// reference to its top-level page (kalloc's counts), and loading another
// drops it: when the process's memory is freed, the top-level page, whose
// kernel half the hart still runs on, is freed only by whoever drops the
// last reference. So that free-page counts are exact as soon as a parent
// has reaped its child (testrun's leak checks), an exiting process's hart
// leaves its table before the parent can run, a hart with nothing to run
// idles on the kernel's table, not on a process's, and wait and exec wait
// for the other harts to leave a table they free (they are only passing
// through the scheduler on it).
//
// Without ASIDs a hart's TLB may hold entries of a table it had loaded
// while the process ran elsewhere and changed its PTEs, so the table is
// flushed when its process comes back from another hart, even if it is
// still loaded. Code that changes the PTEs of a process that is not
// running (evicting its pages, say) must set its lastcpu to -1, so that
// the next hart to run it flushes too.
//
// With vm_kpti the kernel's own table is loaded while in the kernel, and
// the trampoline switches to the process's table only in user mode.
#include "abi/types.h"
#include "lib/lib.h"
#include "proc/proc.h"

// Run this hart on pt, holding a reference to it; flush forces a TLB flush
// even when pt is loaded already.
void
hart_use(pagetable_t pt, int flush)
{
  push_off();
  struct cpu *c = mycpu();
  if (c->pagetable == pt) {
    if (flush)
      tlb_flush();
  } else {
    kref_inc(V2P(pt));
    pagetable_activate(pt);
    pagetable_t old = c->pagetable;
    __atomic_store_n(&c->pagetable, pt, __ATOMIC_RELEASE);   // hart_loaded_elsewhere
    if (old)
      kfree(old);
  }
  pop_off();
}

// Does a hart other than this one have pt loaded?
int
hart_loaded_elsewhere(pagetable_t pt)
{
  if (pt == 0)
    return 0;
  push_off();
  struct cpu *me = mycpu();
  int found = 0;
  for (struct cpu *c = cpus; c < &cpus[NCPU]; c++)
    if (c != me && __atomic_load_n(&c->pagetable, __ATOMIC_ACQUIRE) == pt)
      found = 1;
  pop_off();
  return found;
}

// Wait until no other hart has pt loaded. Only for a table that no hart
// will load again (its process exited, or exec replaced it): the harts that
// have it are in the scheduler, about to load another. The caller holds no
// spin lock (those harts may need it to get on).
void
hart_wait_unloaded(pagetable_t pt)
{
  while (hart_loaded_elsewhere(pt))
    ;
}

// The table the kernel runs on for p.
static pagetable_t
kernel_table_of(struct proc *p)
{
  return p->vm.kshared ? p->vm.pagetable : kvm_pagetable();
}

// Before the scheduler switches to p (p->lock held, interrupts off).
void
proc_vmenter(struct proc *p)
{
  int me = cpuid();
  hart_use(kernel_table_of(p), p->vm.kshared && p->lastcpu != me);
  p->lastcpu = me;
}

// Run this hart on the table the kernel uses for p, the running process.
void
proc_vmuse(struct proc *p)
{
  hart_use(kernel_table_of(p), 0);
}

// Before returning to user mode: the running process's table follows the
// current design (vm_kpti may have changed), and the hart runs on the
// table the kernel uses for p. Interrupts are off. Every system call comes
// here, and nearly always there is nothing to do: say so in few steps.
void
proc_vmreturn(struct proc *p)
{
  if (p->vm.kshared == vm_kpti) {
    hart_use(kvm_pagetable(), 0);   // off p's table before it changes
    kvm_followmode(&p->vm);
  }
  if (mycpu()->pagetable != kernel_table_of(p))
    proc_vmuse(p);
}

// kernel/mm's view of all address spaces (mm.h, vm_visit): each process's
// in turn, under its lock, when no one else can be using its page table.
// A process running on another hart is passed over: its TLB may hold any
// PTE, and without IPIs it cannot be made to forget one. So is one in the
// fault path (vm.busy), which may sleep between looking at a PTE and
// changing it, and one being made or freed (no page table, or not yet or
// no more RUNNABLE or SLEEPING). A process whose lock is busy is passed
// over too: the caller may hold rmap's lock, which a fork holding its
// child's lock may be waiting for.
static int
visit(struct proc *p, int (*fn)(void *arg, struct vmspace *vm), void *arg)
{
  if (p->state == UNUSED)
    return -1;   // a racy peek: a process made meanwhile has no pages yet
  if (!tryacquire(&p->lock))
    return 0;
  struct proc *me = myproc();
  int live = p->vm.pagetable != 0 && p->state != ZOMBIE;
  int stopped = p->state == SLEEPING || p->state == RUNNABLE || (p == me && p->state == RUNNING);
  int r = !live ? -1 : stopped && p->vm.busy == 0 ? 1 : 0;
  if (r == 1 && fn(arg, &p->vm)) {
    if (p == me)
      tlb_flush();
    else
      p->lastcpu = -1;   // the next hart to run it flushes (proc_vmenter)
  }
  release(&p->lock);
  return r;
}

void
vm_visit(int (*fn)(void *arg, struct vmspace *vm), void *arg)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++)
    visit(p, fn, arg);
}

// vm may be any pointer a record kept (exec's new address space, a
// process since freed): only a process's own is visited.
int
vm_visit_one(struct vmspace *vm, int (*fn)(void *arg, struct vmspace *vm), void *arg)
{
  uint64 off = (uint64)vm - (uint64)&proc[0].vm;
  if ((uint64)vm < (uint64)&proc[0].vm || off % sizeof(struct proc) != 0 ||
      off / sizeof(struct proc) >= NPROC)
    return -1;
  return visit(&proc[off / sizeof(struct proc)], fn, arg);
}
