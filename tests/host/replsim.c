// The kernel's replacement policies (kernel/mm/replace.c) run on an
// access trace, as tools/pagesim.py simulates them, so the simulator can
// be checked against the code it models (pagesim.py --check).
//
//   build/replsim FRAMES TICK < TRACE
//
// TRACE: page numbers separated by white space. Prints one line per
// policy, "NAME FAULTS", in POLICY_* order. The memory model is
// pagesim's: a reference to a resident page sets its accessed bit; any
// other is a fault that loads the page, accessed, into a free frame (the
// lowest first) or the victim's; aging takes a step every TICK references.
#include <stdio.h>
#include <stdlib.h>
#include "host.h"

static int *accessed;

static int
referenced(void *arg, int frame)
{
  (void)arg;
  int bit = accessed[frame];
  accessed[frame] = 0;
  return bit;
}

// Faults of policy on trace[0..n) with nframes frames.
static long
faults(int policy, const long *trace, long n, int nframes, long tick)
{
  struct repl_frame *frames = calloc(nframes, sizeof(*frames));
  long *page_in = malloc(nframes * sizeof(long));
  accessed = calloc(nframes, sizeof(int));
  if (!frames || !page_in || !accessed)
    abort();
  struct replacer r;
  repl_init(&r, frames, nframes, referenced, 0);
  int used = 0;
  long count = 0;
  for (long i = 0; i < n; i++) {
    if (policy == POLICY_AGING && i % tick == 0)
      repl_age(&r);
    int f = -1;
    for (int j = 0; j < used && f < 0; j++)
      if (page_in[j] == trace[i])
        f = j;
    if (f < 0) {
      count++;
      f = used < nframes ? used++ : repl_victim(&r, policy);
      page_in[f] = trace[i];
      repl_add(&r, f);
    }
    accessed[f] = 1;
  }
  free(frames);
  free(page_in);
  free(accessed);
  return count;
}

int
main(int argc, char **argv)
{
  if (argc != 3 || atoi(argv[1]) < 1 || atol(argv[2]) < 1) {
    fprintf(stderr, "usage: replsim FRAMES TICK < TRACE\n");
    return 2;
  }
  int nframes = atoi(argv[1]);
  long tick = atol(argv[2]);
  long n = 0, cap = 1024, page;
  long *trace = malloc(cap * sizeof(long));
  while (trace && scanf("%ld", &page) == 1) {
    if (n == cap && !(trace = realloc(trace, (cap *= 2) * sizeof(long))))
      break;
    trace[n++] = page;
  }
  if (!trace)
    abort();
  const char *names[NPOLICY] = { "fifo", "clock", "aging", "random" };
  for (int p = 0; p < NPOLICY; p++)
    printf("%s %ld\n", names[p], faults(p, trace, n, nframes, tick));
  free(trace);
  return 0;
}
