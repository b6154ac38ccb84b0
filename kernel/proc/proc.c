// Processes: the table, creation (the first process and fork), exit and
// wait, kill, and the scheduler with sleep and wakeup. A process's memory
// is procmem.c's.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/arch.h"
#include "proc/proc.h"
#include "fs/fs.h"

struct cpu cpus[NCPU];
struct proc proc[NPROC];

static struct proc *initproc;
static int nextpid = 1;
static struct spinlock pid_lock;

// Taken before any p->lock, it keeps parent pointers consistent and makes
// sure a parent's wakeup for an exiting child is never missed.
static struct spinlock wait_lock;

static void forkret(void);

void
procinit(void)
{
  initlock(&pid_lock, "nextpid");
  initlock(&wait_lock, "wait_lock");
  for (int i = 0; i < NPROC; i++) {
    initlock(&proc[i].lock, "proc");
    proc[i].state = UNUSED;
    proc[i].kstack = KSTACK(i);
  }
}

// tp holds the hart id (set in start, kept in the trap frame).
// Interrupts must be off, or the process could move to another hart.
int
cpuid(void)
{
  return r_tp();
}

struct cpu *
mycpu(void)
{
  return &cpus[cpuid()];
}

struct proc *
myproc(void)
{
  push_off();
  struct proc *p = mycpu()->proc;
  pop_off();
  return p;
}

static int
allocpid(void)
{
  acquire(&pid_lock);
  int pid = nextpid++;
  release(&pid_lock);
  return pid;
}

// Free p's resources and return the slot to UNUSED. p->lock is held.
static void
freeproc(struct proc *p)
{
  proc_vmfree(&p->vm);
  if (p->trapframe)
    kfree(p->trapframe);
  p->trapframe = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
  p->state = UNUSED;
}

// Find an UNUSED slot and give it a pid, a trap frame, an empty address
// space and a context that starts in forkret. Returns it with p->lock
// held, or 0 if the table is full or memory ran out.
static struct proc *
allocproc(void)
{
  struct proc *p;
  for (p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->state == UNUSED)
      break;
    release(&p->lock);
  }
  if (p == &proc[NPROC])
    return 0;

  p->pid = allocpid();
  p->state = USED;
  p->lastcpu = -1;
  p->trapframe = kalloc();
  if (p->trapframe == 0 || proc_vmcreate(p, &p->vm) != 0) {
    freeproc(p);
    release(&p->lock);
    return 0;
  }
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)forkret;
  p->context.sp = p->kstack + KSTACKPAGES * PGSIZE;
  return p;
}

// The first process. Its address space stays empty until forkret, running
// in its own context, execs /init (exec needs the file system, and reading
// the disk means sleeping, which needs a process).
void
userinit(void)
{
  struct proc *p = allocproc();
  if (p == 0)
    panic("userinit");
  initproc = p;
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

// A new process's first kernel code, reached from the scheduler's swtch
// with p->lock held.
static void
forkret(void)
{
  static int first = 1;
  release(&myproc()->lock);

  if (first) {
    first = 0;
    fsinit(ROOTDEV);
    struct proc *p = myproc();
    p->cwd = namei("/");
    char *argv[] = { "/init", 0 };
    int argc = exec("/init", argv);
    if (argc < 0)
      panic("cannot exec /init");
    p->trapframe->a0 = argc;
  }
  usertrapret();
}

// Create a child that is a copy of the caller. Returns the child's pid to
// the parent and 0 to the child, or -1 with nothing allocated.
int
fork(void)
{
  struct proc *p = myproc();
  reclaim_if_low();   // the child's tables and copies come next
  struct proc *np = allocproc();
  if (np == 0)
    return -1;

  if (uvmcopy(&p->vm, &np->vm) != 0) {
    freeproc(np);
    release(&np->lock);
    return -1;
  }
  *np->trapframe = *p->trapframe;
  np->trapframe->a0 = 0;   // fork returns 0 in the child

  for (int i = 0; i < NOFILE; i++)
    if (p->ofile[i])
      np->ofile[i] = filedup(p->ofile[i]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof(p->name));
  int pid = np->pid;
  release(&np->lock);

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);

  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  return pid;
}

// Give p's children to init. wait_lock is held.
static void
reparent(struct proc *p)
{
  for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
    if (pp->parent == p) {
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

// End the current process. It stays a ZOMBIE, holding its memory, until
// its parent's wait frees it. init cannot be killed and never exits on its
// own; if it dies anyway (a bad access of its own), nobody is left to reap
// orphans, and the machine halts instead of panicking.
void
exit(int status)
{
  struct proc *p = myproc();
  if (p == initproc) {
    printf("init exited with status %d: halting\n", status);
    machine_halt(1);
  }

  // Shared file pages are written back now, while sleeping is allowed;
  // the anonymous rest is freed by wait.
  vm_dropfiles(&p->vm);
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd]) {
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);
  hart_use(kvm_pagetable(), 0);   // off p's table before the parent frees it

  sched();
  panic("zombie exit");
}

