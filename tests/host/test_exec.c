// exec.c: the ELF checks, and exec_load end to end on files served by the
// fake file system.
#include "abi/param.h"
#include "arch/riscv/sv39.h"
#include "mm/elf.h"
#include "unit.h"

#define IMGCAP 32768
#define TEXTSZ 5000
#define DATASZ 100
#define ENTRY 0x40

static uchar img[IMGCAP];
static uchar text[TEXTSZ], data[DATASZ];

// The test program: text RX at 0 (two pages), one page unmapped, data RW
// at 0x3000 with 100 bytes from the file and bss to 0x6032.
// Its image: 0x0-0x2000 text, 0x3000-0x7000 data, 0x7000 guard, 0x8000
// stack, heap from 0x9000.
static uint64
good_image(void)
{
  for (int i = 0; i < TEXTSZ; i++)
    text[i] = (uchar)(i * 13 + 1);
  for (int i = 0; i < DATASZ; i++)
    data[i] = (uchar)(200 - i);
  struct seg segs[] = {
    { PT_LOAD, PF_R | PF_X, 0, TEXTSZ, text, TEXTSZ },
    { PT_LOAD, PF_R | PF_W, 0x3000, 3 * PGSIZE + 50, data, DATASZ },
  };
  uint64 n = elfimg_build(img, IMGCAP, ENTRY, segs, 2);
  assert_true(n > 0);
  return n;
}

static struct elfhdr *
ehdr(void)
{
  return (struct elfhdr *)img;
}

static struct proghdr *
phdr(int i)
{
  return (struct proghdr *)(img + ehdr()->phoff) + i;
}

static char *default_argv[] = { "/prog", "hello", "x", 0 };

// Load img[0, size) as /prog into a fresh address space.
static int
load(struct vmspace *vm, uint64 size, char **argv, uint64 *entry, uint64 *sp, uint64 *argvp)
{
  fakefs_put("/prog", img, size);
  vm_new(vm);
  return exec_load(vm, "/prog", argv, entry, sp, argvp);
}

// exec_load must refuse img[0, size); freeing the half-built address
// space gives back every page.
static void
refused(uint64 size, char **argv)
{
  uint64 before = kfreecount();
  struct vmspace vm;
  uint64 entry = 0, sp = 0, argvp = 0;
  int r = load(&vm, size, argv, &entry, &sp, &argvp);
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
  assert_int_equal(r, -1);
  assert_int_equal(kfreecount(), before);
}

