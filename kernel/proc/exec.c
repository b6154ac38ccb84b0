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

int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct vmspace nvm;
  uint64 entry, sp, argvp;

  if (proc_vmcreate(p, &nvm) != 0)
    return -1;
  int argc = exec_load(&nvm, path, argv, &entry, &sp, &argvp);
  if (argc < 0) {
    proc_vmfree(&nvm);
    return -1;
  }

  struct vmspace old = p->vm;
  p->vm = nvm;
  p->trapframe->epc = entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = argvp;
  safestrcpy(p->name, basename(path), sizeof(p->name));
  // Off the old table (in the default design the kernel runs on it), and
  // let other harts leave it, before freeing it.
  proc_vmuse(p);
  hart_wait_unloaded(old.pagetable);
  proc_vmfree(&old);
  return argc;   // becomes a0: main's argc
}
