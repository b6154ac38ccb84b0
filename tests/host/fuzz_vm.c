// libFuzzer target: the input is a program of operations on a few
// simulated processes, each a struct vmspace: grow the heap (eager or
// lazy, with growproc's bounds), shrink it, read and write bytes in and
// around it with copyin/copyout/copyinstr (through vmfault), ask vmfault
// directly, fork (uvmcopy, sharing copy-on-write or copying, as the input
// says), exit (uvmfree), exec (exec_load of a crafted ELF, then free the
// old image), and switch the zero page and fault-around on and off
// (vmconfig), and map, unmap and protect anonymous private memory (vm_map,
// vm_unmap, vm_protect: mmap, munmap, mprotect), which the model follows
// region by region, splits included. (exec here always reads its segments
// in: demand paging is tested in test_mmap.c.)
//
// Files: three fake files (host_fs.c) are mapped shared or private, from
// a read-only or writable open, at offsets in and past the file; loads
// and stores go through the mappings; read(), write() (growing the file)
// and O_TRUNC go through the page-cache hooks kernel/fs calls; msync,
// munmap, fork and exit write shared pages back. The model keeps each
// file's view (what read() and every mapping see) and its disk bytes:
// a shared store changes the view, and reaches the disk when a mapping's
// present page is synced or unmapped; a private store makes the process's
// own copy; zeros past the end of the file in its last page (unless a
// shared mapping stored there while the page stayed cached), and access
// past that page refused. Where memory is short an access to a file page
// is only bounded (mfits): reclaim may find pages or take cached ones.
//
// A plain model says what every process must see: its regions, its
// break, and the bytes of every page that was ever written (all others
// read as zero). It also says when an operation must fail: an address
// the process may not use, a bad ELF, or too few free pages for what the
// operation has to allocate (a fresh page for a write to a lazy page or to
// a page shared copy-on-write with another process or the zero page; only
// page-table pages for a read of a lazy page while the zero page is on,
// for a write to a copy-on-write page held alone, and for a sharing fork).
// Which pages a fault maps around the one it was asked for is vmfault's
// business: the model reads presence from the page tables. After every
// step the checker reads each page table in the Sv39 format itself and
// compares:
//   - every mapping lies in the process's memory with the right rights
//     (or, copy-on-write, the same without VM_W), and holds exactly the
//     model's bytes; no written page is missing; the zero page is mapped
//     only read-only copy-on-write in the heap;
//   - addresses outside the process's memory are refused by vmfault;
//   - every physical page's reference count equals the number of page
//     tables and PTEs across all live processes that hold it (plus the
//     kernel's one to the zero page), and kfreecount() the number of
//     pages nobody holds; no PTE is both writable and copy-on-write, a
//     page with more than one reference is writable nowhere, the zero
//     page holds zeros (machine_check_refs);
//   - each file's size and disk bytes are the model's, each cached page
//     is the model's view and each page not cached equals the disk, and
//     the inode holds one reference per region mapping it;
//   - no spin lock is held and no transaction or inode lock is left.
// Right after an operation it checks what the operation must have left:
// a page written is writable and private; a lazy page read maps the zero
// page exactly when it is on; a fork shares every present page (or copies
// every one but the zero page) and takes exactly the pages the model says.
// When the input ends every process exits; then the cache holds the only
// pages in use, all reclaimable, and reclaiming them brings kfreecount()
// back to its value after boot, with no inode referenced. A failed check prints what and aborts.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi/param.h"
#include "arch/riscv/sv39.h"
#include "fs/fs.h"
#include "mm/elf.h"
#include "host.h"

#define NPROCS 4
#define MAXSTEPS 256
#define MAXMPAGES 256        // model pages per process; more than RAM has
#define MAXREG (NVMA + 1)    // regions: exec's and mmap's
#define RW (VM_R | VM_W)

struct mpage {
  uint64 va;
  uchar b[PGSIZE];
};

struct region {
  uint64 start, end;
  int prot;
  enum vma_kind kind;
  int file;          // 1 + index in mfiles; 0: anonymous
  int shared;        // MAP_SHARED
  int noprot;        // rights it may never get (VM_W: shared, file opened read-only)
  uint64 off;        // file offset of start
};

// The files mmap, read() and write() use. view: the bytes every mapping
// of a page (not stored to privately) and read() see, which is the cached
// page when there is one; its part past the end of the file may hold
// stores through shared mappings until the page leaves the cache. disk:
// what the file holds, which a shared page reaches when it is written back
// (msync, munmap, exit: whenever a mapping's present page goes or is
// synced).
#define NMFILE 3
#define FMAX (4 * PGSIZE)    // write() grows a file no further
struct mfile {
  char name[8];
  struct inode *ip;          // no reference of the fuzzer's own
  uint64 size;
  uchar view[FMAX], disk[FMAX];
};
static struct mfile mfiles[NMFILE];

struct proc {
  int live;
  struct vmspace vm;
  // the model
  uint64 heapbase, sz;
  int nreg;
  struct region reg[MAXREG];
  int npages;
  struct mpage pages[MAXMPAGES];
};

static struct proc procs[NPROCS + 1];   // the last: exec's new image
static int opt_zeropage, opt_faultaround;   // what vmconfig was told

struct input {
  const uint8 *d;
  uint64 n, i;
};

static int step;              // for messages
static const char *opname;

static void __attribute__((noreturn, format(printf, 1, 2)))
fuzz_fail(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "\nfuzz_vm: step %d (%s): ", step, opname ? opname : "-");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  abort();
}

static uint8
take(struct input *in)
{
  return in->i < in->n ? in->d[in->i++] : 0;
}

static uint64
take16(struct input *in)
{
  uint64 lo = take(in);
  return lo | (uint64)take(in) << 8;
}

// ---- the model

// Pages an allocation can get: the free ones and the cached pages reclaim
// gives back (clean, mapped by nobody).
static uint64
mavail(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  return kfreecount() + reclaimable;
}

// Free pages plus cached ones: what reclaim moves between the two stays
// constant, so this counts what an operation took.
static uint64
mpool(void)
{
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  return kfreecount() + cached;
}

// The file page region r maps at page va0 (in the view), or 0 for
// anonymous memory or past FMAX.
static uchar *
mfilepage(const struct region *r, uint64 va0)
{
  if (!r || !r->file)
    return 0;
  uint64 off = r->off + (va0 - r->start);
  return off < FMAX ? mfiles[r->file - 1].view + off : 0;
}

// Is page va0 of file region r past the page that holds the file's end
// (where an access is refused)?
static int
mpastend(const struct region *r, uint64 va0)
{
  return r->off + (va0 - r->start) >= PGROUNDUP(mfiles[r->file - 1].size);
}

static struct mpage *
mpage(struct proc *p, uint64 va0, int create)
{
  for (int i = 0; i < p->npages; i++)
    if (p->pages[i].va == va0)
      return &p->pages[i];
  if (!create)
    return 0;
  if (p->npages == MAXMPAGES)
    fuzz_fail("model: more than %d written pages", MAXMPAGES);
  struct mpage *m = &p->pages[p->npages++];
  m->va = va0;
  memset(m->b, 0, PGSIZE);
  return m;
}

static struct region *
mregion(struct proc *p, uint64 va)
{
  for (int i = 0; i < p->nreg; i++)
    if (va >= p->reg[i].start && va < p->reg[i].end)
      return &p->reg[i];
  return 0;
}

// growproc's limit: the lowest region above the break, or USERTOP.
static uint64
mheaplimit(struct proc *p)
{
  uint64 lim = USERTOP;
  for (int i = 0; i < p->nreg; i++)
    if (p->reg[i].start >= p->sz && p->reg[i].start >= p->heapbase && p->reg[i].start < lim)
      lim = p->reg[i].start;
  return lim;
}