static void
good_elf_loads_with_argv(void **state)
{
  (void)state;
  uint64 size = good_image();
  struct vmspace vm;
  uint64 entry = 0, sp = 0, argvp = 0;
  uint64 before = kfreecount();
  assert_int_equal(load(&vm, size, default_argv, &entry, &sp, &argvp), 3);
  assert_int_equal(entry, ENTRY);
  // 2 text + 4 data + 1 stack pages, a root, a level-1 and a level-0 table.
  assert_int_equal(kfreecount(), before - 10);

  // Text: the file's bytes, readable and executable, not writable.
  for (uint64 va = 0; va < 0x2000; va += PGSIZE)
    assert_int_equal(flags_at(&vm, va), VM_R | VM_X | VM_U);
  assert_memory_equal(page_at(&vm, 0), text, PGSIZE);
  assert_memory_equal(page_at(&vm, PGSIZE), text + PGSIZE, TEXTSZ - PGSIZE);
  for (int i = TEXTSZ - PGSIZE; i < PGSIZE; i++)
    assert_int_equal(page_at(&vm, PGSIZE)[i], 0);
  assert_int_equal(copyout(&vm, 0x10, "x", 1), -1);

  // The hole between the segments stays unmapped and refused.
  assert_false(present(&vm, 0x2000));
  assert_int_equal(vmfault(&vm, 0x2000, ACCESS_READ), FAULT_BADADDR);

  // Data, then bss: zeros up to the end of its last page.
  for (uint64 va = 0x3000; va < 0x7000; va += PGSIZE)
    assert_int_equal(flags_at(&vm, va), VM_R | VM_W | VM_U);
  uchar *d = page_at(&vm, 0x3000);
  assert_memory_equal(d, data, DATASZ);
  for (int i = DATASZ; i < PGSIZE; i++)
    assert_int_equal(d[i], 0);
  for (uint64 va = 0x4000; va < 0x7000; va += PGSIZE)
    for (int i = 0; i < PGSIZE; i++)
      assert_int_equal(page_at(&vm, va)[i], 0);

  // Guard page, stack page, empty heap.
  assert_false(present(&vm, 0x7000));
  assert_int_equal(vmfault(&vm, 0x7000, ACCESS_WRITE), FAULT_BADADDR);
  assert_int_equal(flags_at(&vm, 0x8000), VM_R | VM_W | VM_U);
  assert_int_equal(vm.sz, 0x9000);
  assert_int_equal(vm.heapbase, 0x9000);
  assert_int_equal(vmfault(&vm, 0x9000, ACCESS_READ), FAULT_BADADDR);

  // Regions: both segments, the guard, the stack, sorted.
  assert_int_equal(vm.nvma, 4);
  struct vma want[] = {
    { .start = 0, .end = 0x2000, .prot = VM_R | VM_X, .kind = VMA_SEGMENT },
    { .start = 0x3000, .end = 0x7000, .prot = VM_R | VM_W, .kind = VMA_SEGMENT },
    { .start = 0x7000, .end = 0x8000, .prot = 0, .kind = VMA_GUARD },
    { .start = 0x8000, .end = 0x9000, .prot = VM_R | VM_W, .kind = VMA_STACK },
  };
  for (int i = 0; i < 4; i++) {
    assert_int_equal(vm.vma[i].start, want[i].start);
    assert_int_equal(vm.vma[i].end, want[i].end);
    assert_int_equal(vm.vma[i].prot, want[i].prot);
    assert_int_equal(vm.vma[i].kind, want[i].kind);
  }

  // argv on the stack: a null-terminated array of pointers to the
  // strings, above it; sp 16-byte aligned and equal to argv.
  assert_int_equal(argvp, sp);
  assert_int_equal(sp % 16, 0);
  assert_true(sp >= 0x8000 && sp < 0x9000);
  uint64 uargv[4];
  assert_int_equal(copyin(&vm, uargv, argvp, sizeof(uargv)), 0);
  assert_int_equal(uargv[3], 0);
  for (int i = 0; i < 3; i++) {
    char s[16];
    assert_true(uargv[i] > sp && uargv[i] < 0x9000);
    assert_int_equal(copyinstr(&vm, s, uargv[i], sizeof(s)), 0);
    assert_string_equal(s, default_argv[i]);
  }
  struct vmspace *vms[] = { &vm };
  assert_refs(vms, 1);
  uvmfree(&vm);
}

static void
header_checks(void **state)
{
  (void)state;
  uint64 size = good_image();
  assert_int_equal(elf_check_header(ehdr()), 0);
  struct elfhdr good = *ehdr();

  struct elfhdr bad[7];
  for (int i = 0; i < 7; i++)
    bad[i] = good;
  bad[0].magic ^= 1;                 // bad magic
  bad[1].ident[0] = 1;               // ELFCLASS32
  bad[2].type = 3;                   // ET_DYN
  bad[3].machine = 62;               // EM_X86_64
  bad[4].phentsize = 48;
  bad[5].phnum = 17;                 // more than exec looks at
  bad[6].magic = 0;
  for (int i = 0; i < 7; i++) {
    assert_int_equal(elf_check_header(&bad[i]), -1);
    *ehdr() = bad[i];
    refused(size, default_argv);
  }
  struct elfhdr sixteen = good;
  sixteen.phnum = 16;
  assert_int_equal(elf_check_header(&sixteen), 0);
}

