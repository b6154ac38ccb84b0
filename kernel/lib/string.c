// Memory and string routines for the kernel.
#include "lib/lib.h"

void *
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  // Whole words when aligned: kalloc zeroes every page it hands out.
  if (((uint64)d & 7) == 0 && (n & 7) == 0) {
    uint64 w = (uchar)c;
    w |= w << 8;
    w |= w << 16;
    w |= w << 32;
    for (uint64 *q = (uint64 *)d; n > 0; n -= 8)
      *q++ = w;
    return dst;
  }
  while (n-- > 0)
    *d++ = c;
  return dst;
}

int
memcmp(const void *a, const void *b, uint64 n)
{
  const uchar *x = a, *y = b;
  for (; n > 0; n--, x++, y++)
    if (*x != *y)
      return *x - *y;
  return 0;
}

// Copies correctly when the two ranges overlap.
void *
memmove(void *dst, const void *src, uint64 n)
{
  const uchar *s = src;
  uchar *d = dst;
  if (n == 0)
    return dst;
  if (s < d && s + n > d) {
    s += n;
    d += n;
    while (n-- > 0)
      *--d = *--s;
  } else if (((uint64)s & 7) == 0 && ((uint64)d & 7) == 0 && (n & 7) == 0) {
    const uint64 *ws = (const uint64 *)s;
    uint64 *wd = (uint64 *)d;
    for (; n > 0; n -= 8)
      *wd++ = *ws++;
  } else {
    while (n-- > 0)
      *d++ = *s++;
  }
  return dst;
}

// The compiler may emit calls to memcpy for struct copies.
void *
memcpy(void *dst, const void *src, uint64 n)
{
  return memmove(dst, src, n);
}

int
strncmp(const char *a, const char *b, uint n)
{
  for (; n > 0 && *a && *a == *b; n--, a++, b++)
    ;
  if (n == 0)
    return 0;
  return (uchar)*a - (uchar)*b;
}

// Like the C library's: pads with NULs, does not always terminate.
char *
strncpy(char *dst, const char *src, int n)
{
  char *d = dst;
  while (n > 0 && *src) {
    *d++ = *src++;
    n--;
  }
  while (n-- > 0)
    *d++ = 0;
  return dst;
}

char *
safestrcpy(char *dst, const char *src, int n)
{
  char *d = dst;
  if (n <= 0)
    return dst;
  while (--n > 0 && *src)
    *d++ = *src++;
  *d = 0;
  return dst;
}

int
strlen(const char *s)
{
  int n = 0;
  while (s[n])
    n++;
  return n;
}
