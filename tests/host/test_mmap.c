// region.c, pager.c, pagecache.c: mappings made at run time, their
// splitting and rights, and the page cache they share, on files served
// by the fake file system. (The end of the file, write-back, reclaim,
// truncate and demand-paged exec: test_pcache.c.)
#include <stdlib.h>
#include "abi/param.h"
#include "mm/elf.h"
#include "fs/fs.h"
#include "mmapfile.h"

uchar mapdata[FILEPAGES * PGSIZE];

// /f: FILEPAGES pages, byte i holding i * 7 + page + 1; opened (one
// reference, given back by close_file).
struct inode *
open_file(uint64 size)
{
  for (uint64 i = 0; i < sizeof(mapdata); i++)
    mapdata[i] = (uchar)(i * 7 + i / PGSIZE + 1);
  fakefs_put("/f", mapdata, size);
  struct inode *ip = fakefs_open("/f");
  assert_non_null(ip);
  return ip;
}

void
close_file(struct inode *ip)
{
  fmap_release(ip);
}

// Everything vm holds goes: file regions first (they write back), then
// the rest.
void
vm_end(struct vmspace *vm)
{
  vm_dropfiles(vm);
  uvmfree(vm);
}

uchar
byte_at(struct vmspace *vm, uint64 va)
{
  return page_at(vm, PGROUNDDOWN(va))[va % PGSIZE];
}

