// In-guest tests of the kernel's place in the address space (docs/memory.md,
// "The kernel half"): in both designs, with the kernel's tables shared by
// every process (the default) and with separate tables (VMCONF_KPTI), no
// user program can read, write or execute kernel memory, nor pass it to a
// system call; the kernel half is shared, global and never user-accessible;
// and switching the design at run time leaves running processes working.
#include "user.h"
#include "test.h"

#define PGSIZE 4096
#define KERNOFFSET 0xFFFFFFC000000000UL   // the direct map: P2V(pa)
#define P2V(pa) (KERNOFFSET + (uint64)(pa))
#define MAXVA (1UL << 38)
#define PTE_U (1 << 4)
#define PTE_G (1 << 5)

// Addresses a user program must not reach. The kernel's own pages come
// from vmdump at run time (own_table, own_page).
static struct {
  const char *name;
  uint64 va;
} forbidden[] = {
  { "kernel text in the direct map", P2V(0x80000000UL) },
  { "kernel data in the direct map", P2V(0x80010000UL) },
  { "the UART in the direct map", P2V(0x10000000UL) },
  { "the PLIC in the direct map", P2V(0x0c000000UL) },
  { "the disk in the direct map", P2V(0x10001000UL) },
  { "a kernel stack", 0xFFFFFFFFFFFFE000UL },
  { "the top page", 0xFFFFFFFFFFFFF000UL },
  { "the bottom of the kernel half", KERNOFFSET },
  { "RAM at its physical address", 0x80000000UL },
  { "the trampoline", MAXVA - PGSIZE },
  { "the trap frame", MAXVA - 2 * PGSIZE },
  { "MAXVA (not canonical)", MAXVA },
  { "bit 39 (not canonical)", 1UL << 39 },
  { "bit 63 (not canonical)", 1UL << 63 },
  { "this process's top table in the direct map", 0 },   // own_table
  { "this process's own page in the direct map", 0 },    // own_page
};
#define NFORBIDDEN (int)(sizeof(forbidden) / sizeof(forbidden[0]))

static struct ptentry dumpbuf[512];

// Fill in the two entries that depend on this process: P2V of a table page
// of its own page table, and P2V of one of its own user pages.
static void
own_addresses(void)
{
  static char mine[PGSIZE] __attribute__((aligned(PGSIZE)));
  mine[0] = 1;   // present
  int n = vmdump(getpid(), dumpbuf, 512);
  expect(n > 0 && n <= 512, "vmdump returned %d", n);
  uint64 table = 0, page = 0;
  for (int i = 0; i < n; i++) {
    if (!dumpbuf[i].leaf && table == 0)
      table = dumpbuf[i].pa;
    if (dumpbuf[i].leaf && dumpbuf[i].va == (uint64)mine)
      page = dumpbuf[i].pa;
  }
  expect(table != 0 && page != 0, "no table or no page for %p in vmdump", mine);
  forbidden[NFORBIDDEN - 2].va = P2V(table);
  forbidden[NFORBIDDEN - 1].va = P2V(page);
}

static volatile uint64 target;   // what the killers below touch

static void do_load(void) { (void)*(volatile char *)target; }
static void do_store(void) { *(volatile char *)target = 0x5a; }
static void do_exec(void) { ((void (*)(void))target)(); }

static void
killed_in_mode(int kpti)
{
  own_addresses();
  vmconfig(VMCONF_KPTI, kpti);
  static void (*const how[])(void) = { do_load, do_store, do_exec };
  static const char *const hown[] = { "load", "store", "jump" };
  for (int i = 0; i < NFORBIDDEN; i++) {
    for (int h = 0; h < 3; h++) {
      target = forbidden[i].va;
      int st = child_status(how[h]);
      expect(st == -1, "kpti=%d: %s at %s (0x%lx): exit status %d, want -1 (killed)",
             kpti, hown[h], forbidden[i].name, forbidden[i].va, st);
    }
  }
}

static void shared_killed(void) { killed_in_mode(0); }
static void kpti_killed(void) { killed_in_mode(1); }

// System calls refuse kernel addresses as buffers with -1, in both designs.
static void
syscalls_refuse(void)
{
  own_addresses();
  for (int kpti = 0; kpti <= 1; kpti++) {
    vmconfig(VMCONF_KPTI, kpti);
    for (int i = 0; i < NFORBIDDEN; i++) {
      char *k = (char *)forbidden[i].va;
      int fds[2];
      expect(pipe(fds) == 0, "pipe");
      expect(write(fds[1], k, 16) == -1, "kpti=%d: write from %s succeeded",
             kpti, forbidden[i].name);
      expect(write(fds[1], "0123456789abcdef", 16) == 16, "write to the pipe");
      expect(read(fds[0], k, 16) == -1, "kpti=%d: read into %s succeeded",
             kpti, forbidden[i].name);
      close(fds[0]);
      close(fds[1]);
      expect(pipe((int *)k) == -1, "kpti=%d: pipe into %s succeeded", kpti,
             forbidden[i].name);
      expect(open(k, O_RDONLY) == -1, "kpti=%d: open of a path at %s succeeded",
             kpti, forbidden[i].name);
      int fd = open("/README.md", O_RDONLY);
      expect(fstat(fd, (struct stat *)k) == -1, "kpti=%d: fstat into %s succeeded",
             kpti, forbidden[i].name);
      close(fd);
      expect(exec("/echo", (char **)k) == -1, "kpti=%d: exec with argv at %s succeeded",
             kpti, forbidden[i].name);
    }
  }
}