static void
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
static void
mdrop_range(struct proc *p, uint64 from, uint64 to)
{
  for (int i = 0; i < p->npages;) {
    if (p->pages[i].va >= from && p->pages[i].va < to)
      p->pages[i] = p->pages[--p->npages];
    else
      i++;
  }
}

// Does a region hold [a, e) with room on both sides (so a cut splits it)?
static int
msplits(struct proc *p, uint64 a, uint64 e)
{
  for (int i = 0; i < p->nreg; i++)
    if (p->reg[i].start < a && p->reg[i].end > e)
      return 1;
  return 0;
}

// Take [a, e) out of every region (pieces left on either side stay).
static void
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

static int
access_prot(enum access a)
{
  return a == ACCESS_READ ? VM_R : a == ACCESS_WRITE ? VM_W : VM_X;
}

// May process p make access a at va? Regions by their rights, the heap
// [heapbase, sz) in whole pages for reads and writes, nothing else.
static int
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

// ---- what the page tables hold, read directly

static pte_t
leaf(pagetable_t pt, uint64 va)
{
  for (int level = 2; level > 0; level--) {
    pte_t pte = pt[PX(level, va)];
    if (!(pte & PTE_V))
      return 0;
    pt = (pagetable_t)PTE2PA(pte);
  }
  return pt[PX(0, va)] & PTE_V ? pt[PX(0, va)] : 0;
}

static int
raw_rights(pte_t pte)
{
  return (pte & PTE_R ? VM_R : 0) | (pte & PTE_W ? VM_W : 0) |
         (pte & PTE_X ? VM_X : 0) | (pte & PTE_U ? VM_U : 0) |
         (pte & PTE_COW ? VM_COW : 0);
}

static int
is_zero(pte_t pte)
{
  return PTE2PA(pte) == machine_zero_page();
}

// The leaf PTE maps a page that someone else maps too (or the zero page).
static int
shared(pte_t pte)
{
  return is_zero(pte) || kref_get(PTE2PA(pte)) > 1;
}

// Pages an operation must allocate: page-table pages for the addresses
// it maps, counting each missing table once.
struct tables {
  pagetable_t pt;    // 0: a page table still to be made (all missing)
  uint64 l1[MAXMPAGES], l0[MAXMPAGES];
  int n1, n0;
};

static int
seen(uint64 *set, int *n, int cap, uint64 x)
{
  for (int i = 0; i < *n; i++)
    if (set[i] == x)
      return 1;
  if (*n == cap)
    fuzz_fail("model: table set full");
  set[(*n)++] = x;
  return 0;
}

static uint64
tables_for(struct tables *t, uint64 va)
{
  int missing = t->pt ? pt_missing_tables(t->pt, va) : 2;
  uint64 need = 0;
  if (missing == 2 && !seen(t->l1, &t->n1, MAXMPAGES, va >> 30))
    need++;
  if (missing >= 1 && !seen(t->l0, &t->n0, MAXMPAGES, va >> 21))
    need++;
  return need;
}

// ---- the checker

static const uchar zeros[PGSIZE];

struct leafcheck {
  struct proc *p;
  int withdata;   // present pages that have model data
};

static void
check_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  struct leafcheck *lc = arg;
  struct proc *p = lc->p;
  if (level != 0)
    fuzz_fail("large page at %#lx", va);
  int rights = raw_rights(pte);
  struct region *r = mregion(p, va);
  int want;
  if (r && r->prot == 0) {
    want = VM_R;   // PROT_NONE: kept mapped, no user access
  } else if (r) {
    want = r->prot | VM_U;
  } else if (va >= p->heapbase && va < p->sz) {
    want = RW | VM_U;
  } else {
    fuzz_fail("page %#lx mapped outside the process (heap [%#lx, %#lx))",
              va, p->heapbase, p->sz);
  }
  // Copy-on-write: a page that may be written, mapped without VM_W.
  if ((rights & VM_COW) && (want & VM_W))
    want = (want & ~VM_W) | VM_COW;
  // A PROT_NONE page keeps its copy-on-write mark for when it is writable again.
  if ((rights & VM_COW) && r && r->prot == 0)
    want |= VM_COW;
  // A shared file page stays read-only until a store marks it dirty.
  if (r && r->file && r->shared && !(rights & VM_W))
    want &= ~VM_W;
  if (r && r->file && mpastend(r, va))
    fuzz_fail("page %#lx mapped past the end of its file (size %lu)", va,
              mfiles[r->file - 1].size);
  if (rights != want)
    fuzz_fail("page %#lx: rights %#x, expected %#x (%s)", va, rights, want,
              r ? "region" : "heap");
  // The zero page: only where a lazy anonymous page may be (the heap and
  // mmap's regions), never writable.
  if (is_zero(pte) && ((r && (r->kind != VMA_MMAP || r->file)) || (rights & VM_W) ||
                       (!r && !(rights & VM_COW))))
    fuzz_fail("page %#lx maps the zero page with rights %#x%s", va, rights,
              r ? " in a region" : "");
  const uchar *got = (const uchar *)PTE2PA(pte);
  struct mpage *m = mpage(p, va, 0);
  if (m) {
    lc->withdata++;
    if (memcmp(got, m->b, PGSIZE) != 0) {
      int i = 0;
      while (got[i] == m->b[i])
        i++;
      fuzz_fail("page %#lx byte %d: %#x, model %#x", va, i, got[i], m->b[i]);
    }
  } else {
    const uchar *want = mfilepage(r, va) ? mfilepage(r, va) : zeros;
    if (memcmp(got, want, PGSIZE) != 0) {
      int i = 0;
      while (got[i] == want[i])
        i++;
      fuzz_fail("page %#lx byte %d: %#x, model %#x%s", va, i, got[i], want[i],
                want == zeros ? "" : " (file)");
    }
  }
}

static void
expect_refused(struct proc *p, uint64 va, enum access a)
{
  if (mallowed(p, va, a))
    return;
  int r = vmfault(&p->vm, va, a);
  if (r != FAULT_BADADDR)
    fuzz_fail("vmfault(%#lx, %d) = %d, must be refused", va, a, r);
}

static void
check_proc(struct proc *p)
{
  if (p->vm.sz != p->sz || p->vm.heapbase != p->heapbase)
    fuzz_fail("break %#lx heapbase %#lx, model %#lx %#lx",
              p->vm.sz, p->vm.heapbase, p->sz, p->heapbase);
  struct leafcheck lc = { p, 0 };
  struct ptvisitor v = { 0, check_leaf, &lc };
  pt_visit(p->vm.pagetable, &v);
  if (lc.withdata != p->npages)
    fuzz_fail("%d written pages, only %d present", p->npages, lc.withdata);

  // Outside its memory (these must not change anything).
  uint64 out[] = { PGROUNDUP(p->sz), p->sz + 5 * PGSIZE, p->heapbase - 1,
                   USERTOP, MAXVA - 1, MAXVA, ~0UL };
  for (uint64 i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
    expect_refused(p, out[i], ACCESS_READ);
    expect_refused(p, out[i], ACCESS_WRITE);
  }
  uchar byte = 0;
  for (int i = 0; i < p->nreg; i++) {
    struct region *r = &p->reg[i];
    expect_refused(p, r->start, ACCESS_READ);
    expect_refused(p, r->start, ACCESS_WRITE);
    expect_refused(p, r->start, ACCESS_EXEC);
    expect_refused(p, r->end, ACCESS_READ);   // hole or heap above
    if (!(r->prot & VM_W) && copyout(&p->vm, r->end - 1, &byte, 1) == 0)
      fuzz_fail("copyout into region [%#lx, %#lx) without VM_W", r->start, r->end);
    if (!(r->prot & VM_R) && copyin(&p->vm, &byte, r->start, 1) == 0)
      fuzz_fail("copyin from region [%#lx, %#lx) without VM_R", r->start, r->end);
  }
  expect_refused(p, p->heapbase, ACCESS_EXEC);

  // The region list: what exec made, sorted.
  if (p->vm.nvma != p->nreg)
    fuzz_fail("%d regions, model %d", p->vm.nvma, p->nreg);
  for (int i = 0; i < p->nreg; i++) {
    struct vma *v = &p->vm.vma[i];
    struct region *r = &p->reg[i];
    if (v->start != r->start || v->end != r->end || v->prot != r->prot || v->kind != r->kind)
      fuzz_fail("region %d: [%#lx, %#lx) prot %#x kind %d, model [%#lx, %#lx) %#x %d",
                i, v->start, v->end, v->prot, v->kind, r->start, r->end, r->prot, r->kind);
    if (v->file != (r->file ? mfiles[r->file - 1].ip : 0) ||
        (r->file && (v->off != r->off || v->shared != r->shared || v->noprot != r->noprot)))
      fuzz_fail("region %d: file %p off %#lx shared %d noprot %#x, model file %d off %#lx %d %#x",
                i, (void *)v->file, v->off, v->shared, v->noprot, r->file, r->off, r->shared,
                r->noprot);
  }
  // Unmapping frees the table pages that map nothing.
  int empty = pt_empty_tables(p->vm.pagetable);
  if (empty)
    fuzz_fail("%d page-table page(s) map nothing", empty);
}

