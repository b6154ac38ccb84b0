// pmap PID: the regions of a process's address space, like Linux's pmap:
// range, size, rights (r w x, s for shared or p for private), what backs
// it, and how much of it is resident. From vmregions (docs/syscalls.md).
//
//   pmap 2
//   ADDRESS               SIZE  MODE  RESIDENT  BACKING
//   0000000000000000        8K  r-xp        8K  segment file inode 24 +0x1000
//   0000000000002000       32K  rw-p        8K  segment file inode 24 +0x3000
//   000000000000a000        4K  ---p        0K  guard
//   000000000000b000        4K  rw-p        4K  stack   anonymous
//   total 48K, resident 20K
#include "user.h"

#define PGSIZE 4096
#define MAXREG 80
#define PGROUNDUP(a) (((a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))

static struct vmregion reg[MAXREG];   // too big for the stack page

static const char *
kindname(int kind)
{
  switch (kind) {
  case VR_SEGMENT: return "segment";
  case VR_GUARD: return "guard";
  case VR_STACK: return "stack";
  case VR_HEAP: return "heap";
  case VR_MMAP: return "mmap";
  }
  return "?";
}

int
main(int argc, char *argv[])
{
  if (argc != 2) {
    fprintf(2, "usage: pmap PID\n");
    exit(1);
  }
  int pid = atoi(argv[1]);
  int n = vmregions(pid, reg, MAXREG);
  if (n < 0) {
    fprintf(2, "pmap: cannot read the regions of pid %d\n", pid);
    exit(1);
  }
  printf("pmap %d\n", pid);
  printf("%-16s %9s %5s %9s  %s\n", "ADDRESS", "SIZE", "MODE", "RESIDENT", "BACKING");
  uint64 total = 0, rss = 0;
  for (int i = 0; i < n && i < MAXREG; i++) {
    struct vmregion *r = &reg[i];
    char mode[5] = {
      r->prot & PROT_READ ? 'r' : '-', r->prot & PROT_WRITE ? 'w' : '-',
      r->prot & PROT_EXEC ? 'x' : '-', r->shared ? 's' : 'p', 0,
    };
    uint64 size = PGROUNDUP(r->end) - r->start;
    printf("%016lx %8luK %5s %8luK  %-7s", r->start, size / 1024, mode,
           r->resident * (PGSIZE / 1024), kindname(r->kind));
    if (r->inum)
      printf(" file inode %u +0x%lx", r->inum, r->off);
    else if (r->kind != VR_GUARD)
      printf(" anonymous");
    printf("\n");
    total += size;
    rss += r->resident;
  }
  printf("total %luK, resident %luK\n", total / 1024, rss * (PGSIZE / 1024));
  exit(0);
}
