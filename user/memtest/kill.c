// memtest's killers: every access a program may not make must kill it,
// and nothing else.
#include "memtest.h"

void store_above_break(void) { char *p = sbrk(0); p[PGSIZE] = 1; }

// ---- accesses that kill

static void load_above_break(void) { volatile char *p = sbrk(0); p += 2 * PGSIZE; (void)*p; }
static void store_guard(void) { int x; char *g = (char *)PGROUNDDOWN(&x) - 1; *g = 1; }
static void load_guard(void) { int x; volatile char *g = (char *)PGROUNDDOWN(&x) - 100; (void)*g; }
static void store_text(void) { *(volatile char *)(uint64)store_text = 0; }
static void load_kernel(void) { (void)*(volatile char *)0x80000000L; }
static void store_kernel(void) { *(volatile char *)0x80001000L = 1; }
static void load_trampoline(void) { (void)*(volatile char *)(MAXVA - PGSIZE); }
static void store_trapframe(void) { *(volatile char *)(MAXVA - 2 * PGSIZE) = 1; }
static void load_maxva(void) { (void)*(volatile char *)MAXVA; }
static void load_noncanonical(void) { (void)*(volatile char *)0x8000000000000000L; }
static void load_high(void) { (void)*(volatile char *)0xfffffffffffff000L; }
static void exec_heap(void)
{
  char *p = sbrk(PGSIZE);
  p[0] = 0x13;   // nop; the page is not executable anyway
  ((void (*)(void))p)();
}
static void exec_lazy_heap(void) { char *p = sbrklazy(PGSIZE); ((void (*)(void))p)(); }
// Reading a supervisor register is illegal in user mode: the kill line
// shows the instruction, 0x10002573, and the pc in program text.
static void illegal_instruction(void) { asm volatile("csrr a0, sstatus" ::: "a0"); }
static void breakpoint(void) { asm volatile("ebreak"); }
// An atomic must be aligned: the kill line names the odd heap address.
static void
misaligned_atomic(void)
{
  char *p = sbrk(PGSIZE);
  asm volatile("amoadd.w zero, zero, (%0)" : : "r"(p + 1) : "memory");
}
// Each frame touches its own stack, so the recursion meets the guard page.
static int
recurse(int n)
{
  volatile char frame[64];
  frame[0] = n;
  if (n > 1000000)   // never reached: a page of stack holds far fewer frames
    return 0;
  return recurse(n + 1) + frame[0];
}
static void stack_overflow(void) { recurse(0); }

static struct {
  const char *name;
  void (*fn)(void);
} killers[] = {
  { "load above the break", load_above_break },
  { "store above the break", store_above_break },
  { "store to the guard page", store_guard },
  { "load from the guard page", load_guard },
  { "store to program text", store_text },
  { "load from kernel memory", load_kernel },
  { "store to kernel memory", store_kernel },
  { "load from the trampoline", load_trampoline },
  { "store to the trap frame", store_trapframe },
  { "load at MAXVA", load_maxva },
  { "load at a non-canonical address", load_noncanonical },
  { "load at the top of the address space", load_high },
  { "execute the heap", exec_heap },
  { "execute a lazy heap page", exec_lazy_heap },
  { "overflow the stack", stack_overflow },
  { "execute an illegal instruction", illegal_instruction },
  { "execute a breakpoint", breakpoint },
  { "a misaligned atomic", misaligned_atomic },
};

void
bad_accesses(void)
{
  for (int i = 0; i < sizeof(killers) / sizeof(killers[0]); i++) {
    int st = child_status(killers[i].fn);
    expect(st == -1, "%s: exit status %d, want -1 (killed)", killers[i].name, st);
  }
}

// ---- taking away the program's own memory

// The page of the stack this process runs on.
static char *
stack_page(void)
{
  int x;
  return (char *)PGROUNDDOWN(&x);
}

static void
unmap_stack(void)
{
  munmap(stack_page(), PGSIZE);
  volatile int x = 1;   // on the stack that is gone
  (void)x;
}

static void unmap_everything(void) { munmap(0, MAXVA - 2 * PGSIZE); }

static void
protect_text(void)
{
  if (mprotect((char *)PGROUNDDOWN(protect_text), PGSIZE, PROT_NONE) != 0)
    exit(3);
}

// munmap and mprotect may take the program's text or stack away, as on
// Linux: the process is then killed, and only it.
void
unmap_own(void)
{
  expect(child_status(unmap_stack) == -1, "a process lived without its stack");
  expect(child_status(unmap_everything) == -1, "a process lived without its program");
  expect(child_status(protect_text) == -1, "a process ran PROT_NONE text");
}
