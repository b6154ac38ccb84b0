// memstattest's helpers: memstat, a lazy page, finding a process and a
// leaf in what procinfo and vmdump return.
#include "memstattest.h"

struct ptentry dumpbuf[MAXDUMP];
struct procinfo pibuf[NPROC];
int mainpid;   // the memstattest that runs the tests (each in a child)

void
getstat(struct memstat *st)
{
  expect(memstat(st) == 0, "memstat failed");
}

// A fresh lazy heap page, page-aligned, not yet touched.
char *
lazy_page(void)
{
  char *p = sbrklazy(2 * PGSIZE);
  expect(p != (char *)-1, "sbrklazy failed");
  return (char *)PGROUNDUP(p);
}

// procinfo's entry for pid in pibuf, or 0.
struct procinfo *
find_proc(int pid)
{
  int n = procinfo(pibuf, NPROC);
  expect(n > 0 && n <= NPROC, "procinfo returned %d", n);
  for (int i = 0; i < n; i++)
    if (pibuf[i].pid == pid)
      return &pibuf[i];
  return 0;
}

// vmdump's leaf entry for page va of pid (dumped into dumpbuf), or 0.
struct ptentry *
find_leaf(int pid, uint64 va)
{
  int n = vmdump(pid, dumpbuf, MAXDUMP);
  expect(n > 0 && n <= MAXDUMP, "vmdump of pid %d returned %d", pid, n);
  for (int i = 0; i < n; i++)
    if (dumpbuf[i].leaf && dumpbuf[i].va == va)
      return &dumpbuf[i];
  return 0;
}

// The bits a freshly written heap page has: valid, user, read and write,
// not execute.
void
expect_heap_leaf(struct ptentry *e, uint64 va)
{
  expect(e != 0, "no leaf maps va 0x%lx", va);
  int want = PTE_V | PTE_R | PTE_W | PTE_U;
  expect((e->bits & want) == want && !(e->bits & PTE_X),
         "the leaf for heap page 0x%lx has bits 0x%x", va, e->bits);
  expect(e->level == 0, "the leaf for 0x%lx is at level %d", va, e->level);
  expect(e->index == ((va >> 12) & 511), "the leaf for 0x%lx has index %d", va, e->index);
  expect(e->pa != 0 && e->pa % PGSIZE == 0, "the leaf for 0x%lx maps pa 0x%lx", va, e->pa);
}

