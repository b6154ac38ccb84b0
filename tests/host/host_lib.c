// kernel/lib for the host: the string functions kernel/mm calls, panic,
// and spin locks that check their own use (there is one thread, so a lock
// that is already held when acquired is a deadlock on the real machine).
//
// Only what the kernel units reference is defined here; a new reference
// shows up as an undefined klib_* or kernel symbol at link time.
#include "klib_names.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "lib/sleeplock.h"
#undef memset
#undef memmove
#undef memcpy
#undef memcmp
#undef strlen
#undef strncmp
#undef strncpy
#undef printf
#undef vprintf

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include "host.h"

// kalloc clears every page it takes off the free list with one
// page-sized memset (kalloc_large a large block with one memset of its
// size), and kalloc_copy fills one with one page-sized memmove. Free pages
// are poisoned (machine.c), so that is where a page becomes addressable
// again: for memmove only once kalloc_copy has counted the page's
// reference, so a copy into a free page still stops.
void *
klib_memset(void *dst, int c, uint64 n)
{
  if ((n == PGSIZE || n == LARGE_PGSIZE) && c == 0 && (uint64)dst % n == 0)
    ASAN_UNPOISON_MEMORY_REGION(dst, n);
  return memset(dst, c, n);
}

void (*host_memmove_meanwhile)(void);

void *
klib_memmove(void *dst, const void *src, uint64 n)
{
  void (*hook)(void) = host_memmove_meanwhile;
  if (hook && n < PGSIZE) {
    host_memmove_meanwhile = 0;
    hook();
  }
  if (n == PGSIZE && machine_page_in_use((uint64)dst))
    ASAN_UNPOISON_MEMORY_REGION(dst, n);
  return memmove(dst, src, n);
}

int
klib_memcmp(const void *a, const void *b, uint64 n)
{
  return memcmp(a, b, n);
}

int
klib_strlen(const char *s)
{
  return (int)strlen(s);
}

jmp_buf *host_panic_jmp;
const char *host_panic_msg;
void (*host_panic_hook)(const char *msg);

void
panic(const char *msg)
{
  host_panic_msg = msg;
  if (host_panic_jmp)
    longjmp(*host_panic_jmp, 1);
  if (host_panic_hook)
    host_panic_hook(msg);
  fprintf(stderr, "kernel panic: %s\n", msg);
  abort();
}

// The locks held now, so a test that caught a panic can let go of them
// (the real machine would have stopped) and every test can check that
// none stays held.
#define MAXHELD 8
static struct spinlock *held[MAXHELD];
static int nheld;

void
initlock(struct spinlock *lk, const char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

void
acquire(struct spinlock *lk)
{
  if (lk->locked)
    panic("acquire: lock already held (deadlock)");
  if (nheld == MAXHELD)
    panic("acquire: too many locks held");
  lk->locked = 1;
  held[nheld++] = lk;
}

void
release(struct spinlock *lk)
{
  if (!lk->locked)
    panic("release: lock not held");
  lk->locked = 0;
  for (int i = 0; i < nheld; i++) {
    if (held[i] == lk) {
      held[i] = held[--nheld];
      return;
    }
  }
  panic("release: lock held but not recorded");
}

int
host_locks_held(void)
{
  return nheld;
}

void
host_locks_reset(void)
{
  for (int i = 0; i < nheld; i++)
    held[i]->locked = 0;
  nheld = 0;
}

// Taking a free lock cannot fail with one thread; a held one is busy.
int
tryacquire(struct spinlock *lk)
{
  if (lk->locked)
    return 0;
  acquire(lk);
  return 1;
}

// Sleep locks: with one thread nobody else can hold one, so finding it
// held is a deadlock, and holding a spin lock while taking one would
// sleep with it held on the real machine.
void
initsleeplock(struct sleeplock *lk, const char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->pid = 0;
}

void
acquiresleep(struct sleeplock *lk)
{
  if (nheld != 0)
    panic("acquiresleep: holding a spin lock");
  if (lk->locked)
    panic("acquiresleep: lock already held (deadlock)");
  lk->locked = 1;
}

void
releasesleep(struct sleeplock *lk)
{
  if (!lk->locked)
    panic("releasesleep: lock not held");
  lk->locked = 0;
}
