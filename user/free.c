// free: memory and swap in use and free, in KiB like the Unix command,
// physical pages too, the free memory by block size, then what the fault
// path has done since boot (memstat, docs/syscalls.md).
#include "user.h"

#define PGSIZE 4096
#define KIB(pages) ((pages) * (PGSIZE / 1024))

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
  printf("Mem:   %10lu %10lu %10lu\n", KIB(st.total), KIB(used), KIB(st.free));
  printf("Swap:  %10lu %10lu %10lu\n", KIB(st.swap_total), KIB(st.swap_used),
         KIB(st.swap_total - st.swap_used));
  printf("pages  %10lu %10lu %10lu\n", st.total, used, st.free);
  printf("\npage cache: %lu pages (%lu KiB), %lu of them clean and mapped by nobody\n",
         st.cached, st.cached * (PGSIZE / 1024), st.reclaimable);
  printf("  (those count as free for freepages(): memory is taken back from them first)\n");
  // The free pages as the buddy allocator holds them: blocks of 2^k pages.
  printf("\nfree blocks by size (2 MiB ones can back a large page):\n");
  for (int k = 0; k < MEMSTAT_ORDERS; k++) {
    uint64 kib = (PGSIZE / 1024) << k;
    if (kib < 1024)
      printf("%7lu KiB %8lu\n", kib, st.free_blocks[k]);
    else
      printf("%7lu MiB %8lu\n", kib / 1024, st.free_blocks[k]);
  }
  printf("\nsince boot:\n");
  printf("%10lu page faults\n", st.faults);
  printf("%10lu lazy pages filled with zeros\n", st.zero_fill);
  printf("%10lu reads given the shared zero page\n", st.zero_map);
  printf("%10lu copy-on-write pages copied\n", st.cow_copy);
  printf("%10lu copy-on-write pages kept by their last user\n", st.cow_reuse);
  printf("%10lu of all these handled ahead by fault-around\n", st.fault_around);
  printf("%10lu processes killed for a bad access\n", st.kills);
  printf("%10lu pages written to swap, %lu read back\n", st.swap_outs, st.swap_ins);
  printf("%10lu file pages found in the page cache, %lu not\n", st.pc_hits, st.pc_misses);
  printf("%10lu pages read from files, %lu written back\n", st.file_reads, st.writebacks);
  printf("%10lu file pages mapped by a fault\n", st.file_mapped);
  printf("%10lu large pages mapped whole, %lu promoted, %lu demoted\n", st.large_mapped,
         st.large_promoted, st.large_demoted);
  printf("%10lu minor faults, %lu major (read back from swap)\n", st.minor_faults,
         st.major_faults);
  printf("%10lu pages evicted: %lu anonymous to swap, %lu clean file, %lu dirty file\n",
         st.evict_anon + st.evict_file + st.evict_dirty, st.evict_anon, st.evict_file,
         st.evict_dirty);
  exit(0);
}
