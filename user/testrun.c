// testrun PROG...: run each program in turn and account for it.
//
// For each PROG: fork, exec PROG with argv {PROG, 0}, wait. The free page
// count and the swap slots in use are read just before the fork and just
// after the wait, with nothing in between that could allocate, so every
// page and slot the program and its children took must be back: "PASS
// leak:PROG" or "FAIL leak:PROG: N pages lost". Pages of the processes
// that stay (init, sh, testrun) may have gone to swap meanwhile, each
// freeing one page and taking one slot (they share no memory with each
// other), and some may have come back, each taking one page and freeing
// one slot: so the count that must not change is free pages minus slots
// in use. A program that exits non-zero or is killed also gets "FAIL
// exit:PROG: status S".
#include "user.h"

// Run prog to its end and store its exit status. Returns 0 when it could
// not be run (the reason is printed as a FAIL line), 1 otherwise.
// Free pages, less the swap slots in use (see above).
static long
available(void)
{
  struct memstat st;
  long free = freepages();
  if (memstat(&st) != 0)
    return -1;
  return free - (long)st.swap_used;
}

static int
runone(char *prog, int *status, long *before, long *after)
{
  char *argv[2];
  int pid, w;

  argv[0] = prog;
  argv[1] = 0;
  *before = available();
  pid = fork();
  if (pid < 0) {
    *after = available();
    printf("FAIL exit:%s: fork failed\n", prog);
    return 0;
  }
  if (pid == 0) {
    exec(prog, argv);
    fprintf(2, "testrun: exec %s failed\n", prog);
    exit(127);
  }
  *status = 0;
  while ((w = wait(status)) != pid) {
    if (w < 0) {
      *after = available();
      printf("FAIL exit:%s: wait lost pid %d\n", prog, pid);
      return 0;
    }
  }
  *after = available();
  return 1;
}

int
main(int argc, char **argv)
{
  long before, after;
  int status, bad = 0;

  if (argc < 2) {
    fprintf(2, "usage: testrun PROG...\n");
    exit(2);
  }
  for (int i = 1; i < argc; i++) {
    if (!runone(argv[i], &status, &before, &after)) {
      bad = 1;
      continue;
    }
    if (after == before)
      printf("PASS leak:%s\n", argv[i]);
    else if (after < before)
      printf("FAIL leak:%s: %ld pages or swap slots lost\n", argv[i], before - after);
    else
      printf("FAIL leak:%s: %ld pages more free than before\n", argv[i],
             after - before);
    if (status != 0)
      printf("FAIL exit:%s: status %d\n", argv[i], status);
    if (after != before || status != 0)
      bad = 1;
  }
  exit(bad);
}
