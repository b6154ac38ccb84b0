#ifndef LAZULI_SLEEPLOCK_H
#define LAZULI_SLEEPLOCK_H

#include "lib/spinlock.h"

// A lock held across long waits (disk I/O): waiters sleep instead of spin.
struct sleeplock {
  uint locked;
  struct spinlock lk;  // protects this struct
  const char *name;
  int pid;             // holder
};

void initsleeplock(struct sleeplock *lk, const char *name);
void acquiresleep(struct sleeplock *lk);
void releasesleep(struct sleeplock *lk);
int holdingsleep(struct sleeplock *lk);

#endif
