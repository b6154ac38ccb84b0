// What the memory system counts, and the options a learner can switch at
// run time (vmconfig) to compare designs side by side.
#include "abi/types.h"
#include "mm/mm.h"

struct memstat vmstat;

#ifndef COW_DEFAULT
#define COW_DEFAULT 1   // `make COW=0` builds a kernel whose fork copies
#endif
#ifndef POLICY_DEFAULT
#define POLICY_DEFAULT POLICY_CLOCK   // `make POLICY=fifo` and so on
#endif
_Static_assert(POLICY_DEFAULT >= 0 && POLICY_DEFAULT < NPOLICY, "POLICY is 0-3");

#ifndef KPTI_DEFAULT
#define KPTI_DEFAULT 0  // `make KPTI=1` builds a kernel with separate page tables
#endif

#ifndef LARGEPAGE_DEFAULT
#define LARGEPAGE_DEFAULT 1  // `make LARGEPAGE=0` builds a kernel with small pages only
#endif
#ifndef EVICT_DEFAULT
#define EVICT_DEFAULT 1  // `make EVICT=0`: nothing goes to swap, as before issue 11
#endif

#ifndef FORKSHARE_DEFAULT
#define FORKSHARE_DEFAULT 1  // `make FORKSHARE=0`: fork writes every PTE
#endif

int vm_cow = COW_DEFAULT;
int vm_faultaround = 1;
int vm_zeropage = 1;
int vm_policy = POLICY_DEFAULT;
int vm_demandexec = 1;
int vm_kpti = KPTI_DEFAULT;
int vm_largepage = LARGEPAGE_DEFAULT;
int vm_forkshare = FORKSHARE_DEFAULT;
int vm_evict = EVICT_DEFAULT;

// Set option key to value, or only read it when value is -1. Switches
// take 0 or 1, VMCONF_POLICY a POLICY_* number. Returns the old value, or
// -1 for an unknown key or value.
int
vmconfig(int key, int value)
{
  int *opt;
  int max = 1;
  switch (key) {
  case VMCONF_COW: opt = &vm_cow; break;
  case VMCONF_FAULTAROUND: opt = &vm_faultaround; break;
  case VMCONF_ZEROPAGE: opt = &vm_zeropage; break;
  case VMCONF_POLICY: opt = &vm_policy; max = NPOLICY - 1; break;
  case VMCONF_DEMANDEXEC: opt = &vm_demandexec; break;
  case VMCONF_KPTI: opt = &vm_kpti; break;
  case VMCONF_LARGEPAGE: opt = &vm_largepage; break;
  case VMCONF_FORKSHARE: opt = &vm_forkshare; break;
  case VMCONF_EVICT: opt = &vm_evict; break;
  default: return -1;
  }
  if (value < -1 || value > max)
    return -1;
  int old = *opt;
  if (value != -1)
    *opt = value;
  return old;
}
