// memstattest: procinfo and vmdump, of the caller and of other processes.
#include "memstattest.h"

// ---- procinfo

void
procinfo_self(void)
{
  struct procinfo *me = find_proc(getpid());
  expect(me != 0, "procinfo does not list the caller");
  expect(me->state == PS_RUNNING, "the caller's state is %d", me->state);
  expect(strcmp(me->name, "memstattest") == 0, "the caller's name is '%s'", me->name);
  expect(me->size == (uint64)sbrk(0), "size %lu, but the break is %p", me->size, sbrk(0));
  // text, data, stack at least; never more than the pages below the break.
  expect(me->resident >= 3 && me->resident <= PGROUNDUP(me->size) / PGSIZE,
         "resident %lu pages with size %lu", me->resident, me->size);
  // The root, and two tables on each of the paths to low memory and to
  // the trampoline.
  expect(me->tables >= 5 && me->tables < 20, "%lu page-table pages", me->tables);

  struct procinfo *parent = find_proc(mainpid);
  expect(parent != 0, "procinfo does not list the parent, pid %d", mainpid);
  expect(parent->state == PS_SLEEPING, "the waiting parent's state is %d", parent->state);
  expect(strcmp(parent->name, "memstattest") == 0, "the parent's name is '%s'", parent->name);
  expect(find_proc(1) != 0, "procinfo does not list init");
}

// Touching lazy pages makes as many more resident as were filled (two,
// or more when fault-around maps ahead).
void
procinfo_resident(void)
{
  struct memstat a, b;
  char *p = sbrklazy(8 * PGSIZE);
  expect(p != (char *)-1, "sbrklazy failed");
  struct procinfo *me = find_proc(getpid());
  expect(me != 0, "procinfo does not list the caller");
  uint64 before = me->resident;
  p = (char *)PGROUNDUP(p);
  getstat(&a);
  p[PGSIZE] = 1;
  p[4 * PGSIZE] = 1;
  getstat(&b);
  me = find_proc(getpid());
  uint64 filled = b.zero_fill - a.zero_fill;
  expect(filled >= 2 && me->resident == before + filled,
         "%lu pages filled: resident %lu -> %lu", filled, before, me->resident);
}

// With less room than processes, only max entries are written but the
// count is all of them.
void
procinfo_short_buffer(void)
{
  int n = procinfo(pibuf, NPROC);
  expect(n >= 3, "procinfo counts %d processes (init, sh, testrun at least)", n);
  memset(pibuf, 0x5a, sizeof(pibuf));
  int m = procinfo(pibuf, 1);
  expect(m >= 3, "procinfo(buf, 1) returned %d", m);
  expect(pibuf[0].pid > 0, "procinfo(buf, 1) stored no entry");
  expect(pibuf[1].pid == 0x5a5a5a5a, "procinfo(buf, 1) wrote a second entry");
  expect(procinfo(0, 0) == m, "procinfo(0, 0) does not count the processes");
}

// ---- vmdump

// The n entries in dumpbuf are a well-formed page table in depth-first
// order, ending with the trampoline.
void
expect_tree(int n)
{
  expect(n > 0 && n <= MAXDUMP, "vmdump returned %d", n);
  expect(dumpbuf[0].level == 2 && !dumpbuf[0].leaf, "the first entry is no top-level table");
  for (int i = 1; i < n; i++) {
    struct ptentry *a = &dumpbuf[i - 1], *b = &dumpbuf[i];
    uint64 span = (uint64)PGSIZE << (9 * b->level);
    expect(b->va % span == 0, "entry %d: va 0x%lx not aligned to its level %d", i, b->va, b->level);
    expect(b->level == 0 || !b->leaf, "entry %d: a leaf at level %d", i, b->level);
    if (b->level < a->level) {
      uint64 aspan = (uint64)PGSIZE << (9 * a->level);
      expect(b->level == a->level - 1 && !a->leaf && b->va >= a->va && b->va < a->va + aspan,
             "entry %d (level %d va 0x%lx) does not follow its table", i, b->level, b->va);
    }
  }
  struct ptentry *last = &dumpbuf[n - 1];
  expect(last->leaf && last->va == MAXVA - PGSIZE && (last->bits & PTE_X) &&
         !(last->bits & PTE_U), "the last entry is not the trampoline");
}

