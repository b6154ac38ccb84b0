// exec: replace the caller's memory image with a program from the file
// system. The new address space is built beside the old one (mm/exec.c)
// and replaces it only when everything succeeded; on failure the caller
// continues, unchanged, with -1.
#include "abi/types.h"
#include "lib/lib.h"
#include "proc/proc.h"

// The last component of path, for the process name.
static const char *
basename(const char *path)
{
  const char *last = path;
  for (const char *s = path; *s; s++)
    if (*s == '/')
      last = s + 1;
  return last;
}

// Exchange the contents of two address-space records.
static void
vmswap(struct vmspace *a, struct vmspace *b)
{
  uint64 *x = (uint64 *)a, *y = (uint64 *)b;
  for (uint64 i = 0; i < sizeof(*a) / sizeof(uint64); i++) {
    uint64 t = x[i];
    x[i] = y[i];
    y[i] = t;
  }
}

_Static_assert(sizeof(struct vmspace) <= PGSIZE, "exec keeps the new address space in a page");
_Static_assert(sizeof(struct vmspace) % sizeof(uint64) == 0, "vmswap swaps words");

int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  uint64 entry, sp, argvp;

  // The record of the new address space (its region list) is too big for
  // the kernel stack.
  struct vmspace *nvm = kalloc();
  if (nvm == 0)
    return -1;
  int argc = -1;
  if (proc_vmcreate(p, nvm) == 0)
    argc = exec_load(nvm, path, argv, &entry, &sp, &argvp);
  if (argc >= 0) {
    vmswap(&p->vm, nvm);   // nvm now holds the old image
    p->trapframe->epc = entry;
    p->trapframe->sp = sp;
    p->trapframe->a1 = argvp;
    safestrcpy(p->name, basename(path), sizeof(p->name));
  }
  // On success nvm holds the old image. In the default design the kernel
  // runs on its table: get off it, and let other harts leave it, before
  // freeing it.
  proc_vmuse(p);
  hart_wait_unloaded(nvm->pagetable);
  vm_dropfiles(nvm);
  proc_vmfree(nvm);
  kfree(nvm);
  return argc;   // becomes a0: main's argc
}
