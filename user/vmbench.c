// vmbench: how much the memory system's operations cost. It passes or
// fails nothing; `make bench` (tools/bench.py) runs every case and writes
// docs/benchmarks.md.
//
//   vmbench CASE [MiB] [rounds]
//
// runs one case: rounds times the same operation on a heap of MiB
// mebibytes, with the memory options (vmconfig) the case names, which are
// set back afterwards. The guest clock ticks only every 0.1 s, so the case
// prints a line just before and just after the timed work, and a host
// program times the interval between them:
//
//   vmbench: begin fork
//   vmbench: end fork 20 forks 14 ticks
//
// The end line gives how many units the work did (forks, pages, calls)
// and the guest's own rough measure, in ticks. Setting up (growing and
// touching the parent's heap for the fork cases) happens before the begin
// line.
#include "user.h"

#define PGSIZE 4096
#define SPARSE_HEAP (1 << 30)
#define SPARSE_TOUCHES 1024   // per round

static int mib = 32;
static int rounds;
static char *heap;            // the fork cases' parent heap, mib MiB touched

static int
heap_bytes(void)
{
  return mib << 20;
}

static void
die(const char *what)
{
  fprintf(2, "vmbench: %s\n", what);
  exit(1);
}

// Write one byte in every page of [p, p+n).
static void
touch(char *p, int n, char value)
{
  for (int off = 0; off < n; off += PGSIZE)
    p[off] = value;
}

// ---- the timed work of each case; each returns how many units it did

// A null system call: the cost of entering and leaving the kernel, which
// every fault pays too.
static long
do_null(void)
{
  for (int i = 0; i < rounds; i++)
    getpid();
  return rounds;
}

// Grow the heap with grow(), write one byte in every page, give it back.
static long
grow_touch_shrink(char *(*grow)(int))
{
  int n = heap_bytes();
  for (int r = 0; r < rounds; r++) {
    char *p = grow(n);
    if (p == (char *)-1)
      die("cannot grow the heap");
    touch(p, n, 1);
    sbrk(-n);
  }
  return (long)rounds * (n / PGSIZE);
}

static long do_eager(void) { return grow_touch_shrink(sbrk); }
static long do_lazy(void) { return grow_touch_shrink(sbrklazy); }

// A 1 GiB lazy heap touched at scattered pages (each may need a new
// last-level table too), then shrunk.
static long
do_sparse(void)
{
  uint seed = 12345;
  for (int r = 0; r < rounds; r++) {
    char *p = sbrklazy(SPARSE_HEAP);
    if (p == (char *)-1)
      die("cannot grow the heap by 1 GiB");
    for (int i = 0; i < SPARSE_TOUCHES; i++) {
      seed = seed * 1103515245 + 12345;
      p[(long)(seed >> 8) % (SPARSE_HEAP / PGSIZE) * PGSIZE] = 1;
    }
    sbrk(-SPARSE_HEAP);
  }
  return (long)rounds * SPARSE_TOUCHES;
}

// fork, let the child run child(), wait for it.
static long
forks(void (*child)(void))
{
  for (int r = 0; r < rounds; r++) {
    int pid = fork();
    if (pid < 0)
      die("fork failed");
    if (pid == 0) {
      child();
      exit(0);
    }
    int st;
    if (wait(&st) != pid || st != 0)
      die("the child failed");
  }
  return rounds;
}

static void child_exit(void) { }
static void child_write(void) { touch(heap, heap_bytes(), 2); }

static void
child_exec(void)
{
  char *argv[] = { "vmbench", "exit", 0 };
  exec("/vmbench", argv);
  die("exec failed");
}

// One byte back and forth between this process and a child through two
// pipes: every round trip is two writes, two reads and two switches
// between the processes.
static long
do_pipe(void)
{
  int there[2], back[2];
  if (pipe(there) != 0 || pipe(back) != 0)
    die("pipe failed");
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  char c = 0;
  if (pid == 0) {
    close(there[1]);
    close(back[0]);
    while (read(there[0], &c, 1) == 1)
      if (write(back[1], &c, 1) != 1)
        die("child write failed");
    exit(0);
  }
  close(there[0]);
  close(back[1]);
  for (int r = 0; r < rounds; r++) {
    c = r;
    if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1 || c != (char)r)
      die("the round trip failed");
  }
  close(there[1]);
  close(back[0]);
  int st;
  if (wait(&st) != pid || st != 0)
    die("the child failed");
  return rounds;
}

static void
child_bigexec(void)
{
  char *argv[] = { "bigprog", 0 };
  exec("/bigprog", argv);
  die("exec bigprog failed");
}

static long do_fork(void) { return forks(child_exit); }
static long do_bigexec(void) { return forks(child_bigexec); }
static long do_forkwrite(void) { return forks(child_write); }
static long do_forkexec(void) { return forks(child_exec); }

// ---- reading a file through mmap or read()

