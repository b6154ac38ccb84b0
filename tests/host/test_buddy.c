// kalloc.c as a buddy allocator: large blocks, splitting, merging on
// free, fragmentation, and the per-order free counts memstat shows. Most
// tests run on RAM_MAX_PAGES of RAM (UNIT_TEST_BIG), which holds several
// aligned large blocks.
#include <stdlib.h>
#include "unit.h"

// The free blocks by order now; checks that they add up to kfreecount().
static void
blocks_now(uint64 out[MEMSTAT_ORDERS])
{
  uint64 n = kfreeblocks(out), sum = 0;
  for (int k = 0; k < MEMSTAT_ORDERS; k++)
    sum += out[k] << k;
  assert_int_equal(sum, n);
  assert_int_equal(n, kfreecount());
}

// Large blocks that lie wholly in the pages kalloc manages.
static uint64
aligned_blocks_in_ram(void)
{
  uint64 lo = (machine_first_page() + LARGE_PGSIZE - 1) & ~(LARGE_PGSIZE - 1);
  uint64 hi = machine_ram_end() & ~(LARGE_PGSIZE - 1);
  return hi > lo ? (hi - lo) / LARGE_PGSIZE : 0;
}

// Every single page kalloc has, in out (room for RAM_MAX_PAGES); returns
// how many.
static uint64
take_all_pages(uint64 *out)
{
  uint64 n = 0;
  void *p;
  while ((p = kalloc()) != 0)
    out[n++] = (uint64)p;
  assert_int_equal(kfreecount(), 0);
  return n;
}

// At boot every whole aligned large block is free as one, and the free
// counts add up; the bottom of RAM, below the first aligned block, is cut
// into smaller blocks, none of which is a buddy of another.
static void
boot_has_every_large_block(void **state)
{
  (void)state;
  uint64 b[MEMSTAT_ORDERS];
  blocks_now(b);
  assert_true(aligned_blocks_in_ram() >= 6);
  assert_int_equal(b[LARGE_ORDER], aligned_blocks_in_ram());
  for (int k = 0; k < LARGE_ORDER; k++)
    assert_true(b[k] <= 2);   // one below the first large block, one above the last
}

// kalloc_large: aligned to its size, inside RAM, zeroed although RAM
// started as junk, every page with one reference; kfree_large gives it
// back whole.
static void
large_block_is_aligned_zeroed_and_counted(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b1[MEMSTAT_ORDERS];
  blocks_now(b0);
  uint64 before = kfreecount();
  uchar *blk = kalloc_large();
  assert_non_null(blk);
  assert_int_equal((uint64)blk % LARGE_PGSIZE, 0);
  assert_true((uint64)blk >= machine_first_page() && (uint64)blk + LARGE_PGSIZE <= machine_ram_end());
  for (uint64 i = 0; i < LARGE_PGSIZE; i++)
    if (blk[i] != 0)
      fail_msg("byte %lu of the block is %#x", i, blk[i]);
  for (int i = 0; i < LARGE_PAGES; i++)
    assert_int_equal(kref_get((uint64)blk + i * PGSIZE), 1);
  assert_int_equal(kfreecount(), before - LARGE_PAGES);
  blocks_now(b1);
  assert_int_equal(b1[LARGE_ORDER], b0[LARGE_ORDER] - 1);
  memset(blk, 0x5A, LARGE_PGSIZE);
  kfree_large(blk);
  assert_int_equal(kfreecount(), before);
  blocks_now(b1);
  assert_memory_equal(b1, b0, sizeof(b0));
  for (int i = 0; i < LARGE_PAGES; i++)
    assert_int_equal(kref_get((uint64)blk + i * PGSIZE), 0);
}

// Exhaustion: every large block can be had once, all different; then
// kalloc_large returns 0 while single pages are still there.
static void
large_blocks_run_out_before_pages(void **state)
{
  (void)state;
  uint64 want = aligned_blocks_in_ram(), before = kfreecount();
  void *blk[RAM_MAX_PAGES / LARGE_PAGES];
  for (uint64 i = 0; i < want; i++) {
    blk[i] = kalloc_large();
    assert_non_null(blk[i]);
    for (uint64 j = 0; j < i; j++)
      assert_ptr_not_equal(blk[i], blk[j]);
  }
  assert_null(kalloc_large());
  assert_int_equal(kfreecount(), before - want * LARGE_PAGES);
  assert_true(kfreecount() > 0);
  void *p = kalloc();
  assert_non_null(p);
  kfree(p);
  for (uint64 i = 0; i < want; i++)
    kfree_large(blk[i]);
  assert_int_equal(kfreecount(), before);
}