// The pages of [a, e) that p maps shared from a file and has present are
// written back (msync, munmap, exit): the disk gets their view up to the
// end of the file.
static void
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

// A store to page va0 of p failed. If va0 is a page of a shared file
// mapping that was absent, the fault may have got the page (marking it
// dirty) and then found no memory to map it: the page was written back
// rather than left dirty with no mapping. So the disk holds either its old
// bytes or the view; take the view when it does.
static void
mfailed_store(struct proc *p, uint64 va0)
{
  struct region *r = mregion(p, va0);
  if (!r || !r->file || !r->shared || leaf(p->vm.pagetable, va0))
    return;
  struct mfile *m = &mfiles[r->file - 1];
  uint64 off = r->off + (va0 - r->start);
  if (off >= m->size)
    return;
  uint64 n = m->size - off < PGSIZE ? m->size - off : PGSIZE;
  if (memcmp(fakefs_data(m->name) + off, m->view + off, n) == 0)
    memcpy(m->disk + off, m->view + off, n);
}

// A cached page (a reference for the caller, who kfrees it), or 0.
static uchar *
mcached(int f, uint64 index)
{
  uint64 pa = pcache_peek(mfiles[f].ip, index);
  return pa ? (uchar *)P2V(pa) : 0;
}

// The end of each file's last page leaves the view when the page leaves
// the cache: it is read again as zeros.
static void
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

// Every file: its size and bytes as the model says; each cached page the
// view; each page not cached equal to the disk (only a dirty page, which
// stays cached, may differ); one inode reference per region that maps it.
static void
check_files(void)
{
  mforget_tails();
  for (int f = 0; f < NMFILE; f++) {
    struct mfile *m = &mfiles[f];
    if (m->ip->size != m->size || memcmp(fakefs_data(m->name), m->disk, m->size) != 0)
      fuzz_fail("file %s: size %u, model %lu, or its bytes differ", m->name, m->ip->size, m->size);
    for (uint64 i = 0; i < PGROUNDUP(m->size) / PGSIZE; i++) {
      uchar *c = mcached(f, i);
      uint64 n = m->size - i * PGSIZE < PGSIZE ? m->size - i * PGSIZE : PGSIZE;
      int bad = c ? memcmp(c, m->view + i * PGSIZE, PGSIZE) : memcmp(m->disk + i * PGSIZE,
                                                                     m->view + i * PGSIZE, n);
      if (c)
        kfree(c);
      if (bad)
        fuzz_fail("file %s page %lu: %s the model's view", m->name, i,
                  c ? "the cached page is not" : "not cached, the disk is not");
    }
    int refs = 0;
    for (int i = 0; i < NPROCS; i++)
      for (int j = 0; procs[i].live && j < procs[i].nreg; j++)
        refs += procs[i].reg[j].file == f + 1;
    if (m->ip->ref != refs)
      fuzz_fail("file %s: %d inode references, %d regions map it", m->name, m->ip->ref, refs);
  }
}

static void
check_all(void)
{
  struct vmspace *vms[NPROCS];
  int n = 0;
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      vms[n++] = &procs[i].vm;
  // First: every leaf maps a page of RAM, so check_proc may read it.
  char msg[256];
  if (machine_check_refs(vms, n, msg, sizeof(msg)) != 0)
    fuzz_fail("reference counts: %s", msg);
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      check_proc(&procs[i]);
  if (fakefs_quiet(msg, sizeof(msg)) != 0)
    fuzz_fail("file system: %s", msg);
  check_files();
  if (host_locks_held())
    fuzz_fail("%d spin lock(s) held", host_locks_held());
}

// ---- operations

static int
spawn(struct proc *p)
{
  int ok = mavail() >= 1;
  int r = uvmcreate(&p->vm);
  if ((r == 0) != ok)
    fuzz_fail("uvmcreate %d with %lu pages free", r, kfreecount());
  if (r != 0)
    return -1;
  p->live = 1;
  p->heapbase = p->sz = 0;
  p->nreg = 0;
  p->npages = 0;
  return 0;
}

static void
op_exit(struct proc *p)
{
  msync_range(p, 0, MAXVA);
  vm_dropfiles(&p->vm);
  uvmfree(&p->vm);
  if (p->vm.pagetable)
    fuzz_fail("uvmfree left the page table");
  p->live = 0;
}

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

// growproc(n, lazy) for n >= 0, as kernel/proc does it.
static void
op_grow(struct proc *p, struct input *in, int lazy)
{
  uint64 n = amount(in);
  uint64 sz = p->sz, newsz = sz + n;
  if (newsz < sz || newsz > mheaplimit(p))
    return;
  if (!lazy) {
    // Each new page, and the tables it needs.
    uint64 first = PGROUNDUP(sz), need = 0;
    uint64 npages = newsz > first ? (PGROUNDUP(newsz) - first) / PGSIZE : 0;
    int ok;
    if (npages > mavail()) {
      ok = 0;
    } else {
      struct tables t = { .pt = p->vm.pagetable };
      for (uint64 va = first; va < newsz; va += PGSIZE)
        need += 1 + tables_for(&t, va);
      ok = need <= mavail();
    }
    uint64 r = uvmalloc(&p->vm, sz, newsz, RW);
    if (r != (ok ? newsz : 0))
      fuzz_fail("uvmalloc(%#lx, %#lx) = %#lx, model says %s (%lu pages needed, %lu free)",
                sz, newsz, r, ok ? "fits" : "out of memory", need, kfreecount());
    if (!ok)
      return;
  }
  p->vm.sz = p->sz = newsz;
}

// shrinkproc(n), as kernel/proc does it: a shrink that would end below
// the heap's start changes nothing.
static void
op_shrink(struct proc *p, struct input *in)
{
  uint64 n = amount(in);
  if (n > p->sz - p->heapbase)
    return;
  uint64 newsz = p->sz - n;
  if (uvmdealloc(&p->vm, p->sz, newsz) != newsz)
    fuzz_fail("uvmdealloc did not return the new size");
  // Only the heap's pages go; the regions above keep theirs.
  mdrop_range(p, PGROUNDUP(newsz), PGROUNDUP(p->sz));
  p->vm.sz = p->sz = newsz;
}

