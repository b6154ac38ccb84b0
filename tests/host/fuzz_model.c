// The fuzzer's model (fuzz.h): what each process must see, its regions
// and the bytes of its pages and of the files. What the page tables hold
// and what an access must allocate are in fuzz_tables.c.
#include <string.h>
#include "fuzz.h"

// Pages an allocation can get: the free ones and the cached pages reclaim
// gives back (clean, mapped by nobody).
uint64
mavail(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  return kfreecount() + reclaimable;
}

// Free pages plus cached ones: what reclaim moves between the two stays
// constant, so this counts what an operation took.
uint64
mpool(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  return kfreecount() + cached;
}

// The file page region r maps at page va0 (in the view), or 0 for
// anonymous memory or past FMAX.
uchar *
mfilepage(const struct region *r, uint64 va0)
{
  if (!r || !r->file)
    return 0;
  uint64 off = r->off + (va0 - r->start);
  return off < FMAX ? mfiles[r->file - 1].view + off : 0;
}

// Is page va0 of file region r past the page that holds the file's end
// (where an access is refused)?
int
mpastend(const struct region *r, uint64 va0)
{
  return r->off + (va0 - r->start) >= PGROUNDUP(mfiles[r->file - 1].size);
}

static int
hslot(uint64 va0)
{
  return (int)(((va0 >> PGSHIFT) * 2654435761u) % MHASH);
}

static void
hinsert(struct proc *p, int i)
{
  int h = hslot(p->pages[i].va);
  while (p->index[h])
    h = (h + 1) % MHASH;
  p->index[h] = (uint16)(i + 1);
}

// Rebuild p's index of its model pages, after they moved in p->pages.
void
mindex(struct proc *p)
{
  memset(p->index, 0, sizeof(p->index));
  for (int i = 0; i < p->npages; i++)
    hinsert(p, i);
}

struct mpage *
mpage(struct proc *p, uint64 va0, int create)
{
  for (int h = hslot(va0); p->index[h]; h = (h + 1) % MHASH)
    if (p->pages[p->index[h] - 1].va == va0)
      return &p->pages[p->index[h] - 1];
  if (!create)
    return 0;
  if (p->npages == MAXMPAGES)
    fuzz_fail("model: more than %d written pages", MAXMPAGES);
  struct mpage *m = &p->pages[p->npages++];
  m->va = va0;
  memset(m->b, 0, PGSIZE);
  hinsert(p, p->npages - 1);
  return m;
}

struct region *
mregion(struct proc *p, uint64 va)
{
  for (int i = 0; i < p->nreg; i++)
    if (va >= p->reg[i].start && va < p->reg[i].end)
      return &p->reg[i];
  return 0;
}

// growproc's limit: the lowest region above the break, or USERTOP.
uint64
mheaplimit(struct proc *p)
{
  uint64 lim = USERTOP;
  for (int i = 0; i < p->nreg; i++)
    if (p->reg[i].start >= p->sz && p->reg[i].start >= p->heapbase && p->reg[i].start < lim)
      lim = p->reg[i].start;
  return lim;
}

void
mreg_insert(struct proc *p, struct region r)
{
  if (p->nreg == MAXREG)
    fuzz_fail("model: more than %d regions", MAXREG);
  int i = p->nreg++;
  for (; i > 0 && p->reg[i - 1].start > r.start; i--)
    p->reg[i] = p->reg[i - 1];
  p->reg[i] = r;
}

// Forget the written bytes of [from, to).
void
mdrop_range(struct proc *p, uint64 from, uint64 to)
{
  for (int i = 0; i < p->npages;) {
    if (p->pages[i].va >= from && p->pages[i].va < to)
      p->pages[i] = p->pages[--p->npages];
    else
      i++;
  }
  mindex(p);
}

// Does a region hold [a, e) with room on both sides (so a cut splits it)?
int
msplits(struct proc *p, uint64 a, uint64 e)
{
  for (int i = 0; i < p->nreg; i++)
    if (p->reg[i].start < a && p->reg[i].end > e)
      return 1;
  return 0;
}

// Take [a, e) out of every region (pieces left on either side stay).
void
mcut(struct proc *p, uint64 a, uint64 e)
{
  struct region keep[MAXREG + 2];
  int n = 0;
  for (int i = 0; i < p->nreg; i++) {
    struct region r = p->reg[i];
    if (r.end <= a || r.start >= e) {
      keep[n++] = r;
      continue;
    }
    mdrop_range(p, r.start > a ? r.start : a, r.end < e ? r.end : e);
    if (r.start < a) {
      keep[n] = r;
      keep[n++].end = a;
    }
    if (r.end > e) {
      keep[n] = r;
      keep[n].off += e - r.start;
      keep[n++].start = e;
    }
  }
  if (n > MAXREG)
    fuzz_fail("model: more than %d regions", MAXREG);
  p->nreg = n;
  memcpy(p->reg, keep, n * sizeof(keep[0]));
}

int
access_prot(enum access a)
{
  return a == ACCESS_READ ? VM_R : a == ACCESS_WRITE ? VM_W : VM_X;
}

