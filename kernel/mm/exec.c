// Loading a program: read and check an ELF file, and build the address
// space it runs in: its segments, one guard page, the stack with argv,
// and an empty heap above. proc/exec.c builds it beside the caller's and
// swaps it in only when everything here succeeded.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "mm/mm.h"
#include "mm/elf.h"
#include "fs/fs.h"

#define MAXPHNUM 16   // program headers exec looks at
_Static_assert(NVMA >= MAXPHNUM + 2, "a region for each segment, the guard, the stack");

int
elf_check_header(const struct elfhdr *eh)
{
  if (eh->magic != ELF_MAGIC || eh->ident[0] != ELFCLASS64)
    return -1;
  if (eh->type != ET_EXEC || eh->machine != EM_RISCV)
    return -1;
  if (eh->phentsize != sizeof(struct proghdr) || eh->phnum > MAXPHNUM)
    return -1;
  return 0;
}

int
elf_check_segment(const struct proghdr *ph, uint64 sz, uint64 filesize)
{
  uint64 end = ph->vaddr + ph->memsz;
  if (ph->memsz < ph->filesz)
    return -1;
  if ((ph->flags & (PF_R | PF_W | PF_X)) == 0)   // pages nobody may touch
    return -1;
  if (end < ph->vaddr || ph->off + ph->filesz < ph->off)   // wrapped
    return -1;
  if (ph->off + ph->filesz > filesize)   // the bytes must be in the file
    return -1;
  if (ph->vaddr % PGSIZE != 0 || ph->vaddr < sz)   // aligned, in order
    return -1;
  // Room above it for the guard page and the stack, below the trap frame.
  if (end > USERTOP - (1 + USERSTACK) * PGSIZE)
    return -1;
  if (PGROUNDUP(ph->memsz) / PGSIZE > ktotalpages())
    return -1;
  return 0;
}

// The rights a segment's pages get. A writable segment is readable too:
// no MMU Lazuli runs on has write-only pages (Sv39 reserves W without R).
static int
elf_prot(uint32 flags)
{
  int prot = 0;
  if (flags & (PF_R | PF_W)) prot |= VM_R;
  if (flags & PF_W) prot |= VM_W;
  if (flags & PF_X) prot |= VM_X;
  return prot;
}

// Read filesz bytes at file offset off into the (already mapped) pages of
// the new address space from va on.
static int
load_bytes(struct vmspace *vm, struct inode *ip, uint64 va, uint64 off, uint64 filesz)
{
  for (uint64 done = 0; done < filesz; done += PGSIZE) {
    pte_t *pte = walk(vm->pagetable, va + done, 0);
    uint64 n = filesz - done < PGSIZE ? filesz - done : PGSIZE;
    if (readi(ip, 0, (uint64)P2V(pte_pa(*pte)), off + done, n) != n)
      return -1;
  }
  return 0;
}

// Put segment ph of ip in vm. A segment whose file offset is page-aligned
// (as every linker lays them out for 4096-byte pages) is demand-paged: a
// private region backed by its bytes of the file, then zeros (bss), read
// through the page cache on first touch, so that every process running
// the program shares its text pages. Any other segment is read in now.
static int
map_segment(struct vmspace *vm, struct inode *ip, struct proghdr *ph)
{
  uint64 end = PGROUNDUP(ph->vaddr + ph->memsz);
  int prot = elf_prot(ph->flags);
  if (vm_demandexec && ph->off % PGSIZE == 0) {
    struct vma v = { ph->vaddr, end, prot, VMA_SEGMENT, 0, 0, 1, ip, ph->off, ph->filesz };
    // The region's end is page-aligned; bytes past filesz are bss. A file
    // mapped shared and writable may not be run (ETXTBSY).
    if (fmap_denywrite(ip, 1) != 0)
      return -1;
    if (vma_insert(vm, &v) != 0) {
      fmap_denywrite(ip, -1);
      return -1;
    }
    fmap_hold(ip);
    return 0;
  }
  if (uvmalloc(vm, ph->vaddr, end, prot) == 0)
    return -1;
  if (vma_add(vm, ph->vaddr, end, prot, VMA_SEGMENT) != 0)
    return -1;
  return load_bytes(vm, ip, ph->vaddr, ph->off, ph->filesz);
}

