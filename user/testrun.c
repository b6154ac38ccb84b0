// testrun PROG...: run each program in turn and account for it.
//
// For each PROG: fork, exec PROG with argv {PROG, 0}, wait. The memory
// available is read just before the fork and just after the wait, with
// nothing in between that could allocate, so every page and slot the
// program and its children took must be back: "PASS leak:PROG" or "FAIL
// leak:PROG: N pages lost". The processes that stay (init, sh, testrun)
// may have had pages taken meanwhile: sent to swap (a page freed, a slot
// taken) or, file pages, dropped (a page freed: the file has them); and
// some may have come back. So what must not change is the free pages,
// plus the pages those processes hold (resident or in swap), less the
// slots in use. Only the processes that were there before the fork count:
// one the program left behind holds pages it lost. A program that exits
// non-zero or is killed also gets "FAIL exit:PROG: status S".
#include "user.h"

#define MAXPROCS 64   // NPROC

static struct procinfo pi[MAXPROCS];   // brought in by a first read: available_now
static int stay[MAXPROCS];             // pids of the processes that stay
static int nstay;

// Free pages, plus the pages the processes that stay hold, less the swap
// slots in use (see above); with record, the processes alive now become
// those that stay. -1 when a process could not be looked at (it kept
// running on another hart).
static long
available(int record)
{
  struct memstat st;
  int n = procinfo(pi, MAXPROCS);
  long free = freepages();
  if (n < 0 || n > MAXPROCS || free < 0 || memstat(&st) != 0)
    return -1;
  if (record)
    nstay = 0;
  long held = 0;
  for (int i = 0; i < n; i++) {
    int stays = record;
    for (int k = 0; k < nstay && !stays; k++)
      stays = stay[k] == pi[i].pid;
    if (!stays)
      continue;
    if (pi[i].resident == PI_UNKNOWN)
      return -1;
    if (record)
      stay[nstay++] = pi[i].pid;
    held += pi[i].resident + pi[i].swapped;
  }
  return free + held - (long)st.swap_used;
}

// available, read twice: the first read brings back whatever pages of
// this process the reading needs (its code, its buffer) that went to
// swap or were dropped, so that nothing moves during the second.
static long
available_now(int record)
{
  available(record);
  return available(record);
}

static int
runone(char *prog, int *status, long *before, long *after)
{
  char *argv[2];
  int pid, w;

  argv[0] = prog;
  argv[1] = 0;
  *before = available_now(1);
  pid = fork();
  if (pid < 0) {
    *after = available_now(0);
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
      *after = available_now(0);
      printf("FAIL exit:%s: wait lost pid %d\n", prog, pid);
      return 0;
    }
  }
  *after = available_now(0);
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
    if (before < 0 || after < 0)
      printf("FAIL leak:%s: could not count the pages of the processes that stay\n", argv[i]);
    else if (after == before)
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