static struct proghdr
segment(uint64 off, uint64 vaddr, uint64 filesz, uint64 memsz)
{
  struct proghdr ph;
  memset(&ph, 0, sizeof(ph));
  ph.type = PT_LOAD;
  ph.flags = PF_R;
  ph.off = off;
  ph.vaddr = vaddr;
  ph.filesz = filesz;
  ph.memsz = memsz;
  return ph;
}

static void
segment_checks(void **state)
{
  (void)state;
  uint64 limit = USERTOP - (1 + USERSTACK) * PGSIZE;   // guard and stack above
  uint64 fsz = 1UL << 20;                              // the file's size
  struct proghdr ph = segment(0, 0x1000, 100, 100);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), 0);
  assert_int_equal(elf_check_segment(&ph, 0x1000, fsz), 0);    // right after the last
  assert_int_equal(elf_check_segment(&ph, 0x2000, fsz), -1);   // overlaps / out of order

  ph = segment(0, 0x1000, 101, 100);                           // memsz < filesz
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
  ph = segment(0, 0x1010, 0, 100);                             // unaligned
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
  ph = segment(0, 0xFFFFFFFFFFFFF000, 0, 0x2000);               // vaddr + memsz wraps
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
  ph = segment(~0UL - 10, 0x1000, 100, 100);                   // off + filesz wraps
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);

  // The segment's bytes must be in the file, up to its last byte.
  ph = segment(fsz - 100, 0x1000, 100, 100);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), 0);
  ph = segment(fsz - 99, 0x1000, 100, 100);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
  ph = segment(fsz + (1UL << 32), 0x1000, 0, 100);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);

  ph = segment(0, limit - PGSIZE, 0, PGSIZE);                  // ends at the limit
  assert_int_equal(elf_check_segment(&ph, 0, fsz), 0);
  ph = segment(0, limit - PGSIZE, 0, PGSIZE + 1);              // one byte beyond
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
  ph = segment(0, USERTOP - PGSIZE, 0, 1);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
  ph = segment(0, MAXVA, 0, 1);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);

  // More pages than the machine has.
  ph = segment(0, 0, 0, ktotalpages() * PGSIZE);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), 0);
  ph = segment(0, 0, 0, ktotalpages() * PGSIZE + 1);
  assert_int_equal(elf_check_segment(&ph, 0, fsz), -1);
}

// The same checks, through exec_load on crafted files.
static void
bad_segments_refused(void **state)
{
  (void)state;
  uint64 size = good_image();
  struct proghdr good = *phdr(1);

  phdr(1)->memsz = 50;                          // memsz < filesz
  refused(size, default_argv);
  *phdr(1) = good;
  phdr(1)->vaddr = 0x3010;                      // unaligned
  refused(size, default_argv);
  phdr(1)->vaddr = 0x1000;                      // overlaps the text
  refused(size, default_argv);
  phdr(1)->vaddr = 0xFFFFFFFFFFFFF000;          // wraps
  phdr(1)->memsz = 0x2000;
  refused(size, default_argv);
  *phdr(1) = good;
  phdr(1)->vaddr = USERTOP - 2 * PGSIZE;        // no room for guard and stack
  phdr(1)->memsz = 1;
  phdr(1)->filesz = 1;
  refused(size, default_argv);
  *phdr(1) = good;
  phdr(1)->off = size + 100;                    // bytes beyond the end of the file
  refused(size, default_argv);
  *phdr(1) = good;

  // Out of order: data listed before text.
  struct proghdr t = *phdr(0);
  *phdr(0) = *phdr(1);
  *phdr(1) = t;
  refused(size, default_argv);
}

static void
truncated_files_refused(void **state)
{
  (void)state;
  uint64 size = good_image();
  refused(size - 1, default_argv);                       // data cut short
  refused(size - DATASZ - 10, default_argv);             // text cut short
  refused(sizeof(struct elfhdr) + sizeof(struct proghdr) + 10, default_argv);
  refused(sizeof(struct elfhdr) - 1, default_argv);
  refused(0, default_argv);
}

