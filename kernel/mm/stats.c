// What the memory system counts, and the options a learner can switch at
// run time (vmconfig) to compare designs side by side.
#include "abi/types.h"
#include "mm/mm.h"

struct memstat vmstat;

#ifndef COW_DEFAULT
#define COW_DEFAULT 1   // `make COW=0` builds a kernel whose fork copies
#endif

int vm_cow = COW_DEFAULT;
int vm_faultaround = 1;
int vm_zeropage = 1;

// Set option key to value (0 or 1), or only read it when value is -1.
// Returns the old value, or -1 for an unknown key or value.
int
vmconfig(int key, int value)
{
  int *opt;
  switch (key) {
  case VMCONF_COW: opt = &vm_cow; break;
  case VMCONF_FAULTAROUND: opt = &vm_faultaround; break;
  case VMCONF_ZEROPAGE: opt = &vm_zeropage; break;
  default: return -1;
  }
  if (value < -1 || value > 1)
    return -1;
  int old = *opt;
  if (value != -1)
    *opt = value;
  return old;
}
