// kalloc.c: the free list and the per-page reference counts.
#include <stdlib.h>
#include "unit.h"

static int
cmp_addr(const void *a, const void *b)
{
  uint64 x = *(const uint64 *)a, y = *(const uint64 *)b;
  return x < y ? -1 : x > y;
}

// kinit rounds its range inward to pages and keeps the records for the
// pages below the pages it hands out.
static void
kinit_rounds_and_counts(void **state)
{
  (void)state;
  uint64 ram = machine_ram_start();
  // [ram+100, ram+10 pages+5) holds 9 whole pages; one page of records.
  machine_kinit(ram + 100, ram + 10 * PGSIZE + 5);
  assert_int_equal(ktotalpages(), 8);
  assert_int_equal(kfreecount(), 8);
  uint64 got[8];
  for (int i = 0; i < 8; i++) {
    got[i] = (uint64)kalloc();
    assert_true(got[i] >= ram + 2 * PGSIZE && got[i] < ram + 10 * PGSIZE);
  }
  assert_null(kalloc());
  for (int i = 0; i < 8; i++)
    kfree((void *)got[i]);
  assert_int_equal(kfreecount(), 8);
  machine_boot(UNIT_RAM_PAGES);
}

// Every page once: aligned, inside RAM, all different, zeroed even when
// the previous owner left data in it; then kalloc returns 0. All but the
// zero page, which the kernel took at boot and keeps.
static void
kalloc_hands_out_every_page_once(void **state)
{
  (void)state;
  uint64 n = kfreecount();
  assert_int_equal(n, ktotalpages() - 1);
  assert_int_equal(kref_get((uint64)zero_page()), 1);
  uint64 *pages = calloc(n, sizeof(uint64));
  assert_non_null(pages);
  for (uint64 i = 0; i < n; i++) {
    uchar *p = kalloc();
    assert_non_null(p);
    assert_ptr_not_equal(p, zero_page());
    assert_int_equal((uint64)p % PGSIZE, 0);
    assert_true((uint64)p >= machine_ram_start() && (uint64)p + PGSIZE <= machine_ram_end());
    for (int j = 0; j < PGSIZE; j++)
      assert_int_equal(p[j], 0);
    memset(p, 0xEE, PGSIZE);
    pages[i] = (uint64)p;
  }
  assert_null(kalloc());
  assert_int_equal(kfreecount(), 0);
  qsort(pages, n, sizeof(uint64), cmp_addr);
  for (uint64 i = 1; i < n; i++)
    assert_true(pages[i - 1] != pages[i]);
  for (uint64 i = 0; i < n; i++)
    kfree((void *)pages[i]);
  assert_int_equal(kfreecount(), n);

  uchar *p = kalloc();   // was filled with 0xEE by its last owner
  for (int j = 0; j < PGSIZE; j++)
    assert_int_equal(p[j], 0);
  kfree(p);
  free(pages);
}

// A page returns to the free list only when its last reference goes.
static void
kfree_drops_one_reference(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  void *p = kalloc();
  assert_int_equal(kref_get((uint64)p), 1);
  assert_int_equal(kfreecount(), before - 1);
  kref_inc((uint64)p);
  kref_inc((uint64)p);
  assert_int_equal(kref_get((uint64)p), 3);
  kfree(p);
  kfree(p);
  assert_int_equal(kref_get((uint64)p), 1);
  assert_int_equal(kfreecount(), before - 1);
  kfree(p);
  assert_int_equal(kref_get((uint64)p), 0);
  assert_int_equal(kfreecount(), before);
}

// kalloc_copy: a new page with one reference holding src's bytes, taken
// from the same free list; src is left alone; 0 when memory is exhausted.
static void
kalloc_copy_copies_a_page(void **state)
{
  (void)state;
  uchar *src = kalloc();
  for (int i = 0; i < PGSIZE; i++)
    src[i] = (uchar)(i * 13 + 1);
  uint64 before = kfreecount();
  uchar *c = kalloc_copy(src);
  assert_non_null(c);
  assert_ptr_not_equal(c, src);
  assert_int_equal((uint64)c % PGSIZE, 0);
  assert_int_equal(kfreecount(), before - 1);
  assert_int_equal(kref_get((uint64)c), 1);
  assert_int_equal(kref_get((uint64)src), 1);
  assert_memory_equal(c, src, PGSIZE);
  c[0] = 0xFF;
  assert_int_equal(src[0], 1);
  uchar *z = kalloc_copy(zero_page());
  for (int i = 0; i < PGSIZE; i++)
    assert_int_equal(z[i], 0);

  machine_exhaust(0);
  assert_null(kalloc_copy(src));
  assert_int_equal(kfreecount(), 0);
  machine_unexhaust();
  kfree(z);
  kfree(c);
  kfree(src);
}