static uint64
pick_addr(struct proc *p, struct input *in)
{
  uint8 mode = take(in), a = take(in), b = take(in);
  uint64 off = (uint64)a * 61 + b;
  uint64 heap = p->sz - p->heapbase;
  switch (mode % 8) {
  case 0:
    return p->heapbase + off % (heap + 2 * PGSIZE);
  case 1:
    return p->heapbase + (heap / 256) * a + (uint64)b * 16;
  case 2:
    return p->sz + (off % 512) - 256;
  case 3:
    if (p->nreg) {
      struct region *r = &p->reg[a % p->nreg];
      return r->start + ((uint64)b * 67) % (r->end - r->start + PGSIZE);
    }
    return off;
  case 4:
    return p->heapbase - 1 - off % (2 * PGSIZE);
  case 5: {
    uint64 high[] = { MAXVA - 1 - off % 64, MAXVA + off, ~0UL - off, USERTOP - 1 - off,
                      (1UL << 37) + off };
    return high[b % 5];
  }
  case 6:
    return PGROUNDUP(p->sz) + off;
  default:
    return (uint64)a << 20 | (uint64)b << 12 | (off & 0xFFF);
  }
}

static uint64
pick_len(struct input *in)
{
  uint8 l = take(in);
  return l & 0x80 ? (uint64)(l & 0x7F) * 64 : l & 0x7F;
}

// Pages an allowed access a to page va0 of p must allocate: none if the
// PTE allows it already or it is a write to a copy-on-write page p holds
// alone; a copy for a write to a shared one; the tables for a read of a
// lazy page while the zero page is on; else a zeroed page and its tables.
static uint64
page_need(struct proc *p, uint64 va0, enum access a, struct tables *t)
{
  pte_t pte = leaf(p->vm.pagetable, va0);
  if (!pte) {
    uint64 tables = tables_for(t, va0);
    return a == ACCESS_READ && opt_zeropage ? tables : 1 + tables;
  }
  if (raw_rights(pte) & access_prot(a))
    return 0;
  if (a == ACCESS_WRITE && (pte & PTE_COW))
    return shared(pte) ? 1 : 0;
  fuzz_fail("page %#lx: rights %#x refuse access %d the model allows",
            va0, raw_rights(pte), a);
}

// The model's copy of len bytes at va, page by page, as copyin/copyout
// do: each page must allow the access and be made ready while free pages
// last (page_need). Returns the number of leading bytes the copy reaches;
// len if all of it.
static uint64
mreach(struct proc *p, uint64 va, uint64 len, enum access a)
{
  struct tables t = { .pt = p->vm.pagetable };
  uint64 avail = mavail(), done = 0;
  while (done < len) {
    uint64 cur = va + done;
    uint64 va0 = PGROUNDDOWN(cur);
    if (!mallowed(p, cur, a))
      return done;
    uint64 need = page_need(p, va0, a, &t);
    if (need > avail)
      return done;
    avail -= need;
    uint64 n = PGSIZE - (cur - va0);
    done += n < len - done ? n : len - done;
  }
  return len;
}

// The model of p becomes that of q (the vmspace is not touched).
static void
mcopy(struct proc *p, const struct proc *q)
{
  p->heapbase = q->heapbase;
  p->sz = q->sz;
  p->nreg = q->nreg;
  memcpy(p->reg, q->reg, sizeof(q->reg));
  p->npages = q->npages;
  memcpy(p->pages, q->pages, q->npages * sizeof(struct mpage));
}

// A store: to the file's view through a shared mapping, else to p's own
// copy of the page (a private file page starts as the file's).
static void
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
    struct mpage *m = mpage(p, va0, 0);
    if (!m) {
      m = mpage(p, va0, 1);
      if (fp)
        memcpy(m->b, fp, PGSIZE);
    }
    m->b[(va + i) % PGSIZE] = src[i];
  }
}

static uchar
mbyte(struct proc *p, uint64 va)
{
  struct mpage *m = mpage(p, PGROUNDDOWN(va), 0);
  if (m)
    return m->b[va % PGSIZE];
  uchar *fp = mfilepage(mregion(p, PGROUNDDOWN(va)), PGROUNDDOWN(va));
  return fp ? fp[va % PGSIZE] : 0;
}


static uchar iobuf[128 * 64 + 1];

// The lazy pages of [va, va+len) before an access, to see after it what
// the access made of them.
#define MAXSPAN 4
struct span {
  uint64 first;            // page of va
  int n;                   // pages
  int absent[MAXSPAN];
};

static void
span_before(struct proc *p, uint64 va, uint64 len, struct span *sp)
{
  sp->first = PGROUNDDOWN(va);
  sp->n = len == 0 ? 0 : (PGROUNDDOWN(va + len - 1) - sp->first) / PGSIZE + 1;
  if (sp->n > MAXSPAN)
    fuzz_fail("span of %d pages", sp->n);
  for (int i = 0; i < sp->n; i++)
    sp->absent[i] = !leaf(p->vm.pagetable, sp->first + i * PGSIZE);
}

// After a write that succeeded: each page written is writable and p's alone.
static void
check_written(struct proc *p, const struct span *sp)
{
  for (int i = 0; i < sp->n; i++) {
    uint64 va0 = sp->first + i * PGSIZE;
    pte_t pte = leaf(p->vm.pagetable, va0);
    if (!pte || !(pte & PTE_W) || (pte & PTE_COW) || shared(pte))
      fuzz_fail("page %#lx written: PTE %#lx, %d references", va0, pte,
                pte ? kref_get(PTE2PA(pte)) : 0);
  }
}

// After a read that succeeded: each page that was lazy maps the zero page
// if it is on, else a private page of zeros.
static void
check_read(struct proc *p, const struct span *sp)
{
  for (int i = 0; i < sp->n; i++) {
    uint64 va0 = sp->first + i * PGSIZE;
    pte_t pte = leaf(p->vm.pagetable, va0);
    if (!pte)
      fuzz_fail("page %#lx read but not mapped", va0);
    if (sp->absent[i] && is_zero(pte) != opt_zeropage)
      fuzz_fail("lazy page %#lx read with the zero page %s: PTE %#lx",
                va0, opt_zeropage ? "on" : "off", pte);
  }
}

// Does [va, va+len) touch a page of a file region?
static int
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

// For an allowed access a to page va0 of p: *sure, memory surely suffices
// for it; *can, it may. For a file page the model knows no more: the
// pages it takes (page-table pages, a page read in on a cache miss, a
// private copy) are sure to be there when free; reclaim may find more
// (the clean cached pages nobody maps) or spoil a hit by taking the page.
static void
mfits(struct proc *p, uint64 va0, enum access a, int *sure, int *can)
{
  struct tables t = { .pt = p->vm.pagetable };
  struct region *r = mregion(p, va0);
  uint64 need, slack = 0;
  if (!r || !r->file) {
    need = page_need(p, va0, a, &t);
    *sure = *can = need <= mavail();
    return;
  }
  pte_t pte = leaf(p->vm.pagetable, va0);
  if (!pte) {
    uchar *c = mcached(r->file - 1, (r->off + (va0 - r->start)) / PGSIZE);
    if (c)
      kfree(c);
    int copy = a == ACCESS_WRITE && !r->shared;
    need = tables_for(&t, va0) + !c + copy;
    slack = !c && copy;   // the page read in is reclaimable once copied
  } else if (raw_rights(pte) & access_prot(a)) {
    need = 0;
  } else if (a == ACCESS_WRITE && (pte & PTE_COW)) {
    need = shared(pte);
  } else if (a == ACCESS_WRITE && r->shared) {
    need = 0;   // a clean shared page: marked dirty and made writable
  } else {
    fuzz_fail("file page %#lx: rights %#x refuse access %d the model allows",
              va0, raw_rights(pte), a);
  }
  *sure = need <= kfreecount();
  *can = need - slack <= mavail();
}

