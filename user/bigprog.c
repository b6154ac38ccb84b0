// bigprog: a program with 200 KiB of initialized data that exits at once,
// touching almost none of it: what exec costs for a large program
// (vmbench bigexec, docs/benchmarks.md).
#include "user.h"

#define BIG (200 * 1024)

// Initialized, so it is in the file: an eager exec reads all of it.
char big[BIG] = { 1 };

// Exits with big[argc + 1], which is 0: one page of big is touched.
int
main(int argc, char *argv[])
{
  exit(big[argc + 1]);
}
