// In-guest tests of user memory: sbrk (eager, lazy, shrink, limits), the
// fault path (zero-fill and every access that must kill), the kernel's
// copies onto lazy pages, fork's copy, exec's checks, and memory
// exhaustion. Every test runs in a child of its own (run_isolated), and
// testrun checks that the free-page count is the same after the program.
//
// The tests are in user/memtest/, one file per concern.
#include "memtest/memtest.h"

int
main(void)
{
  run_isolated("mem:eager_grow", eager_grow);
  run_isolated("mem:lazy_grow", lazy_grow);
  run_isolated("mem:lazy_sparse", lazy_sparse);
  run_isolated("mem:fault_around", fault_around);
  run_isolated("mem:shrink_frees", shrink_frees);
  run_isolated("mem:shrink_then_touch", shrink_then_touch);
  run_isolated("mem:shrink_too_far", shrink_too_far);
  run_isolated("mem:limits", limits);
  run_isolated("mem:bad_accesses", bad_accesses);
  run_isolated("mem:unmap_own", unmap_own);
  run_isolated("mem:copy_to_lazy", copy_to_lazy);
  run_isolated("mem:copy_from_lazy", copy_from_lazy);
  run_isolated("mem:path_on_lazy", path_on_lazy);
  run_isolated("mem:copy_bad_pointers", copy_bad_pointers);
  run_isolated("mem:fork_copies", fork_copies);
  run_isolated("mem:fork_lazy", fork_lazy);
  run_isolated("mem:fork_nomem", fork_nomem);
  run_isolated("mem:fork_storm", fork_storm);
  run_isolated("mem:fresh_pages_zero", fresh_pages_zero);
  run_isolated("mem:exhaust_eager", exhaust_eager);
  run_isolated("mem:exhaust_lazy", exhaust_lazy);
  run_isolated("mem:bad_elf", bad_elf);
  run_isolated("mem:wild_elf", wild_elf);
  test_exit();
}