// copyout (a write, from iobuf) or copyin (into iobuf, checked) of len
// bytes at va, one page at a time as the kernel's copies go, for a range
// that touches file pages: where memory is short, the model takes the
// kernel's answer for a page if mfits allows it. Stops at the first page
// refused.
static void
mcopy_pages(struct proc *p, uint64 va, uint64 len, enum access a)
{
  for (uint64 done = 0, n; done < len; done += n) {
    uint64 cur = va + done, va0 = PGROUNDDOWN(cur);
    n = PGSIZE - (cur - va0) < len - done ? PGSIZE - (cur - va0) : len - done;
    mforget_tails();
    int sure = 0, can = 0;
    if (mallowed(p, cur, a))
      mfits(p, va0, a, &sure, &can);
    int r = a == ACCESS_WRITE ? copyout(&p->vm, cur, iobuf + done, n)
                              : copyin(&p->vm, iobuf + done, cur, n);
    if ((r == 0 && !can) || (r != 0 && sure))
      fuzz_fail("%s(%#lx, %lu) = %d, model: %s", a == ACCESS_WRITE ? "copyout" : "copyin",
                cur, n, r, sure ? "must succeed" : "must fail");
    if (r != 0) {
      if (a == ACCESS_WRITE)
        mfailed_store(p, va0);
      return;
    }
    if (a == ACCESS_WRITE)
      mwrite(p, cur, iobuf + done, n);
    for (uint64 i = 0; a == ACCESS_READ && i < n; i++)
      if (iobuf[done + i] != mbyte(p, cur + i))
        fuzz_fail("copyin(%#lx): byte %lu is %#x, model %#x", cur, i, iobuf[done + i],
                  mbyte(p, cur + i));
  }
}

static void
do_write(struct proc *p, uint64 va, uint64 len, uint8 seed)
{
  for (uint64 i = 0; i < len; i++)
    iobuf[i] = (uchar)(seed + i * 7);
  if (mtouches_file(p, va, len)) {
    mcopy_pages(p, va, len, ACCESS_WRITE);
    return;
  }
  uint64 reach = mreach(p, va, len, ACCESS_WRITE);
  struct span sp;
  if (reach == len)
    span_before(p, va, len, &sp);
  int r = copyout(&p->vm, va, iobuf, len);
  if ((r == 0) != (reach == len))
    fuzz_fail("copyout(%#lx, %lu) = %d, model reaches %lu bytes", va, len, r, reach);
  mwrite(p, va, iobuf, reach);
  if (r == 0)
    check_written(p, &sp);
}

static void
op_write(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in), len = pick_len(in);
  do_write(p, va, len, take(in));
}

static void
do_read(struct proc *p, uint64 va, uint64 len)
{
  if (mtouches_file(p, va, len)) {
    mcopy_pages(p, va, len, ACCESS_READ);
    return;
  }
  uint64 reach = mreach(p, va, len, ACCESS_READ);
  struct span sp;
  if (reach == len)
    span_before(p, va, len, &sp);
  int r = copyin(&p->vm, iobuf, va, len);
  if ((r == 0) != (reach == len))
    fuzz_fail("copyin(%#lx, %lu) = %d, model reaches %lu bytes", va, len, r, reach);
  for (uint64 i = 0; r == 0 && i < len; i++)
    if (iobuf[i] != mbyte(p, va + i))
      fuzz_fail("copyin(%#lx): byte %lu is %#x, model %#x", va, i, iobuf[i], mbyte(p, va + i));
  if (r == 0)
    check_read(p, &sp);
}

static void
op_read(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in);
  do_read(p, va, pick_len(in));
}

static void
op_readstr(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in), max = pick_len(in);
  uint8 m = take(in);
  if (m & 1) {
    // max right around the length of the string there.
    uint64 n = 0;
    while (n < sizeof(iobuf) - 2 && mbyte(p, va + n) != 0)
      n++;
    max = n + (m >> 1) % 3 - (n > 0);
  }
  // The string the model holds, and how far a read of it must get.
  uint64 slen = 0;
  while (slen < max && mbyte(p, va + slen) != 0)
    slen++;
  if (mtouches_file(p, va, slen + 1))
    return;   // strings are read from anonymous memory only
  int ok = slen < max && mreach(p, va, slen + 1, ACCESS_READ) == slen + 1;
  struct span sp;
  if (ok)
    span_before(p, va, slen + 1, &sp);
  int r = copyinstr(&p->vm, (char *)iobuf, va, max);
  if ((r == 0) != ok)
    fuzz_fail("copyinstr(%#lx, %lu) = %d, model %s", va, max, r, ok ? "succeeds" : "fails");
  for (uint64 i = 0; ok && i <= slen; i++)
    if (iobuf[i] != mbyte(p, va + i))
      fuzz_fail("copyinstr(%#lx): byte %lu is %#x, model %#x", va, i, iobuf[i], mbyte(p, va + i));
  if (ok)
    check_read(p, &sp);
}

static void
op_fault(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in);
  enum access a = (enum access)(take(in) % 3);
  int want;
  struct span sp;
  struct region *fr = mregion(p, PGROUNDDOWN(va));
  if (fr && fr->file && mallowed(p, va, a)) {
    int sure, can;
    mforget_tails();
    mfits(p, PGROUNDDOWN(va), a, &sure, &can);
    int r = vmfault(&p->vm, va, a);
    if ((r == FAULT_OK && !can) || (r == FAULT_NOMEM && sure) || r == FAULT_BADADDR)
      fuzz_fail("vmfault(%#lx, %d) = %d on a file page, model: %s", va, a, r,
                sure ? "must succeed" : can ? "may succeed" : "must fail");
    if (r == FAULT_OK && a == ACCESS_WRITE)
      mwrite(p, va, &(uchar){ mbyte(p, va) }, 1);   // its own copy now, if private
    return;
  }
  if (!mallowed(p, va, a)) {
    want = FAULT_BADADDR;
  } else {
    struct tables t = { .pt = p->vm.pagetable };
    want = page_need(p, PGROUNDDOWN(va), a, &t) <= mavail() ? FAULT_OK : FAULT_NOMEM;
    span_before(p, va, 1, &sp);
  }
  int r = vmfault(&p->vm, va, a);
  if (r != want)
    fuzz_fail("vmfault(%#lx, %d) = %d, model %d", va, a, r, want);
  if (r == FAULT_OK && a == ACCESS_WRITE)
    check_written(p, &sp);
  if (r == FAULT_OK && a == ACCESS_READ)
    check_read(p, &sp);
}

// The leaves of a process's page table, read directly.
#define MAXLEAVES 4096
struct leaves {
  int n;
  uint64 va[MAXLEAVES];
  pte_t pte[MAXLEAVES];
  struct tables *t;     // the child's tables for them
  struct proc *p;       // whose they are
  int copy;             // a copying fork
  uint64 need;          // pages the fork must allocate
};

static void
record_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  (void)level;
  struct leaves *l = arg;
  if (l->n == MAXLEAVES)
    fuzz_fail("more than %d leaves", MAXLEAVES);
  l->va[l->n] = va;
  l->pte[l->n++] = pte;
  struct region *r = mregion(l->p, va);
  l->need += tables_for(l->t, va) + (l->copy && !is_zero(pte) && !(r && r->shared));
}

static struct leaves forkleaves;

static void
count_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  (void)va;
  (void)pte;
  (void)level;
  (*(int *)arg)++;
}