// Map every PT_LOAD segment of ip into vm. Returns 0 or -1; vm->sz ends at
// the last segment.
static int
load_segments(struct vmspace *vm, struct inode *ip, struct elfhdr *eh)
{
  // Offsets are checked against the file's size before readi sees them:
  // readi takes 32-bit offsets, and a larger one would wrap into the file.
  uint64 phend = eh->phoff + (uint64)eh->phnum * sizeof(struct proghdr);
  if (phend < eh->phoff || phend > ip->size)
    return -1;
  for (int i = 0; i < eh->phnum; i++) {
    struct proghdr ph;
    uint off = eh->phoff + i * sizeof(ph);
    if (readi(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      return -1;
    if (ph.type != PT_LOAD || ph.memsz == 0)
      continue;
    if (elf_check_segment(&ph, vm->sz, ip->size) != 0)
      return -1;
    if (map_segment(vm, ip, &ph) != 0)
      return -1;
    vm->sz = PGROUNDUP(ph.vaddr + ph.memsz);
  }
  return 0;
}

// Read the program at path into vm, which holds no user memory yet.
static int
load_program(struct vmspace *vm, char *path, uint64 *entry)
{
  begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  struct elfhdr eh;
  int r = -1;
  if (readi(ip, 0, (uint64)&eh, 0, sizeof(eh)) == sizeof(eh) &&
      elf_check_header(&eh) == 0 && load_segments(vm, ip, &eh) == 0) {
    *entry = eh.entry;
    r = 0;
  }
  iunlockput(ip);
  end_op();
  return r;
}

// The page where a writable segment's file bytes end and its bss begins
// is a private copy with zeros after those bytes, whoever touches it: make
// it now, so that a program's first use of its data costs nothing it did
// not cost before demand paging (xv6's usertests count free pages around
// their tests). Once the heap's start is set (until then the fault path
// would take the segments for heap) and load_program let go of the
// inode's lock, which reading the file takes. Returns 0 or -1.
static int
prepare_data_ends(struct vmspace *vm)
{
  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (v->file && (v->prot & VM_W) && v->filelen % PGSIZE &&
        vmfault(vm, v->start + PGROUNDDOWN(v->filelen), ACCESS_WRITE) != FAULT_OK)
      return -1;
  }
  return 0;
}

// Map the pages of the program's file that the page cache holds already
// (the text of a program that runs elsewhere, or ran lately): they cost
// no reading, and each would cost a fault (a trap) on first touch.
// Nothing is read here.
static void
map_cached(struct vmspace *vm)
{
  for (int i = 0; i < vm->nvma; i++) {
    struct vma *v = &vm->vma[i];
    if (!v->file)
      continue;
    const struct pager *pg = vma_pager(v);
    for (uint64 a = v->start; a < v->start + v->filelen && a < v->end; a += PGSIZE) {
      pte_t *pte = walk(vm->pagetable, a, 0);
      uint64 pa;
      int flags;
      if ((pte && pte_valid(*pte)) || pg->peek(v, a, &pa, &flags) != FAULT_OK)
        continue;
      if (mappages(vm->pagetable, a, PGSIZE, pa, flags) != 0) {
        kfree(P2V(pa));
        return;   // only a head start: faults bring in the rest
      }
    }
  }
}

// The guard page and the stack above the program, and the argument strings
// and argv[] pushed on it. Returns argc, or -1.
static int
make_stack(struct vmspace *vm, char **argv, uint64 *spp, uint64 *argvp)
{
  uint64 guard = vm->sz;
  uint64 base = guard + PGSIZE;
  uint64 top = base + USERSTACK * PGSIZE;
  if (uvmalloc(vm, base, top, VM_R | VM_W) == 0)
    return -1;
  vm->sz = top;
  if (vma_add(vm, guard, base, 0, VMA_GUARD) != 0 ||
      vma_add(vm, base, top, VM_R | VM_W, VMA_STACK) != 0)
    return -1;

  uint64 ustack[MAXARG + 1];
  uint64 sp = top;
  int argc;
  for (argc = 0; argv[argc]; argc++) {
    if (argc >= MAXARG)
      return -1;
    sp -= strlen(argv[argc]) + 1;
    sp -= sp % 16;   // the RISC-V ABI wants sp 16-byte aligned
    if (sp < base || copyout(vm, sp, argv[argc], strlen(argv[argc]) + 1) != 0)
      return -1;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  sp -= (argc + 1) * sizeof(uint64);
  sp -= sp % 16;
  if (sp < base || copyout(vm, sp, ustack, (argc + 1) * sizeof(uint64)) != 0)
    return -1;
  *spp = sp;
  *argvp = sp;
  return argc;
}

// Build the image of program path with arguments argv (a null-terminated
// array of kernel strings) in vm, a fresh address space. On success returns
// argc and sets the entry point, the stack pointer and argv's address; on
// failure returns -1 and the caller frees vm.
int
exec_load(struct vmspace *vm, char *path, char **argv,
          uint64 *entry, uint64 *sp, uint64 *argvp)
{
  if (load_program(vm, path, entry) != 0)
    return -1;
  int argc = make_stack(vm, argv, sp, argvp);
  if (argc < 0)
    return -1;
  vm->heapbase = vm->sz;   // the fault path tells the heap by it
  if (prepare_data_ends(vm) != 0)
    return -1;
  map_cached(vm);
  return argc;
}
