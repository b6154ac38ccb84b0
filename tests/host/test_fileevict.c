// fileevict.c: the page cache's pages that processes map leave under
// memory pressure. A clean one is unmapped from every mapper and dropped,
// a dirty one written back first; the mappers fault it back in, from the
// file. What the kernel or an out-of-reach process holds stays, and every
// page is counted. (The write-back's races: test_writeback.c.)
#include "arch/riscv/sv39.h"
#include "fileevict.h"

uchar filedata[NPG * PGSIZE];

// /e: NPG pages, byte i of page p holding (i * 13 + p * 7 + 3), opened
// (one reference, given back with fmap_release).
struct inode *
fe_open_file(void)
{
  for (uint64 i = 0; i < sizeof(filedata); i++)
    filedata[i] = (uchar)(i * 13 + i / PGSIZE * 7 + 3);
  fakefs_put("/e", filedata, sizeof(filedata));
  struct inode *ip = fakefs_open("/e");
  assert_non_null(ip);
  return ip;
}

// An address space that vm_visit reaches, with a mapping of pages
// [0, npg) of ip (shared: VMMAP_SHARED, else private) at *va, each page
// faulted in for access.
void
mapper(struct vmspace *vm, struct inode *ip, int npg, int shared, int prot,
       enum access access, uint64 *va)
{
  vm_new(vm);
  vmreg_add(vm);
  *va = vm_map(vm, 0, (uint64)npg * PGSIZE, prot, shared ? VMMAP_SHARED : 0, ip, 0, 0);
  assert_true(*va != (uint64)-1);
  for (int i = 0; i < npg; i++)
    assert_int_equal(vmfault(vm, *va + (uint64)i * PGSIZE, access), FAULT_OK);
}

// An access to va by the process, as far as the PTE tells: the MMU sets
// the accessed bit.
void
use(struct vmspace *vm, uint64 va)
{
  *walk(vm->pagetable, va, 0) |= PTE_A;
}

void
done_with(struct vmspace *vm)
{
  vmreg_remove(vm);
  vm_dropfiles(vm);
  uvmfree(vm);
}

// The end of a test: every reference accounted for (the page cache's, a
// PTE's each), then the address spaces go, and ip's reference (if any).
void
finish(struct vmspace *a, struct vmspace *b, struct inode *ip)
{
  struct vmspace *vms[] = { a, b };
  assert_refs(vms, b ? 2 : 1);
  done_with(a);
  if (b)
    done_with(b);
  if (ip)
    fmap_release(ip);
}

uint64
cached_pages(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  return cached;
}

void
assert_file_page(uint64 page, const uchar *want)
{
  const uchar *have = fakefs_data("/e") + page * PGSIZE;
  for (int i = 0; i < PGSIZE; i++)
    if (have[i] != want[i])
      fail_msg("file page %lu byte %d: %#x, expected %#x", page, i, have[i], want[i]);
}

