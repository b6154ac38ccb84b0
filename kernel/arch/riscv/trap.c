// Traps: system calls, page faults and device interrupts, from user mode
// (through the trampoline) and from kernel mode (kernelvec).
#include "abi/types.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/memlayout.h"
#include "arch/riscv/arch.h"
#include "proc/proc.h"
#include "syscall/syscall.h"
#include "dev/dev.h"

struct spinlock tickslock;
uint ticks;

void kernelvec(void);
void usertrap(void);

#define SCAUSE_S_SOFT  (SCAUSE_INTR | 1)
#define SCAUSE_S_TIMER (SCAUSE_INTR | 5)
#define SCAUSE_S_EXT   (SCAUSE_INTR | 9)

void
trapinithart(void)
{
  if (cpuid() == 0)
    initlock(&tickslock, "time");
  csr_write(stvec, (uint64)kernelvec);
}

static void
clockintr(void)
{
  if (cpuid() == 0) {
    acquire(&tickslock);
    ticks++;
    rmap_ticks++;   // under tickslock: the aging steps' clock
    wakeup(&ticks);
    release(&tickslock);
  }
  csr_write(0x14d, r_time() + TIMER_INTERVAL);   // stimecmp: next tick
}

// Handle a device or timer interrupt. Returns 2 for a timer tick, 1 for
// another device, 0 if scause is not an interrupt we know.
static int
devintr(uint64 scause)
{
  if (scause == SCAUSE_S_EXT) {
    int irq = plic_claim();
    if (irq == UART0_IRQ)
      uartintr();
    else if (irq >= VIRTIO0_IRQ && irq < VIRTIO0_IRQ + VIRTIO_NSLOT)
      virtio_disk_intr(irq - VIRTIO0_IRQ);
    else if (irq)
      printf("unexpected interrupt irq=%d\n", irq);
    if (irq)
      plic_complete(irq);
    return 1;
  }
  if (scause == SCAUSE_S_TIMER) {
    clockintr();
    return 2;
  }
  return 0;
}

static const char *
cause_name(uint64 scause)
{
  switch (scause) {
  case CAUSE_MISALIGNED_FETCH: return "misaligned instruction";
  case CAUSE_FETCH_ACCESS: return "instruction access fault";
  case CAUSE_ILLEGAL_INSN: return "illegal instruction";
  case CAUSE_BREAKPOINT: return "breakpoint";
  case CAUSE_MISALIGNED_LOAD: return "misaligned load";
  case CAUSE_LOAD_ACCESS: return "load access fault";
  case CAUSE_MISALIGNED_STORE: return "misaligned store";
  case CAUSE_STORE_ACCESS: return "store access fault";
  case CAUSE_INSN_PAGE_FAULT: return "instruction page fault";
  case CAUSE_LOAD_PAGE_FAULT: return "load page fault";
  case CAUSE_STORE_PAGE_FAULT: return "store page fault";
  default: return "unknown trap";
  }
}

// Does stval hold the address the trap was about? It does for page,
// access and misaligned faults. For an illegal instruction it holds the
// instruction's bits, for a breakpoint the pc, otherwise nothing useful.
static int
stval_is_address(uint64 scause)
{
  switch (scause) {
  case CAUSE_MISALIGNED_FETCH: case CAUSE_FETCH_ACCESS:
  case CAUSE_MISALIGNED_LOAD: case CAUSE_LOAD_ACCESS:
  case CAUSE_MISALIGNED_STORE: case CAUSE_STORE_ACCESS:
  case CAUSE_INSN_PAGE_FAULT: case CAUSE_LOAD_PAGE_FAULT:
  case CAUSE_STORE_PAGE_FAULT:
    return 1;
  }
  return 0;
}

// The one console line that says why p dies: the cause, then the address
// it touched and the region that holds it, or, for a trap about the
// instruction itself, the instruction (when the hart reports its bits)
// and where the pc was. One printf, so that other harts' lines cannot
// cut it in two.
static void
print_kill(struct proc *p, uint64 scause, uint64 stval, const char *why)
{
  uint64 pc = p->trapframe->epc;
  if (stval_is_address(scause))
    printf("pid %d %s: killed: %s at va 0x%lx (%s, pc 0x%lx)\n",
           p->pid, p->name, why, stval, vma_name(&p->vm, stval), pc);
  else if (scause == CAUSE_ILLEGAL_INSN && stval != 0)
    printf("pid %d %s: killed: %s 0x%lx at pc 0x%lx (%s)\n",
           p->pid, p->name, why, stval, pc, vma_name(&p->vm, pc));
  else
    printf("pid %d %s: killed: %s at pc 0x%lx (%s)\n",
           p->pid, p->name, why, pc, vma_name(&p->vm, pc));
}