// After a fork that succeeded: c maps exactly p's pages from before, the
// same physical page with VM_W turned into VM_COW in both when sharing (and
// for the zero page always), else a private copy with VM_W back in place
// of VM_COW and p left as it was.
static void
check_forked(struct proc *p, struct proc *c, const struct leaves *l)
{
  int nleaves = 0;
  struct ptvisitor v = { 0, count_leaf, &nleaves };
  pt_visit(c->vm.pagetable, &v);
  if (nleaves != l->n)
    fuzz_fail("fork: child has %d pages, parent %d", nleaves, l->n);
  for (int i = 0; i < l->n; i++) {
    uint64 va = l->va[i];
    pte_t old = l->pte[i];
    pte_t now = leaf(p->vm.pagetable, va), kid = leaf(c->vm.pagetable, va);
    int rights = raw_rights(old);
    if (!now || !kid || PTE2PA(now) != PTE2PA(old))
      fuzz_fail("fork: page %#lx moved or went in the parent, or is missing in the child", va);
    struct region *r = mregion(p, va);
    int share = !l->copy || is_zero(old) || (r && r->shared);
    int want_p = share && (rights & VM_W) ? (rights & ~VM_W) | VM_COW : rights;
    int want_c = share ? want_p : rights & VM_COW ? (rights & ~VM_COW) | VM_W : rights;
    if (r && r->shared)
      want_p = want_c = rights;   // shared as it is
    if (raw_rights(now) != want_p || raw_rights(kid) != want_c)
      fuzz_fail("fork (%s): page %#lx rights %#x before, %#x and %#x after, expected %#x and %#x",
                share ? "shared" : "copied", va, rights, raw_rights(now), raw_rights(kid),
                want_p, want_c);
    if ((PTE2PA(kid) == PTE2PA(old)) != share)
      fuzz_fail("fork: page %#lx %s", va, share ? "not shared" : "shared in a copying fork");
  }
}

static void
op_fork(struct proc *p, struct proc *c, int cow)
{
  if (vmconfig(VMCONF_COW, cow) == -1)
    fuzz_fail("vmconfig(VMCONF_COW, %d) refused", cow);
  uint64 before = mpool();
  if (spawn(c) != 0)
    return;
  // The child's tables for every present page, and, when copying, a copy
  // of every present page but the zero page.
  struct tables t = { .pt = 0 };
  struct leaves *l = &forkleaves;
  l->n = 0;
  l->t = &t;
  l->p = p;
  l->copy = !cow;
  l->need = 0;
  struct ptvisitor v = { 0, record_leaf, l };
  pt_visit(p->vm.pagetable, &v);
  int ok = l->need <= mavail();

  int r = uvmcopy(&p->vm, &c->vm);
  if ((r == 0) != ok)
    fuzz_fail("uvmcopy = %d with %lu pages free, %lu needed", r, kfreecount(), l->need);
  if (r != 0) {
    op_exit(c);
    if (mpool() != before)
      fuzz_fail("failed fork leaked: %lu free or cached, %lu before", mpool(), before);
    return;
  }
  if (mpool() != before - 1 - l->need)
    fuzz_fail("fork took %lu pages, model %lu", before - mpool(), 1 + l->need);
  mcopy(c, p);
  check_forked(p, c, l);
  // A copying fork gives the child its own copy of each private file page
  // present: from now on it is the child's, whatever the file does.
  for (int i = 0; !cow && i < l->n; i++) {
    struct region *r = mregion(c, l->va[i]);
    if (r && r->file && !r->shared && !mpage(c, l->va[i], 0))
      memcpy(mpage(c, l->va[i], 1)->b, mfilepage(r, l->va[i]), PGSIZE);
  }
}

// ---- mmap, munmap, mprotect of anonymous private memory

static int
pick_prot(struct input *in)
{
  static const int prots[] = { VM_R, RW, RW, 0 };
  return prots[take(in) % 4];
}

// An address for munmap or mprotect: in or around a region, or anywhere.
static uint64
pick_range(struct proc *p, struct input *in, uint64 *len)
{
  uint8 a = take(in), b = take(in);
  *len = (uint64)(b % 8) * PGSIZE + (b & 0x80 ? 1 : 0);   // 0 and unaligned too
  if (p->nreg && a % 4 != 3) {
    struct region *r = &p->reg[a % p->nreg];
    return r->start + ((uint64)(a >> 2) % 4) * PGSIZE - (a & 0x40 ? PGSIZE : 0);
  }
  return a % 4 == 3 && (b & 0x40) ? USERTOP - PGSIZE : PGROUNDUP(p->sz) + (uint64)a * PGSIZE;
}

// The model's gap for a new mapping of len bytes: try the highest place,
// and go below every region in the way.
static uint64
mgap(struct proc *p, uint64 len)
{
  uint64 cand = USERTOP - len;
  for (int i = p->nreg - 1; i >= 0; i--) {
    struct region *r = &p->reg[i];
    if (r->end <= cand)
      break;
    if (r->start < cand + len) {
      if (r->start < len)
        return 0;
      cand = r->start - len;
    }
  }
  return cand >= PGROUNDUP(p->sz) ? cand : 0;
}

// mmap of anonymous memory, or with file f (0: none; else 1 + its index)
// from offset off, shared or private, with rights noprot never allowed.
static void
do_mmap(struct proc *p, struct input *in, int f, uint64 off, int shared, int noprot)
{
  uint8 b = take(in);
  uint64 len = (uint64)(b % 8) * PGSIZE + (b & 8 ? 100 : 0);
  int prot = pick_prot(in);
  int fixed = b & 0x40;
  uint64 addr = 0, rlen = PGROUNDUP(len), want;
  if (fixed) {
    addr = PGROUNDUP(p->sz) + (uint64)(take(in) % 32) * PGSIZE - (b & 0x80 ? PGSIZE : 0);
    int freed = 0;
    for (int i = 0; i < p->nreg; i++)
      if (p->reg[i].start >= addr && p->reg[i].end <= addr + rlen)
        freed++;
    int ok = len > 0 && addr >= PGROUNDUP(p->sz) && addr + rlen > addr && addr + rlen <= USERTOP &&
             p->nreg + 1 + msplits(p, addr, addr + rlen) - freed <= NVMA;
    want = ok ? addr : (uint64)-1;
  } else {
    want = len > 0 && p->nreg < NVMA ? mgap(p, rlen) : 0;
    if (want == 0)
      want = (uint64)-1;
  }
  if (off % PGSIZE || (prot & noprot))
    want = (uint64)-1;
  if (fixed && want != (uint64)-1)
    msync_range(p, addr, addr + rlen);   // what was there goes
  // The file is open only for the call (the mapping holds it after close).
  struct inode *ip = f ? fakefs_open(mfiles[f - 1].name) : 0;
  uint64 r = vm_map(&p->vm, addr, len, prot, (fixed ? VMMAP_FIXED : 0) | (shared ? VMMAP_SHARED : 0),
                    ip, off, noprot);
  if (ip)
    fmap_release(ip);
  if (r != want)
    fuzz_fail("vm_map(%#lx, %#lx, %#x%s, file %d off %#lx%s) = %#lx, model %#lx", addr, len,
              prot, fixed ? ", fixed" : "", f, off, shared ? " shared" : "", r, want);
  if (r == (uint64)-1)
    return;
  mcut(p, r, r + rlen);
  mreg_insert(p, (struct region){ r, r + rlen, prot, VMA_MMAP, f, shared, noprot, off });
}

static void
op_mmap(struct proc *p, struct input *in)
{
  do_mmap(p, in, 0, 0, 0, 0);
}

// mmap of a file: shared or private, of a file opened read-only or not
// (a shared mapping of a read-only file may never be writable), at an
// offset within or past the file, sometimes unaligned.
static void
op_fmmap(struct proc *p, struct input *in)
{
  uint8 c = take(in);
  uint64 off = (uint64)((c >> 2) % 6) * PGSIZE + (c & 0x80 ? 512 : 0);
  int shared = (c & 0x20) != 0, readonly = c & 0x40;
  do_mmap(p, in, 1 + c % NMFILE, off, shared, shared && readonly ? VM_W : 0);
}