// Pages 0 and 1 of a shared mapping are stored to, 2 and 3 only read.
// The first reclaim finds every page used since it was mapped (a PTE is
// made with its accessed bit) and keeps them all, clearing the bits; the
// second takes all four: two written back, two dropped, all unmapped, and
// the free count grows by exactly four. The stores are in the file, and
// a fault brings each page back from it.
static void
dirty_shared_pages_written_back(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a;
  uint64 va;
  mapper(&a, ip, NPG, 1, RW, ACCESS_READ, &va);
  static uchar want[2][PGSIZE];
  for (int p = 0; p < 2; p++) {
    assert_int_equal(vmfault(&a, va + p * PGSIZE, ACCESS_WRITE), FAULT_OK);
    for (int i = 0; i < PGSIZE; i++)
      page_at(&a, va + p * PGSIZE)[i] = want[p][i] = (uchar)(i * 5 + p + 0x40);
  }
  assert_int_equal(fakefs_pagewrites, 0);
  uint64 nfree = kfreecount();

  assert_int_equal(reclaim(NPG), 0);
  for (int p = 0; p < NPG; p++)
    assert_true(present(&a, va + p * PGSIZE));
  assert_int_equal(reclaim(NPG), NPG);
  assert_int_equal(kfreecount(), nfree + NPG);
  assert_int_equal(cached_pages(), 0);
  for (int p = 0; p < NPG; p++)
    assert_false(present(&a, va + p * PGSIZE));
  assert_int_equal(vmstat.evict_dirty, 2);
  assert_int_equal(vmstat.evict_file, 2);
  assert_int_equal(vmstat.writebacks, 2);
  assert_int_equal(fakefs_pagewrites, 2);
  assert_true(vmreg_flushes(&a) > 0);   // its TLB must forget the pages
  assert_file_page(0, want[0]);
  assert_file_page(1, want[1]);
  assert_file_page(2, filedata + 2 * PGSIZE);

  int reads = fakefs_pagereads;
  for (int p = 0; p < NPG; p++) {
    assert_int_equal(vmfault(&a, va + p * PGSIZE, ACCESS_READ), FAULT_OK);
    assert_false(flags_at(&a, va + p * PGSIZE) & VM_W);   // clean again
    const uchar *w = p < 2 ? want[p] : filedata + p * PGSIZE;
    assert_memory_equal(page_at(&a, va + p * PGSIZE), w, PGSIZE);
  }
  assert_int_equal(fakefs_pagereads, reads + NPG);
  finish(&a, 0, 0);
  assert_int_equal(fakefs_pagewrites, 2);   // nothing left to write
  fmap_release(ip);
}

// A clean page two processes map, one shared and one private (not yet
// written), is unmapped from both and dropped; both fault it back in from
// the file. A written page of the private mapping is a copy: anonymous
// memory, which only swap takes.
static void
clean_page_of_two_mappers(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a, b;
  uint64 va, vb;
  mapper(&a, ip, 1, 1, VM_R, ACCESS_READ, &va);
  mapper(&b, ip, 2, 0, RW, ACCESS_READ, &vb);
  assert_int_equal(vmfault(&b, vb + PGSIZE, ACCESS_WRITE), FAULT_OK);
  page_at(&b, vb + PGSIZE)[0] = 0x99;
  assert_ptr_equal(page_at(&a, va), page_at(&b, vb));
  assert_int_equal(refs_at(&a, va), 3);
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(4), 1);   // page 1, which nobody maps now; page 0 was used
  assert_int_equal(reclaim(4), 1);
  assert_int_equal(kfreecount(), nfree + 2);
  assert_int_equal(vmstat.evict_file, 2);
  assert_int_equal(vmstat.evict_dirty, 0);
  assert_false(present(&a, va) || present(&b, vb));
  assert_int_equal(page_at(&b, vb + PGSIZE)[0], 0x99);   // the copy stays
  assert_int_equal(vmfault(&b, vb, ACCESS_READ), FAULT_OK);
  assert_int_equal(vmfault(&a, va, ACCESS_READ), FAULT_OK);
  assert_ptr_equal(page_at(&a, va), page_at(&b, vb));
  assert_memory_equal(page_at(&a, va), filedata, PGSIZE);
  finish(&a, &b, ip);
}

// Run a demand-paged program (aligned_program with textsz bytes of text)
// in a, and have it fault on its first text page (which maps both).
static void
run_program(struct vmspace *a, uchar *img, uint64 cap, uint64 textsz)
{
  uint64 size = aligned_program(img, cap, textsz);
  fakefs_put("/prog", img, size);
  char *argv[] = { "/prog", 0 };
  uint64 entry, sp, argvp;
  vm_new(a);
  assert_int_equal(exec_load(a, "/prog", argv, &entry, &sp, &argvp), 1);
  vmreg_add(a);
  assert_int_equal(vmfault(a, 0, ACCESS_EXEC), FAULT_OK);
  assert_true(present(a, 0) && present(a, PGSIZE));   // the whole block
}

