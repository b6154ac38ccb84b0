// ps: one line per process: pid, state, name, size (the break: the
// address space below it, in KiB), resident (user pages mapped now, in
// KiB), how much of that is shared (mapped by another PTE too: pages
// after fork, MAP_SHARED, program text), and the page-table pages it
// costs. From procinfo (docs/syscalls.md).
#include "user.h"

#define PGSIZE 4096

static const char *
statename(int state)
{
  switch (state) {
  case PS_USED: return "used";
  case PS_SLEEPING: return "sleeping";
  case PS_RUNNABLE: return "runnable";
  case PS_RUNNING: return "running";
  case PS_ZOMBIE: return "zombie";
  }
  return "?";
}

static struct procinfo pi[NPROC];   // 3 KiB: too much for the stack page

int
main(void)
{
  int n = procinfo(pi, NPROC);
  if (n < 0) {
    fprintf(2, "ps: procinfo failed\n");
    exit(1);
  }
  printf("%5s %-9s %-16s %9s %9s %9s %9s %6s\n", "PID", "STATE", "NAME", "SIZE",
         "RESIDENT", "SHARED", "SWAPPED", "TABLES");
  for (int i = 0; i < n && i < NPROC; i++) {
    printf("%5d %-9s %-16s %8luK ", pi[i].pid, statename(pi[i].state),
           pi[i].name, pi[i].size / 1024);
    // Unknown: it kept running on another hart while procinfo waited.
    if (pi[i].resident == PI_UNKNOWN)
      printf("%9s %9s %9s %6s\n", "?", "?", "?", "?");
    else
      printf("%8luK %8luK %8luK %6lu\n", pi[i].resident * (PGSIZE / 1024),
             pi[i].shared * (PGSIZE / 1024), pi[i].swapped * (PGSIZE / 1024), pi[i].tables);
  }
  exit(0);
}
