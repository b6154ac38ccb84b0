// swaptest: swap space and page replacement as user programs see them
// (docs/paging.md): memstat's swap counters, vmconfig's policies, and
// eviction: contents that go to swap and come back byte for byte (heap,
// stack, anonymous and private file mappings), fork sharing swapped
// pages, slots freed at exit, out of memory when RAM and swap are both
// gone, several processes over-committing together, and a buffer the
// kernel copies into under a spin lock larger than RAM; file pages that
// processes map, written back or dropped under pressure; all with large
// pages on (megapages go to swap page by page). The eviction
// tests size themselves from memstat (1.5x RAM and so on), so they are
// meant for a small MEM: tools/runtests.py runs them in its swap stage
// (MEM 16M); without a swap disk they check that over-commit fails
// cleanly instead, and that dirty file pages are written back to make
// room.
//
// The tests are in user/swaptest/, one file per concern.
#include "swaptest/swaptest.h"

static struct test tests[] = {
  { "swap:counters", swap_counters },
  { "swap:policy_switch", policy_switch },
  { "swap:out_of_memory", out_of_memory },
  { "swap:file_dirty_writeback", file_dirty_writeback },
  { "swap:heap_roundtrip", heap_roundtrip },
  { "swap:eager_overcommit", eager_overcommit },
  { "swap:large_eager_overcommit", large_eager_overcommit },
  { "swap:large_pages_make_room", large_pages_make_room },
  { "swap:stack_roundtrip", stack_roundtrip },
  { "swap:mmap_anon_roundtrip", mmap_anon_roundtrip },
  { "swap:mmap_private_file_roundtrip", mmap_private_file_roundtrip },
  { "swap:file_clean_dropped", file_clean_dropped },
  { "swap:fork_swapped", fork_swapped },
  { "swap:exit_frees_slots", exit_frees_slots },
  { "swap:overcommit_together", overcommit_together },
  { "swap:shared_tables_under_pressure", shared_tables_under_pressure },
  { "swap:pinned_buffer", pinned_buffer },
};
#define NTESTS (int)(sizeof(tests) / sizeof(tests[0]))
#define NOSWAP_TESTS 4   // the first ones also make sense without a swap disk

int
main(int argc, char **argv)
{
  // Large pages on, whatever the boot default: megapages (eager blocks, a
  // sequential writer's, promoted ones) must go to swap as small pages do.
  int lp = vmconfig(VMCONF_LARGEPAGE, 1);
  run_tests(tests, argc > 1 || have_swap() ? NTESTS : NOSWAP_TESTS, argc, argv);
  vmconfig(VMCONF_LARGEPAGE, lp);
  test_exit();
}