// The kernel half as vmdump shows it for this process.
static int
kernel_half(struct ptentry *buf, int max)
{
  return vmdump(getpid() | VMDUMP_KERNEL, buf, max);
}

// Shared tables: the kernel half of a process holds only global, non-user
// leaves, the same tables in parent and child; with separate tables it is
// empty; the user half costs the same table pages either way.
static void
kernel_half_shared(void)
{
  static struct ptentry kbuf[64];
  vmconfig(VMCONF_KPTI, 0);
  getpid();   // a return to user mode: this process now has the kernel half
  int n = kernel_half(dumpbuf, 512);
  expect(n > 100, "the kernel half has only %d entries", n);
  int top = 0;
  for (int i = 0; i < n && i < 512; i++) {
    expect(dumpbuf[i].va >= KERNOFFSET, "kernel-half entry at va 0x%lx", dumpbuf[i].va);
    expect(!(dumpbuf[i].bits & PTE_U), "kernel-half entry at 0x%lx has U", dumpbuf[i].va);
    expect(!dumpbuf[i].leaf || (dumpbuf[i].bits & PTE_G),
           "kernel leaf at 0x%lx is not global", dumpbuf[i].va);
    if (dumpbuf[i].level == 2 && top < 64)
      kbuf[top++] = dumpbuf[i];
  }
  expect(top > 0, "no top-level entries in the kernel half");
  static struct procinfo pi[NPROC];
  int np = procinfo(pi, NPROC);
  int tables = -1;
  for (int i = 0; i < np; i++)
    if (pi[i].pid == getpid())
      tables = pi[i].tables;

  int pid = fork();
  if (pid == 0) {
    int m = kernel_half(dumpbuf, 512);
    int same = m == n;
    for (int i = 0, t = 0; same && i < m && i < 512; i++)
      if (dumpbuf[i].level == 2)
        same = t < top && dumpbuf[i].pa == kbuf[t++].pa && dumpbuf[i].index == kbuf[t - 1].index;
    exit(same ? 0 : 1);
  }
  int st;
  expect(wait(&st) == pid && st == 0, "the child's kernel half is not the parent's");

  vmconfig(VMCONF_KPTI, 1);
  getpid();   // now a separate table
  n = kernel_half(dumpbuf, 512);
  expect(n == 0, "with separate tables the kernel half has %d entries", n);
  np = procinfo(pi, NPROC);
  for (int i = 0; i < np; i++)
    if (pi[i].pid == getpid())
      expect(pi[i].tables == tables, "table pages %ld with separate tables, %d shared",
             (long)pi[i].tables, tables);
  vmconfig(VMCONF_KPTI, 0);
}

// Processes keep running, and exit cleanly, while the design flips under
// them many times; each converts at its next return to user mode.
static void
switch_while_running(void)
{
  int old = vmconfig(VMCONF_KPTI, -1);
  int pids[4];
  for (int c = 0; c < 4; c++) {
    pids[c] = fork();
    expect(pids[c] >= 0, "fork");
    if (pids[c] == 0) {
      char *p = sbrklazy(64 * PGSIZE);
      for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 64; i++)
          p[i * PGSIZE] = round + i;
        for (int i = 0; i < 64; i++)
          if (p[i * PGSIZE] != (char)(round + i))
            exit(1);
        getpid();
      }
      exit(0);
    }
  }
  for (int flip = 0; flip < 100; flip++)
    vmconfig(VMCONF_KPTI, flip & 1);
  vmconfig(VMCONF_KPTI, old);
  for (int c = 0; c < 4; c++) {
    int st;
    expect(wait(&st) > 0 && st == 0, "a child saw wrong memory or died (status %d)", st);
  }
}

int
main(int argc, char **argv)
{
  struct test tests[] = {
    { "kmem:shared_killed", shared_killed },
    { "kmem:kpti_killed", kpti_killed },
    { "kmem:syscalls_refuse", syscalls_refuse },
    { "kmem:kernel_half_shared", kernel_half_shared },
    { "kmem:switch_while_running", switch_while_running },
  };
  int old = vmconfig(VMCONF_KPTI, -1);
  run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  vmconfig(VMCONF_KPTI, old);
  test_exit();
}
