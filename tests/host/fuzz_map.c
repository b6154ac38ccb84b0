// The fuzzer's operations on mappings and files (fuzz.h): mmap of
// anonymous memory and of files, munmap, mprotect, msync, loads and
// stores through file mappings, read(), write() and O_TRUNC.
#include <string.h>
#include "fuzz.h"

static int anon_maps;   // shared anonymous mappings made so far

static int
pick_prot(struct input *in)
{
  static const int prots[] = { VM_R, RW, RW, 0 };
  return prots[take(in) % 4];
}

// An address for munmap or mprotect: in or around a region, or anywhere.
// On a big machine the length may hold whole 2 MiB blocks too.
static uint64
pick_range(struct proc *p, struct input *in, uint64 *len)
{
  uint8 a = take(in), b = take(in);
  *len = (uint64)(b % 8) * PGSIZE + (b & 0x80 ? 1 : 0);   // 0 and unaligned too
  if (bigmachine)
    *len += (uint64)((b >> 3) & 3) * LARGE_PGSIZE;
  if (p->nreg && a % 4 != 3) {
    struct region *r = &p->reg[a % p->nreg];
    return r->start + ((uint64)(a >> 2) % 4) * PGSIZE - (a & 0x40 ? PGSIZE : 0);
  }
  return a % 4 == 3 && (b & 0x40) ? USERTOP - PGSIZE : PGROUNDUP(p->sz) + (uint64)a * PGSIZE;
}

// The model's gap for a new mapping of len bytes at a multiple of align:
// the highest candidate, moved below every region in its way.
static uint64
mgap(struct proc *p, uint64 len, uint64 align)
{
  uint64 cand = (USERTOP - len) & ~(align - 1);
  for (;;) {
    uint64 low = ~0UL;   // the lowest start of a region in the way
    for (int i = 0; i < p->nreg; i++)
      if (p->reg[i].start < cand + len && p->reg[i].end > cand && p->reg[i].start < low)
        low = p->reg[i].start;
    if (low == ~0UL)
      return cand >= PGROUNDUP(p->sz) ? cand : 0;
    if (low < len)
      return 0;
    cand = (low - len) & ~(align - 1);
  }
}

// Pages the demotions at the edges of [a, e) need before munmap, mprotect
// or MAP_FIXED change it: a table for each megapage an edge cuts.
static uint64
medge_tables(struct proc *p, uint64 a, uint64 e)
{
  int first = a % LARGE_PGSIZE && large_leaf(p->vm.pagetable, a);
  int last = e % LARGE_PGSIZE && large_leaf(p->vm.pagetable, e) &&
             !(first && LARGE_ROUNDDOWN(a) == LARGE_ROUNDDOWN(e));
  return (uint64)(first + last);
}

// mmap of anonymous memory, or with file f (0: none; else 1 + its index)
// from offset off, shared or private, with rights noprot never allowed.
static void
do_mmap(struct proc *p, struct input *in, int f, uint64 off, int shared, int noprot)
{
  uint8 b = take(in);
  uint64 len = (uint64)(b % 8) * PGSIZE + (b & 8 ? 100 : 0);
  if (bigmachine)
    len += (uint64)((b >> 4) & 3) * LARGE_PGSIZE;
  int prot = pick_prot(in);
  int fixed = f || !shared ? b & 0x40 : 0;
  uint64 addr = 0, rlen = PGROUNDUP(len), want;
  if (fixed) {
    uint8 t = take(in);
    addr = PGROUNDUP(p->sz) + (uint64)(t % 32) * PGSIZE - (b & 0x80 ? PGSIZE : 0);
    if (bigmachine && (t & 0x20))   // near a block boundary above the break
      addr = LARGE_ROUNDUP(PGROUNDUP(p->sz)) + (uint64)(t >> 6) * LARGE_PGSIZE +
             (uint64)(t % 32) * PGSIZE - (b & 0x80 ? PGSIZE : 0);
    int freed = 0;
    for (int i = 0; i < p->nreg; i++)
      if (p->reg[i].start >= addr && p->reg[i].end <= addr + rlen)
        freed++;
    int ok = len > 0 && addr >= PGROUNDUP(p->sz) && addr + rlen > addr && addr + rlen <= USERTOP &&
             p->nreg + 1 + msplits(p, addr, addr + rlen) - freed <= NVMA;
    want = ok ? addr : (uint64)-1;
  } else {
    // Anonymous memory of a block or more goes on a block boundary when
    // large pages are on and such a gap is there.
    uint64 align = !f && opt_largepage && rlen >= LARGE_PGSIZE ? LARGE_PGSIZE : PGSIZE;
    want = len > 0 && p->nreg < NVMA ? mgap(p, rlen, align) : 0;
    if (want == 0 && align != PGSIZE && len > 0 && p->nreg < NVMA)
      want = mgap(p, rlen, PGSIZE);
    if (want == 0)
      want = (uint64)-1;
  }
  if (off % PGSIZE || (prot & noprot))
    want = (uint64)-1;
  // No page for the table of a megapage cut at an edge, or for the copy of
  // a table shared since a fork that the mapping covers in part.
  uint64 own = want != (uint64)-1 ? own_ends_need(p->vm.pagetable, want, want + rlen) : 0;
  if (want != (uint64)-1 && (fixed ? medge_tables(p, addr, addr + rlen) : 0) + own > mavail())
    want = (uint64)-1;
  if (fixed && want != (uint64)-1)
    msync_range(p, addr, addr + rlen);   // what was there goes
  // Shared anonymous memory (not MAP_FIXED here) gets its pages at once,
  // whole aligned blocks as megapages when it can: as an eager grow.
  int eager = !f && shared && want != (uint64)-1;
  struct eager e;
  if (eager)
    eager_before(p, want, want + rlen, &e);   // the table copies included
  // The file is open only for the call (the mapping holds it after close).
  struct inode *ip = f ? fakefs_open(mfiles[f - 1].name) : 0;
  uint64 r = vm_map(&p->vm, addr, len, prot, (fixed ? VMMAP_FIXED : 0) | (shared ? VMMAP_SHARED : 0),
                    ip, off, noprot);
  if (ip)
    fmap_release(ip);
  if (eager && (r == want || r == (uint64)-1)) {
    eager_after(p, want, want + rlen, &e, r == want, "vm_map shared anonymous");
    if (r == want)
      mreg_insert(p, (struct region){ r, r + rlen, prot, VMA_MMAP, 0, 1, 0, 0, ++anon_maps });
    return;
  }
  if (r != want)
    fuzz_fail("vm_map(%#lx, %#lx, %#x%s, file %d off %#lx%s) = %#lx, model %#lx", addr, len,
              prot, fixed ? ", fixed" : "", f, off, shared ? " shared" : "", r, want);
  if (r == (uint64)-1)
    return;
  mcut(p, r, r + rlen);
  mreg_insert(p, (struct region){ r, r + rlen, prot, VMA_MMAP, f, shared, noprot, off, 0 });
}

