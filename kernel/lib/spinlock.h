#ifndef LAZULI_SPINLOCK_H
#define LAZULI_SPINLOCK_H

#include "abi/types.h"

struct cpu;

// A mutual-exclusion lock that busy-waits. Interrupts stay off on the
// holding hart while any spin lock is held (push_off/pop_off).
struct spinlock {
  uint locked;
  const char *name;
  struct cpu *cpu;   // the hart holding it
};

void initlock(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
int tryacquire(struct spinlock *lk);
void release(struct spinlock *lk);
int holding(struct spinlock *lk);
void push_off(void);   // interrupts off, nesting counted
void pop_off(void);    // undo one push_off

#endif