static void
munmap_hole_splits_region(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  uint64 free0 = kfreecount();
  uint64 a = vm_map(&vm, 0, 8 * PGSIZE, RW, 0, 0, 0, 0);
  assert_int_equal(a, MMAPTOP - 8 * PGSIZE);
  for (int i = 0; i < 8; i++)
    assert_int_equal(vmfault(&vm, a + i * PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vm_unmap(&vm, a + 3 * PGSIZE, 2 * PGSIZE), 0);
  assert_int_equal(vm.nvma, 2);
  assert_int_equal(vm.vma[0].start, a);
  assert_int_equal(vm.vma[0].end, a + 3 * PGSIZE);
  assert_int_equal(vm.vma[1].start, a + 5 * PGSIZE);
  assert_int_equal(vm.vma[1].end, a + 8 * PGSIZE);
  assert_false(present(&vm, a + 3 * PGSIZE) || present(&vm, a + 4 * PGSIZE));
  assert_true(present(&vm, a + 2 * PGSIZE) && present(&vm, a + 5 * PGSIZE));
  assert_int_equal(vmfault(&vm, a + 4 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  // Head and tail, then a range over both pieces and the hole.
  assert_int_equal(vm_unmap(&vm, a, PGSIZE), 0);
  assert_int_equal(vm_unmap(&vm, a + 7 * PGSIZE, PGSIZE), 0);
  assert_int_equal(vm.vma[0].start, a + PGSIZE);
  assert_int_equal(vm.vma[1].end, a + 7 * PGSIZE);
  assert_int_equal(vm_unmap(&vm, a, 8 * PGSIZE), 0);
  assert_int_equal(vm.nvma, 0);
  assert_int_equal(vm_unmap(&vm, a, 8 * PGSIZE), 0);   // nothing there
  assert_int_equal(kfreecount(), free0);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  vm_end(&vm);
}

// The second piece of a split file region still shows the right part of
// the file.
static void
split_file_region_keeps_offsets(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, FILEPAGES * PGSIZE, VM_R, 0, ip, 0, 0);
  assert_int_equal(vm_unmap(&vm, a + PGSIZE, 2 * PGSIZE), 0);
  assert_int_equal(vm.nvma, 2);
  assert_int_equal(vm.vma[1].off, 3 * PGSIZE);
  assert_int_equal(vm.vma[1].filelen, 3 * PGSIZE);
  assert_int_equal(vmfault(&vm, a + 4 * PGSIZE + 9, ACCESS_READ), FAULT_OK);
  assert_int_equal(byte_at(&vm, a + 4 * PGSIZE + 9), mapdata[4 * PGSIZE + 9]);
  assert_int_equal(ip->ref, 3);   // the open file and both pieces
  vm_end(&vm);
  close_file(ip);
}

static void
protect_splits_and_refuses(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, 4 * PGSIZE, RW, 0, 0, 0, 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(vmfault(&vm, a + i * PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vm_protect(&vm, a + PGSIZE, 2 * PGSIZE, VM_R), 0);
  assert_int_equal(vm.nvma, 3);
  assert_int_equal(vm.vma[1].prot, VM_R);
  assert_false(flags_at(&vm, a + PGSIZE) & VM_W);
  assert_true(flags_at(&vm, a) & VM_W);
  assert_int_equal(vmfault(&vm, a + PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
  // Back to RW: the page held alone becomes writable on the next store.
  assert_int_equal(vm_protect(&vm, a + PGSIZE, PGSIZE, RW), 0);
  assert_int_equal(vmfault(&vm, a + PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_true(flags_at(&vm, a + PGSIZE) & VM_W);
  assert_int_equal(vm_protect(&vm, a, 6 * PGSIZE, VM_R), -1);   // past the end
  // A shared mapping of a file opened read-only never becomes writable.
  uint64 b = vm_map(&vm, 0, PGSIZE, VM_R, VMMAP_SHARED, ip, 0, VM_W);
  int n = vm.nvma;
  assert_int_equal(vm_protect(&vm, b, PGSIZE, RW), -1);
  assert_int_equal(vm.nvma, n);
  assert_int_equal(vm_map(&vm, 0, PGSIZE, RW, VMMAP_SHARED, ip, 0, VM_W), (uint64)-1);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  vm_end(&vm);
  close_file(ip);
}

// A shared anonymous mapping made PROT_NONE gets its pages at once (so
// that fork can share them) but no user access to them, as mprotect's
// PROT_NONE leaves a page: a read is refused, for a small page and for a
// large one. Made readable, it reads zeros.
static void
shared_anonymous_prot_none(void **state)
{
  (void)state;
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, 2 * PGSIZE, 0, VMMAP_SHARED, 0, 0, 0);
  uint64 big = vm_map(&vm, 0, LARGE_PGSIZE, 0, VMMAP_SHARED, 0, 0, 0);
  assert_int_equal(big % LARGE_PGSIZE, 0);
  uint64 size = 0;
  assert_non_null(walk_leaf(vm.pagetable, big, &size));
  assert_int_equal(size, LARGE_PGSIZE);
  char c;
  uint64 pages[] = { a, a + PGSIZE, big, big + 5 * PGSIZE, big + LARGE_PGSIZE - PGSIZE };
  for (int i = 0; i < 5; i++) {
    assert_int_equal(flags_at(&vm, pages[i]), VM_R);
    assert_int_equal(vmfault(&vm, pages[i], ACCESS_READ), FAULT_BADADDR);
    assert_int_not_equal(copyin(&vm, &c, pages[i], 1), 0);
  }
  assert_int_equal(vm_protect(&vm, big, LARGE_PGSIZE, VM_R), 0);
  c = 1;
  assert_int_equal(copyin(&vm, &c, big + 5 * PGSIZE, 1), 0);
  assert_int_equal(c, 0);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  vm_end(&vm);
}

// Two address spaces mapping the same file page share one page, read once.
static void
cache_shares_one_page(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace v1, v2;
  vm_new(&v1);
  vm_new(&v2);
  uint64 a = vm_map(&v1, 0, 2 * PGSIZE, VM_R, VMMAP_SHARED, ip, PGSIZE, 0);
  uint64 b = vm_map(&v2, 0, 2 * PGSIZE, VM_R, 0, ip, PGSIZE, 0);
  assert_int_equal(vmfault(&v1, a, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&v2, b, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&v1, a), page_at(&v2, b));
  assert_int_equal(refs_at(&v1, a), 3);   // the cache and two mappings
  assert_int_equal(fakefs_pagereads, 1);
  assert_int_equal(vmstat.pc_hits, 1);
  assert_int_equal(vmstat.pc_misses, 1);
  assert_int_equal(byte_at(&v2, b + 5), mapdata[PGSIZE + 5]);
  struct vmspace *vms[] = { &v1, &v2 };
  assert_refs(vms, 2);
  vm_end(&v1);
  vm_end(&v2);
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  assert_int_equal(cached, 1);
  assert_int_equal(reclaimable, 1);
  close_file(ip);
}

// A store through a shared mapping reaches the file when the mapping goes;
// one through a private mapping never does.
static void
stores_shared_and_private(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 s = vm_map(&vm, 0, PGSIZE, RW, VMMAP_SHARED, ip, 0, 0);
  uint64 p = vm_map(&vm, 0, PGSIZE, RW, 0, ip, PGSIZE, 0);
  assert_int_equal(vmfault(&vm, s, ACCESS_READ), FAULT_OK);
  assert_false(flags_at(&vm, s) & VM_W);   // clean until the first store
  assert_int_equal(vmfault(&vm, s, ACCESS_WRITE), FAULT_OK);
  assert_true(flags_at(&vm, s) & VM_W);
  page_at(&vm, s)[3] = 0xEE;
  assert_int_equal(vmfault(&vm, p, ACCESS_WRITE), FAULT_OK);
  page_at(&vm, p)[3] = 0xDD;
  assert_int_equal(refs_at(&vm, p), 1);   // a private copy
  assert_int_equal(vm_sync(&vm, s, PGSIZE), 0);
  assert_int_equal(fakefs_data("/f")[3], 0xEE);
  assert_int_equal(vmstat.writebacks, 1);
  page_at(&vm, s)[4] = 0xEF;   // still writable: the next unmap writes it
  vm_end(&vm);
  assert_int_equal(fakefs_data("/f")[4], 0xEF);
  assert_int_equal(fakefs_data("/f")[PGSIZE + 3], mapdata[PGSIZE + 3]);
  close_file(ip);
}
int
run_mmap_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(munmap_hole_splits_region),
    UNIT_TEST(split_file_region_keeps_offsets),
    UNIT_TEST(protect_splits_and_refuses),
    UNIT_TEST_BIG(shared_anonymous_prot_none),
    UNIT_TEST(cache_shares_one_page),
    UNIT_TEST(stores_shared_and_private),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("mmap", tests, NULL, NULL);
}