// mmap of anonymous memory: private, or on a big machine (as its own
// byte says) shared, without MAP_FIXED.
void
op_mmap(struct proc *p, struct input *in)
{
  int shared = bigmachine && (take(in) & 1);
  do_mmap(p, in, 0, 0, shared, 0);
}

// mmap of a file: shared or private, of a file opened read-only or not
// (a shared mapping of a read-only file may never be writable), at an
// offset within or past the file, sometimes unaligned.
void
op_fmmap(struct proc *p, struct input *in)
{
  uint8 c = take(in);
  uint64 off = (uint64)((c >> 2) % 6) * PGSIZE + (c & 0x80 ? 512 : 0);
  int shared = (c & 0x20) != 0, readonly = c & 0x40;
  do_mmap(p, in, 1 + c % NMFILE, off, shared, shared && readonly ? VM_W : 0);
}

void
op_munmap(struct proc *p, struct input *in)
{
  uint64 len, addr = pick_range(p, in, &len);
  uint64 end = addr + PGROUNDUP(len);
  int ok = addr % PGSIZE == 0 && len > 0 && end > addr && end <= USERTOP &&
           p->nreg + msplits(p, addr, end) <= NVMA &&
           medge_tables(p, addr, end) + own_ends_need(p->vm.pagetable, addr, end) <= mavail();
  if (ok)
    msync_range(p, addr, end);
  int r = vm_unmap(&p->vm, addr, len);
  if (r != (ok ? 0 : -1))
    fuzz_fail("vm_unmap(%#lx, %#lx) = %d, model %d", addr, len, r, ok ? 0 : -1);
  if (ok)
    mcut(p, addr, end);
}

void
op_mprotect(struct proc *p, struct input *in)
{
  uint64 len, addr = pick_range(p, in, &len);
  int prot = pick_prot(in);
  uint64 end = addr + PGROUNDUP(len);
  int ok = addr % PGSIZE == 0 && len > 0 && end > addr && end <= USERTOP;
  // Every page in a region that is no guard page, and room to split.
  uint64 at = addr;
  int splits = 0;
  for (int i = 0; ok && i < p->nreg && at < end; i++) {
    struct region *r = &p->reg[i];
    if (r->end <= at)
      continue;
    if (r->start > at || r->kind == VMA_GUARD || (prot & r->noprot))
      ok = 0;
    splits += (r->start < addr) + (r->end > end);
    at = r->end;
  }
  ok = ok && at >= end && p->nreg + splits <= NVMA &&
       medge_tables(p, addr, end) + own_range_need(p->vm.pagetable, addr, end) <= mavail();
  int r = vm_protect(&p->vm, addr, len, prot);
  if (r != (ok ? 0 : -1))
    fuzz_fail("vm_protect(%#lx, %#lx, %#x) = %d, model %d", addr, len, prot, r, ok ? 0 : -1);
  if (!ok)
    return;
  // The covered pieces get prot; the model's bytes stay.
  struct region pieces[MAXREG];
  int n = 0;
  for (int i = 0; i < p->nreg; i++) {
    struct region x = p->reg[i];
    if (x.end > addr && x.start < end) {
      if (x.start < addr) {
        x.off += addr - x.start;
        x.start = addr;
      }
      x.end = x.end < end ? x.end : end;
      x.prot = prot;
      pieces[n++] = x;
    }
  }
  int npages = p->npages;
  static struct mpage saved[MAXMPAGES];
  memcpy(saved, p->pages, npages * sizeof(saved[0]));
  mcut(p, addr, end);
  for (int i = 0; i < n; i++)
    mreg_insert(p, pieces[i]);
  p->npages = npages;
  memcpy(p->pages, saved, npages * sizeof(saved[0]));
  mindex(p);
}