// May process p make access a at va? Regions by their rights, the heap
// [heapbase, sz) in whole pages for reads and writes, nothing else.
int
mallowed(struct proc *p, uint64 va, enum access a)
{
  if (va >= MAXVA)
    return 0;
  uint64 va0 = PGROUNDDOWN(va);
  struct region *r = mregion(p, va0);
  if (r && r->file && mpastend(r, va0))
    return 0;
  if (r)
    return (r->prot & access_prot(a)) != 0;
  return va0 >= p->heapbase && va0 < p->sz && a != ACCESS_EXEC;
}

// The pages of [a, e) that p maps shared from a file and has present are
// written back (msync, munmap, exit): the disk gets their view up to the
// end of the file.
void
msync_range(struct proc *p, uint64 a, uint64 e)
{
  for (int i = 0; i < p->nreg; i++) {
    struct region *r = &p->reg[i];
    if (!r->file || !r->shared)
      continue;
    struct mfile *m = &mfiles[r->file - 1];
    for (uint64 va = r->start > a ? r->start : a; va < r->end && va < e; va += PGSIZE) {
      uint64 off = r->off + (va - r->start);
      if (leaf(p->vm.pagetable, va) && off < m->size)
        memcpy(m->disk + off, m->view + off, m->size - off < PGSIZE ? m->size - off : PGSIZE);
    }
  }
}

// Dirty shared file pages are written back not only where the model says
// (msync, munmap, exit) but whenever the kernel sees fit: when reclaim
// takes the page (kernel/mm/fileevict.c), or when a store's fault got the
// page, marking it dirty, and then found no memory to map it (rather than
// leave it dirty with no mapping). So each page of the disk holds either
// the model's disk bytes or the view; take the view where it does.
void
mwritten_back(void)
{
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    for (uint64 off = 0; off < m->size; off += PGSIZE) {
      uint64 n = m->size - off < PGSIZE ? m->size - off : PGSIZE;
      if (memcmp(fakefs_data(m->name) + off, m->view + off, n) == 0)
        memcpy(m->disk + off, m->view + off, n);
    }
  }
}

// A cached page (a reference for the caller, who kfrees it), or 0.
uchar *
mcached(int f, uint64 index)
{
  uint64 pa = pcache_peek(mfiles[f].ip, index);
  return pa ? (uchar *)P2V(pa) : 0;
}

// The end of each file's last page leaves the view when the page leaves
// the cache: it is read again as zeros.
void
mforget_tails(void)
{
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    uchar *c = m->size % PGSIZE ? mcached(f, m->size / PGSIZE) : 0;
    if (c)
      kfree(c);
    else
      memset(m->view + m->size, 0, PGROUNDUP(m->size) - m->size);
  }
}

// The model of p becomes that of q (the vmspace is not touched).
void
mcopy(struct proc *p, const struct proc *q)
{
  p->heapbase = q->heapbase;
  p->sz = q->sz;
  p->nreg = q->nreg;
  memcpy(p->reg, q->reg, sizeof(q->reg));
  p->npages = q->npages;
  memcpy(p->pages, q->pages, q->npages * sizeof(struct mpage));
  memcpy(p->index, q->index, sizeof(q->index));
}

// A store: to the file's view through a shared mapping, else to p's own
// copy of the page (a private file page starts as the file's).
void
mwrite(struct proc *p, uint64 va, const uchar *src, uint64 len)
{
  for (uint64 i = 0; i < len; i++) {
    uint64 va0 = PGROUNDDOWN(va + i);
    struct region *r = mregion(p, va0);
    uchar *fp = mfilepage(r, va0);
    if (fp && r->shared) {
      fp[(va + i) % PGSIZE] = src[i];
      continue;
    }
    if (r && r->anon) {
      // Shared anonymous memory: every process mapping it sees the store.
      for (int k = 0; k < NPROCS; k++) {
        struct region *rk = procs[k].live ? mregion(&procs[k], va0) : 0;
        if (rk && rk->anon == r->anon)
          mpage(&procs[k], va0, 1)->b[(va + i) % PGSIZE] = src[i];
      }
      continue;
    }
    struct mpage *m = mpage(p, va0, 0);
    if (!m) {
      m = mpage(p, va0, 1);
      if (fp)
        memcpy(m->b, fp, PGSIZE);
    }
    m->b[(va + i) % PGSIZE] = src[i];
  }
}

uchar
mbyte(struct proc *p, uint64 va)
{
  struct mpage *m = mpage(p, PGROUNDDOWN(va), 0);
  if (m)
    return m->b[va % PGSIZE];
  uchar *fp = mfilepage(mregion(p, PGROUNDDOWN(va)), PGROUNDDOWN(va));
  return fp ? fp[va % PGSIZE] : 0;
}

// Does [va, va+len) touch a page of a file region?
int
mtouches_file(struct proc *p, uint64 va, uint64 len)
{
  if (len == 0)
    return 0;
  uint64 last = va + len - 1 < va ? ~0UL : va + len - 1;
  for (uint64 a = PGROUNDDOWN(va); a <= PGROUNDDOWN(last); a += PGSIZE) {
    struct region *r = mregion(p, a);
    if (r && r->file)
      return 1;
    if (a + PGSIZE < a)
      break;
  }
  return 0;
}

