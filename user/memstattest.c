// memstattest: what the memory system shows about itself (system calls
// 26-29, docs/syscalls.md): the counters of memstat move as they must,
// procinfo lists processes with plausible sizes, vmdump shows the PTE a
// touch made, in the caller's page table and in another process's,
// vmconfig switches options and refuses nonsense, and every bad argument
// is a -1, never a killed caller or a kernel panic.
//
// A test that changes a vmconfig option sets it back before it checks
// anything (a failed check ends the test at once).
//
// The tests are in user/memstattest/, one file per concern.
#include "memstattest/memstattest.h"

static struct test tests[] = {
  { "memstat:zero_fill", zero_fill_counts },
  { "memstat:kills", kill_counts },
  { "memstat:free", free_matches },
  { "memstat:blocks_merge_back", blocks_merge_back },
  { "memstat:fault_around", fault_around_counts },
  { "memstat:procinfo_self", procinfo_self },
  { "memstat:procinfo_resident", procinfo_resident },
  { "memstat:procinfo_short", procinfo_short_buffer },
  { "memstat:vmdump_self", vmdump_self },
  { "memstat:vmdump_other", vmdump_other },
  { "memstat:vmdump_busy", vmdump_busy },
  { "memstat:vmconfig", vmconfig_options },
  { "memstat:bad_arguments", bad_arguments },
  { "memstat:count_only", count_only },
};

int
main(int argc, char **argv)
{
  mainpid = getpid();
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  test_exit();
}