// Single pages come from the smallest free block: while small blocks
// are left, no large block is split.
static void
single_pages_spare_large_blocks(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b[MEMSTAT_ORDERS];
  blocks_now(b0);
  uint64 small = 0;
  for (int k = 0; k < LARGE_ORDER; k++)
    small += b0[k] << k;
  assert_true(small > 0);
  uint64 *pages = calloc(RAM_MAX_PAGES, sizeof(uint64));
  for (uint64 i = 0; i < small; i++) {
    pages[i] = (uint64)kalloc();
    assert_true(pages[i] != 0);
  }
  blocks_now(b);
  assert_int_equal(b[LARGE_ORDER], b0[LARGE_ORDER]);
  for (int k = 0; k < LARGE_ORDER; k++)
    assert_int_equal(b[k], 0);
  // The next page splits one large block: one free block of each smaller order.
  pages[small] = (uint64)kalloc();
  assert_int_equal(pages[small] % LARGE_PGSIZE, 0);
  blocks_now(b);
  assert_int_equal(b[LARGE_ORDER], b0[LARGE_ORDER] - 1);
  for (int k = 0; k < LARGE_ORDER; k++)
    assert_int_equal(b[k], 1);
  for (uint64 i = 0; i <= small; i++)
    kfree((void *)pages[i]);
  blocks_now(b);
  assert_memory_equal(b, b0, sizeof(b0));
  free(pages);
}

// Coalescing: pages taken one by one and freed in any order merge back
// into exactly the blocks there were at boot.
static void
freed_pages_merge_back(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b[MEMSTAT_ORDERS];
  blocks_now(b0);
  uint64 *pages = calloc(RAM_MAX_PAGES, sizeof(uint64));
  for (unsigned seed = 1; seed <= 3; seed++) {
    uint64 n = take_all_pages(pages);
    assert_null(kalloc_large());
    srand(seed);
    for (uint64 i = n - 1; i > 0; i--) {   // shuffle
      uint64 j = (uint64)rand() % (i + 1), t = pages[i];
      pages[i] = pages[j];
      pages[j] = t;
    }
    for (uint64 i = 0; i < n; i++) {
      kfree((void *)pages[i]);
      if (i % 97 == 0)
        blocks_now(b);   // consistent on the way, too
    }
    blocks_now(b);
    assert_memory_equal(b, b0, sizeof(b0));
  }
  free(pages);
}

// Fragmentation: one page held in every aligned large block, everything
// else free. No large block can be had (0, not a panic), single pages
// still can, and the counts stay exact; freeing the held pages makes the
// large blocks whole again.
static void
one_page_per_block_prevents_large_blocks(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b[MEMSTAT_ORDERS];
  blocks_now(b0);
  uint64 *pages = calloc(RAM_MAX_PAGES, sizeof(uint64));
  uint64 n = take_all_pages(pages), held = 0;
  for (uint64 i = 0; i < n; i++) {
    // Keep the page at offset 17 of each aligned block kalloc has whole.
    uint64 block = pages[i] & ~(LARGE_PGSIZE - 1);
    if (pages[i] - block == 17 * PGSIZE && block >= machine_first_page())
      pages[held++] = pages[i];
    else
      kfree((void *)pages[i]);
  }
  assert_int_equal(held, aligned_blocks_in_ram());
  assert_int_equal(kfreecount(), n - held);
  assert_null(kalloc_large());
  blocks_now(b);
  assert_int_equal(b[LARGE_ORDER], 0);
  // Each holed block is left as one free block of every smaller order.
  for (int k = 0; k < LARGE_ORDER; k++)
    assert_int_equal(b[k], b0[k] + held);
  void *p = kalloc();
  assert_non_null(p);
  kfree(p);
  for (uint64 i = 0; i < held; i++)
    kfree((void *)pages[i]);
  blocks_now(b);
  assert_memory_equal(b, b0, sizeof(b0));
  void *blk = kalloc_large();
  assert_non_null(blk);
  kfree_large(blk);
  free(pages);
}

