// kernel/arch/riscv/pagetable.c: walk, the PTE helpers and table pages.
#include "arch/riscv/sv39.h"
#include "unit.h"

#define MB2 (1UL << 21)   // what one level-0 table maps
#define GB1 (1UL << 30)   // what one level-1 table maps

static void
new_table_is_empty(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  pagetable_t pt = pagetable_new();
  assert_non_null(pt);
  assert_int_equal(kfreecount(), before - 1);
  assert_int_equal(pagetable_pages(pt), 1);
  for (int i = 0; i < 512; i++)
    assert_int_equal(pt[i], 0);
  pagetable_free(pt);
  assert_int_equal(kfreecount(), before);
}

// Inner tables appear only when walk is asked to allocate, and only the
// ones the address needs.
static void
walk_allocates_inner_tables_on_demand(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  pagetable_t pt = pagetable_new();

  assert_null(walk(pt, 0x1000, 0));
  assert_int_equal(pagetable_pages(pt), 1);
  assert_int_equal(kfreecount(), before - 1);

  pte_t *a = walk(pt, 0x1000, 1);
  assert_non_null(a);
  assert_int_equal(*a, 0);
  assert_int_equal(pagetable_pages(pt), 3);
  assert_int_equal(kfreecount(), before - 3);

  // Same 2 MiB: same level-0 table, neighbouring entries.
  assert_ptr_equal(walk(pt, 0x1000, 0), a);
  assert_ptr_equal(walk(pt, 0x2000, 1), a + 1);
  assert_ptr_equal(walk(pt, 0x1FFFFF, 1), a + 510);
  assert_int_equal(pagetable_pages(pt), 3);

  // Next 2 MiB: one more level-0 table. Next GiB: a level-1 table too.
  assert_non_null(walk(pt, MB2, 1));
  assert_int_equal(pagetable_pages(pt), 4);
  assert_non_null(walk(pt, GB1 + 0x5000, 1));
  assert_int_equal(pagetable_pages(pt), 6);
  assert_non_null(walk(pt, MAXVA - PGSIZE, 1));
  assert_int_equal(pagetable_pages(pt), 8);
  assert_int_equal(kfreecount(), before - 8);

  // Looking without alloc finds them and adds nothing.
  assert_non_null(walk(pt, GB1, 0));
  assert_null(walk(pt, 2 * MB2, 0));
  assert_null(walk(pt, 2 * GB1, 0));
  assert_int_equal(pagetable_pages(pt), 8);

  pagetable_free(pt);
  assert_int_equal(kfreecount(), before);
}

// The offset within the page does not matter, the VPN bits do.
static void
walk_uses_the_three_indices(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  pte_t *p = walk(pt, 0x40000000 + 0x200000 * 3 + 0x7000, 1);
  assert_ptr_equal(walk(pt, 0x40000000 + 0x200000 * 3 + 0x7FFF, 0), p);
  assert_ptr_not_equal(walk(pt, 0x40000000 + 0x200000 * 3 + 0x8000, 1), p);
  assert_null(walk(pt, 0x200000 * 3 + 0x7000, 0));
  assert_null(walk(pt, 0x40000000 + 0x7000, 0));
  pagetable_free(pt);
}

// Between the user half and the kernel half, Sv39 addresses are not
// canonical: walk refuses them. The kernel half itself is walkable.
static void
walk_panics_at_maxva(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  expect_panic(walk(pt, MAXVA, 0), "MAXVA");
  expect_panic(walk(pt, MAXVA, 1), "MAXVA");
  expect_panic(walk(pt, KERNVA_BASE - PGSIZE, 1), "MAXVA");
  expect_panic(walk(pt, 1UL << 63, 1), "MAXVA");
  assert_null(walk(pt, KERNVA_BASE, 0));
  assert_null(walk(pt, ~0UL, 0));
  assert_int_equal(pagetable_pages(pt), 1);
  pagetable_free(pt);
}

// Out of memory, walk(alloc) returns 0; what it did allocate stays
// attached to the table and goes with it.
static void
walk_out_of_memory(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  machine_exhaust(1);
  assert_null(walk(pt, 0x1000, 1));   // needs 2 pages
  assert_int_equal(kfreecount(), 0);
  assert_int_equal(pagetable_pages(pt), 2);
  assert_null(walk(pt, 0x1000, 0));
  machine_unexhaust();
  assert_non_null(walk(pt, 0x1000, 1));
  assert_int_equal(pagetable_pages(pt), 3);
  pagetable_free(pt);
}