// A touched heap page shows as a user leaf at its va.
void
vmdump_self(void)
{
  char *p = lazy_page();
  p[0] = 1;
  struct ptentry *e = find_leaf(getpid(), (uint64)p);
  expect_heap_leaf(e, (uint64)p);
  int n = vmdump(getpid(), dumpbuf, MAXDUMP);
  expect(vmdump(getpid(), 0, 0) == n, "vmdump(pid, 0, 0) does not count the entries");
  expect_tree(n);
}

// vmdump of a child that sleeps in read: its page table has the page it
// touched. Once the child is reaped, its pid is unknown.
void
vmdump_other(void)
{
  int up[2], down[2];
  expect(pipe(up) == 0 && pipe(down) == 0, "pipe failed");
  int pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0) {
    char *q = lazy_page();
    q[0] = 1;
    write(up[1], &q, sizeof(q));
    char c;
    read(down[0], &c, 1);   // sleep here while the parent looks
    exit(0);
  }
  char *q = 0;
  expect(read(up[0], &q, sizeof(q)) == sizeof(q), "no word from the child");
  // Once it has written, it goes to sleep in read; give it the time.
  struct procinfo *c = 0;
  for (int i = 0; i < 20; i++) {
    c = find_proc(pid);
    if (c && c->state == PS_SLEEPING)
      break;
    pause(1);
  }
  expect(c && c->state == PS_SLEEPING, "the child is not sleeping");
  struct ptentry *e = find_leaf(pid, (uint64)q);
  write(down[1], "x", 1);
  int st = -5;
  expect(wait(&st) == pid && st == 0, "the child ended with status %d", st);
  expect_heap_leaf(e, (uint64)q);
  expect(vmdump(pid, dumpbuf, MAXDUMP) == -1, "vmdump of a reaped pid did not fail");
}

// Look at busy (vmdump, procinfo) ten times: each look must give a
// well-formed table, or -1 / PI_UNKNOWN when it kept running on another
// hart. Its break may lag behind its table: it may have been stopped in
// sbrk between mapping pages and moving the break.
void
look_at_busy(int busy)
{
  int dumps = 0, infos = 0;
  for (int i = 0; i < 10; i++) {
    int n = vmdump(busy, dumpbuf, MAXDUMP);
    if (n != -1) {
      expect_tree(n);
      dumps++;
    }
    struct procinfo *c = find_proc(busy);
    expect(c != 0, "procinfo does not list the busy process");
    if (c->resident != PI_UNKNOWN) {
      expect(c->resident >= 3 && c->resident <= PGROUNDUP(c->size) / PGSIZE + 64,
             "busy process: resident %lu, size %lu", c->resident, c->size);
      infos++;
    }
  }
  printf("memstat:vmdump_busy: %d of 10 dumps, %d of 10 resident counts\n", dumps, infos);
}

// Looking at a process that keeps changing its page table, perhaps running
// on another hart meanwhile, never sees a torn table nor panics. The looks
// run in a process of their own, so that the busy one is killed however
// they end.
void
vmdump_busy(void)
{
  int busy = fork();
  expect(busy >= 0, "fork failed");
  if (busy == 0) {
    for (;;) {
      char *p = sbrk(64 * PGSIZE);
      if (p != (char *)-1) {
        p[0] = p[63 * PGSIZE] = 1;
        sbrk(-64 * PGSIZE);
      }
    }
  }
  int looker = fork();
  if (looker == 0) {
    look_at_busy(busy);
    exit(0);
  }
  int st = -5, bst = 0;
  int w = looker > 0 ? wait(&st) : -1;
  kill(busy);
  int bw = wait(&bst);
  expect(looker > 0 && w == looker, "fork or wait failed");
  if (st != 0)
    exit(st == TEST_REPORTED ? st : 1);
  expect(bw == busy && bst == -1, "the busy process ended with status %d", bst);
}