static void
op_munmap(struct proc *p, struct input *in)
{
  uint64 len, addr = pick_range(p, in, &len);
  uint64 end = addr + PGROUNDUP(len);
  int ok = addr % PGSIZE == 0 && len > 0 && end > addr && end <= USERTOP &&
           p->nreg + msplits(p, addr, end) <= NVMA;
  if (ok)
    msync_range(p, addr, end);
  int r = vm_unmap(&p->vm, addr, len);
  if (r != (ok ? 0 : -1))
    fuzz_fail("vm_unmap(%#lx, %#lx) = %d, model %d", addr, len, r, ok ? 0 : -1);
  if (ok)
    mcut(p, addr, end);
}

static void
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
  ok = ok && at >= end && p->nreg + splits <= NVMA;
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
}

// msync of a range like munmap's.
static void
op_msync(struct proc *p, struct input *in)
{
  uint64 len, addr = pick_range(p, in, &len);
  uint64 end = addr + PGROUNDUP(len);
  int ok = addr % PGSIZE == 0 && len > 0 && len <= USERTOP && end > addr && end <= USERTOP;
  if (ok)
    msync_range(p, addr, end);
  int r = vm_sync(&p->vm, addr, len);
  if (r != (ok ? 0 : -1))
    fuzz_fail("vm_sync(%#lx, %#lx) = %d, model %d", addr, len, r, ok ? 0 : -1);
}

// A load or a store of a few bytes in a page of one of p's file mappings
// (often past the end of the file).
static void
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

static struct mfile *
pick_file(struct input *in)
{
  return &mfiles[take(in) % NMFILE];
}

// read() of a file: what the view holds, up to the end of the file.
static void
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
static void
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
static void
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
static void
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

// The zero page and fault-around on or off, as the input says.
static void
op_config(struct input *in)
{
  uint8 b = take(in);
  int zp = b & 1, fa = (b >> 1) & 1;
  if (vmconfig(VMCONF_ZEROPAGE, zp) != opt_zeropage ||
      vmconfig(VMCONF_FAULTAROUND, fa) != opt_faultaround)
    fuzz_fail("vmconfig did not return the old values %d, %d", opt_zeropage, opt_faultaround);
  opt_zeropage = zp;
  opt_faultaround = fa;
}

// ---- exec

#define IMGMAX (64 + 17 * 56 + 3 * 3 * PGSIZE)
#define NSEG 3

static uchar img[IMGMAX];
static uchar segdata[NSEG][3 * PGSIZE];

struct prog {
  int valid;
  uint64 size;
  int nseg;
  struct seg seg[NSEG];
  uint64 off[NSEG];        // where each segment's bytes are in the file
  int phnum;
};

static const uint32 segflags[] = {
  PF_R, PF_R | PF_X, PF_R | PF_W, PF_X, PF_R | PF_W | PF_X, PF_W,
};

static int
elf_prot_of(uint32 f)
{
  // A writable segment is mapped readable too (exec.c's elf_prot).
  return (f & (PF_R | PF_W) ? VM_R : 0) | (f & PF_W ? VM_W : 0) | (f & PF_X ? VM_X : 0);
}

// A program of 1-3 segments from the input, sometimes damaged; valid says
// whether exec must accept it (memory permitting).
static void
make_prog(struct input *in, struct prog *pg, uint64 entry)
{
  pg->nseg = 1 + take(in) % NSEG;
  uint64 va = (take(in) % 4) * PGSIZE;
  for (int i = 0; i < pg->nseg; i++) {
    struct seg *s = &pg->seg[i];
    s->type = PT_LOAD;
    s->flags = segflags[take(in) % 6];
    s->vaddr = va;
    s->memsz = (1 + take(in) % 3) * PGSIZE - (take(in) % 64) * 16;
    s->filesz = take(in) * 13;
    if (s->filesz > s->memsz)
      s->filesz = s->memsz;
    uint8 seed = take(in);
    for (uint64 j = 0; j < s->filesz; j++)
      segdata[i][j] = (uchar)(seed + j * 31);
    s->data = segdata[i];
    va = PGROUNDUP(va + s->memsz) + (take(in) % 2) * PGSIZE;
  }
  pg->size = elfimg_build(img, IMGMAX, entry, pg->seg, pg->nseg);
  uint64 off = sizeof(struct elfhdr) + pg->nseg * sizeof(struct proghdr);
  for (int i = 0; i < pg->nseg; i++) {
    pg->off[i] = off;
    off += pg->seg[i].filesz;
  }
  pg->phnum = pg->nseg;
  pg->valid = 1;

  struct elfhdr *eh = (struct elfhdr *)img;
  struct proghdr *ph = (struct proghdr *)(img + eh->phoff);
  uint8 damage = take(in), k = take(in) % pg->nseg;
  switch (damage % 16) {
  case 9:
    eh->magic ^= 1u << (damage % 32);
    pg->valid = 0;
    break;
  case 10:
    eh->machine = 62;
    pg->valid = 0;
    break;
  case 11:
    ph[k].vaddr += 16;
    pg->valid = 0;
    break;
  case 12:
    if (pg->seg[k].filesz > 0) {
      ph[k].memsz = pg->seg[k].filesz - 1;
      // memsz 0 means "skip this header"; later segments still count.
      pg->valid = ph[k].memsz == 0 ? -1 : 0;
    }
    break;
  case 13:
    if (k > 0) {
      ph[k].vaddr = pg->seg[k - 1].vaddr;
      pg->valid = 0;
    }
    break;
  case 14:
    pg->size -= 1 + take(in) % 64;
    break;
  case 15:
    eh->phnum = 17;
    pg->valid = 0;
    break;
  }
  if (pg->valid == -1) {
    // Segment k is skipped: the model sees only the others.
    for (int i = k; i + 1 < pg->nseg; i++) {
      pg->seg[i] = pg->seg[i + 1];
      pg->off[i] = pg->off[i + 1];
    }
    pg->nseg--;
    pg->valid = 1;
  }
  // Everything exec reads must be in the file.
  if (sizeof(struct elfhdr) + pg->phnum * sizeof(struct proghdr) > pg->size)
    pg->valid = 0;
  for (int i = 0; i < pg->nseg; i++)
    if (pg->off[i] + pg->seg[i].filesz > pg->size)
      pg->valid = 0;
}