static void
pte_round_trip(void **state)
{
  (void)state;
  uint64 pa = machine_first_page() + 7 * PGSIZE;
  assert_false(pte_valid(0));
  for (int flags = 0; flags < 0x20; flags++) {
    if (!(flags & (VM_R | VM_W | VM_X)))
      continue;   // not a leaf
    if ((flags & VM_W) && !(flags & VM_R))
      continue;   // reserved in Sv39: pte_make refuses it
    pte_t pte = pte_make(pa, flags);
    assert_true(pte_valid(pte));
    assert_int_equal(pte_pa(pte), pa);
    assert_int_equal(pte_flags(pte), flags);
  }
  // The Sv39 encoding itself: PPN from bit 10, the rights in bits 1-4.
  pte_t pte = pte_make(pa, VM_R | VM_X | VM_U);
  assert_int_equal(pte >> 10, pa >> 12);
  assert_int_equal(pte & (PTE_V | PTE_R | PTE_W | PTE_X | PTE_U), PTE_V | PTE_R | PTE_X | PTE_U);
}

static void
pagetable_free_refuses_mapped_leaf(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  pagetable_t pt = pagetable_new();
  pte_t *pte = walk(pt, 0x3000, 1);
  *pte = pte_make(machine_first_page(), VM_R | VM_U);
  pagetable_t l1 = (pagetable_t)PTE2PA(pt[0]);
  pagetable_t l0 = (pagetable_t)PTE2PA(l1[0]);
  expect_panic(pagetable_free(pt), "leaf still mapped");
  // The machine would stop here. No table page was freed (tables are
  // unhooked on the way down, so this one cannot be freed again): give
  // them back by hand.
  assert_int_equal(kfreecount(), before - 3);
  assert_int_equal(kref_get((uint64)l0), 1);
  assert_int_equal(kref_get((uint64)l1), 1);
  assert_int_equal(kref_get((uint64)pt), 1);
  *pte = 0;
  kfree(l0);
  kfree(l1);
  kfree(pt);
  assert_int_equal(kfreecount(), before);
}

// mm never makes large pages; walk refuses to descend through one.
static void
walk_refuses_large_page(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  assert_non_null(walk(pt, 0, 1));
  pagetable_t l1 = (pagetable_t)PTE2PA(pt[0]);
  pte_t saved = l1[0];
  l1[0] = PA2PTE(machine_first_page()) | PTE_V | PTE_R;
  expect_panic(walk(pt, 0x1000, 0), "large page");
  assert_int_equal(pagetable_pages(pt), 2);   // the level-0 table is hidden
  l1[0] = saved;
  assert_int_equal(pagetable_pages(pt), 3);
  pagetable_free(pt);
}

// Pruning frees the inner tables that map nothing and cover part of the
// range, never one that still maps something, never the root.
static void
pagetable_prune_frees_only_empty_tables(void **state)
{
  (void)state;
  uint64 before = kfreecount();
  pagetable_t pt = pagetable_new();
  uint64 pa = machine_first_page();   // never freed: uvmunmap without free
  uint64 a = 0x1000, b = 3 * MB2, c = GB1 + 0x7000, d = MAXVA - PGSIZE;
  uint64 vas[] = { a, b, c, d };
  for (int i = 0; i < 4; i++)
    assert_int_equal(mappages(pt, vas[i], PGSIZE, pa, VM_R | VM_U), 0);
  assert_int_equal(pagetable_pages(pt), 1 + 2 + 1 + 2 + 2);

  pagetable_prune(pt, 0, MAXVA);            // everything still maps something
  assert_int_equal(pagetable_pages(pt), 8);

  uvmunmap(pt, b, 1, 0);
  pagetable_prune(pt, 0, MB2);              // b's table is outside the range
  assert_int_equal(pagetable_pages(pt), 8);
  pagetable_prune(pt, b + PGSIZE, b + 2 * PGSIZE);   // covers part of it
  assert_int_equal(pagetable_pages(pt), 7);
  assert_null(walk(pt, b, 0));
  assert_non_null(walk(pt, a, 0));

  uvmunmap(pt, c, 1, 0);
  pagetable_prune(pt, c, c + PGSIZE);       // level-0 and level-1 tables
  assert_int_equal(pagetable_pages(pt), 5);
  assert_null(walk(pt, GB1, 0));

  // An empty table made by walk, pruned only when the range reaches it.
  assert_non_null(walk(pt, 5 * GB1, 1));
  assert_int_equal(pagetable_pages(pt), 7);
  pagetable_prune(pt, 0, 4 * GB1);
  assert_int_equal(pagetable_pages(pt), 7);
  pagetable_prune(pt, 5 * GB1 + MB2 - 1, 5 * GB1 + MB2);
  assert_int_equal(pagetable_pages(pt), 5);
  pagetable_prune(pt, 4 * GB1, 4 * GB1);    // empty range
  assert_int_equal(pagetable_pages(pt), 5);

  uvmunmap(pt, a, 1, 0);
  uvmunmap(pt, d, 1, 0);
  pagetable_prune(pt, 0, ~0UL);             // clipped at MAXVA
  assert_int_equal(pagetable_pages(pt), 1);
  assert_int_equal(kfreecount(), before - 1);
  pagetable_free(pt);
}

