// The fuzzer's operations on processes and their memory (fuzz.h): spawn
// and exit, copyout, copyin and copyinstr, vmfault, vmconfig and the
// sweep, each against the model's prediction (growing and shrinking the
// heap are in fuzz_heap.c, fork in fuzz_fork.c).
#include <string.h>
#include "fuzz.h"

int
spawn(struct proc *p)
{
  int ok = mavail() >= 1;
  int r = uvmcreate(&p->vm);
  if ((r == 0) != ok)
    fuzz_fail("uvmcreate %d with %lu pages free", r, kfreecount());
  if (r != 0)
    return -1;
  p->live = 1;
  vm_register(p);   // reclaim may take its pages
  p->heapbase = p->sz = 0;
  p->nreg = 0;
  p->npages = 0;
  mindex(p);
  return 0;
}

void
op_exit(struct proc *p)
{
  msync_range(p, 0, MAXVA);
  vmreg_remove(&p->vm);
  vm_dropfiles(&p->vm);
  uvmfree(&p->vm);
  if (p->vm.pagetable)
    fuzz_fail("uvmfree left the page table");
  p->live = 0;
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
      if (bigmachine)   // anywhere in a mapping of 2 MiB or more
        return r->start + ((uint64)b << 13 | (uint64)(a & 0xF0) << 5) % (r->end - r->start + PGSIZE);
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

uint64
pick_len(struct input *in)
{
  uint8 l = take(in);
  return l & 0x80 ? (uint64)(l & 0x7F) * 64 : l & 0x7F;
}

// copyout (a write, from iobuf) or copyin (into iobuf, checked) of len
// bytes at va, one page at a time as the kernel's copies go, for a range
// that touches file pages or that eviction may let through where the
// free pages do not, or while a page-in is to fail: where memory is
// short, the model takes the kernel's answer for a page if mfits allows
// it. Stops at the first page refused, or whose page-in failed.
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
    uint64 fails = pagein_failures();
    int r = a == ACCESS_WRITE ? copyout(&p->vm, cur, iobuf + done, n)
                              : copyin(&p->vm, iobuf + done, cur, n);
    if (pagein_failures() != fails) {
      pagein_failed(p, va0, r == 0);   // -1, nothing written
      return;
    }
    if ((r == 0 && !can) || (r != 0 && sure))
      fuzz_fail("%s(%#lx, %lu) = %d, model: %s", a == ACCESS_WRITE ? "copyout" : "copyin",
                cur, n, r, sure ? "must succeed" : "must fail");
    if (r != 0)
      return;
    if (a == ACCESS_WRITE)
      mwrite(p, cur, iobuf + done, n);
    for (uint64 i = 0; a == ACCESS_READ && i < n; i++)
      if (iobuf[done + i] != mbyte(p, cur + i))
        fuzz_fail("copyin(%#lx): byte %lu is %#x, model %#x", cur, i, iobuf[done + i],
                  mbyte(p, cur + i));
  }
}

void
do_write(struct proc *p, uint64 va, uint64 len, uint8 seed)
{
  for (uint64 i = 0; i < len; i++)
    iobuf[i] = (uchar)(seed + i * 7);
  uint64 reach = mtouches_file(p, va, len) ? 0 : mreach(p, va, len, ACCESS_WRITE, 0);
  if (mtouches_file(p, va, len) || pageins_may_fail() ||
      (reach < len && mreach(p, va, len, ACCESS_WRITE, evict_room(p, va, len)) > reach)) {
    mcopy_pages(p, va, len, ACCESS_WRITE);
    return;
  }
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
count_large(uint64 va, pte_t pte, int level, void *arg)
{
  (void)va;
  (void)pte;
  *(int *)arg += level == 1;
}

// p's megapages.
static int
megapages(struct proc *p)
{
  int n = 0;
  struct ptvisitor v = { 0, count_large, &n };
  pt_visit(p->vm.pagetable, &v);
  return n;
}

// With large pages off, stores make none (neither whole nor by promotion).
static void
check_no_new_megapages(struct proc *p, int before)
{
  if (!opt_largepage && megapages(p) > before)
    fuzz_fail("%d megapages after stores with large pages off, %d before", megapages(p), before);
}

void
op_write(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in), len = pick_len(in);
  int before = opt_largepage ? 0 : megapages(p);
  do_write(p, va, len, take(in));
  check_no_new_megapages(p, before);
}

void
do_read(struct proc *p, uint64 va, uint64 len)
{
  uint64 reach = mtouches_file(p, va, len) ? 0 : mreach(p, va, len, ACCESS_READ, 0);
  if (mtouches_file(p, va, len) || pageins_may_fail() ||
      (reach < len && mreach(p, va, len, ACCESS_READ, evict_room(p, va, len)) > reach)) {
    mcopy_pages(p, va, len, ACCESS_READ);
    return;
  }
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

void
op_read(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in);
  do_read(p, va, pick_len(in));
}