// The text pages of a demand-paged program go as any clean file page, and
// come back when it runs them again.
static void
program_text_dropped(void **state)
{
  (void)state;
  static uchar img[5 * PGSIZE];
  struct vmspace a;
  run_program(&a, img, sizeof(img), 2 * PGSIZE);
  // The data's file page, copied into a private page at exec, is in the
  // cache and nobody maps it: it goes first. The text was used.
  assert_int_equal(reclaim(2), 1);
  uint64 nfree = kfreecount();
  assert_int_equal(reclaim(2), 2);
  assert_int_equal(kfreecount(), nfree + 2);
  assert_int_equal(vmstat.evict_file, 3);
  assert_false(present(&a, 0) || present(&a, PGSIZE));
  assert_true(present(&a, 0x3000));   // the data's private copy stays
  assert_int_equal(vmfault(&a, PGSIZE + 8, ACCESS_EXEC), FAULT_OK);
  assert_memory_equal(page_at(&a, PGSIZE), img + 2 * PGSIZE, PGSIZE);
  finish(&a, 0, 0);
}

// The text's last page, where its file bytes end, is a private copy with
// zeros after them, mapped with the first page by map_around: anonymous
// memory, which goes to swap, while the first page is dropped.
static void
text_end_copy_goes_to_swap(void **state)
{
  (void)state;
  fakeswap_reset(16);
  assert_int_equal(swapinit(), 16);
  static uchar img[5 * PGSIZE];
  struct vmspace a;
  run_program(&a, img, sizeof(img), PGSIZE + 100);
  reclaim(16);
  reclaim(16);
  pte_t *pte = walk(a.pagetable, PGSIZE, 0);
  assert_true(pte_is_swap(*pte));
  assert_false(present(&a, 0));
  assert_true(vmstat.evict_anon >= 1 && vmstat.evict_file >= 1);
  assert_int_equal(vmfault(&a, PGSIZE, ACCESS_EXEC), FAULT_OK);
  assert_memory_equal(page_at(&a, PGSIZE), img + 2 * PGSIZE, 100);
  for (int i = 100; i < PGSIZE; i++)
    assert_int_equal(page_at(&a, PGSIZE)[i], 0);
  assert_int_equal(vmfault(&a, 0, ACCESS_EXEC), FAULT_OK);
  assert_memory_equal(page_at(&a, 0), img + PGSIZE, PGSIZE);
  finish(&a, 0, 0);
}

// What must stay stays, and goes once it is let go: a page the kernel
// holds a reference to (read() copying from it), a page of a process in
// its fault path or holding a pinned buffer (busy), inside read() or
// write() of a file (filepin), or running on another hart; and a page
// used since the last pass.
static void
held_pages_stay(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a;
  uint64 va;
  mapper(&a, ip, 1, 1, VM_R, ACCESS_READ, &va);
  reclaim(1);   // the accessed bit of the fault
  uint64 held = pcache_peek(ip, 0);
  assert_int_equal(reclaim(1), 0);
  kfree(P2V(held));
  a.busy = 1;
  assert_int_equal(reclaim(1), 0);
  a.busy = 0;
  assert_int_equal(vm_prefault_files(&a, va, 8, ACCESS_READ), 0);
  assert_int_equal(reclaim(1), 0);
  vm_unpin_files(&a);
  vmreg_running_elsewhere(&a, 1);
  assert_int_equal(reclaim(1), 0);
  vmreg_running_elsewhere(&a, 0);
  use(&a, va);
  assert_int_equal(reclaim(1), 0);   // used since: a second chance
  assert_true(present(&a, va));
  assert_int_equal(vmstat.evict_file, 0);
  assert_int_equal(reclaim(1), 1);
  assert_false(present(&a, va));
  finish(&a, 0, ip);
}

// read() and write() make the buffer's file pages present before they
// take the inode's lock; a page made present first must still be there
// when the last one is, though that one's fault had to reclaim memory.
static void
prefault_keeps_earlier_pages(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a, b;
  uint64 va, vb;
  mapper(&b, ip, 1, 1, VM_R, ACCESS_READ, &vb);   // page 0: something to take
  vm_new(&a);
  vmreg_add(&a);
  va = vm_map(&a, 0, 3 * PGSIZE, VM_R, VMMAP_SHARED, ip, PGSIZE, 0);
  assert_int_equal(vmfault(&a, va, ACCESS_READ), FAULT_OK);   // page 1, not 2
  assert_int_equal(vm_unmap(&a, va + 2 * PGSIZE, PGSIZE), 0);
  reclaim(2);   // neither page was used since
  machine_exhaust(0);
  assert_int_equal(vm_prefault_files(&a, va, 2 * PGSIZE, ACCESS_READ), 0);
  assert_true(present(&a, va) && present(&a, va + PGSIZE));
  assert_false(present(&b, vb));   // what the fault on page 2 took
  vm_unpin_files(&a);
  machine_unexhaust();
  finish(&a, &b, ip);
}