struct seen {
  int n;
  struct ptentry e[16];
};

static void
record(void *arg, const struct ptentry *e)
{
  struct seen *s = arg;
  if (s->n < 16)
    s->e[s->n] = *e;
  s->n++;
}

static void
expect_entry(const struct ptentry *e, int level, int index, uint64 va,
             int leaf, uint64 bits)
{
  assert_int_equal(e->level, level);
  assert_int_equal(e->index, index);
  assert_int_equal(e->va, va);
  assert_int_equal(e->leaf, leaf);
  assert_int_equal(e->bits, bits);
}

// pagetable_visit reports every valid PTE depth first, each table's
// entries right after the entry pointing to it, with the va it covers and
// the hardware's low bits; pagetable_user_pages counts the user leaves.
static void
pagetable_visit_reports_depth_first(void **state)
{
  (void)state;
  pagetable_t pt = pagetable_new();
  uint64 pa = machine_first_page();
  assert_int_equal(mappages(pt, 0x3000, 2 * PGSIZE, pa, VM_R | VM_W | VM_U), 0);
  assert_int_equal(mappages(pt, GB1 + MB2, PGSIZE, pa, VM_R | VM_X | VM_U | VM_COW), 0);
  assert_int_equal(mappages(pt, MAXVA - PGSIZE, PGSIZE, pa, VM_R | VM_X), 0);

  struct seen s = { 0 };
  pagetable_visit(pt, record, &s);
  assert_int_equal(s.n, 4 + 3 + 3);
  uint64 rw = PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D;
  expect_entry(&s.e[0], 2, 0, 0, 0, PTE_V);
  expect_entry(&s.e[1], 1, 0, 0, 0, PTE_V);
  expect_entry(&s.e[2], 0, 3, 0x3000, 1, rw);
  expect_entry(&s.e[3], 0, 4, 0x4000, 1, rw);
  expect_entry(&s.e[4], 2, 1, GB1, 0, PTE_V);
  expect_entry(&s.e[5], 1, 1, GB1 + MB2, 0, PTE_V);
  expect_entry(&s.e[6], 0, 0, GB1 + MB2, 1,
               PTE_V | PTE_R | PTE_X | PTE_U | PTE_A | PTE_D | PTE_COW);
  expect_entry(&s.e[7], 2, 255, MAXVA - GB1, 0, PTE_V);
  expect_entry(&s.e[8], 1, 511, MAXVA - MB2, 0, PTE_V);
  expect_entry(&s.e[9], 0, 511, MAXVA - PGSIZE, 1, PTE_V | PTE_R | PTE_X | PTE_A | PTE_D);
  // A pointer to a table holds that table's address, a leaf its page's.
  assert_int_equal(s.e[0].pa, PTE2PA(pt[0]));
  assert_ptr_equal(walk(pt, 0x3000, 0), (pte_t *)s.e[1].pa + 3);
  assert_int_equal(s.e[2].pa, pa);
  assert_int_equal(s.e[3].pa, pa + PGSIZE);
  assert_int_equal(pagetable_user_pages(pt), 3);

  uvmunmap(pt, 0x3000, 2, 0);
  uvmunmap(pt, GB1 + MB2, 1, 0);
  uvmunmap(pt, MAXVA - PGSIZE, 1, 0);
  pagetable_prune(pt, 0, MAXVA);
  s.n = 0;
  pagetable_visit(pt, record, &s);
  assert_int_equal(s.n, 0);
  assert_int_equal(pagetable_user_pages(pt), 0);
  pagetable_free(pt);
}