// A large block whose pages are shared in part (as after a megapage was
// demoted, its count split into each page's, and some small pages were
// shared): kfree_large frees the pages it held alone one by one, and the
// block is whole again once the last shared page goes.
static void
kfree_large_of_partly_shared_block(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b[MEMSTAT_ORDERS];
  blocks_now(b0);
  uint64 before = kfreecount();
  uchar *blk = kalloc_large();
  kref_split_large((uint64)blk);
  kref_inc((uint64)blk + 5 * PGSIZE);
  kref_inc((uint64)blk + 300 * PGSIZE);
  kfree_large(blk);
  assert_int_equal(kfreecount(), before - 2);
  assert_int_equal(kref_get((uint64)blk + 5 * PGSIZE), 1);
  assert_int_equal(kref_get((uint64)blk + 300 * PGSIZE), 1);
  assert_int_equal(kref_get((uint64)blk + 6 * PGSIZE), 0);
  blocks_now(b);
  assert_int_equal(b[LARGE_ORDER], b0[LARGE_ORDER] - 1);
  kfree(blk + 5 * PGSIZE);
  kfree(blk + 300 * PGSIZE);
  blocks_now(b);
  assert_memory_equal(b, b0, sizeof(b0));
}

// The single-page fast path: a freed page (loose) is the next one kalloc
// hands out, and nothing is split or merged for it.
static void
freed_page_is_reused_first(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b[MEMSTAT_ORDERS];
  void *p = kalloc();
  blocks_now(b0);
  kfree(p);
  assert_ptr_equal(kalloc(), p);
  blocks_now(b);
  assert_memory_equal(b, b0, sizeof(b0));
  kfree(p);
}

// Pages freed one by one stay loose (up to a quarter of RAM; the rest
// merge at once) until a large block is wanted or the blocks are counted:
// then they are merged, and every aligned block can be had whole.
static void
loose_pages_merge_for_large_blocks(void **state)
{
  (void)state;
  uint64 want = aligned_blocks_in_ram();
  uint64 *pages = calloc(RAM_MAX_PAGES, sizeof(uint64));
  uint64 n = take_all_pages(pages);
  // First one page of each block and a few more: too few for a block.
  for (uint64 i = 0; i < n; i++)
    if (pages[i] % LARGE_PGSIZE == 0 || n - i <= 100)
      kfree((void *)pages[i]);
  void *blk[RAM_MAX_PAGES / LARGE_PAGES];
  uint64 got = 0;
  while ((blk[got] = kalloc_large()) != 0)
    got++;
  assert_int_equal(got, 0);   // each block still has pages in use
  for (uint64 i = 0; i < n; i++)
    if (!(pages[i] % LARGE_PGSIZE == 0 || n - i <= 100))
      kfree((void *)pages[i]);
  for (got = 0; got < want; got++)
    assert_non_null(blk[got] = kalloc_large());
  assert_null(kalloc_large());
  for (uint64 i = 0; i < want; i++)
    kfree_large(blk[i]);
  free(pages);
}

// kalloc_large's block is held whole: one count for all its pages, which
// each page's count reads. Another large mapping of it takes one count
// (kref_inc_large), kfree_large gives one back, and the last frees the
// block whole. A page of it is no single page: kfree or kref_inc of one
// is a caller's mistake, and changes nothing.
static void
large_block_is_held_whole(void **state)
{
  (void)state;
  uint64 b0[MEMSTAT_ORDERS], b[MEMSTAT_ORDERS];
  blocks_now(b0);
  uint64 before = kfreecount();
  uchar *blk = kalloc_large();
  assert_int_equal(kref_whole((uint64)blk), 1);
  kref_inc_large((uint64)blk);
  kref_inc_large((uint64)blk);
  assert_int_equal(kref_whole((uint64)blk), 3);
  for (int i = 0; i < LARGE_PAGES; i++)
    assert_int_equal(kref_get((uint64)blk + i * PGSIZE), 3);
  expect_panic(kfree(blk + 7 * PGSIZE), "held whole");
  expect_panic(kref_inc((uint64)blk), "held whole");
  expect_panic(kref_inc_large((uint64)blk + PGSIZE), "not a large block");
  assert_int_equal(kref_get((uint64)blk + 7 * PGSIZE), 3);
  kfree_large(blk);
  kfree_large(blk);
  assert_int_equal(kref_whole((uint64)blk), 1);
  assert_int_equal(kfreecount(), before - LARGE_PAGES);
  kfree_large(blk);
  assert_int_equal(kfreecount(), before);
  assert_int_equal(kref_whole((uint64)blk), 0);
  assert_int_equal(kref_get((uint64)blk + 7 * PGSIZE), 0);
  blocks_now(b);
  assert_memory_equal(b, b0, sizeof(b0));
}