// Page faults go to the one fault path of kernel/mm. Returns 0 if the
// access may now be retried, else a reason the process must die.
static const char *
user_pagefault(struct proc *p, uint64 scause, uint64 va)
{
  enum access a = scause == CAUSE_STORE_PAGE_FAULT ? ACCESS_WRITE :
                  scause == CAUSE_INSN_PAGE_FAULT ? ACCESS_EXEC : ACCESS_READ;
  VMSTAT_INC(faults);
  int r = vmfault(&p->vm, va, a);
  if (r == FAULT_OK)
    return 0;
  return r == FAULT_NOMEM ? "out of memory" : cause_name(scause);
}

// A trap from user mode: trampoline.S's uservec jumps here, on the
// process's kernel stack, on the process's own page table (the default) or
// the kernel's (vm_kpti).
void
usertrap(void)
{
  if ((csr_read(sstatus) & SSTATUS_SPP) != 0)
    panic("usertrap: not from user mode");

  // Traps from now on are kernel traps.
  csr_write(stvec, (uint64)kernelvec);

  struct proc *p = myproc();
  p->trapframe->epc = csr_read(sepc);
  uint64 scause = csr_read(scause);
  int which = 0;

  if (scause == CAUSE_ECALL_U) {
    if (killed(p))
      exit(-1);
    p->trapframe->epc += 4;   // resume after the ecall
    intr_on();                // the call may take long; take interrupts
    syscall();
  } else if ((which = devintr(scause)) != 0) {
    // handled
  } else {
    uint64 stval = csr_read(stval);
    const char *why = cause_name(scause);
    if (scause == CAUSE_LOAD_PAGE_FAULT || scause == CAUSE_STORE_PAGE_FAULT ||
        scause == CAUSE_INSN_PAGE_FAULT) {
      intr_on();   // filling pages may take a while; devices need not wait
      why = user_pagefault(p, scause, stval);
    }
    if (why) {
      print_kill(p, scause, stval, why);
      VMSTAT_INC(kills);
      setkilled(p);
    }
  }

  if (killed(p))
    exit(-1);
  if (which == 2)
    yield();
  usertrapret();
}

// Return to user mode through the trampoline.
void
usertrapret(void)
{
  struct proc *p = myproc();

  // A file this process maps may have been emptied meanwhile.
  vm_sync_truncated(&p->vm);

  // stvec will point at the user trap vector: no traps until sret.
  intr_off();
  proc_vmreturn(p);
  csr_write(stvec, TRAMPOLINE + (uservec - trampoline));

  // 0: the kernel is in p's table, the trampoline switches nothing.
  int kshared = p->vm.kshared;
  p->trapframe->kernel_satp = kshared ? 0 : MAKE_SATP(V2P(kvm_pagetable()));
  p->trapframe->kernel_sp = p->kstack + KSTACKPAGES * PGSIZE;
  p->trapframe->kernel_trap = (uint64)usertrap;
  p->trapframe->kernel_hartid = r_tp();

  // sret goes to user mode with interrupts on.
  uint64 s = csr_read(sstatus);
  s &= ~SSTATUS_SPP;
  s |= SSTATUS_SPIE;
  csr_write(sstatus, s);
  csr_write(sepc, p->trapframe->epc);

  uint64 satp = kshared ? 0 : MAKE_SATP(V2P(p->vm.pagetable));
  uint64 fn = TRAMPOLINE + (userret - trampoline);
  ((void (*)(uint64))fn)(satp);
  __builtin_unreachable();
}

// A trap while in the kernel: only interrupts are expected. Anything else
// is a kernel bug (user memory is reached through copyin/copyout, which
// never fault).
void
kerneltrap(void)
{
  uint64 sepc = csr_read(sepc);
  uint64 sstatus = csr_read(sstatus);
  uint64 scause = csr_read(scause);

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: not from supervisor mode");
  if (intr_get())
    panic("kerneltrap: interrupts enabled");

  int which = devintr(scause);
  if (which == 0) {
    printf("scause 0x%lx (%s) sepc 0x%lx stval 0x%lx\n", scause,
           cause_name(scause), sepc, csr_read(stval));
    panic("kerneltrap");
  }
  struct proc *p = myproc();
  if (which == 2 && p != 0) {
    // Preempted in the kernel, maybe between reading a PTE of its own and
    // changing it (munmap, fork, a copy): until it runs again, reclaim
    // must leave its PTEs alone, as in its fault path (vm.busy).
    p->vm.busy++;
    yield();
    p->vm.busy--;
  }

  // yield() may have let other traps run: restore what sret uses.
  csr_write(sepc, sepc);
  csr_write(sstatus, sstatus);
}
