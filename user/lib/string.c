// Strings and raw memory for user programs. Byte at a time throughout:
// these run in teaching programs where clarity beats speed.
#include "../user.h"

uint
strlen(const char *s)
{
  uint n = 0;

  while (s[n])
    n++;
  return n;
}

char *
strcpy(char *dst, const char *src)
{
  char *d = dst;

  while ((*d++ = *src++) != 0)
    ;
  return dst;
}

// Compare as unsigned bytes so that characters above 127 sort after ASCII.
int
strcmp(const char *a, const char *b)
{
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

int
strncmp(const char *a, const char *b, int n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b || *a == 0)
      return (uchar)*a - (uchar)*b;
  }
  return 0;
}

// The terminating NUL counts as part of the string, as in C's strchr,
// so strchr(s, 0) finds the end.
char *
strchr(const char *s, char c)
{
  for (;; s++) {
    if (*s == c)
      return (char *)s;
    if (*s == 0)
      return 0;
  }
}

void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;

  for (uint i = 0; i < n; i++)
    d[i] = c;
  return dst;
}

int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a, *q = b;

  for (uint i = 0; i < n; i++) {
    if (p[i] != q[i])
      return p[i] - q[i];
  }
  return 0;
}

// The regions may overlap: when dst lies above src a forward copy would
// overwrite bytes before reading them, so copy from the end instead.
void *
memmove(void *dst, const void *src, int n)
{
  uchar *d = dst;
  const uchar *s = src;

  if (d > s && d < s + n) {
    while (n-- > 0)
      d[n] = s[n];
  } else {
    for (int i = 0; i < n; i++)
      d[i] = s[i];
  }
  return dst;
}

// The compiler may emit calls to memcpy for structure copies, so it must
// exist even though memmove already does the job.
void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

// A decimal number with an optional leading minus sign; parsing stops at
// the first character that is not a digit.
int
atoi(const char *s)
{
  int neg = 0, n = 0;

  if (*s == '-') {
    neg = 1;
    s++;
  }
  while (*s >= '0' && *s <= '9')
    n = n * 10 + (*s++ - '0');
  return neg ? -n : n;
}
