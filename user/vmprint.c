// vmprint [-k] [pid]: print a process's page table (default: vmprint's
// own) as the three-level tree the MMU walks, from vmdump
// (docs/syscalls.md): its user half, or with -k its kernel half (the
// kernel's own tables, shared by every process; empty when the process has
// a separate table, VMCONF_KPTI).
//
//   page table of pid 4 (vmdemo): 45 valid PTEs, 7 table pages, 37 user pages
//   ..0: va 0x0-0x3fffffff table 0x80153000 V----------
//   .. ..0: va 0x0-0x1fffff table 0x80154000 V----------
//   .. .. ..0: va 0x0-0xfff page 0x80152000 VR-XU-AD-FS
//   .. .. ..1: va 0x1000-0x1fff page 0x80155000 VR-XU-AD-FS
//   .. .. ..2: va 0x2000-0x2fff page 0x80156000 VRW-U-AD---
//   .. .. ..4: va 0x4000-0x4fff page 0x80157000 VRW-U-AD---
//   .. .. ..   30 more leaves like the above, va 0x5000-0x22fff
//   .. .. ..35: va 0x23000-0x23fff page 0x8016c000 VRW-U-AD---
//   ...
//
// One line per valid PTE: its index in its table (one ".." per level
// down), the virtual addresses it covers, what it points to (the next
// table, or the page mapped: a page in a level-1 table is a 2 MiB large
// page, and its va range shows it), and its bits: V valid, R W X the rights,
// U user, G global (the kernel's), A accessed, D dirty, C copy-on-write
// (software bit 8); then what the kernel knows of a user page: F in a
// file-backed region, S mapped by another PTE too (shared), or by a table
// other processes share; - for what is not so. A last-level table that
// fork shared with other processes (VMCONF_FORKSHARE) shows as a "shared
// table" line: its entry has V clear, so that any access faults, and bit
// 8 set as the mark; its pages follow as for any table. A run of FOLD_MIN or more leaves with consecutive indexes
// and the same bits shows as its first and last line with one line for
// the rest between them. tools/vmsvg.py draws this as a picture.
#include "user.h"

#define PGSIZE 4096
#define FOLD_MIN 6   // runs at least this long are folded

// The bits shown, by their number in the PTE (bit 9 is unused).
static const struct {
  char letter;
  int bit;
} bitnames[] = {
  { 'V', 0 }, { 'R', 1 }, { 'W', 2 }, { 'X', 3 }, { 'U', 4 }, { 'G', 5 },
  { 'A', 6 }, { 'D', 7 }, { 'C', 8 },
};
#define NBITS (int)(sizeof(bitnames) / sizeof(bitnames[0]))
#define BIT_U (1 << 4)

static void
flags(char *out, uint bits, uint info)
{
  for (int i = 0; i < NBITS; i++)
    out[i] = bits & (1 << bitnames[i].bit) ? bitnames[i].letter : '-';
  out[NBITS] = info & PTI_FILE ? 'F' : '-';
  out[NBITS + 1] = info & PTI_SHARED ? 'S' : '-';
  out[NBITS + 2] = 0;
}

static uint64
span(int level)
{
  return (uint64)PGSIZE << (9 * level);
}

static void
indent(int level)
{
  for (int l = 2; l > level; l--)
    printf(".. ");
  printf("..");
}

static void
line(struct ptentry *e)
{
  char f[NBITS + 3];
  flags(f, e->bits, e->info);
  indent(e->level);
  const char *what = e->leaf ? "page" : (e->info & PTI_SHARED) ? "shared table" : "table";
  printf("%d: va 0x%lx-0x%lx %s 0x%lx %s\n", e->index, e->va,
         e->va + span(e->level) - 1, what, e->pa, f);
}

// Does b continue a run of leaves that a is in?
static int
alike(struct ptentry *a, struct ptentry *b)
{
  return a->leaf && b->leaf && a->level == b->level && a->bits == b->bits &&
         a->info == b->info && b->index == a->index + 1;
}

// All valid PTEs of pid, in vmdump's order, in a buffer from malloc;
// their number in *n. 0 when vmdump fails.
static struct ptentry *
dump(int pid, int *n)
{
  int max = 0;
  struct ptentry *buf = 0;
  for (;;) {
    *n = vmdump(pid, buf, max);
    if (*n < 0 || *n <= max)
      return *n < 0 ? 0 : buf;
    // The table may grow meanwhile (our own, by this very buffer): ask
    // again with room to spare.
    free(buf);
    max = *n + 64;
    buf = malloc(max * sizeof(*buf));
    if (buf == 0)
      return 0;
  }
}

// The name of process pid, or "?".
static const char *
procname(int pid)
{
  static struct procinfo pi[NPROC];
  int n = procinfo(pi, NPROC);
  for (int i = 0; i < n && i < NPROC; i++)
    if (pi[i].pid == pid)
      return pi[i].name;
  return "?";
}

int
main(int argc, char *argv[])
{
  int kernel = argc > 1 && strcmp(argv[1], "-k") == 0;
  if (kernel) {
    argc--;
    argv++;
  }
  int pid = argc > 1 ? atoi(argv[1]) : getpid();
  int n;
  struct ptentry *e = dump(kernel ? pid | VMDUMP_KERNEL : pid, &n);
  if (e == 0) {
    fprintf(2, "vmprint: cannot read the page table of pid %d\n", pid);
    exit(1);
  }

  // A leaf above level 0 is a large page (a 2 MiB megapage at level 1):
  // it counts as all the pages it maps. Shared tables are not the
  // process's own: counted apart.
  int tables = 1, large = 0, shared = 0;
  uint64 user = 0;
  for (int i = 0; i < n; i++) {
    if (!e[i].leaf && (e[i].info & PTI_SHARED))
      shared++;
    else if (!e[i].leaf)
      tables++;
    else if (e[i].bits & BIT_U)
      user += span(e[i].level) / PGSIZE;
    if (e[i].leaf && e[i].level > 0)
      large++;
  }
  if (kernel) {
    printf("kernel half of the page table of pid %d (%s): %d valid PTEs, %d table pages\n",
           pid, procname(pid), n, tables - 1);
  } else {
    printf("page table of pid %d (%s): %d valid PTEs, %d table pages, %lu user pages",
           pid, procname(pid), n, tables, user);
    if (large)
      printf(", %d of them large pages", large);
    if (shared)
      printf(", %d shared tables", shared);
    printf("\n");
  }

  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && alike(&e[j - 1], &e[j]))
      j++;
    // e[i..j) is a run; show it whole when it is short.
    if (j - i < FOLD_MIN) {
      for (; i < j; i++)
        line(&e[i]);
      continue;
    }
    line(&e[i]);
    indent(e[i].level);
    printf("   %d more leaves like the above, va 0x%lx-0x%lx\n", j - i - 2,
           e[i + 1].va, e[j - 2].va + span(e[i].level) - 1);
    line(&e[j - 1]);
    i = j;
  }
  exit(0);
}
