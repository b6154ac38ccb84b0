// memtest's checks of exec: damaged ELF images must fail cleanly, the
// undamaged one must run.
#include "memtest.h"

// ---- exec's checks

static char *elfimage;
static int elfsize;

static void
load_echo(void)
{
  struct stat st;
  int fd = open("/echo", O_RDONLY);
  expect(fd >= 0 && fstat(fd, &st) == 0, "cannot open /echo");
  elfimage = malloc(st.size);
  elfsize = st.size;
  expect(read(fd, elfimage, elfsize) == elfsize, "cannot read /echo");
  close(fd);
}

// Fields of the ELF64 header and of a program header, by offset.
#define E_MACHINE 18
#define E_ENTRY 24
#define E_PHOFF 32
#define E_PHENTSIZE 54
#define E_PHNUM 56
#define P_TYPE 0
#define P_OFFSET 8
#define P_VADDR 16
#define P_FILESZ 32
#define P_MEMSZ 40

static uint64 *
phfield(char *img, int off)
{
  uint64 phoff = *(uint64 *)(img + E_PHOFF);
  int phnum = *(ushort *)(img + E_PHNUM);
  for (int i = 0; i < phnum; i++) {
    char *ph = img + phoff + i * 56;
    if (*(uint *)(ph + P_TYPE) == 1)   // the first PT_LOAD
      return (uint64 *)(ph + off);
  }
  return 0;
}

#define EXEC_RETURNED 77

// Write img (size n) to /badelf and exec it in a child, which must get -1
// from exec with its memory unchanged and no page lost.
static void
try_exec(const char *what, char *img, int n)
{
  unlink("/badelf");
  int fd = open("/badelf", O_CREATE | O_WRONLY);
  expect(fd >= 0, "create /badelf");
  expect(write(fd, img, n) == n, "write /badelf");
  close(fd);
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "badelf", 0 };
    char *canary = sbrk(0) - 1;
    char c = *canary;
    long before = freepages();
    int r = exec("/badelf", argv);
    expect(r == -1, "%s: exec returned %d", what, r);
    expect(*canary == c, "%s: failed exec changed the caller's memory", what);
    expect(freepages() == before, "%s: failed exec leaked %ld pages", what,
           before - freepages());
    exit(EXEC_RETURNED);
  }
  int st;
  wait(&st);
  unlink("/badelf");
  expect(st == EXEC_RETURNED, "%s: exec did not fail (child status %d)", what, st);
}

// Write img (n bytes) to /wildelf and run it in a child with its output
// closed; returns its exit status (-1: killed), or EXEC_RETURNED when
// exec failed.
static int
run_image(char *img, int n)
{
  int fd = open("/wildelf", O_CREATE | O_TRUNC | O_WRONLY);
  expect(fd >= 0 && write(fd, img, n) == n, "cannot write /wildelf");
  close(fd);
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "wildelf", 0 };
    close(1);   // echo's newline is not the point
    exec("/wildelf", argv);
    exit(EXEC_RETURNED);
  }
  int st = wait_child(pid);
  unlink("/wildelf");
  return st;
}

#define USERTOP (MAXVA - 2 * PGSIZE)

// An entry point outside the program (in the trap frame, the kernel, not
// canonical, above the break) is no reason for exec to fail: the program
// is killed at its first instruction. A last segment may end just below
// the guard page and stack at the top of user space, not one page higher.
void
wild_elf(void)
{
  load_echo();
  expect(run_image(elfimage, elfsize) == 0, "the unchanged echo did not run");
  uint64 entries[] = { USERTOP, USERTOP + PGSIZE, MAXVA, 1L << 63, 0xffffffc000000000L,
                       0xfffffffffffff000L, 0x80000 };
  uint64 entry = *(uint64 *)(elfimage + E_ENTRY);
  for (int i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
    *(uint64 *)(elfimage + E_ENTRY) = entries[i];
    int st = run_image(elfimage, elfsize);
    expect(st == -1, "entry %p: status %d, want -1 (killed)", (void *)entries[i], st);
  }
  *(uint64 *)(elfimage + E_ENTRY) = entry;
  // The data segment (echo's second PT_LOAD) moved up to the top.
  uint64 phoff = *(uint64 *)(elfimage + E_PHOFF);
  uint64 *vaddr = (uint64 *)(elfimage + phoff + *(ushort *)(elfimage + E_PHENTSIZE) + P_VADDR);
  *vaddr = USERTOP - 3 * PGSIZE;
  int st = run_image(elfimage, elfsize);
  expect(st == 0 || st == -1, "a data segment at the top: status %d", st);
  *vaddr = USERTOP - 2 * PGSIZE;
  st = run_image(elfimage, elfsize);
  expect(st == EXEC_RETURNED, "a data segment over the stack: status %d", st);
}

void
bad_elf(void)
{
  load_echo();
  sbrk(PGSIZE)[0] = 'c';   // a canary in the caller's heap
  char *img = malloc(elfsize);

#define MUTATE(what, stmt) do { \
    memcpy(img, elfimage, elfsize); \
    stmt; \
    try_exec(what, img, elfsize); \
  } while (0)

  MUTATE("bad magic", img[1] = 'X');
  MUTATE("32-bit class", img[4] = 1);
  MUTATE("wrong machine", *(ushort *)(img + E_MACHINE) = 62);
  MUTATE("bad phentsize", *(ushort *)(img + E_PHENTSIZE) = 12);
  MUTATE("too many phdrs", *(ushort *)(img + E_PHNUM) = 0xffff);
  MUTATE("phoff past the end", *(uint64 *)(img + E_PHOFF) = 1L << 40);
  MUTATE("phoff wraps", *(uint64 *)(img + E_PHOFF) = 0xffffffffffffffe0L);
  MUTATE("memsz < filesz", *phfield(img, P_MEMSZ) = *phfield(img, P_FILESZ) - 1);
  MUTATE("unaligned vaddr", *phfield(img, P_VADDR) += 8);
  MUTATE("vaddr wraps", *phfield(img, P_VADDR) = 0xfffffffffffff000L);
  MUTATE("memsz wraps", *phfield(img, P_MEMSZ) = 0xfffffffffffff000L);
  MUTATE("into the trampoline", *phfield(img, P_VADDR) = MAXVA - 2 * PGSIZE);
  MUTATE("huge memsz", *phfield(img, P_MEMSZ) = 1L << 37);
  MUTATE("offset wraps", *phfield(img, P_OFFSET) = 0xffffffffffffff00L);
  MUTATE("offset past 4 GiB", *phfield(img, P_OFFSET) += 1L << 32);
  MUTATE("filesz past the end", *phfield(img, P_FILESZ) = *phfield(img, P_MEMSZ) = 1 << 20);
  memcpy(img, elfimage, elfsize);
  try_exec("truncated", img, 40);
  try_exec("empty", img, 0);

  // The untouched image runs: the mutations, not the method, failed.
  int pid = fork();
  if (pid == 0) {
    int fd = open("/goodelf", O_CREATE | O_WRONLY);
    write(fd, elfimage, elfsize);
    close(fd);
    char *argv[] = { "goodelf", 0 };
    close(1);
    exec("/goodelf", argv);
    exit(9);
  }
  int st;
  wait(&st);
  unlink("/goodelf");
  expect(st == 0, "the unmodified ELF did not run: status %d", st);
}

