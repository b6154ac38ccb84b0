// halt: power the machine off.
#include "user.h"

int
main(void)
{
  halt(0);
  fprintf(2, "halt: failed\n");
  exit(1);
}
