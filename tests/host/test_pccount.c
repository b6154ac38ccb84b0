// pagecache.c keeps its counts (pcache_count: pages cached, and those
// clean and held by nobody but the cache) as pages change, rather than
// going through the cache when asked. Each step below changes some cached
// page's state: read() and write(), a mapping made and gone, a store, a
// fork and an exit, msync and a failed write-back, a private copy, the
// eviction of mapped pages, reclaim, O_TRUNC, a demand-paged program's
// text. After each, the kept counts must equal a walk of the cache
// (machine_check_pcache), and the numbers must be those the step makes.
#include "fileevict.h"

// The counts agree with the walk, and are cached and reclaimable.
static void
expect(const char *step, uint64 cached, uint64 reclaimable)
{
  char msg[256];
  if (machine_check_pcache(msg, sizeof(msg)) != 0)
    fail_msg("after %s: %s", step, msg);
  uint64 c, r;
  pcache_count(&c, &r);
  if (c != cached || r != reclaimable)
    fail_msg("after %s: %lu cached, %lu reclaimable; expected %lu, %lu", step, c, r,
             cached, reclaimable);
}

// Another process reads page 0 in, and is done with it, while the test
// reads it too: the test then finds it cached.
static struct inode *other_ip;

static void
other_reads_page(void)
{
  uint64 pa;
  assert_int_equal(pcache_get(other_ip, 0, &pa), FAULT_OK);
  kfree(P2V(pa));
}

// Shared mappings of /e (NPG pages): the cache's pages go from held to
// free and back through every way a process holds or lets go of one.
static void
counts_follow_shared_pages(void **state)
{
  (void)state;
  struct inode *ip = other_ip = fe_open_file();
  uint64 pa;
  fakefs_meanwhile = other_reads_page;
  assert_int_equal(pcache_get(ip, 0, &pa), FAULT_OK);
  assert_null(fakefs_meanwhile);   // the other read did happen meanwhile
  assert_int_equal(fakefs_pagereads, 2);
  expect("a page read in by two at once, held by one", 1, 0);
  kfree(P2V(pa));
  expect("its holder done", 1, 1);
  uint64 held = pcache_peek(ip, 0);   // as read() holds it while it copies
  expect("a read() under way", 1, 0);
  kfree(P2V(held));
  uchar b;
  assert_int_equal(fakefs_read(ip, 5, &b, 1), 1);
  expect("read()", 1, 1);
  assert_int_equal(fakefs_write(ip, 5, "w", 1), 1);   // the cached page is updated, stays clean
  expect("write()", 1, 1);

  struct vmspace a, c;
  uint64 va;
  mapper(&a, ip, NPG, 1, RW, ACCESS_READ, &va);
  expect("every page mapped", NPG, 0);
  assert_int_equal(vmfault(&a, va + PGSIZE, ACCESS_WRITE), FAULT_OK);
  expect("a store to page 1", NPG, 0);
  vm_new(&c);
  vmreg_add(&c);
  assert_int_equal(uvmcopy(&a, &c), 0);
  expect("fork", NPG, 0);
  assert_int_equal(vm_unmap(&a, va, PGSIZE), 0);
  expect("page 0 unmapped by the parent, the child maps it", NPG, 0);
  done_with(&c);   // writes page 1 back: its PTE in the child was writable
  expect("the child's exit", NPG, 1);
  assert_false(pcache_isdirty(ip, 1));

  page_at(&a, va + PGSIZE)[0] = 'x';   // writable already: no fault, no mark
  fakefs_failwrites = 1;
  assert_int_equal(vm_sync(&a, va + PGSIZE, PGSIZE), -1);
  assert_true(pcache_isdirty(ip, 1));
  expect("a failed msync", NPG, 1);
  assert_int_equal(vm_sync(&a, va + PGSIZE, PGSIZE), 0);
  expect("msync", NPG, 1);
  assert_int_equal(vm_unmap(&a, va + PGSIZE, PGSIZE), 0);
  expect("page 1 unmapped", NPG, 2);

  assert_int_equal(pcache_reclaim(1), 1);
  expect("reclaim of one page", NPG - 1, 1);
  struct inode *pip;
  uint64 index;
  pa = pcache_pick(&pip, &index);   // eviction holds the page it looks at
  assert_int_equal(index, 1);
  expect("eviction picking the unmapped page", NPG - 1, 0);
  assert_int_equal(pcache_drop(pip, index, pa), 1);
  expect("eviction dropping it", NPG - 2, 0);
  // Pages 2 and 3 are mapped and were used: eviction leaves them on its
  // first turn round the cache (clearing their accessed bits) and takes
  // them on the second.
  assert_int_equal(file_evict(NPG, 1), 0);
  expect("eviction's first turn", NPG - 2, 0);
  assert_int_equal(file_evict(NPG, 1), 2);
  expect("eviction's second turn", 0, 0);
  assert_int_equal(vmfault(&a, va + 2 * PGSIZE, ACCESS_WRITE), FAULT_OK);
  expect("a store faulting page 2 back", 1, 0);
  finish(&a, 0, 0);
  expect("exit", 1, 1);
  fmap_release(ip);
}

// A private mapping's copies, a program's text and data, and O_TRUNC.
static void
counts_follow_private_pages(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a, p1, p2;
  uint64 va;
  mapper(&a, ip, 2, 0, RW, ACCESS_READ, &va);
  expect("a private mapping read", 2, 0);
  assert_int_equal(vmfault(&a, va, ACCESS_WRITE), FAULT_OK);
  expect("a store: page 0 copied", 2, 1);

  // Text pages 1 and 2 of the program, its data page 3 (copied at exec,
  // and held by nobody after), and its ELF headers' page 0.
  static uchar img[5 * PGSIZE];
  uint64 size = aligned_program(img, sizeof(img), 2 * PGSIZE);
  fakefs_put("/prog", img, size);
  char *argv[] = { "/prog", 0 };
  uint64 entry, sp, argvp;
  vm_new(&p1);
  vm_new(&p2);
  vmreg_add(&p1);
  vmreg_add(&p2);
  assert_int_equal(exec_load(&p1, "/prog", argv, &entry, &sp, &argvp), 1);
  expect("exec", 3, 2);
  assert_int_equal(exec_load(&p2, "/prog", argv, &entry, &sp, &argvp), 1);
  expect("a second exec", 3, 2);
  assert_int_equal(vmfault(&p1, 0, ACCESS_EXEC), FAULT_OK);
  expect("the text run", 5, 2);
  assert_int_equal(vmfault(&p2, PGSIZE, ACCESS_EXEC), FAULT_OK);
  expect("the text run again", 5, 2);
  done_with(&p1);
  expect("one program's exit", 5, 2);
  done_with(&p2);
  expect("the other's", 5, 4);

  fakefs_truncate(ip);   // page 1, mapped, leaves the cache; so does page 0
  expect("O_TRUNC", 3, 3);
  vm_sync_truncated(&a);
  expect("the mapper's pages past the end dropped", 3, 3);
  assert_int_equal(pcache_reclaim(3), 3);
  expect("reclaim", 0, 0);
  finish(&a, 0, ip);
}

int
run_pccount_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(counts_follow_shared_pages),
    UNIT_TEST(counts_follow_private_pages),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("pccount", tests, NULL, NULL);
}
