// free: physical memory in use and free, like the Unix command, in KiB
// and in pages, then what the fault path has done since boot (memstat,
// docs/syscalls.md).
#include "user.h"

#define PGSIZE 4096

int
main(void)
{
  struct memstat st;
  if (memstat(&st) != 0) {
    fprintf(2, "free: memstat failed\n");
    exit(1);
  }
  uint64 used = st.total - st.free;
  printf("       %10s %10s %10s\n", "total", "used", "free");
  printf("KiB    %10lu %10lu %10lu\n", st.total * (PGSIZE / 1024),
         used * (PGSIZE / 1024), st.free * (PGSIZE / 1024));
  printf("pages  %10lu %10lu %10lu\n", st.total, used, st.free);
  printf("\nsince boot:\n");
  printf("%10lu lazy pages filled with zeros\n", st.zero_fill);
  printf("%10lu reads given the shared zero page\n", st.zero_map);
  printf("%10lu copy-on-write pages copied\n", st.cow_copy);
  printf("%10lu copy-on-write pages kept by their last user\n", st.cow_reuse);
  printf("%10lu of all these handled ahead by fault-around\n", st.fault_around);
  printf("%10lu processes killed for a bad access\n", st.kills);
  exit(0);
}