// A page under a last-level table that fork shares is every sharer's
// (forkshare.c): it stays until the table is someone's own again.
static void
shared_table_page_stays(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace p, c;
  // Away from the span of the trap frame, which fork never shares.
  uint64 va = LARGE_PGSIZE;
  vm_new(&p);
  vmreg_add(&p);
  assert_int_equal(vm_map(&p, va, PGSIZE, VM_R, VMMAP_FIXED, ip, 0, 0), va);
  assert_int_equal(vmfault(&p, va, ACCESS_READ), FAULT_OK);
  vm_forkshare = 1;
  vm_new(&c);
  assert_int_equal(uvmcopy(&p, &c), 0);
  vmreg_add(&c);
  pte_t *table;
  assert_int_equal(span_kind(p.pagetable, va, &table), SPAN_SHARED);
  reclaim(1);
  assert_int_equal(reclaim(1), 0);
  assert_int_equal(vmstat.evict_file, 0);
  done_with(&c);   // p is the last sharer: its next fault takes the table over
  assert_int_equal(vmfault(&p, va, ACCESS_READ), FAULT_OK);
  assert_int_equal(span_kind(p.pagetable, va, &table), SPAN_TABLE);
  reclaim(1);
  assert_int_equal(reclaim(1), 1);
  finish(&p, 0, ip);
}

// With no swap device and no free page, a fault that needs one gets it
// from a file page another process maps: eviction of file pages needs no
// swap. The counts add up: the page freed is the page taken.
static void
fault_takes_file_page_without_swap(void **state)
{
  (void)state;
  struct inode *ip = fe_open_file();
  struct vmspace a, b;
  uint64 va;
  mapper(&a, ip, NPG, 1, RW, ACCESS_WRITE, &va);
  for (int p = 0; p < NPG; p++)
    page_at(&a, va + p * PGSIZE)[1] = (uchar)(0xA0 + p);
  reclaim(NPG);   // every accessed bit cleared
  vm_new(&b);
  vmreg_add(&b);
  b.sz = PGSIZE;   // one lazy heap page
  assert_int_equal(vmfault(&b, 0, ACCESS_WRITE), FAULT_OK);   // its table
  b.sz = 2 * PGSIZE;
  machine_exhaust(0);
  assert_int_equal(vmfault(&b, PGSIZE, ACCESS_WRITE), FAULT_OK);
  assert_true(vmstat.evict_dirty > 0);
  assert_int_equal(kfreecount() + 1, vmstat.evict_dirty);   // one went to b
  for (int p = 0; p < NPG; p++) {
    if (!present(&a, va + p * PGSIZE))
      assert_int_equal(fakefs_data("/e")[p * PGSIZE + 1], 0xA0 + p);
  }
  machine_unexhaust();
  finish(&a, &b, 0);
  for (int p = 0; p < NPG; p++)
    assert_int_equal(fakefs_data("/e")[p * PGSIZE + 1], 0xA0 + p);
  fmap_release(ip);
}

int
run_fileevict_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(dirty_shared_pages_written_back),
    UNIT_TEST(clean_page_of_two_mappers),
    UNIT_TEST(program_text_dropped),
    UNIT_TEST(text_end_copy_goes_to_swap),
    UNIT_TEST(held_pages_stay),
    UNIT_TEST(prefault_keeps_earlier_pages),
    UNIT_TEST(shared_table_page_stays),
    UNIT_TEST(fault_takes_file_page_without_swap),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("fileevict", tests, NULL, NULL);
}
