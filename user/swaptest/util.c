// swaptest's helpers: filling and checking memory, memstat, regions,
// and the accounting of swap slots.
#include "swaptest.h"

void
getstat(struct memstat *st)
{
  expect(memstat(st) == 0, "memstat failed");
}

uint64
ram_pages(void)
{
  struct memstat st;
  getstat(&st);
  return st.total;
}

// The word at word i of page n of a region filled for owner tag (n
// counts from the region's start, wherever a fill or check begins).
uint64
pattern(uint64 tag, uint64 n, uint64 i)
{
  return (tag << 40) ^ (n << 12) ^ (i * 0x9e3779b97f4a7c15ULL);
}

void
fill_from(char *p, uint64 first, uint64 npages, uint64 tag)
{
  for (uint64 n = first; n < first + npages; n++) {
    uint64 *w = (uint64 *)(p + n * PG);
    for (int i = 0; i < PG / 8; i++)
      w[i] = pattern(tag, n, i);
  }
}

void
fill(char *p, uint64 npages, uint64 tag)
{
  fill_from(p, 0, npages, tag);
}

// The first page of p from first on whose contents differ from fill's,
// or -1.
long
check_from(char *p, uint64 first, uint64 npages, uint64 tag)
{
  for (uint64 n = first; n < first + npages; n++) {
    uint64 *w = (uint64 *)(p + n * PG);
    for (int i = 0; i < PG / 8; i++)
      if (w[i] != pattern(tag, n, i))
        return n;
  }
  return -1;
}

long
check(char *p, uint64 npages, uint64 tag)
{
  return check_from(p, 0, npages, tag);
}

// Touch npages new pages of heap, writing each: what pushes other pages out.
void
sweep(uint64 npages)
{
  char *p = sbrklazy(npages * PG);
  expect(p != (char *)-1, "sbrk of %lu pages for the sweep failed", npages);
  for (uint64 n = 0; n < npages; n++)
    p[n * PG] = 1;
  expect(sbrk(-(int)(npages * PG)) != (char *)-1, "shrinking the sweep failed");
}

int
have_swap(void)
{
  struct memstat st;
  getstat(&st);
  return st.swap_total > 0;
}

// Resident pages of the region of pid that holds va (vmregions), or -1.
long
region_resident(int pid, uint64 va)
{
  static struct vmregion r[64];   // not on the stack, which is under test
  int n = vmregions(pid, r, 64);
  for (int i = 0; i < n && i < 64; i++)
    if (va >= r[i].start && va < r[i].end)
      return r[i].resident;
  return -1;
}

// Swapped-out PTEs of all processes (procinfo): each holds one reference
// to its slot, so at rest they must be memstat's swap_refs, the
// references to all slots (no slot leaked, none freed that a PTE still
// names). A page shared when it went out (after fork, a program's last
// text page, which no process ever writes) has one slot and several PTEs.
static struct procinfo pi[64];

static uint64
slots_held(void)
{
  int n = procinfo(pi, 64);
  uint64 sum = 0;
  for (int i = 0; i < n && i < 64; i++)
    if (pi[i].swapped != PI_UNKNOWN)
      sum += pi[i].swapped;
  return sum;
}

void
expect_slots_accounted(const char *when)
{
  // The buffer must be in place before memstat counts: bringing a page of
  // it back from swap would free a slot in between.
  memset(pi, 0, sizeof(pi));
  struct memstat st;
  getstat(&st);
  uint64 held = slots_held();
  expect(st.swap_refs == held && st.swap_used <= st.swap_refs,
         "%s: %lu swap slots in use with %lu references, processes hold %lu", when,
         st.swap_used, st.swap_refs, held);
}

// Wait for n children; the status of the last one that did not end with
// 0, or 0.
int
wait_children(int n)
{
  int bad = 0;
  for (int k = 0; k < n; k++) {
    int status = -5;
    wait(&status);
    if (status != 0)
      bad = status;
  }
  return bad;
}