static void
double_free_panics(void **state)
{
  (void)state;
  void *p = kalloc();
  kfree(p);
  uint64 before = kfreecount();
  expect_panic(kfree(p), "already free");
  assert_int_equal(kfreecount(), before);
  assert_int_equal(kref_get((uint64)p), 0);
  // The free list is intact: every page can still be taken once.
  machine_exhaust(0);
  assert_null(kalloc());
  machine_unexhaust();
}

static void
kref_inc_of_free_page_panics(void **state)
{
  (void)state;
  void *p = kalloc();
  kfree(p);
  expect_panic(kref_inc((uint64)p), "free");
  assert_int_equal(kref_get((uint64)p), 0);
}

// Only pages kalloc manages may be freed: not an address inside a page,
// not the page records below them, not past the end.
static void
kfree_of_foreign_address_panics(void **state)
{
  (void)state;
  char *p = kalloc();
  expect_panic(kfree(p + 8), "not a managed page");
  expect_panic(kfree((void *)machine_ram_start()), "not a managed page");
  expect_panic(kfree((void *)machine_ram_end()), "not a managed page");
  expect_panic(kref_get(machine_first_page() - PGSIZE), "not a managed page");
  assert_int_equal(kref_get((uint64)p), 1);
  kfree(p);
}

// Page-table pages come one after another from a run of pages taken whole
// (kalloc_table), whatever single pages kalloc hands out meanwhile: the
// tables of an address space sit together, and so do their records. Each
// is zeroed although RAM started as junk, with one reference; the run's
// other pages still count as free.
static void
table_pages_come_in_runs(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  uint64 *a = kalloc_table();
  char *data = kalloc();
  uint64 *b = kalloc_table();
  char *data2 = kalloc();
  uint64 *c = kalloc_table();
  assert_ptr_equal(b, (char *)a + PGSIZE);
  assert_ptr_equal(c, (char *)b + PGSIZE);
  assert_true(data < (char *)a || data > (char *)c);
  assert_true(data2 < (char *)a || data2 > (char *)c);
  for (int i = 0; i < 512; i++)
    assert_int_equal(a[i] | b[i] | c[i], 0);
  assert_int_equal(kref_get((uint64)b), 1);
  assert_int_equal(kfreecount(), before - 5);
  kfree(a);
  kfree(b);
  kfree(c);
  kfree(data);
  kfree(data2);
  assert_int_equal(kfreecount(), before);
}

// The pages a run has not handed out are free for anybody: kalloc takes
// every one of them when nothing else is left (and kalloc_large a block
// they belong to), and memstat's free blocks count them.
static void
run_pages_are_free(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  void *t = kalloc_table();
  uint64 nb[MEMSTAT_ORDERS], sum = 0;
  assert_int_equal(kfreeblocks(nb), before - 1);
  for (int k = 0; k < MEMSTAT_ORDERS; k++)
    sum += nb[k] << k;
  assert_int_equal(sum, before - 1);
  void *u = kalloc_table();   // a new run: the old one went back to the lists
  machine_exhaust(0);
  assert_null(kalloc());
  assert_null(kalloc_table());
  machine_unexhaust();
  kfree(t);
  kfree(u);
  assert_int_equal(kfreecount(), before);
}

// With no block of a run's size free, a page-table page is any free page.
static void
table_page_without_a_run(void **state)
{
  (void)state;
  static uint64 got[UNIT_RAM_PAGES];
  int n = 0;
  void *p;
  while ((p = kalloc()) != 0)
    got[n++] = (uint64)p;
  for (int i = 0; i < n; i += 2)
    kfree((void *)got[i]);   // every other page: no two free pages are buddies
  uint64 before = kfreecount();
  uint64 *t = kalloc_table();
  assert_non_null(t);
  assert_int_equal(kfreecount(), before - 1);
  for (int i = 0; i < 512; i++)
    assert_int_equal(t[i], 0);
  kfree(t);
  for (int i = 1; i < n; i += 2)
    kfree((void *)got[i]);
}

int
run_kalloc_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(kinit_rounds_and_counts),
    UNIT_TEST(kalloc_hands_out_every_page_once),
    UNIT_TEST(kfree_drops_one_reference),
    UNIT_TEST(kalloc_copy_copies_a_page),
    UNIT_TEST(double_free_panics),
    UNIT_TEST(kref_inc_of_free_page_panics),
    UNIT_TEST(kfree_of_foreign_address_panics),
    UNIT_TEST(table_pages_come_in_runs),
    UNIT_TEST(run_pages_are_free),
    UNIT_TEST(table_page_without_a_run),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("kalloc", tests, NULL, NULL);
}
