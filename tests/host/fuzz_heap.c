// The fuzzer's heap (fuzz.h): growproc, eager or lazy, as kernel/proc
// does it (an eager grow makes room with reclaim_room, a block's span at a
// time, and maps with uvmalloc_large), and shrinkproc, each against the
// model's prediction of what it must allocate and whether it may fail.
#include "fuzz.h"

// The bytes a grow or shrink asks for, from two input bytes: pages and
// odd sizes, up to 8 MiB, 1 GiB, or past USERTOP.
static uint64
amount(struct input *in)
{
  uint8 a = take(in), b = take(in);
  uint64 n = (uint64)(a & 0x1F) * PGSIZE + (a & 0x20 ? (uint64)b * 16 : 0);
  switch (a >> 6) {
  case 1:
    return n << 6;                  // up to 8 MiB
  case 2:
    return n + ((uint64)b << 22);   // up to 1 GiB
  case 3:
    return n + ((uint64)b << 30);   // up to USERTOP and beyond
  }
  return n;
}

// Before uvmalloc_large maps [from, to) of p (from page-aligned): the
// pages it needs as small pages with their tables, the whole aligned blocks
// that may be megapages instead (each a table fewer), what is free.
void
eager_before(struct proc *p, uint64 from, uint64 to, struct eager *e)
{
  e->need = e->blocks = 0;
  e->spare = 0;
  e->avail = mavail();
  e->pool = mpool();
  static struct tables t;
  t.pt = p->vm.pagetable;
  t.n1 = t.n0 = t.nown = 0;
  e->t = &t;
  uint64 npages = to > from ? (PGROUNDUP(to) - from) / PGSIZE : 0;
  if (npages > e->avail) {
    e->need = npages;   // not even the pages fit
    if (npages)
      own_need(&t, from);   // but the first span's table may be copied
    return;
  }
  for (uint64 va = from; va < to; va += PGSIZE)
    e->need += 1 + tables_for(&t, va) + own_need(&t, va);
  for (uint64 b = LARGE_ROUNDUP(from); opt_largepage && b + LARGE_PGSIZE <= to; b += LARGE_PGSIZE)
    e->blocks++;
  // With two free blocks to spare (the small pages before the first block
  // and the tables may split them), every block must be a megapage.
  if (e->blocks) {
    uint64 counts[MEMSTAT_ORDERS];
    kfreeblocks(counts);
    e->spare = counts[LARGE_ORDER] >= e->blocks + 2;
  }
}

// After uvmalloc_large mapped [from, to) (ok) or gave up: it must succeed
// when small pages fit, may when megapages make it fit, and must take
// exactly the pages of what it made; a failure leaks nothing but the
// copies it made of tables shared since a fork (the spans are the
// process's own now, which changes nothing it sees).
void
eager_after(struct proc *p, uint64 from, uint64 to, const struct eager *e, int ok,
            const char *what)
{
  int sure = e->need <= e->avail, can = e->need - e->blocks <= e->avail;
  if ((ok && !can) || (!ok && sure))
    fuzz_fail("%s [%#lx, %#lx) %s, model: %s (%lu pages, %lu blocks, %lu free)", what, from, to,
              ok ? "succeeded" : "failed", sure ? "fits" : can ? "may fit" : "out of memory",
              e->need, e->blocks, e->avail);
  uint64 made = 0;
  for (uint64 b = LARGE_ROUNDUP(from); ok && b + LARGE_PGSIZE <= to; b += LARGE_PGSIZE)
    made += large_leaf(p->vm.pagetable, b);
  uint64 copies = 0;
  for (int i = 0; i < e->t->nown; i++)
    copies += !span_mark(p->vm.pagetable, e->t->own[i] * PT_LEAF_SPAN);
  uint64 took = e->pool - mpool(), want = ok ? e->need - made : copies;
  if (made > e->blocks || (e->spare && made != e->blocks) || took != want)
    fuzz_fail("%s [%#lx, %#lx): %lu megapages of %lu blocks, took %lu pages, model %lu", what,
              from, to, made, e->blocks, took, want);
}

