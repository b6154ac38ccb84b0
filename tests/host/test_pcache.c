// pagecache.c, pager.c, exec.c: the end of a mapped file, a failed
// shared store, reclaim of cached pages, O_TRUNC reaching every mapping,
// a cache with no size of its own, and demand-paged exec sharing a
// program's text, on files served by the fake file system.
#include <stdlib.h>
#include "abi/param.h"
#include "mm/elf.h"
#include "fs/fs.h"
#include "mmapfile.h"


// Past the page holding the end of the file there is nothing to map; the
// rest of that page reads zeros.
static void
past_end_of_file(void **state)
{
  (void)state;
  struct inode *ip = open_file(PGSIZE + 100);
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, 3 * PGSIZE, VM_R, 0, ip, 0, 0);
  assert_int_equal(vmfault(&vm, a + PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(byte_at(&vm, a + PGSIZE + 99), mapdata[PGSIZE + 99]);
  assert_int_equal(byte_at(&vm, a + PGSIZE + 100), 0);
  assert_int_equal(vmfault(&vm, a + 2 * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  vm_end(&vm);
  close_file(ip);
}

// A store to a shared file page whose mapping fails for want of a
// page-table page leaves the cached page clean: nobody maps it, so reclaim
// must be able to take it. (It stayed dirty, and cached for good, before
// the fuzzer found it.)
static void
failed_shared_store_leaves_page_clean(void **state)
{
  (void)state;
  struct inode *ip = open_file(PGSIZE);
  struct vmspace vm;
  vm_new(&vm);
  uint64 pa;
  assert_int_equal(pcache_get(ip, 0, &pa), FAULT_OK);   // cached, held: not reclaimable
  uint64 a = vm_map(&vm, 0, PGSIZE, RW, VMMAP_SHARED, ip, 0, 0);
  machine_exhaust(0);
  assert_int_equal(vmfault(&vm, a, ACCESS_WRITE), FAULT_NOMEM);   // no page-table page
  machine_unexhaust();
  kfree(P2V(pa));
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  assert_int_equal(cached, 1);
  assert_int_equal(reclaimable, 1);
  assert_int_equal(pcache_reclaim(1), 1);
  vm_end(&vm);
  close_file(ip);
}

// Clean cached pages nobody maps go back before an allocation fails.
static void
reclaim_before_failing(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, FILEPAGES * PGSIZE, VM_R, 0, ip, 0, 0);
  for (int i = 0; i < FILEPAGES; i++)
    assert_int_equal(vmfault(&vm, a + i * PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(vm_unmap(&vm, a, 2 * PGSIZE), 0);   // two pages now unmapped
  machine_exhaust(0);
  void *p1 = kalloc(), *p2 = kalloc();
  assert_non_null(p1);
  assert_non_null(p2);
  assert_null(kalloc());   // the four still mapped stay
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  assert_int_equal(cached, FILEPAGES - 2);
  assert_int_equal(reclaimable, 0);
  kfree(p1);
  kfree(p2);
  machine_unexhaust();
  vm_end(&vm);
  close_file(ip);
}

// An emptied file (O_TRUNC) takes its pages from every mapping when the
// mapper next heads for user mode: shared pages, read-only private ones
// and private copies alike; after that an access is refused as past the
// end of the file, and every page is given back.
static void
truncate_drops_mappings(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 s = vm_map(&vm, 0, 2 * PGSIZE, RW, VMMAP_SHARED, ip, 0, 0);
  uint64 p = vm_map(&vm, 0, 2 * PGSIZE, RW, 0, ip, 0, 0);
  assert_int_equal(vmfault(&vm, s, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vmfault(&vm, s + PGSIZE, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&vm, p, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&vm, p + PGSIZE, ACCESS_WRITE), FAULT_OK);   // a private copy
  vm_sync_truncated(&vm);   // nothing was emptied: nothing goes
  assert_true(present(&vm, s) && present(&vm, p + PGSIZE));
  fakefs_truncate(ip);
  vm_sync_truncated(&vm);
  for (int i = 0; i < 2; i++) {
    assert_false(present(&vm, s + i * PGSIZE));
    assert_false(present(&vm, p + i * PGSIZE));
    assert_int_equal(vmfault(&vm, s + i * PGSIZE, ACCESS_READ), FAULT_BADADDR);
    assert_int_equal(vmfault(&vm, p + i * PGSIZE, ACCESS_READ), FAULT_BADADDR);
  }
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  assert_int_equal(cached, 0);
  vm_end(&vm);
  close_file(ip);
}

// The cache has no size of its own. With every page of a file larger
// than the old fixed table (1024 entries) mapped, so that none can be
// taken back, another file's page is still cached: only memory bounds it.
#define BIGPAGES 1100

static void
cache_grows_with_memory(void **state)
{
  (void)state;
  uchar *data = calloc(BIGPAGES, PGSIZE);
  assert_non_null(data);
  for (uint64 i = 0; i < BIGPAGES; i++)
    data[i * PGSIZE] = (uchar)(i + 1);
  fakefs_put("/big", data, (uint64)BIGPAGES * PGSIZE);
  free(data);
  struct inode *big = fakefs_open("/big");
  assert_non_null(big);
  struct inode *ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, (uint64)BIGPAGES * PGSIZE, VM_R, VMMAP_SHARED, big, 0, 0);
  for (uint64 i = 0; i < BIGPAGES; i++) {
    assert_int_equal(vmfault(&vm, a + i * PGSIZE, ACCESS_READ), FAULT_OK);
    assert_int_equal(byte_at(&vm, a + i * PGSIZE), (uchar)(i + 1));
  }
  uint64 b = vm_map(&vm, 0, PGSIZE, VM_R, 0, ip, 0, 0);
  assert_int_equal(vmfault(&vm, b, ACCESS_READ), FAULT_OK);
  assert_int_equal(byte_at(&vm, b), mapdata[0]);
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  assert_int_equal(cached, BIGPAGES + 1);
  assert_int_equal(reclaimable, 0);
  vm_end(&vm);
  assert_int_equal(pcache_reclaim(BIGPAGES + 1), BIGPAGES + 1);
  close_file(ip);
  fmap_release(big);
}

// Memory running short takes back the clean pages that were used least
// recently, not the ones cached first.
static void
reclaim_takes_least_recently_used(void **state)
{
  (void)state;
  struct inode *ip = open_file(sizeof(mapdata));
  uint64 pa;
  for (int i = 0; i < FILEPAGES; i++) {
    assert_int_equal(pcache_get(ip, i, &pa), FAULT_OK);
    kfree(P2V(pa));
  }
  assert_int_equal(pcache_get(ip, 0, &pa), FAULT_OK);   // page 0 used again
  kfree(P2V(pa));
  assert_int_equal(pcache_reclaim(2), 2);
  assert_true(pcache_holds(ip, 0, pa));
  assert_int_equal(pcache_peek(ip, 1), 0);
  assert_int_equal(pcache_peek(ip, 2), 0);
  uint64 three = pcache_peek(ip, 3);
  assert_true(three != 0);
  kfree(P2V(three));
  close_file(ip);
}

// A program whose segments sit at page-aligned offsets in its file:
// text (textsz bytes of the file, two pages at most) at 0, data at 0x3000
// with 100 bytes from the file and bss to 0x5032.
uint64
aligned_program(uchar *img, uint64 cap, uint64 textsz)
{
  memset(img, 0, cap);
  struct elfhdr *eh = (struct elfhdr *)img;
  eh->magic = ELF_MAGIC;
  eh->ident[0] = ELFCLASS64;
  eh->type = ET_EXEC;
  eh->machine = EM_RISCV;
  eh->entry = 0x40;
  eh->phoff = sizeof(*eh);
  eh->phentsize = sizeof(struct proghdr);
  eh->phnum = 2;
  struct proghdr *ph = (struct proghdr *)(img + eh->phoff);
  ph[0] = (struct proghdr){ .type = PT_LOAD, .flags = PF_R | PF_X, .off = PGSIZE,
                            .vaddr = 0, .filesz = textsz, .memsz = 2 * PGSIZE };
  ph[1] = (struct proghdr){ .type = PT_LOAD, .flags = PF_R | PF_W, .off = 3 * PGSIZE,
                            .vaddr = 0x3000, .filesz = 100, .memsz = 2 * PGSIZE + 50 };
  for (uint64 i = PGSIZE; i < 4 * PGSIZE; i++)
    img[i] = (uchar)(i % 251 + 1);
  return 3 * PGSIZE + 100 + 8;   // junk after the data: never shown
}

static void
demand_exec_shares_text(void **state)
{
  (void)state;
  static uchar img[5 * PGSIZE];
  uint64 size = aligned_program(img, sizeof(img), 2 * PGSIZE);
  fakefs_put("/prog", img, size);
  char *argv[] = { "/prog", 0 };
  struct vmspace v1, v2;
  uint64 entry, sp, argvp;
  vm_new(&v1);
  vm_new(&v2);
  assert_int_equal(exec_load(&v1, "/prog", argv, &entry, &sp, &argvp), 1);
  assert_int_equal(exec_load(&v2, "/prog", argv, &entry, &sp, &argvp), 1);
  // Only the ELF and program headers were read, and the page where the
  // data's file bytes end (a private copy): no page of the text.
  assert_false(present(&v1, 0) || present(&v1, PGSIZE) || present(&v1, 0x4000));
  assert_true(present(&v1, 0x3000) && (flags_at(&v1, 0x3000) & VM_W));
  assert_int_equal(fakefs_pagereads, 1);
  // A fault in the text brings in its whole block of text (both pages).
  assert_int_equal(vmfault(&v1, PGSIZE, ACCESS_EXEC), FAULT_OK);
  assert_true(present(&v1, 0));
  assert_int_equal(fakefs_pagereads, 3);
  assert_int_equal(vmfault(&v2, PGSIZE, ACCESS_EXEC), FAULT_OK);
  assert_ptr_equal(page_at(&v1, PGSIZE), page_at(&v2, PGSIZE));
  assert_ptr_equal(page_at(&v1, 0), page_at(&v2, 0));
  assert_int_equal(byte_at(&v1, PGSIZE + 7), img[2 * PGSIZE + 7]);
  assert_int_equal(fakefs_pagereads, 3);   // the second process found them cached
  assert_int_equal(vmfault(&v1, PGSIZE, ACCESS_WRITE), FAULT_BADADDR);
  // Data and bss share a page: the file's 100 bytes, then zeros.
  assert_int_equal(vmfault(&v1, 0x3000, ACCESS_READ), FAULT_OK);
  assert_int_equal(byte_at(&v1, 0x3000 + 99), img[3 * PGSIZE + 99]);
  assert_int_equal(byte_at(&v1, 0x3000 + 100), 0);
  assert_int_equal(vmfault(&v1, 0x3000, ACCESS_WRITE), FAULT_OK);
  page_at(&v1, 0x3000)[0] = 0x55;
  assert_int_equal(vmfault(&v2, 0x3000, ACCESS_READ), FAULT_OK);
  assert_int_equal(byte_at(&v2, 0x3000), img[3 * PGSIZE]);
  assert_int_equal(vmfault(&v1, 0x4000, ACCESS_READ), FAULT_OK);   // bss
  assert_int_equal(byte_at(&v1, 0x4000), 0);
  struct vmspace *vms[] = { &v1, &v2 };
  assert_refs(vms, 2);
  vm_end(&v1);
  vm_end(&v2);
}

// A write() that lands while a fault reads the page from the file finds
// nothing cached to update; the reader must not then cache the old bytes.
static struct inode *racing_ip;

static void
write_meanwhile(void)
{
  assert_int_equal(fakefs_write(racing_ip, 5, "Z", 1), 1);
}

static void
write_during_read_is_not_lost(void **state)
{
  (void)state;
  struct inode *ip = racing_ip = open_file(sizeof(mapdata));
  struct vmspace vm;
  vm_new(&vm);
  uint64 a = vm_map(&vm, 0, PGSIZE, VM_R, VMMAP_SHARED, ip, 0, 0);
  fakefs_meanwhile = write_meanwhile;
  assert_int_equal(vmfault(&vm, a, ACCESS_READ), FAULT_OK);
  assert_null(fakefs_meanwhile);   // the write did land during the read
  assert_int_equal(byte_at(&vm, a + 5), 'Z');
  assert_int_equal(fakefs_pagereads, 2);   // read again
  uchar b;
  assert_int_equal(fakefs_read(ip, 5, &b, 1), 1);
  assert_int_equal(b, 'Z');
  vm_end(&vm);
  close_file(ip);
}

int
run_pcache_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(past_end_of_file),
    UNIT_TEST(failed_shared_store_leaves_page_clean),
    UNIT_TEST(reclaim_before_failing),
    UNIT_TEST(truncate_drops_mappings),
    UNIT_TEST_BIG(cache_grows_with_memory),
    UNIT_TEST(reclaim_takes_least_recently_used),
    UNIT_TEST(demand_exec_shares_text),
    UNIT_TEST(write_during_read_is_not_lost),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("pcache", tests, NULL, NULL);
}
