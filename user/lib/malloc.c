// The heap: malloc and free on top of sbrk.
//
// Every block, in use or free, starts with a header giving its size. Free
// blocks are kept on one list sorted by address, which makes coalescing
// cheap: when a block is freed, its neighbours on the list are the only
// candidates for being adjacent in memory, and merging with them keeps the
// heap from splitting into pieces too small to reuse.
//
// Allocation is first fit. A block larger than needed is split, and the
// caller gets its tail, so the free part stays where it was on the list.
#include "../user.h"

struct block {
  uint64 size;          // bytes, header included; a multiple of ALIGN
  struct block *next;   // next free block, at a higher address (free only)
};

// Payloads are 16-byte aligned, enough for any type on RV64. The header is
// exactly 16 bytes, so an aligned block gives an aligned payload.
#define ALIGN 16
#define HDR sizeof(struct block)

// A split must leave a free block that can hold something.
#define MINSPLIT (HDR + ALIGN)

// Ask the kernel for at least this much at a time, so that most calls to
// malloc are served without a system call.
#define GROW (64 * 1024)

// sbrk takes an int.
#define SBRK_MAX 0x7fffffff

static struct block *freelist;   // lowest free block, or 0

// Put b on the free list, merging it with the free blocks just before and
// just after it when they touch it.
static void
insert(struct block *b)
{
  struct block *prev = 0, *next = freelist;

  while (next && next < b) {
    prev = next;
    next = next->next;
  }

  b->next = next;
  if (next && (char *)b + b->size == (char *)next) {
    b->size += next->size;
    b->next = next->next;
  }

  if (!prev)
    freelist = b;
  else if ((char *)prev + prev->size == (char *)b) {
    prev->size += b->size;
    prev->next = b->next;
  } else
    prev->next = b;
}

// Take n bytes from sbrk and free them as one block. Someone else may have
// left the break unaligned (sbrk(1) is legal), so pad up to ALIGN first.
static int
sbrkblock(uint64 n)
{
  char *p = sbrk(0);
  uint64 pad = -(uint64)p & (ALIGN - 1);
  struct block *b;

  if (p == (char *)-1 || n + pad > SBRK_MAX)
    return 0;
  p = sbrk(n + pad);
  if (p == (char *)-1)
    return 0;
  b = (struct block *)(p + pad);
  b->size = n;
  insert(b);
  return 1;
}

// Make a block of at least need bytes available. When memory is short the
// generous request can fail where the exact one would not, so try both.
static int
grow(uint64 need)
{
  if (need < GROW && sbrkblock(GROW))
    return 1;
  return sbrkblock(need);
}

void *
malloc(uint n)
{
  uint64 need = ((uint64)n + HDR + ALIGN - 1) & ~(uint64)(ALIGN - 1);
  struct block **pp, *b;

  for (;;) {
    for (pp = &freelist; (b = *pp) != 0; pp = &b->next) {
      if (b->size < need)
        continue;
      if (b->size - need >= MINSPLIT) {
        b->size -= need;
        b = (struct block *)((char *)b + b->size);
        b->size = need;
      } else {
        *pp = b->next;
      }
      return b + 1;
    }
    if (!grow(need))
      return 0;
  }
}

void
free(void *p)
{
  if (p)
    insert((struct block *)p - 1);
}
