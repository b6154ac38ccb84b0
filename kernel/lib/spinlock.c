// Spin locks, and the per-hart interrupt nesting they rely on.
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "arch/riscv/riscv.h"
#include "proc/proc.h"

void
initlock(struct spinlock *lk, const char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
}

// Interrupts stay off while the lock is held: an interrupt handler on this
// hart that wanted the same lock would otherwise spin forever.
void
acquire(struct spinlock *lk)
{
  push_off();
  if (holding(lk))
    panic(lk->name);
  while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  // Loads and stores of the critical section stay after the acquire.
  __sync_synchronize();
  lk->cpu = mycpu();
}

// Acquire lk if it is free, without waiting: 1 when it is now held, 0
// when someone else holds it. For taking a lock out of the usual order,
// where waiting could deadlock.
int
tryacquire(struct spinlock *lk)
{
  push_off();
  if (holding(lk))
    panic(lk->name);
  if (__sync_lock_test_and_set(&lk->locked, 1) != 0) {
    pop_off();
    return 0;
  }
  __sync_synchronize();
  lk->cpu = mycpu();
  return 1;
}

void
release(struct spinlock *lk)
{
  if (!holding(lk))
    panic("release");
  lk->cpu = 0;
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  pop_off();
}

// Does this hart hold lk? Interrupts must be off.
int
holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

void
push_off(void)
{
  int was_on = intr_get();
  if (was_on)
    intr_off();   // a CSR write costs a trip out of QEMU's translated code
  struct cpu *c = mycpu();
  if (c->noff == 0)
    c->intena = was_on;
  c->noff++;
}

void
pop_off(void)
{
  struct cpu *c = mycpu();
  if (intr_get())
    panic("pop_off: interrupts on");
  if (c->noff < 1)
    panic("pop_off: unbalanced");
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}