static pte_t *noted[4];   // tables span_share and span_clear reported
static int noted_n;

static void
note_table(pte_t *table)
{
  noted[noted_n++ % 4] = table;
}

static void
note_shared(uint64 pa)
{
  note_table((pte_t *)pa);
}

// span_*: a shared table's mark is an invalid level-1 entry (V clear,
// PTE_SHTABLE set) that still names the table. walk without alloc,
// walk_leaf and pagetable_visit read through it; walk with alloc,
// mappages_large and pagetable_free refuse it; the references are
// kernel/mm's to count (forkshare.c).
static void
shared_table_mark(void **state)
{
  (void)state;
  pagetable_t a = pagetable_new(), b = pagetable_new();
  uchar *page = kalloc();
  pte_t *pte = walk(a, MB2 + 0x3000, 1), *table, *t;
  *pte = pte_make((uint64)page, VM_R | VM_W | VM_U);
  assert_int_equal(span_kind(a, MB2 + 0x1FFFFF, &table), SPAN_TABLE);
  assert_ptr_equal(table + 3, pte);
  assert_int_equal(span_kind(b, MB2, &t), SPAN_NONE);
  assert_int_equal(span_kind(a, 0, &t), SPAN_NONE);
  assert_int_equal(span_kind(a, KERNVA_BASE, &t), SPAN_NONE);

  uint64 next;
  noted_n = 0;
  assert_int_equal(span_share(a, b, 0, 4 * MB2, note_shared, 0, &next), 1);
  assert_int_equal(next, 4 * MB2);
  assert_int_equal(noted_n, 1);   // span 1 only: the others map nothing
  assert_ptr_equal(noted[0], table);
  assert_int_equal(span_share(a, b, MB2, 2 * MB2, note_shared, 0, &next), 0);
  assert_int_equal(noted_n, 1);   // b has that very mark already
  assert_int_equal(span_share(a, b, GB1, 2 * GB1, note_shared, 0, &next), 0);
  assert_int_equal(next, 2 * GB1);   // no level-1 table there: nothing
  expect_panic(span_share(a, b, PGSIZE, MB2, note_shared, 0, &next), "bad range");
  pagetable_t l1 = (pagetable_t)PTE2PA(b[0]);
  assert_int_equal(l1[1] & (PTE_V | PTE_SHTABLE), PTE_SHTABLE);
  assert_int_equal(PTE2PA(l1[1]), (uint64)table);
  assert_int_equal(span_kind(a, MB2, &t), SPAN_SHARED);
  assert_int_equal(span_kind(b, MB2, &t), SPAN_SHARED);
  assert_ptr_equal(walk(b, MB2 + 0x3000, 0), pte);
  uint64 size = 0;
  assert_ptr_equal(walk_leaf(b, MB2 + 0x3abc, &size), pte);
  assert_int_equal(size, PGSIZE);
  assert_int_equal(pagetable_pages(b), 2);        // the shared table is no one's own
  assert_int_equal(pagetable_user_pages(b), 1);   // its page is resident in both
  expect_panic(walk(b, MB2, 1), "shared table");
  expect_panic(mappages_large(b, MB2, 4 * MB2, VM_R), "remap");
  pte_t root0 = b[0];
  expect_panic(pagetable_free(b), "shared table still linked");
  b[0] = root0;   // the free had unhooked it on the way down

  assert_int_equal(span_clear(b, 0, GB1 + MB2, note_table), GB1);   // to the level-1 table's end
  assert_int_equal(noted_n, 2);
  assert_ptr_equal(noted[1], table);
  assert_int_equal(span_kind(b, MB2, &t), SPAN_NONE);
  assert_int_equal(span_clear(b, 0, MB2 * 3, note_table), MB2 * 3);
  assert_int_equal(noted_n, 2);
  span_own(a, MB2, table);
  assert_int_equal(span_kind(a, MB2, &t), SPAN_TABLE);
  assert_ptr_equal(walk(a, MB2 + 0x3000, 1), pte);

  *pte = 0;
  kfree(page);
  pagetable_prune(a, 0, MAXVA);
  pagetable_prune(b, 0, MAXVA);
  pagetable_free(a);
  pagetable_free(b);
}

