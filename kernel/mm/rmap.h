// The reverse map's records and its search for the PTEs that map a page
// (rmap.c), shared with eviction (rmapevict.c); nothing else uses them.
#ifndef LAZULI_MM_RMAP_H
#define LAZULI_MM_RMAP_H

enum { RM_NONE, RM_ANON };

struct rmap_page {
  struct vmspace *vm;   // the address space that mapped it last: a hint
  uint32 vpn;           // va / PGSIZE
  uint8 kind;           // RM_*
  uint8 blockref;       // a megapage holding it was seen accessed since it was last asked
};

struct rmap {
  struct spinlock lock;
  struct rmap_page *pages;
  struct repl_frame *frames;
  struct replacer repl;
  uint64 base, npages;   // pages [base, base + npages * PGSIZE) are recorded
};
extern struct rmap rm;

// What a visit looks for, and what it found.
struct look {
  uint64 pa, va;
  int mappers;      // PTEs at va mapping pa, small or large
  struct vmspace *found;  // the address space of the last one counted
  int accessed;     // any of them had the accessed bit (cleared now)
  int blockused;    // a megapage's among them: the whole block was used
  int unshareable;  // one sits in a shared region: never evicted
  int large;        // mappers that map it through a megapage
  int demote;       // demote those megapages (lp_demote)
  void *tables;     // demote: pages for their tables, listed through their first words
  int demoted;      // demote: megapages demoted
  int own;          // references the caller holds besides the mappers'
  int hold;         // take a reference for the caller at the first small PTE found
  int held;         // hold: it was taken
  int slot;         // convert: the swap slot the PTEs get; -1: only look
  int budget;       // convert: at most this many (the slot's references)
  const void *data; // convert: what slot holds; a page that differs is not converted
  int converted;    // convert: PTEs now naming slot
  pte_t *shared[4]; // PTEs counted that lie in tables fork shares
  int nshared;
};

uint64 pa_of(int frame);   // the physical page of a frame
// Visit the address spaces that may map lk's page (hint first).
void look_for(struct look *lk, struct vmspace *hint);
// lk found frame f's page mapped by one address space: it is the hint now.
void renew_hint(struct look *lk, int f);
// lk met a megapage used: each other page of frame f's block counts it.
void pass_block_used(struct look *lk, int f);

#endif