// msync of a range like munmap's.
void
op_msync(struct proc *p, struct input *in)
{
  uint64 len, addr = pick_range(p, in, &len);
  uint64 end = addr + PGROUNDUP(len);
  int ok = addr % PGSIZE == 0 && len > 0 && len <= USERTOP && end > addr && end <= USERTOP;
  if (ok)
    msync_range(p, addr, end);
  int wbs = fakefs_failedwrites;
  int r = vm_sync(&p->vm, addr, len);
  int want = ok && fakefs_failedwrites == wbs ? 0 : -1;   // -1 too when a write-back failed
  if (r != want)
    fuzz_fail("vm_sync(%#lx, %#lx) = %d, model %d", addr, len, r, want);
}

// A load or a store of a few bytes in a page of one of p's file mappings
// (often past the end of the file).
void
op_fileaccess(struct proc *p, struct input *in, int store)
{
  uint8 a = take(in), b = take(in);
  struct region *r = 0;
  for (int i = 0; i < p->nreg && !r; i++)
    if (p->reg[(a + i) % p->nreg].file)
      r = &p->reg[(a + i) % p->nreg];
  if (!r)
    return;
  uint64 va = r->start + ((uint64)b * 97) % (r->end - r->start);
  uint64 len = 1 + (b & 0x40 ? PGSIZE : a % 32);
  if (store)
    do_write(p, va, len, a);
  else
    do_read(p, va, len);
}

// ---- the files: read(), write(), O_TRUNC

static struct mfile *
pick_file(struct input *in)
{
  return &mfiles[take(in) % NMFILE];
}

// read() of a file: what the view holds, up to the end of the file.
void
op_fread(struct input *in)
{
  struct mfile *m = pick_file(in);
  uint64 off = take16(in) % (FMAX + 2 * PGSIZE), n = pick_len(in);
  mforget_tails();
  uint64 got = fakefs_read(m->ip, off, iobuf, n);
  uint64 want = off >= m->size ? 0 : m->size - off < n ? m->size - off : n;
  if (got != want || (want && memcmp(iobuf, m->view + off, want) != 0))
    fuzz_fail("read(%s, %#lx, %lu) = %lu, model %lu, or its bytes differ", m->name, off, n, got,
              want);
}

// write() of a file, at most at its end, growing it up to FMAX: every
// mapping of the page sees it at once, and so does the disk.
void
op_fwrite(struct input *in)
{
  struct mfile *m = pick_file(in);
  uint8 a = take(in);
  uint64 off = a & 0x80 ? m->size + a % 3 : (uint64)take16(in) % (m->size + 1);
  uint64 n = pick_len(in);
  if (off + n > FMAX)
    n = off < FMAX ? FMAX - off : 0;
  for (uint64 i = 0; i < n; i++)
    iobuf[i] = (uchar)(a * 3 + i * 11);
  int r = fakefs_write(m->ip, off, iobuf, n);
  if (r != (off > m->size ? -1 : (int)n))
    fuzz_fail("write(%s, %#lx, %lu) = %d, size %lu", m->name, off, n, r, m->size);
  if (r < 0)
    return;
  memcpy(m->view + off, iobuf, n);
  memcpy(m->disk + off, iobuf, n);
  if (off + n > m->size)
    m->size = off + n;
}

// O_TRUNC of a file no process maps. (Of a mapped one, the pages mapped
// stay with their mappings and leave the cache, which the model does not
// follow.)
void
op_ftrunc(struct input *in)
{
  struct mfile *m = pick_file(in);
  for (int i = 0; i < NPROCS; i++)
    for (int j = 0; procs[i].live && j < procs[i].nreg; j++)
      if (procs[i].reg[j].file == m - mfiles + 1)
        return;
  fakefs_truncate(m->ip);
  m->size = 0;
  memset(m->view, 0, FMAX);
  memset(m->disk, 0, FMAX);
}

// The files at boot: a few pages with a partial last one, one page, a
// partial page.
void
mfiles_boot(void)
{
  static const uint64 sizes[NMFILE] = { 2 * PGSIZE + 300, PGSIZE, 100 };
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    memcpy(m->name, (char[]){ '/', 'f', (char)('0' + f), 0 }, 4);
    m->size = sizes[f];
    memset(m->view, 0, FMAX);
    for (uint64 i = 0; i < m->size; i++)
      m->view[i] = (uchar)(i * 7 + f * 13 + 1);
    memcpy(m->disk, m->view, FMAX);
    fakefs_put(m->name, m->view, m->size);
    m->ip = fakefs_open(m->name);
    fmap_release(m->ip);
  }
}
