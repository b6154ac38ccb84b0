// fileevict.c's write-back of dirty file pages: a store or a mapping
// that races with it, a write-back that fails, a store after msync (the
// PTE is the dirty bit), and the reclaim of a copy inside read() or
// write(), which writes nothing back.
#include "fileevict.h"

// A store through another mapping while the write-back runs (in the
// middle of fmap_writepage, after the bytes reached the disk) is not in
// the file yet: the page must stay, dirty, and reach the file when that
// mapping goes. A write() meanwhile reaches the file itself.
static struct vmspace *racer;
static uint64 racer_va;
static struct inode *racer_ip;

static void
store_meanwhile(void)
{
  assert_int_equal(vmfault(racer, racer_va, ACCESS_WRITE), FAULT_OK);
  page_at(racer, racer_va)[5] = 0x77;
  assert_int_equal(fakefs_write(racer_ip, 9, "W", 1), 1);
}

static void
store_during_writeback_not_lost(void **state)
{
  (void)state;
  struct inode *ip = racer_ip = fe_open_file();
  struct vmspace a, b;
  uint64 va, vb;
  mapper(&a, ip, 1, 1, RW, ACCESS_WRITE, &va);
  page_at(&a, va)[4] = 0x66;
  // b maps pages 0 and 1, and has faulted in page 1 only (so its fault on
  // page 0 needs no page-table page).
  vm_new(&b);
  vmreg_add(&b);
  vb = vm_map(&b, 0, 2 * PGSIZE, RW, VMMAP_SHARED, ip, 0, 0);
  assert_int_equal(vmfault(&b, vb + PGSIZE, ACCESS_READ), FAULT_OK);
  racer = &b;
  racer_va = vb;
  reclaim(2);
  use(&b, vb + PGSIZE);
  fakefs_meanwhile_write = store_meanwhile;
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(2), 0);
  assert_null(fakefs_meanwhile_write);   // b stored during the write-back
  assert_int_equal(kfreecount(), nfree);
  assert_false(present(&a, va));
  assert_int_equal(fakefs_data("/e")[4], 0x66);
  assert_int_equal(fakefs_data("/e")[9], 'W');
  assert_int_equal(vmstat.evict_dirty + vmstat.evict_file, 0);
  assert_int_equal(cached_pages(), 2);
  assert_int_equal(fakefs_data("/e")[5], filedata[5]);   // not yet
  int n = reclaim(2);
  assert_int_equal(n + reclaim(2), 2);   // page 0 had a second chance: b used it
  assert_false(present(&b, vb));
  assert_int_equal(vmstat.evict_dirty, 1);   // b's writable PTE: dirty
  assert_int_equal(fakefs_data("/e")[5], 0x77);
  assert_int_equal(fakefs_data("/e")[4], 0x66);
  assert_int_equal(fakefs_data("/e")[9], 'W');
  finish(&a, &b, ip);
}

// A process that maps the page while the write-back runs (a read fault)
// holds it: the page stays, mapped, clean.
static void
map_meanwhile(void)
{
  assert_int_equal(vmfault(racer, racer_va, ACCESS_READ), FAULT_OK);
}

static void
map_during_writeback_keeps_page(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a, b;
  uint64 va;
  mapper(&a, ip, 1, 1, RW, ACCESS_WRITE, &va);
  page_at(&a, va)[4] = 0x66;
  vm_new(&b);   // maps pages 0 and 1, has faulted in page 1 only
  vmreg_add(&b);
  racer_va = vm_map(&b, 0, 2 * PGSIZE, VM_R, VMMAP_SHARED, ip, 0, 0);
  assert_int_equal(vmfault(&b, racer_va + PGSIZE, ACCESS_READ), FAULT_OK);
  racer = &b;
  reclaim(2);
  use(&b, racer_va + PGSIZE);
  fakefs_meanwhile_write = map_meanwhile;
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(2), 0);
  assert_null(fakefs_meanwhile_write);
  assert_int_equal(kfreecount(), nfree);
  assert_false(present(&a, va));
  assert_int_equal(page_at(&b, racer_va)[4], 0x66);
  assert_int_equal(fakefs_data("/e")[4], 0x66);
  assert_int_equal(vmstat.evict_dirty + vmstat.evict_file, 0);
  finish(&a, &b, ip);
}

