// kernel/proc: processes, harts, scheduling, sleep and wakeup.
#ifndef LAZULI_PROC_H
#define LAZULI_PROC_H

#include "abi/types.h"
#include "abi/param.h"
#include "lib/spinlock.h"
#include "arch/riscv/context.h"
#include "mm/mm.h"

struct file;
struct inode;

// Per-hart state.
struct cpu {
  struct proc *proc;        // running here, or 0
  struct context context;   // the scheduler's saved registers
  int noff;                 // depth of push_off nesting
  int intena;               // were interrupts on before the first push_off?
  pagetable_t pagetable;    // loaded in satp, with a reference (procvm.c)
};
extern struct cpu cpus[NCPU];

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
  struct spinlock lock;

  // p->lock must be held to use these:
  enum procstate state;
  void *chan;               // sleeping on chan, if non-zero
  int killed;               // has been killed
  int xstate;               // exit status for the parent's wait
  int pid;

  // wait_lock must be held to use this:
  struct proc *parent;

  // Private to the process: no lock needed.
  uint64 kstack;            // kernel stack's virtual address
  int lastcpu;              // hart it last ran on, -1 if none (procvm.c)
  struct vmspace vm;        // user address space: page table, regions, break
  struct trapframe *trapframe;  // saved user registers (trampoline.S)
  struct context context;   // swtch() here to run the process
  struct file *ofile[NOFILE];
  struct inode *cwd;
  char name[16];
};

extern struct proc proc[NPROC];
extern uint ticks;                 // timer ticks since boot
extern struct spinlock tickslock;  // protects ticks

int cpuid(void);
struct cpu *mycpu(void);
struct proc *myproc(void);

void procinit(void);
void userinit(void);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);

int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint64 addr);
int kill(int pid);
int killed(struct proc *p);
void setkilled(struct proc *p);
int growproc(long n, int lazy);
int shrinkproc(uint64 n);
int exec(char *path, char **argv);
int proc_vmcreate(struct proc *p, struct vmspace *vm);
void proc_vmfree(struct vmspace *vm);
void procdump(void);
// procvm.c: the page table each hart runs on
void hart_use(pagetable_t pt, int flush);
int hart_loaded_elsewhere(pagetable_t pt);
void hart_wait_unloaded(pagetable_t pt);
void proc_vmenter(struct proc *p);
void proc_vmuse(struct proc *p);
void proc_vmreturn(struct proc *p);   // ^P: list processes on the console

// Copy to or from either a user address (user != 0, in the current
// process) or a kernel address. Return 0 or -1.
int either_copyout(int user_dst, uint64 dst, void *src, uint64 len);
int either_copyin(void *dst, int user_src, uint64 src, uint64 len);

#endif