void
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
  // Where the free pages do not reach the NUL, eviction may.
  uint64 room = evict_room(p, va, slen + 1);
  int sure = slen < max && mreach(p, va, slen + 1, ACCESS_READ, 0) == slen + 1;
  int can = slen < max && mreach(p, va, slen + 1, ACCESS_READ, room) == slen + 1;
  struct span sp;
  if (can)
    span_before(p, va, slen + 1, &sp);
  uint64 fails = pagein_failures();
  int r = copyinstr(&p->vm, (char *)iobuf, va, max);
  if (pagein_failures() != fails) {
    pagein_failed(p, MAXVA, r == 0);
    return;
  }
  if ((r == 0 && !can) || (r != 0 && sure))
    fuzz_fail("copyinstr(%#lx, %lu) = %d, model %s", va, max, r,
              sure ? "succeeds" : can ? "may succeed" : "fails");
  for (uint64 i = 0; r == 0 && i <= slen; i++)
    if (iobuf[i] != mbyte(p, va + i))
      fuzz_fail("copyinstr(%#lx): byte %lu is %#x, model %#x", va, i, iobuf[i], mbyte(p, va + i));
  if (r == 0)
    check_read(p, &sp);
}

void
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
    uint64 fails = pagein_failures();
    int r = vmfault(&p->vm, va, a);
    if (pagein_failures() != fails) {
      pagein_kills(p, va, r);
      return;
    }
    if ((r == FAULT_OK && !can) || (r == FAULT_NOMEM && sure) || r == FAULT_BADADDR)
      fuzz_fail("vmfault(%#lx, %d) = %d on a file page, model: %s", va, a, r,
                sure ? "must succeed" : can ? "may succeed" : "must fail");
    if (r == FAULT_OK && a == ACCESS_WRITE)
      mwrite(p, va, &(uchar){ mbyte(p, va) }, 1);   // its own copy now, if private
    return;
  }
  // Where the free pages do not do, eviction may (and vmfault reclaims
  // first when memory is low).
  int may;
  if (!mallowed(p, va, a)) {
    want = may = FAULT_BADADDR;
  } else {
    struct tables t = { .pt = p->vm.pagetable };
    uint64 need = page_need(p, PGROUNDDOWN(va), a, &t);
    want = need <= mavail() ? FAULT_OK : FAULT_NOMEM;
    may = want == FAULT_NOMEM && need <= mavail() + evict_room(p, va, 1) ? FAULT_OK : want;
    span_before(p, va, 1, &sp);
  }
  uint64 fails = pagein_failures();
  int r = vmfault(&p->vm, va, a);
  if (pagein_failures() != fails) {
    pagein_kills(p, va, r);
    return;
  }
  if (r != want && r != may)
    fuzz_fail("vmfault(%#lx, %d) = %d, model %d%s", va, a, r, want,
              may != want ? " (or 0: eviction)" : "");
  if (r == FAULT_OK && a == ACCESS_WRITE)
    check_written(p, &sp);
  if (r == FAULT_OK && a == ACCESS_READ)
    check_read(p, &sp);
}

// The zero page and fault-around on or off, as the input says; on a big
// machine large pages too (on unless bit 2 is set); fork's shared tables
// (bit 3), the replacement policy (bits 4 and 5) and eviction (off when
// bits 6 and 7 are set), all of which the kernel may switch at any moment.
void
op_config(struct input *in)
{
  uint8 b = take(in);
  int zp = b & 1, fa = (b >> 1) & 1, lp = bigmachine ? !(b & 4) : opt_largepage;
  int fs = (b >> 3) & 1, policy = (b >> 4) & 3, evict = (b & 0xC0) != 0xC0;
  int old_policy = vm_policy, old_evict = vm_evict;
  if (vmconfig(VMCONF_ZEROPAGE, zp) != opt_zeropage ||
      vmconfig(VMCONF_FAULTAROUND, fa) != opt_faultaround ||
      vmconfig(VMCONF_LARGEPAGE, lp) != opt_largepage ||
      vmconfig(VMCONF_FORKSHARE, fs) != opt_forkshare ||
      vmconfig(VMCONF_POLICY, policy) != old_policy || vmconfig(VMCONF_EVICT, evict) != old_evict)
    fuzz_fail("vmconfig did not return the old values %d, %d, %d, %d, %d, %d", opt_zeropage,
              opt_faultaround, opt_largepage, opt_forkshare, old_policy, old_evict);
  opt_zeropage = zp;
  opt_faultaround = fa;
  opt_largepage = lp;
  opt_forkshare = fs;
}

// A program going through its memory in order, one store (or load) a
// page, as a loop over an array does (a big machine's operation): the
// fault-around windows grow, a lazy block reached in order is taken whole,
// a block of small pages completed is promoted, a megapage shared
// copy-on-write is made writable or demoted and broken page by page.
void
op_sweep(struct proc *p, struct input *in)
{
  uint64 va = pick_addr(p, in);
  uint8 b = take(in);
  uint64 n = 1 + (uint64)take(in) * 4 + (b & 3);
  if (b & 0x40)
    va = LARGE_ROUNDDOWN(va);
  va = PGROUNDDOWN(va) + (uint64)(b & 0x38) * 8;
  int before = opt_largepage ? 0 : megapages(p);
  for (uint64 i = 0; i < n && va + i * PGSIZE >= va; i++) {
    uint64 a = va + i * PGSIZE;
    if (b & 0x80) {
      do_read(p, a, 1);
      continue;
    }
    // Other operations write at most MAXSPAN pages a step: room for them.
    if (p->npages + MAXSPAN * MAXSTEPS >= MAXMPAGES && !mpage(p, PGROUNDDOWN(a), 0))
      break;
    do_write(p, a, 1, (uint8)(b + i));
  }
  check_no_new_megapages(p, before);
}