// growproc's eager part, as kernel/proc does it: more pages than reclaim
// could ever make fail at once; else a large block's span at a time, room
// made for its pages first (reclaim_room may evict), then uvmalloc_large,
// which must do what the model says for the memory there is then. Returns
// 0, or -1 with every page it took given back.
static int
grow_eager(struct proc *p, uint64 sz, uint64 newsz)
{
  if ((PGROUNDUP(newsz) - PGROUNDUP(sz)) / PGSIZE > reclaim_limit())
    return -1;
  for (uint64 a = sz; a < newsz;) {
    uint64 span = (a | (LARGE_PGSIZE - 1)) + 1;
    uint64 to = span < newsz ? span : newsz;
    if (reclaim_room((PGROUNDUP(to) - PGROUNDUP(a)) / PGSIZE) != 0) {
      uvmdealloc(&p->vm, a, sz);
      return -1;
    }
    struct eager e;
    eager_before(p, PGROUNDUP(a), to, &e);
    uint64 r = uvmalloc_large(&p->vm, a, to, RW);
    if (r != to && r != 0)
      fuzz_fail("uvmalloc_large(%#lx, %#lx) = %#lx", a, to, r);
    eager_after(p, PGROUNDUP(a), to, &e, r == to, "uvmalloc_large");
    if (r != to) {
      uvmdealloc(&p->vm, a, sz);
      return -1;
    }
    a = to;
  }
  return 0;
}

// growproc(n, lazy) for n >= 0: an eager one maps each whole aligned
// block as a megapage when large pages are on and a free block is there
// (else small pages, never an error). It must succeed when the pages fit
// before it starts; it may when eviction can make room.
void
op_grow(struct proc *p, struct input *in, int lazy)
{
  uint64 n = amount(in);
  uint64 sz = p->sz, newsz = sz + n;
  if (newsz < sz || newsz > mheaplimit(p))
    return;
  if (!lazy) {
    struct eager e;
    eager_before(p, PGROUNDUP(sz), newsz, &e);
    int r = grow_eager(p, sz, newsz);
    if (r != 0 && e.need <= e.avail)
      fuzz_fail("growproc(%#lx) failed, model: fits (%lu pages, %lu free)", n, e.need, e.avail);
    if (r != 0 && (leaf(p->vm.pagetable, PGROUNDUP(sz)) ||
                   swap_slot(p->vm.pagetable, PGROUNDUP(sz)) >= 0))
      fuzz_fail("failed growproc left pages mapped above the break");
    if (r != 0)
      return;
  }
  p->vm.sz = p->sz = newsz;
}

// shrinkproc(n), as kernel/proc does it: a shrink that would end below
// the heap's start changes nothing; uvmdealloc demotes a megapage the new
// break cuts and makes a table shared since a fork that it cuts the
// process's own (a copy when others share it), and when no page is left
// for either the shrink fails and changes nothing the process sees.
void
op_shrink(struct proc *p, struct input *in)
{
  uint64 n = amount(in);
  if (n > p->sz - p->heapbase)
    return;
  uint64 newsz = p->sz - n, at = PGROUNDUP(newsz);
  int split = at % LARGE_PGSIZE && large_leaf(p->vm.pagetable, at);
  uint64 own = own_ends_need(p->vm.pagetable, at, PGROUNDUP(p->sz));
  uint64 avail = mavail();
  uint64 want = split + own <= avail ? newsz : p->sz;
  if (uvmdealloc(&p->vm, p->sz, newsz) != want)
    fuzz_fail("uvmdealloc did not return %#lx (%s megapage cut, %lu tables to copy, %lu pages "
              "free)", want, split ? "a" : "no", own, avail);
  if (split && large_leaf(p->vm.pagetable, at) && avail > 0)
    fuzz_fail("uvmdealloc(%#lx) left the megapage at the new break", newsz);
  if (want != newsz)
    return;
  // Only the heap's pages go; the regions above keep theirs.
  mdrop_range(p, PGROUNDUP(newsz), PGROUNDUP(p->sz));
  p->vm.sz = p->sz = newsz;
}
