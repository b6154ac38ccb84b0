// The address spaces of "processes", for kernel/mm's vm_visit and
// vm_visit_one (mm.h), which kernel/proc provides in the kernel: a test
// registers the address spaces that stand for processes, and which one is
// running (the caller's own, as the kernel's myproc). A space in the
// fault path (busy) or marked running elsewhere is passed over, as the
// kernel passes over a process running on another hart.
#include <string.h>
#include "host.h"

#define NSPACES 16

static struct {
  struct vmspace *vm;
  int elsewhere;     // "running on another hart": never visited
  int flushes;       // visits that changed a PTE (the kernel flushes then)
  int visits;        // calls of a visitor's fn on it
} spaces[NSPACES];

uint64 vmreg_unseen;   // vm_visit_one calls that could not look (since the reset)

void
vmreg_reset(void)
{
  memset(spaces, 0, sizeof(spaces));
  vmreg_unseen = 0;
}

void
vmreg_add(struct vmspace *vm)
{
  for (int i = 0; i < NSPACES; i++) {
    if (spaces[i].vm == 0) {
      spaces[i].vm = vm;
      spaces[i].elsewhere = 0;
      spaces[i].flushes = 0;
      spaces[i].visits = 0;
      return;
    }
  }
  panic("vmreg_add: too many address spaces");
}

void
vmreg_remove(struct vmspace *vm)
{
  for (int i = 0; i < NSPACES; i++)
    if (spaces[i].vm == vm)
      spaces[i].vm = 0;
}

static int
slot_of(struct vmspace *vm)
{
  for (int i = 0; i < NSPACES; i++)
    if (spaces[i].vm == vm)
      return i;
  return -1;
}

void
vmreg_running_elsewhere(struct vmspace *vm, int on)
{
  int i = slot_of(vm);
  if (i < 0)
    panic("vmreg_running_elsewhere: not registered");
  spaces[i].elsewhere = on;
}

int
vmreg_is_elsewhere(struct vmspace *vm)
{
  int i = slot_of(vm);
  return i >= 0 && spaces[i].elsewhere;
}

int
vmreg_flushes(struct vmspace *vm)
{
  int i = slot_of(vm);
  return i < 0 ? -1 : spaces[i].flushes;
}

int
vmreg_visits(struct vmspace *vm)
{
  int i = slot_of(vm);
  return i < 0 ? -1 : spaces[i].visits;
}

static int
visit(int i, int (*fn)(void *arg, struct vmspace *vm), void *arg)
{
  struct vmspace *vm = spaces[i].vm;
  if (vm == 0 || vm->pagetable == 0)
    return -1;
  if (spaces[i].elsewhere || vm->busy)
    return 0;
  spaces[i].visits++;
  if (fn(arg, vm))
    spaces[i].flushes++;
  return 1;
}

void
vm_visit(int (*fn)(void *arg, struct vmspace *vm), void *arg)
{
  for (int i = 0; i < NSPACES; i++)
    visit(i, fn, arg);
}

int
vm_visit_one(struct vmspace *vm, int (*fn)(void *arg, struct vmspace *vm), void *arg)
{
  int i = slot_of(vm);
  int r = i < 0 ? -1 : visit(i, fn, arg);
  vmreg_unseen += r == 0;
  return r;
}