static void
missing_file_refused(void **state)
{
  (void)state;
  struct vmspace vm;
  uint64 entry, sp, argvp;
  vm_new(&vm);
  assert_int_equal(exec_load(&vm, "/nothing", default_argv, &entry, &sp, &argvp), -1);
  uvmfree(&vm);
}

// Program headers that are not PT_LOAD, and empty PT_LOADs, are skipped
// whatever their other fields say.
static void
other_headers_skipped(void **state)
{
  (void)state;
  uchar note[10] = { 0 };
  struct seg segs[] = {
    { 4 /* PT_NOTE */, PF_R, 0x1234, 10, note, 10 },
    { PT_LOAD, PF_R, 0x1001, 0, 0, 0 },
    { PT_LOAD, PF_R | PF_X, 0, 10, note, 10 },
    { 6 /* PT_PHDR */, PF_R, 0xFFFFFFFFFFFFF000, 0x10000, 0, 0 },
  };
  uint64 size = elfimg_build(img, IMGCAP, 0, segs, 4);
  struct vmspace vm;
  uint64 entry, sp, argvp;
  assert_int_equal(load(&vm, size, default_argv, &entry, &sp, &argvp), 3);
  assert_true(present(&vm, 0));
  assert_false(present(&vm, 0x1000));
  assert_int_equal(vm.sz, 3 * PGSIZE);   // segment, guard, stack
  uvmfree(&vm);
}

static void
argv_limits(void **state)
{
  (void)state;
  uint64 size = good_image();
  static char *many[MAXARG + 2];
  static char names[MAXARG + 1][16];
  for (int i = 0; i <= MAXARG; i++) {
    snprintf(names[i], sizeof(names[i]), "a%d", i);
    many[i] = names[i];
  }
  many[MAXARG + 1] = 0;
  refused(size, many);                 // MAXARG + 1 arguments

  many[MAXARG] = 0;                    // exactly MAXARG
  struct vmspace vm;
  uint64 entry, sp, argvp;
  assert_int_equal(load(&vm, size, many, &entry, &sp, &argvp), MAXARG);
  char s[8];
  uint64 p;
  assert_int_equal(copyin(&vm, &p, argvp + (MAXARG - 1) * 8, 8), 0);
  assert_int_equal(copyinstr(&vm, s, p, sizeof(s)), 0);
  assert_string_equal(s, "a31");
  uvmfree(&vm);

  // Strings that do not fit in the stack page.
  static char big[PGSIZE + 1];
  memset(big, 'b', PGSIZE);
  char *toolong[] = { "/prog", big, 0 };
  refused(size, toolong);

  char *none[] = { 0 };
  assert_int_equal(load(&vm, size, none, &entry, &sp, &argvp), 0);
  assert_int_equal(copyin(&vm, &p, argvp, 8), 0);
  assert_int_equal(p, 0);
  uvmfree(&vm);
}

// Memory runs out at every point of loading: refused, nothing leaks.
static void
exec_out_of_memory(void **state)
{
  (void)state;
  uint64 size = good_image();
  const uint64 need = 2 + 4 + 1 + 2;   // text, data, stack, two tables
  fakefs_put("/prog", img, size);
  for (uint64 leave = 0; leave <= need; leave++) {
    uint64 before = kfreecount();
    struct vmspace vm;
    uint64 entry, sp, argvp;
    vm_new(&vm);
    machine_exhaust(leave);
    int r = exec_load(&vm, "/prog", default_argv, &entry, &sp, &argvp);
    machine_unexhaust();
    uvmfree(&vm);
    assert_int_equal(r, leave < need ? -1 : 3);
    assert_int_equal(kfreecount(), before);
  }
}

