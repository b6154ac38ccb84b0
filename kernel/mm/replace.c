// Page replacement: which resident page to give up when memory is short.
//
// A replacer tracks a set of frames (numbered 0 .. nframes-1; in the
// kernel, physical pages) holding pages that may be evicted, and picks a
// victim among them by one of four policies (POLICY_* in abi/memstat.h):
//
//   FIFO    the page resident longest, whatever its use.
//   CLOCK   second chance: the frames stand in a circle in order of
//           arrival, the hand at the oldest. A frame whose page was
//           accessed since the hand last passed has its accessed bit
//           cleared and is passed over (it is now the youngest); the
//           first frame found not accessed is the victim.
//   AGING   an approximation of least recently used: each frame has an
//           8-bit age. An aging step (repl_age), taken at regular times,
//           shifts every age right and puts the frame's accessed bit
//           (cleared as it is read) in the top bit, so a page used in the
//           last interval outranks any page used only before. A frame
//           joins with age 0x80: its page was used just now (it was
//           faulted in), else it would be the first victim, before any
//           page the steps have seen, which turns aging into "evict the
//           newest" (a very good choice for a loop and a bad one almost
//           everywhere else). The victim has the lowest age, the oldest
//           arrival among equals. The
//           interval matters: stepping at every eviction would leave
//           almost every age 0 under memory pressure, and aging would be
//           FIFO (tools/pagesim.py shows it); the kernel steps once per
//           clock tick.
//   RANDOM  a frame drawn at random (xorshift32), accessed or not.
//
// The accessed bits belong to whoever owns the pages: the replacer reads
// one only through the referenced() callback, which returns the bit and
// clears it. The kernel answers from the PTEs that map the page (the
// hardware sets A on every access); tests answer from a script.
//
// One circular list in order of arrival serves all four: its head is the
// clock hand and the oldest frame, a new frame goes in just behind the
// head (the youngest). So the policy can switch at any moment without
// losing anything. The caller serializes calls on one replacer.
#include "abi/types.h"
#include "lib/lib.h"
#include "mm/mm.h"

#define NONE (-1)
#define AGE_NEW 0x80   // the age of a frame that joins: used in this interval

// Set up r to track frames [0, nframes), none of them present yet.
// frames must have room for nframes entries and live as long as r.
void
repl_init(struct replacer *r, struct repl_frame *frames, int nframes,
          int (*referenced)(void *arg, int frame), void *arg)
{
  r->frames = frames;
  r->nframes = nframes;
  r->hand = NONE;
  r->count = 0;
  r->rand = 1;
  r->referenced = referenced;
  r->arg = arg;
  for (int i = 0; i < nframes; i++) {
    frames[i].prev = frames[i].next = NONE;
    frames[i].age = 0;
  }
}

// Seed the random policy's generator (any value; 0 is taken as 1, which
// xorshift needs to be non-zero).
void
repl_seed(struct replacer *r, uint32 seed)
{
  r->rand = seed ? seed : 1;
}

static struct repl_frame *
frame_of(struct replacer *r, int frame)
{
  if (frame < 0 || frame >= r->nframes)
    panic("repl: no such frame");
  return &r->frames[frame];
}

// Is frame tracked now?
int
repl_present(struct replacer *r, int frame)
{
  return frame_of(r, frame)->next != NONE;
}

// frame now holds a page that may be evicted, used just now: it joins as
// the youngest, with the age of a page used in the current interval.
void
repl_add(struct replacer *r, int frame)
{
  struct repl_frame *f = frame_of(r, frame);
  if (f->next != NONE)
    panic("repl_add: frame already present");
  f->age = AGE_NEW;
  if (r->hand == NONE) {
    f->prev = f->next = frame;
    r->hand = frame;
  } else {
    struct repl_frame *head = &r->frames[r->hand];
    f->next = r->hand;
    f->prev = head->prev;
    r->frames[head->prev].next = frame;
    head->prev = frame;
  }
  r->count++;
}

// frame leaves the set (its page was freed, or chosen as a victim).
void
repl_remove(struct replacer *r, int frame)
{
  struct repl_frame *f = frame_of(r, frame);
  if (f->next == NONE)
    panic("repl_remove: frame not present");
  if (f->next == frame) {
    r->hand = NONE;
  } else {
    r->frames[f->prev].next = f->next;
    r->frames[f->next].prev = f->prev;
    if (r->hand == frame)
      r->hand = f->next;
  }
  f->prev = f->next = NONE;
  r->count--;
}

// One aging step: every present frame's age moves right one bit and its
// accessed bit (read and cleared) enters at the top.
void
repl_age(struct replacer *r)
{
  int i = r->hand;
  for (int n = 0; n < r->count; n++) {
    struct repl_frame *f = &r->frames[i];
    f->age = (f->age >> 1) | (r->referenced(r->arg, i) ? 0x80 : 0);
    i = f->next;
  }
}

// The clock: pass over accessed frames, clearing their bits, until one
// was not accessed. One full turn clears every bit; but other harts may
// set bits again behind the hand, so after two turns the hand's frame is
// taken as it is.
static int
pick_clock(struct replacer *r)
{
  for (int n = 0; n < 2 * r->count && r->referenced(r->arg, r->hand); n++)
    r->hand = r->frames[r->hand].next;
  return r->hand;
}

// The lowest age; the first met from the hand (the oldest arrival) among
// equals. No bit is read: the ages hold what the steps have seen.
static int
pick_aging(struct replacer *r)
{
  int best = r->hand;
  int i = r->frames[r->hand].next;
  for (int n = 1; n < r->count; n++) {
    if (r->frames[i].age < r->frames[best].age)
      best = i;
    i = r->frames[i].next;
  }
  return best;
}

// The next number of xorshift32 (Marsaglia, shifts 13, 17, 5).
static uint32
next_random(struct replacer *r)
{
  uint32 x = r->rand;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  r->rand = x;
  return x;
}

// The frame that many steps from the hand, for a draw below count.
static int
pick_random(struct replacer *r)
{
  int i = r->hand;
  for (uint32 n = next_random(r) % r->count; n > 0; n--)
    i = r->frames[i].next;
  return i;
}

// Choose a victim by policy and remove it from the set. Returns its
// frame, or -1 if no frame is present. An unknown policy is a kernel bug.
int
repl_victim(struct replacer *r, int policy)
{
  if (r->count == 0)
    return NONE;
  int v;
  switch (policy) {
  case POLICY_FIFO: v = r->hand; break;
  case POLICY_CLOCK: v = pick_clock(r); break;
  case POLICY_AGING: v = pick_aging(r); break;
  case POLICY_RANDOM: v = pick_random(r); break;
  default: panic("repl_victim: unknown policy");
  }
  repl_remove(r, v);
  return v;
}