// Wait for a child to exit; store its status at user address addr (unless
// addr is 0) and return its pid. -1 if there are no children, the caller
// is killed, or addr is bad (the child then stays to be waited for again).
//
// The status is copied out with no lock held, so the copy may fault the
// page in (from swap, too) and sleep; nothing of the waiting process is
// pinned while it sleeps for a child, so reclaim may take its pages then.
// The zombie's memory is freed first; its slot stays meanwhile (only its
// parent frees it), with its pid and status for a wait that fails here.
int
wait(uint64 addr)
{
  struct proc *p = myproc();
  acquire(&wait_lock);
  for (;;) {
    int havekids = 0;
    pagetable_t busy = 0;
    struct proc *zombie = 0;
    for (struct proc *pp = proc; pp < &proc[NPROC] && zombie == 0; pp++) {
      if (pp->parent != p)
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if (pp->state == ZOMBIE && hart_loaded_elsewhere(pp->vm.pagetable))
        busy = pp->vm.pagetable;   // a hart passing through the scheduler
      else if (pp->state == ZOMBIE) {
        // Its memory goes now, before the copy below, which may need
        // pages (a status word in swap) that only this memory can give.
        proc_vmfree(&pp->vm);
        zombie = pp;
      }
      release(&pp->lock);
      if (busy)
        break;
    }
    if (zombie) {
      release(&wait_lock);
      int xstate = zombie->xstate;   // set before it became a zombie
      if (addr != 0 && copyout(&p->vm, addr, &xstate, sizeof(xstate)) != 0)
        return -1;
      acquire(&wait_lock);
      acquire(&zombie->lock);
      int pid = zombie->pid;
      freeproc(zombie);
      release(&zombie->lock);
      release(&wait_lock);
      return pid;
    }
    if (busy) {
      // Let it leave the table, then look again; the child stays a zombie.
      release(&wait_lock);
      hart_wait_unloaded(busy);
      acquire(&wait_lock);
      continue;
    }
    if (!havekids || killed(p)) {
      release(&wait_lock);
      return -1;
    }
    sleep(p, &wait_lock);
  }
}

// Each hart runs this forever after boot: pick a RUNNABLE process, run it
// until it gives the hart back, repeat.
void
scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for (;;) {
    // Devices may interrupt; and a process that is woken must be seen.
    intr_on();
    intr_off();
    int found = 0;
    for (struct proc *p = proc; p < &proc[NPROC]; p++) {
      // A look without the lock first: taking and dropping sixty-four
      // locks on every pass (and in every wakeup) is most of what a switch
      // between two processes costs. A process missed as it becomes
      // runnable is found on the next pass.
      if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) != RUNNABLE)
        continue;
      acquire(&p->lock);
      if (p->state == RUNNABLE) {
        p->state = RUNNING;
        c->proc = p;
        proc_vmenter(p);
        swtch(&c->context, &p->context);
        c->proc = 0;
        found = 1;
      }
      release(&p->lock);
    }
    if (!found) {
      hart_use(kvm_pagetable(), 0);   // idle on no process's table
      intr_on();
      asm volatile("wfi");
    }
  }
}

// Switch to the scheduler. The caller holds only p->lock and has changed
// p->state. intena belongs to this kernel thread, not the hart, so it is
// saved and restored around the switch.
void
sched(void)
{
  struct proc *p = myproc();
  if (!holding(&p->lock))
    panic("sched: p->lock");
  if (mycpu()->noff != 1)
    panic("sched: locks held");
  if (p->state == RUNNING)
    panic("sched: running");
  if (intr_get())
    panic("sched: interrupts on");
  int intena = mycpu()->intena;
  swtch(&p->context, &mycpu()->context);
  mycpu()->intena = intena;
}

void
yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

// Release lk and sleep on chan; reacquire lk when woken. Holding p->lock
// from before lk is released until the switch means no wakeup is lost.
// Every caller of wakeup holds the lock its sleepers pass as lk.
void
sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  // Asleep before lk goes: a waker holds lk, so it sees this process
  // asleep on chan without taking its lock (wakeup looks first).
  p->chan = chan;
  p->state = SLEEPING;
  release(lk);
  sched();
  p->chan = 0;
  release(&p->lock);
  acquire(lk);
}

// Wake every process sleeping on chan. Called without p->lock held, and
// holding the lock the sleepers on chan gave sleep: a process that is not
// yet asleep on chan cannot become so while it is held.
void
wakeup(void *chan)
{
  struct proc *me = myproc();
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) != SLEEPING ||
        __atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan || p == me)
      continue;
    acquire(&p->lock);
    if (p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
    release(&p->lock);
  }
}

// Mark pid killed; it exits when it next heads for user mode. A sleeping
// victim is woken so that it notices. Returns 0, or -1 if no such pid or
// pid is init, which must outlive everybody.
int
kill(int pid)
{
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    acquire(&p->lock);
    if (p->pid == pid && p->state != UNUSED && p != initproc) {
      p->killed = 1;
      if (p->state == SLEEPING)
        p->state = RUNNABLE;
      release(&p->lock);
      return 0;
    }
    release(&p->lock);
  }
  return -1;
}

void
setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

// Without p->lock: every system call asks twice, and killed only ever
// goes from 0 to 1 while p lives (setkilled, kill write it under the lock).
int
killed(struct proc *p)
{
  return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}

// ^P on the console: one line per process, with its size (the break) in
// KiB. No locks, so that it works even when the kernel is wedged; so no
// page-table walk either (the table may be changing or being freed): the
// resident size is ps's business.
void
procdump(void)
{
  static const char *states[] = {
    [UNUSED] "unused", [USED] "used", [SLEEPING] "sleep",
    [RUNNABLE] "runble", [RUNNING] "run", [ZOMBIE] "zombie",
  };
  printf("\n");
  for (struct proc *p = proc; p < &proc[NPROC]; p++) {
    if (p->state == UNUSED)
      continue;
    printf("%d %s %s %ldK\n", p->pid, states[p->state], p->name,
           (long)(p->vm.sz / 1024));
  }
}