// A program that ends exactly where the guard page and the stack still
// fit: the stack's top is USERTOP.
static void
exec_at_the_top(void **state)
{
  (void)state;
  uint64 limit = USERTOP - (1 + USERSTACK) * PGSIZE;
  struct seg segs[] = { { PT_LOAD, PF_R | PF_X, limit - PGSIZE, PGSIZE, text, 64 } };
  uint64 size = elfimg_build(img, IMGCAP, limit - PGSIZE, segs, 1);
  struct vmspace vm;
  uint64 entry, sp, argvp;
  assert_int_equal(load(&vm, size, default_argv, &entry, &sp, &argvp), 3);
  assert_int_equal(vm.sz, USERTOP);
  assert_true(sp < USERTOP && sp >= USERTOP - PGSIZE);
  assert_int_equal(vmfault(&vm, USERTOP, ACCESS_READ), FAULT_BADADDR);
  assert_false(present(&vm, USERTOP - 2 * PGSIZE));   // the guard page
  uvmfree(&vm);
}

// readi takes 32-bit offsets: an offset of 4 GiB + x must not wrap
// around to x. Headers or bytes beyond the end of the file are refused.
static void
phdrs_beyond_the_file_refused(void **state)
{
  (void)state;
  uint64 size = good_image();
  ehdr()->phoff += 1UL << 32;
  refused(size, default_argv);
  ehdr()->phoff = size - sizeof(struct proghdr);   // the second one cut short
  refused(size, default_argv);
  ehdr()->phoff = ~0UL - 8;                        // phoff + table wraps
  refused(size, default_argv);
}

static void
segment_bytes_beyond_the_file_refused(void **state)
{
  (void)state;
  uint64 size = good_image();
  phdr(0)->off += 1UL << 32;
  refused(size, default_argv);
}

static void
no_writable_unreadable_leaf(uint64 va, pte_t pte, int level, void *arg)
{
  (void)va;
  (void)level;
  if ((pte & PTE_W) && !(pte & PTE_R))
    (*(int *)arg)++;
}

// Sv39 reserves W=1 R=0: the MMU faults on every access, and vmfault, which
// sees VM_W, would let a store fault forever. A PF_W segment is mapped
// readable as well.
static void
write_only_segment_is_readable(void **state)
{
  (void)state;
  uchar d[16] = { 1 };
  struct seg segs[] = { { PT_LOAD, PF_W, 0, PGSIZE, d, sizeof(d) } };
  uint64 size = elfimg_build(img, IMGCAP, 0, segs, 1);
  struct vmspace vm;
  uint64 entry, sp, argvp;
  int bad = 0;
  assert_true(load(&vm, size, default_argv, &entry, &sp, &argvp) >= 0);
  struct ptvisitor v = { 0, no_writable_unreadable_leaf, &bad };
  pt_visit(vm.pagetable, &v);
  assert_int_equal(vmfault(&vm, 0, ACCESS_WRITE), FAULT_OK);
  assert_int_equal(vmfault(&vm, 0, ACCESS_READ), FAULT_OK);
  uvmfree(&vm);
  assert_int_equal(bad, 0);
}

// A loadable segment with no rights at all is refused.
static void
segment_without_rights_refused(void **state)
{
  (void)state;
  uchar d[16] = { 1 };
  struct seg segs[] = { { PT_LOAD, 0, 0, PGSIZE, d, sizeof(d) } };
  refused(elfimg_build(img, IMGCAP, 0, segs, 1), default_argv);
}

int
run_exec_tests(int *ntests)
{
  const struct CMUnitTest tests[] = {
    UNIT_TEST(good_elf_loads_with_argv),
    UNIT_TEST(header_checks),
    UNIT_TEST(segment_checks),
    UNIT_TEST(bad_segments_refused),
    UNIT_TEST(truncated_files_refused),
    UNIT_TEST(missing_file_refused),
    UNIT_TEST(other_headers_skipped),
    UNIT_TEST(argv_limits),
    UNIT_TEST(exec_out_of_memory),
    UNIT_TEST(exec_at_the_top),
    UNIT_TEST(phdrs_beyond_the_file_refused),
    UNIT_TEST(segment_bytes_beyond_the_file_refused),
    UNIT_TEST(write_only_segment_is_readable),
    UNIT_TEST(segment_without_rights_refused),
  };
  *ntests = sizeof(tests) / sizeof(tests[0]);
  return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}

