// Run the fuzz target over saved inputs without libFuzzer (the gcc build):
// each argument is a file or a directory of files. The fault counters,
// summed over all inputs, show which kinds of fault the inputs reach, and
// how many of the inputs sent pages to swap.
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "abi/memstat.h"

extern struct memstat vmstat;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *disk_stats_line(void);   // fuzz_disk.c

static int nrun, nevicted;

static void
run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    exit(1);
  }
  static uint8_t buf[1 << 16];
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  uint64_t outs = vmstat.swap_outs;
  LLVMFuzzerTestOneInput(buf, n);
  nrun++;
  nevicted += vmstat.swap_outs != outs;
}

int
main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      run_file(argv[i]);
      continue;
    }
    DIR *d = opendir(argv[i]);
    struct dirent *e;
    while (d && (e = readdir(d)) != 0) {
      if (e->d_name[0] == '.')
        continue;
      char path[4096];
      snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
      run_file(path);
    }
    if (d)
      closedir(d);
  }
  printf("fuzz replay: %d inputs, all checks passed (faults: %lu zero fills, %lu zero "
         "maps, %lu copy-on-write copies, %lu reuses, %lu pages faulted around; large pages: "
         "%lu mapped whole, %lu promoted, %lu demoted; swap: %lu pages out, %lu in, %d "
         "inputs evicted; file pages: %lu dropped, %lu written back; fork's tables: %lu "
         "shared, %lu copied, %lu taken over)\n",
         nrun, vmstat.zero_fill, vmstat.zero_map, vmstat.cow_copy, vmstat.cow_reuse,
         vmstat.fault_around, vmstat.large_mapped, vmstat.large_promoted, vmstat.large_demoted,
         vmstat.swap_outs, vmstat.swap_ins, nevicted, vmstat.evict_file, vmstat.evict_dirty,
         vmstat.pt_shared, vmstat.pt_copied, vmstat.pt_taken);
  printf("fuzz replay: %s\n", disk_stats_line());
  return 0;
}
