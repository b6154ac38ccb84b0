// sleep N: pause for N clock ticks (a tick is 0.1 s).
#include "user.h"

// A count of ticks: digits only, so that "sleep x" is an error rather
// than no pause at all.
static int
isnumber(char *s)
{
  if (*s == 0)
    return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return 0;
  }
  return 1;
}

int
main(int argc, char *argv[])
{
  if (argc != 2 || !isnumber(argv[1])) {
    fprintf(2, "usage: sleep TICKS\n");
    exit(1);
  }
  pause(atoi(argv[1]));
  exit(0);
}