// Split, the block's count becomes each page's own (for a demotion, whose
// small PTEs own a reference each); a large mapping of a split block
// takes and gives back one on each page. Joined again once one mapping
// holds every page alone, it is one count again.
static void
split_and_join_large_block(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  uchar *blk = kalloc_large();
  kref_inc_large((uint64)blk);   // two large mappings
  kref_split_large((uint64)blk);
  assert_int_equal(kref_whole((uint64)blk), 0);
  for (int i = 0; i < LARGE_PAGES; i++)
    assert_int_equal(kref_get((uint64)blk + i * PGSIZE), 2);
  kref_split_large((uint64)blk);   // split already: nothing changes
  assert_int_equal(kref_get((uint64)blk + 100 * PGSIZE), 2);
  kref_inc_large((uint64)blk);   // a third, page by page
  kref_inc((uint64)blk + 9 * PGSIZE);   // a small PTE's, as after a demotion
  assert_int_equal(kref_get((uint64)blk + 8 * PGSIZE), 3);
  assert_int_equal(kref_get((uint64)blk + 9 * PGSIZE), 4);
  kfree_large(blk);
  kfree_large(blk);
  assert_int_equal(kref_get((uint64)blk + 9 * PGSIZE), 2);
  expect_panic(kref_join_large((uint64)blk), "other owners");
  assert_int_equal(kref_get((uint64)blk + 9 * PGSIZE), 2);
  assert_int_equal(kref_whole((uint64)blk), 0);
  kfree(blk + 9 * PGSIZE);
  assert_int_equal(kfreecount(), before - LARGE_PAGES);
  kref_join_large((uint64)blk);
  assert_int_equal(kref_whole((uint64)blk), 1);
  assert_int_equal(kref_get((uint64)blk + 9 * PGSIZE), 1);
  expect_panic(kref_join_large((uint64)blk), "held whole already");
  kfree_large(blk);
  assert_int_equal(kfreecount(), before);
}

// kfree_large takes only an aligned block of pages in use.
static void
kfree_large_of_bad_block_panics(void **state)
{
  (void)state;
  uchar *blk = kalloc_large();
  expect_panic(kfree_large(blk + PGSIZE), "not a large block");
  assert_int_equal(kref_get((uint64)blk), 1);
  kfree_large(blk);
  uint64 before = kfreecount();
  expect_panic(kfree_large(blk), "already free");
  assert_int_equal(kfreecount(), before);
  // A large block reaching past the end of RAM is no managed block.
  expect_panic(kfree_large((void *)(machine_ram_end() & ~(LARGE_PGSIZE - 1))),
               "not a managed page");
}

// On the small machine of the other tests no aligned large block fits at
// all: kalloc_large returns 0 and takes nothing.
static void
no_large_block_in_small_ram(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  assert_int_equal(aligned_blocks_in_ram(), 0);
  assert_null(kalloc_large());
  assert_int_equal(kfreecount(), before);
}

int
run_buddy_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST_BIG(boot_has_every_large_block),
    UNIT_TEST_BIG(large_block_is_aligned_zeroed_and_counted),
    UNIT_TEST_BIG(large_blocks_run_out_before_pages),
    UNIT_TEST_BIG(single_pages_spare_large_blocks),
    UNIT_TEST_BIG(freed_pages_merge_back),
    UNIT_TEST_BIG(one_page_per_block_prevents_large_blocks),
    UNIT_TEST_BIG(kfree_large_of_partly_shared_block),
    UNIT_TEST_BIG(freed_page_is_reused_first),
    UNIT_TEST_BIG(loose_pages_merge_for_large_blocks),
    UNIT_TEST_BIG(kfree_large_of_bad_block_panics),
    UNIT_TEST_BIG(large_block_is_held_whole),
    UNIT_TEST_BIG(split_and_join_large_block),
    UNIT_TEST(no_large_block_in_small_ram),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("buddy", tests, NULL, NULL);
}