static void
op_exec(struct proc *p, struct input *in)
{
  uint64 entry = take16(in);
  struct prog pg;
  make_prog(in, &pg, entry);

  static char strs[3][32];
  char *argv[4];
  int argc = take(in) % 4;
  for (int i = 0; i < argc; i++) {
    int len = take(in) % 24;
    for (int j = 0; j < len; j++)
      strs[i][j] = (char)('a' + (take(in) % 26));
    strs[i][len] = 0;
    argv[i] = strs[i];
  }
  argv[argc] = 0;
  fakefs_put("/prog", img, pg.size);

  struct proc *np = &procs[NPROCS];   // the spare slot
  uint64 before = mpool();
  if (spawn(np) != 0)
    return;

  // The image's pages: every segment page and the stack page, with their
  // tables.
  uint64 top = pg.nseg ? PGROUNDUP(pg.seg[pg.nseg - 1].vaddr + pg.seg[pg.nseg - 1].memsz) : 0;
  top += (1 + USERSTACK) * PGSIZE;
  struct tables t = { .pt = np->vm.pagetable };
  uint64 need = 0;
  for (int i = 0; i < pg.nseg; i++)
    for (uint64 va = pg.seg[i].vaddr; va < pg.seg[i].vaddr + pg.seg[i].memsz; va += PGSIZE)
      need += 1 + tables_for(&t, va);
  for (uint64 va = top - USERSTACK * PGSIZE; va < top; va += PGSIZE)
    need += 1 + tables_for(&t, va);
  int ok = pg.valid && need <= mavail();

  uint64 e = 0, sp = 0, argvp = 0;
  int r = exec_load(&np->vm, "/prog", argv, &e, &sp, &argvp);
  if ((r >= 0) != ok)
    fuzz_fail("exec_load = %d; model: ELF %s, %lu pages needed, %lu free",
              r, pg.valid ? "good" : "bad", need, kfreecount());
  if (r < 0) {
    op_exit(np);
    if (mpool() != before)
      fuzz_fail("failed exec leaked: %lu free or cached, %lu before", mpool(), before);
    return;
  }
  if (r != argc || e != entry || argvp != sp || sp % 16 != 0 ||
      sp < top - USERSTACK * PGSIZE || sp >= top)
    fuzz_fail("exec_load: argc %d entry %#lx sp %#lx argv %#lx", r, e, sp, argvp);

  np->heapbase = np->sz = top;
  for (int i = 0; i < pg.nseg; i++) {
    np->reg[np->nreg++] = (struct region){ pg.seg[i].vaddr,
      PGROUNDUP(pg.seg[i].vaddr + pg.seg[i].memsz), elf_prot_of(pg.seg[i].flags), VMA_SEGMENT, 0, 0, 0, 0 };
    mwrite(np, pg.seg[i].vaddr, pg.seg[i].data, pg.seg[i].filesz);
  }
  uint64 base = top - USERSTACK * PGSIZE;
  np->reg[np->nreg++] = (struct region){ base - PGSIZE, base, 0, VMA_GUARD, 0, 0, 0, 0 };
  struct region *stack = &np->reg[np->nreg++];
  *stack = (struct region){ base, top, RW, VMA_STACK, 0, 0, 0, 0 };

  // argv as the program will see it; then the stack page becomes the
  // model's, with nothing below sp.
  uint64 uargv[MAXARG + 1];
  if (copyin(&np->vm, uargv, argvp, (argc + 1) * sizeof(uint64)) != 0 || uargv[argc] != 0)
    fuzz_fail("exec_load: argv array unreadable or not null-terminated");
  for (int i = 0; i < argc; i++) {
    char s[32];
    if (uargv[i] <= sp || uargv[i] >= top ||
        copyinstr(&np->vm, s, uargv[i], sizeof(s)) != 0 || strcmp(s, argv[i]) != 0)
      fuzz_fail("exec_load: argv[%d] wrong", i);
  }
  pte_t spte = leaf(np->vm.pagetable, stack->start);
  const uchar *sb = (const uchar *)PTE2PA(spte);
  for (uint64 va = stack->start; va < sp; va++)
    if (sb[va - stack->start])
      fuzz_fail("exec_load: stack byte %#lx below sp is not zero", va);
  mwrite(np, sp, sb + (sp - stack->start), top - sp);

  op_exit(p);
  // The new image moves into p's slot; a vmspace is a plain value.
  p->vm = np->vm;
  p->live = 1;
  mcopy(p, np);
  np->live = 0;
}

// ---- the driver

// An operation byte: the process in its low bits, the operation above.
// The first NOPS * NPROCS * 4 values (224) cycle through the operations of
// the fuzzer before files (so its corpus decodes as it did); the rest
// name the file operations.
enum { OP_GROW, OP_GROW_LAZY, OP_SHRINK, OP_WRITE, OP_READ, OP_READSTR,
       OP_FAULT, OP_FORK, OP_EXIT, OP_EXEC, OP_CONFIG, OP_MMAP, OP_MUNMAP,
       OP_MPROTECT, NOPS,
       OP_FMMAP = NOPS, OP_MSYNC, OP_FREAD, OP_FWRITE, OP_FTRUNC, OP_FLOAD, OP_FSTORE,
       OP_FMMAP2, NALLOPS };
static const char *opnames[] = { "grow", "grow lazily", "shrink", "write", "read",
                                 "read string", "fault", "fork", "exit", "exec",
                                 "config", "mmap", "munmap", "mprotect",
                                 "mmap a file", "msync", "read()", "write()", "truncate",
                                 "load from a file mapping", "store to a file mapping",
                                 "mmap a file" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct input in = { data, size, 0 };
  step = 0;
  opname = "boot";
  machine_boot(40 + take(&in) % 160);
  fakefs_reset();
  mfiles_boot();
  host_locks_reset();
  for (int i = 0; i <= NPROCS; i++)
    procs[i].live = 0;
  vm_cow = vm_faultaround = vm_zeropage = 1;
  vm_demandexec = 0;
  opt_zeropage = opt_faultaround = 1;
  uint64 start = mpool();

  while (in.i < in.n && step < MAXSTEPS) {
    step++;
    uint8 op = take(&in);
    struct proc *p = &procs[op % NPROCS];
    int kind = op / NPROCS < 4 * NOPS ? (op / NPROCS) % NOPS : NOPS + op / NPROCS - 4 * NOPS;
    opname = opnames[kind];
    if (kind == OP_CONFIG || kind == OP_FREAD || kind == OP_FWRITE || kind == OP_FTRUNC) {
      if (kind == OP_CONFIG)
        op_config(&in);
      else if (kind == OP_FREAD)
        op_fread(&in);
      else if (kind == OP_FWRITE)
        op_fwrite(&in);
      else
        op_ftrunc(&in);
      check_all();
      continue;
    }
    if (!p->live && (kind == OP_EXIT || spawn(p) != 0))
      continue;
    switch (kind) {
    case OP_GROW:      op_grow(p, &in, 0); break;
    case OP_GROW_LAZY: op_grow(p, &in, 1); break;
    case OP_SHRINK:    op_shrink(p, &in); break;
    case OP_WRITE:     op_write(p, &in); break;
    case OP_READ:      op_read(p, &in); break;
    case OP_READSTR:   op_readstr(p, &in); break;
    case OP_FAULT:     op_fault(p, &in); break;
    case OP_FORK: {
      // Low bits: which child slot; the top bit set: a copying fork.
      uint8 b = take(&in);
      struct proc *c = &procs[(op % NPROCS + 1 + (b & 0x7F) % (NPROCS - 1)) % NPROCS];
      if (!c->live)
        op_fork(p, c, !(b & 0x80));
      break;
    }
    case OP_EXIT:      op_exit(p); break;
    case OP_EXEC:      op_exec(p, &in); break;
    case OP_MMAP:      op_mmap(p, &in); break;
    case OP_MUNMAP:    op_munmap(p, &in); break;
    case OP_MPROTECT:  op_mprotect(p, &in); break;
    case OP_FMMAP:
    case OP_FMMAP2:    op_fmmap(p, &in); break;
    case OP_MSYNC:     op_msync(p, &in); break;
    case OP_FLOAD:     op_fileaccess(p, &in, 0); break;
    case OP_FSTORE:    op_fileaccess(p, &in, 1); break;
    }
    check_all();
  }

  opname = "exit all";
  for (int i = 0; i < NPROCS; i++)
    if (procs[i].live)
      op_exit(&procs[i]);
  check_all();
  // Only the cache holds pages now, and each can be reclaimed.
  uint64 cached, reclaimable;
  pcache_count(&cached, &reclaimable);
  if (kfreecount() + cached != start || reclaimable != cached)
    fuzz_fail("%lu pages free and %lu cached (%lu reclaimable) after every process exited, "
              "%lu free at boot", kfreecount(), cached, reclaimable, start);
  pcache_reclaim((int)cached);
  char msg[256];
  if (kfreecount() != start || fakefs_idle(msg, sizeof(msg)) != 0)
    fuzz_fail("%lu pages free after reclaiming the cache, %lu at boot; file system: %s",
              kfreecount(), start, kfreecount() != start ? "-" : msg);
  return 0;
}