// A write-back that fails (a disk error) leaves the page cached and
// dirty: it is not dropped. The next mapping that goes writes it.
// /e's page 0, mapped shared by a at *va and stored byte to at 2, then
// unmapped by an eviction whose write-back fails.
static struct inode *
failed_writeback(struct vmspace *a, uint64 *va, uchar byte)
{
  struct inode *ip = fe_open_file();
  mapper(a, ip, 1, 1, RW, ACCESS_WRITE, va);
  page_at(a, *va)[2] = byte;
  reclaim(1);
  fakefs_failwrites = 1;
  assert_int_equal(reclaim(1), 0);
  assert_false(present(a, *va));
  return ip;
}

static void
failed_writeback_keeps_page(void **state)
{
  (void)state;
  struct vmspace a;
  uint64 va;
  struct inode *ip = failed_writeback(&a, &va, 0x31);
  assert_int_equal(cached_pages(), 1);
  assert_int_equal(vmstat.evict_dirty + vmstat.evict_file, 0);
  assert_int_equal(fakefs_data("/e")[2], filedata[2]);
  assert_int_equal(vmfault(&a, va, ACCESS_READ), FAULT_OK);
  assert_int_equal(page_at(&a, va)[2], 0x31);   // still the cached page
  finish(&a, 0, 0);
  assert_int_equal(fakefs_data("/e")[2], 0x31);
  fmap_release(ip);
}

// A page whose write-back failed and that nobody maps any more (its
// mapper went, the file closed: no reference to the inode is left) is
// written by the next eviction, once the disk works again, and dropped.
static void
unmapped_dirty_page_written_later(void **state)
{
  (void)state;
  struct vmspace a;
  uint64 va;
  struct inode *ip = failed_writeback(&a, &va, 0x32);
  finish(&a, 0, ip);   // nothing mapped: nothing written, and no reference left
  assert_int_equal(fakefs_data("/e")[2], filedata[2]);
  assert_int_equal(cached_pages(), 1);
  assert_int_equal(reclaim(1), 1);
  assert_int_equal(fakefs_data("/e")[2], 0x32);
  assert_int_equal(cached_pages(), 0);
  assert_int_equal(vmstat.evict_dirty, 1);
}

// msync writes the page and clears its mark, but the PTE stays writable:
// a store after it makes the page dirty again, which eviction learns from
// the PTE alone.
static void
store_after_msync_is_written(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a;
  uint64 va;
  mapper(&a, ip, 1, 1, RW, ACCESS_WRITE, &va);
  page_at(&a, va)[0] = 0x10;
  assert_int_equal(vm_sync(&a, va, PGSIZE), 0);
  assert_false(pcache_isdirty(ip, 0));
  assert_true(flags_at(&a, va) & VM_W);
  page_at(&a, va)[1] = 0x11;
  reclaim(1);
  assert_int_equal(reclaim(1), 1);
  assert_int_equal(vmstat.evict_dirty, 1);
  assert_int_equal(fakefs_data("/e")[0], 0x10);
  assert_int_equal(fakefs_data("/e")[1], 0x11);
  finish(&a, 0, ip);
}

// A kernel copy inside read() or write() of a file asks for a reclaim
// that writes nothing back (it holds the inode's lock): dirty pages keep
// their PTEs, writable or not, and clean ones go.
static void
nowrite_keeps_dirty_pages(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a;
  uint64 va;
  mapper(&a, ip, 3, 1, RW, ACCESS_READ, &va);
  assert_int_equal(vmfault(&a, va, ACCESS_WRITE), FAULT_OK);
  page_at(&a, va)[0] = 1;
  assert_int_equal(vmfault(&a, va + PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vm_protect(&a, va + PGSIZE, PGSIZE, VM_R), 0);   // dirty, read-only
  reclaim_nowrite(3);
  assert_int_equal(reclaim_nowrite(3), 1);
  assert_true(present(&a, va) && present(&a, va + PGSIZE));
  assert_false(present(&a, va + 2 * PGSIZE));
  assert_int_equal(fakefs_pagewrites, 0);
  assert_int_equal(reclaim(3), 2);
  assert_int_equal(fakefs_pagewrites, 2);
  assert_int_equal(vmstat.evict_dirty, 2);
  assert_int_equal(fakefs_data("/e")[0], 1);
  finish(&a, 0, ip);
}

int
run_writeback_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(store_during_writeback_not_lost),
    UNIT_TEST(map_during_writeback_keeps_page),
    UNIT_TEST(failed_writeback_keeps_page),
    UNIT_TEST(unmapped_dirty_page_written_later),
    UNIT_TEST(store_after_msync_is_written),
    UNIT_TEST(nowrite_keeps_dirty_pages),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("writeback", tests, NULL, NULL);
}
