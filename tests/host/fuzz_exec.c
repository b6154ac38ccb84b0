// The fuzzer's exec (fuzz.h): exec_load of an ELF made from the input,
// sometimes damaged, in place of a process's image.
#include <string.h>
#include "fuzz.h"

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

void
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
      PGROUNDUP(pg.seg[i].vaddr + pg.seg[i].memsz), elf_prot_of(pg.seg[i].flags), VMA_SEGMENT, 0, 0, 0, 0, 0 };
    mwrite(np, pg.seg[i].vaddr, pg.seg[i].data, pg.seg[i].filesz);
  }
  uint64 base = top - USERSTACK * PGSIZE;
  np->reg[np->nreg++] = (struct region){ base - PGSIZE, base, 0, VMA_GUARD, 0, 0, 0, 0, 0 };
  struct region *stack = &np->reg[np->nreg++];
  *stack = (struct region){ base, top, RW, VMA_STACK, 0, 0, 0, 0, 0 };

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
  // The new image moves into p's slot; a vmspace is a plain value (the
  // reverse map's hints name the spare slot's, which it passes over once
  // that is no process's).
  vmreg_remove(&np->vm);
  p->vm = np->vm;
  p->live = 1;
  vm_register(p);
  mcopy(p, np);
  np->live = 0;
}
