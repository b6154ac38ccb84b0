// The first user process. It gives the console to fds 0, 1 and 2, which
// every later process inherits, and keeps a shell running on it. Being the
// parent of every orphan, it also reaps whatever the kernel hands it.
#include "user.h"

#define CONSOLE 1   // the console's device major number (SPEC.md)

int
main(void)
{
  static char *argv[] = { "sh", 0 };
  int pid, w;

  // A fresh disk may not have the device file yet.
  if (open("console", O_RDWR) < 0) {
    mknod("console", CONSOLE, 0);
    if (open("console", O_RDWR) < 0)
      exit(1);   // nowhere to report anything
  }
  dup(0);   // fd 1
  dup(0);   // fd 2

  // init never exits: the kernel would have nobody to give orphans to.
  // When memory or the process table is full, it waits and tries again.
  for (;;) {
    printf("init: starting sh\n");
    while ((pid = fork()) < 0) {
      fprintf(2, "init: fork failed, retrying\n");
      pause(10);
    }
    if (pid == 0) {
      exec("sh", argv);
      fprintf(2, "init: exec sh failed\n");
      exit(1);
    }
    // Any other pid wait returns is an orphan that ended; reaping it
    // is all there is to do.
    while ((w = wait(0)) != pid) {
      if (w < 0) {
        fprintf(2, "init: wait failed, retrying\n");
        pause(10);
      }
    }
  }
}
