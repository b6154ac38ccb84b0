// Program entry. The kernel's exec starts every program here with
// a0 = argc and a1 = argv already on the new stack, so _start only has to
// hand them to main and turn main's return into an exit status.
#include "../user.h"

int main(int argc, char **argv);

void
_start(int argc, char **argv)
{
  exit(main(argc, argv));
}