static uint64 noted_large[4];   // blocks span_share reported
static int noted_large_n;

static void
note_large(uint64 pa)
{
  noted_large[noted_large_n++ % 4] = pa;
}

// span_share gives the child a large page of the parent's as it is, made
// read-only and copy-on-write in both where it was writable, and reports
// its block (kernel/mm counts the new mapping); once, however many times
// it is asked. Without a function for large pages it stops before one.
static void
span_share_of_large_pages(void **state)
{
  (void)state;
  pagetable_t a = pagetable_new(), b = pagetable_new();
  uchar *page = kalloc();
  *walk(a, 0, 1) = pte_make((uint64)page, VM_R | VM_W | VM_U);
  uint64 w = 3 * MB2, r = 5 * MB2;   // a writable and a read-only large page (not RAM)
  assert_int_equal(mappages_large(a, MB2, w, VM_R | VM_W | VM_U), 0);
  assert_int_equal(mappages_large(a, 2 * MB2, r, VM_R | VM_X | VM_U), 0);
  uint64 next;
  noted_n = noted_large_n = 0;
  assert_int_equal(span_share(a, b, 0, 4 * MB2, note_shared, 0, &next), 1);
  assert_int_equal(next, MB2);   // stopped before the large page
  assert_int_equal(noted_n, 1);
  assert_int_equal(span_share(a, b, 0, 4 * MB2, note_shared, note_large, &next), 0);
  assert_int_equal(next, 4 * MB2);
  assert_int_equal(noted_n, 1);   // the table was shared already
  assert_int_equal(noted_large_n, 2);
  assert_int_equal(noted_large[0], w);
  assert_int_equal(noted_large[1], r);
  uint64 size;
  for (int i = 0; i < 2; i++) {
    pagetable_t pt = i ? b : a;
    pte_t *l = walk_leaf(pt, MB2 + 5 * PGSIZE, &size);
    assert_int_equal(size, MB2);
    assert_int_equal(pte_pa(*l), w);
    assert_int_equal(pte_flags(*l), VM_R | VM_U | VM_COW);
    l = walk_leaf(pt, 2 * MB2, &size);
    assert_int_equal(pte_pa(*l), r);
    assert_int_equal(pte_flags(*l), VM_R | VM_X | VM_U);
  }
  assert_int_equal(span_share(a, b, MB2, 3 * MB2, note_shared, note_large, &next), 0);
  assert_int_equal(noted_large_n, 2);   // b has those very large pages already
  for (int i = 0; i < 2; i++) {
    pagetable_t pt = i ? b : a;
    *walk_leaf(pt, MB2, &size) = 0;
    *walk_leaf(pt, 2 * MB2, &size) = 0;
  }
  span_clear(b, 0, MB2, note_table);
  span_own(a, 0, noted[0]);
  *walk(a, 0, 0) = 0;
  kfree(page);
  pagetable_prune(a, 0, MAXVA);
  pagetable_prune(b, 0, MAXVA);
  pagetable_free(a);
  pagetable_free(b);
}

int
run_pagetable_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(new_table_is_empty),
    UNIT_TEST(walk_allocates_inner_tables_on_demand),
    UNIT_TEST(walk_uses_the_three_indices),
    UNIT_TEST(walk_panics_at_maxva),
    UNIT_TEST(walk_out_of_memory),
    UNIT_TEST(pte_round_trip),
    UNIT_TEST(pagetable_free_refuses_mapped_leaf),
    UNIT_TEST(walk_refuses_large_page),
    UNIT_TEST(pagetable_prune_frees_only_empty_tables),
    UNIT_TEST(pagetable_visit_reports_depth_first),
    UNIT_TEST(shared_table_mark),
    UNIT_TEST(span_share_of_large_pages),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
