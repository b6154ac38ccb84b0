// The friendly names of the sbrk system call. usys.S exports them as weak
// aliases of the raw stub; these strong definitions replace them so callers
// say what kind of growth they want without passing the type themselves.
#include "../user.h"

// Grow (or shrink) the heap by n bytes, backing the new pages at once.
char *
sbrk(int n)
{
  return sys_sbrk(n, SBRK_EAGER);
}

// Move the break by n bytes; the kernel fills pages on first touch.
char *
sbrklazy(int n)
{
  return sys_sbrk(n, SBRK_LAZY);
}