#define BIGFILE (256 * 1024)   // about the largest file the file system holds
static char *filebuf;          // read()'s buffer, BIGFILE bytes
static long sum;               // keeps the reads from being optimized away

// /benchfile, BIGFILE bytes, in the page cache (mapped and touched once,
// so both cases find its pages there).
static void
make_bigfile(void)
{
  filebuf = sbrk(BIGFILE);
  for (int i = 0; i < BIGFILE; i++)
    filebuf[i] = i;
  int fd = open("/benchfile", O_CREATE | O_TRUNC | O_RDWR);
  if (fd < 0 || write(fd, filebuf, BIGFILE) != BIGFILE)
    die("cannot write /benchfile");
  char *p = mmap(0, BIGFILE, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    die("cannot mmap /benchfile");
  for (int i = 0; i < BIGFILE; i += PGSIZE)
    sum += p[i];
  munmap(p, BIGFILE);
  close(fd);
}

static long
sum_bytes(const char *p)
{
  long s = 0;
  for (int i = 0; i < BIGFILE; i += 8)
    s += *(const long *)(p + i);
  return s;
}

static long
do_mmapread(void)
{
  int fd = open("/benchfile", O_RDONLY);
  for (int r = 0; r < rounds; r++) {
    char *p = mmap(0, BIGFILE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
      die("mmap failed");
    sum += sum_bytes(p);
    munmap(p, BIGFILE);
  }
  close(fd);
  return (long)rounds * BIGFILE;
}

static long
do_readread(void)
{
  int fd = open("/benchfile", O_RDONLY);
  for (int r = 0; r < rounds; r++) {
    if (read(fd, filebuf, BIGFILE) != BIGFILE)
      die("read failed");
    sum += sum_bytes(filebuf);
    close(fd);
    fd = open("/benchfile", O_RDONLY);
  }
  close(fd);
  return (long)rounds * BIGFILE;
}

// ---- the cases

#define KEEP (-1)   // leave the option as it is

struct bench {
  const char *name;
  long (*run)(void);
  const char *unit;
  int rounds;         // default
  int parent_heap;    // the fork cases: the parent holds mib MiB touched
  int cow;            // VMCONF_COW for the case, or KEEP
  int faultaround;    // VMCONF_FAULTAROUND for the case, or KEEP
  int kpti;           // VMCONF_KPTI for the case, or KEEP
  const char *what;
  int eagerexec;      // 1: VMCONF_DEMANDEXEC off for the case
  void (*setup)(void); // before the begin line, if not 0
  int noshare;        // 1: VMCONF_FORKSHARE off for the case
  int small;          // 1: VMCONF_LARGEPAGE off, the parent's heap included
};

static struct bench benches[] = {
  { "null", do_null, "calls", 100000, 0, KEEP, KEEP, 0, "getpid" },
  { "null-kpti", do_null, "calls", 100000, 0, KEEP, KEEP, 1,
    "getpid, separate page tables" },
  { "eager", do_eager, "pages", 10, 0, KEEP, KEEP, KEEP, "sbrk, touch every page, shrink" },
  { "lazy", do_lazy, "pages", 10, 0, KEEP, 1, KEEP, "sbrklazy, touch every page, shrink" },
  { "lazy-nofa", do_lazy, "pages", 2, 0, KEEP, 0, 0, "the same, fault-around off" },
  { "lazy-nofa-kpti", do_lazy, "pages", 2, 0, KEEP, 0, 1,
    "the same, separate page tables" },
  { "sparse", do_sparse, "touches", 4, 0, KEEP, 1, KEEP,
    "sbrklazy 1 GiB, touch 1024 scattered pages, shrink" },
  { "pipe", do_pipe, "trips", 10000, 0, KEEP, KEEP, 0,
    "a byte to a child and back through two pipes" },
  { "pipe-kpti", do_pipe, "trips", 10000, 0, KEEP, KEEP, 1,
    "the same, separate page tables" },
  { "fork", do_fork, "forks", 10, 1, 1, KEEP, KEEP, "fork, exit, wait (copy-on-write)" },
  { "fork-copy", do_fork, "forks", 10, 1, 0, KEEP, KEEP, "fork, exit, wait (copying fork)" },
  { "fork-noshare", do_fork, "forks", 10, 1, 1, KEEP, KEEP,
    "fork, exit, wait (copy-on-write, every PTE written: VMCONF_FORKSHARE off)", 0, 0, 1 },
  { "fork-small", do_fork, "forks", 10, 1, 1, KEEP, KEEP,
    "fork, exit, wait (copy-on-write), 4 KiB pages only: tables shared", 0, 0, 0, 1 },
  { "fork-small-noshare", do_fork, "forks", 10, 1, 1, KEEP, KEEP,
    "the same writing every PTE (VMCONF_FORKSHARE off)", 0, 0, 1, 1 },
  { "forkwrite", do_forkwrite, "forks", 5, 1, 1, KEEP, KEEP,
    "fork, the child writes every page, exit, wait (copy-on-write)" },
  { "forkwrite-copy", do_forkwrite, "forks", 5, 1, 0, KEEP, KEEP,
    "the same with a copying fork" },
  { "forkexec", do_forkexec, "forks", 10, 1, 1, KEEP, 0,
    "fork, exec, exit, wait (copy-on-write)" },
  { "forkexec-kpti", do_forkexec, "forks", 10, 1, 1, KEEP, 1,
    "the same, separate page tables" },
  { "forkexec-copy", do_forkexec, "forks", 10, 1, 0, KEEP, KEEP,
    "the same with a copying fork" },
  { "shexec", do_forkexec, "forks", 10, 0, KEEP, KEEP, KEEP,
    "fork, exec, exit, wait from a small parent, as the shell does it" },
  { "shexec-eager", do_forkexec, "forks", 10, 0, KEEP, KEEP, KEEP,
    "the same, exec reading every segment in (VMCONF_DEMANDEXEC off)", 1 },
  { "bigexec", do_bigexec, "forks", 10, 0, KEEP, KEEP, KEEP,
    "fork, exec bigprog (200 KiB of data, touches one page), wait" },
  { "bigexec-eager", do_bigexec, "forks", 10, 0, KEEP, KEEP, KEEP,
    "the same, exec reading every segment in", 1 },
  { "mmapread", do_mmapread, "bytes", 10, 0, KEEP, KEEP, KEEP,
    "mmap a cached 256 KiB file, read every byte, munmap", 0, make_bigfile },
  { "readread", do_readread, "bytes", 10, 0, KEEP, KEEP, KEEP,
    "read() the same cached file into a buffer, read every byte", 0, make_bigfile },
};
#define NBENCH (int)(sizeof(benches) / sizeof(benches[0]))

// Set option key to value unless it is KEEP; returns the old value.
static int
setopt(int key, int value)
{
  int old = vmconfig(key, value == KEEP ? -1 : value);
  if (old < 0)
    die("vmconfig failed");
  return old;
}

static void
run(struct bench *b)
{
  int oldlarge = setopt(VMCONF_LARGEPAGE, b->small ? 0 : KEEP);
  if (b->parent_heap) {
    heap = sbrk(heap_bytes());
    if (heap == (char *)-1)
      die("cannot grow the parent's heap");
    touch(heap, heap_bytes(), 1);
  }
  if (b->setup)
    b->setup();
  int oldcow = setopt(VMCONF_COW, b->cow);
  int oldfa = setopt(VMCONF_FAULTAROUND, b->faultaround);
  int oldkpti = setopt(VMCONF_KPTI, b->kpti);
  int olddemand = setopt(VMCONF_DEMANDEXEC, b->eagerexec ? 0 : KEEP);
  int oldshare = setopt(VMCONF_FORKSHARE, b->noshare ? 0 : KEEP);
  struct memstat st0, st1;
  memstat(&st0);
  printf("vmbench: begin %s\n", b->name);
  int t0 = uptime();
  long units = b->run();
  int t1 = uptime();
  printf("vmbench: end %s %ld %s %d ticks\n", b->name, units, b->unit, t1 - t0);
  memstat(&st1);
  // Pages read from files into the page cache (demand paging, mmap), per
  // round: what an exec costs in reads.
  printf("vmbench: file pages read %ld per round\n",
         (long)(st1.file_reads - st0.file_reads) / rounds);
  vmconfig(VMCONF_COW, oldcow);
  vmconfig(VMCONF_FAULTAROUND, oldfa);
  vmconfig(VMCONF_KPTI, oldkpti);
  vmconfig(VMCONF_DEMANDEXEC, olddemand);
  vmconfig(VMCONF_FORKSHARE, oldshare);
  vmconfig(VMCONF_LARGEPAGE, oldlarge);
}

static void
usage(void)
{
  fprintf(2, "usage: vmbench CASE [MiB] [rounds]\n");
  for (int i = 0; i < NBENCH; i++)
    fprintf(2, "  %-15s %s (%d rounds)\n", benches[i].name, benches[i].what,
            benches[i].rounds);
  exit(1);
}

int
main(int argc, char *argv[])
{
  if (argc > 1 && strcmp(argv[1], "exit") == 0)
    exit(0);   // what the forkexec cases exec
  if (argc < 2)
    usage();
  struct bench *b = 0;
  for (int i = 0; i < NBENCH; i++)
    if (strcmp(argv[1], benches[i].name) == 0)
      b = &benches[i];
  if (b == 0)
    usage();
  rounds = b->rounds;
  if (argc > 2)
    mib = atoi(argv[2]);
  if (argc > 3)
    rounds = atoi(argv[3]);
  if (mib <= 0 || mib > 1024 || rounds <= 0)
    usage();
  run(b);
  exit(0);
}
