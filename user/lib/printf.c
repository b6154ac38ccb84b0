// Formatted output: %d %u %x %p %s %c %%, with l for 64-bit integers
// and field widths (%5d, %-10s, %08x).
//
// Each call collects its output in a small buffer on its own stack and
// writes it out when the buffer fills and when the call ends. A line then
// reaches the console in one write instead of one per character, so lines
// from processes printing at the same time do not interleave mid-line. The
// buffer never outlives the call, so nothing stale is copied by fork or lost
// at exit.
#include "../user.h"

struct out {
  int fd;
  int n;           // bytes waiting in buf
  char buf[128];
};

static const char digits[] = "0123456789abcdef";

static void
flush(struct out *o)
{
  if (o->n > 0)
    write(o->fd, o->buf, o->n);
  o->n = 0;
}

static void
outc(struct out *o, char c)
{
  if (o->n == sizeof(o->buf))
    flush(o);
  o->buf[o->n++] = c;
}

static void
outs(struct out *o, const char *s)
{
  while (*s)
    outc(o, *s++);
}

// Print x in the given base; digits are produced least significant first,
// so collect them and emit in reverse.
// The digits of x in the given base, written backwards from end; returns
// where they start.
static char *
fmtnum(char *end, uint64 x, int base)
{
  do {
    *--end = digits[x % base];
    x /= base;
  } while (x != 0);
  return end;
}

// Signed decimal. Negating in unsigned arithmetic keeps the most negative
// value correct, where -x would overflow.
static char *
fmtsigned(char *end, long x)
{
  uint64 mag = x;
  if (x < 0)
    mag = -mag;
  char *s = fmtnum(end, mag, 10);
  if (x < 0)
    *--s = '-';
  return s;
}

// Pointers print at full width so addresses line up in memory dumps.
static char *
fmtptr(char *end, uint64 p)
{
  for (int shift = 0; shift < 64; shift += 4)
    *--end = digits[(p >> shift) & 0xf];
  *--end = 'x';
  *--end = '0';
  return end;
}

// Emit s padded to width: on the left with blanks (or zeros, after any
// sign), or on the right with blanks when left is set.
static void
outpadded(struct out *o, const char *s, int width, int left, int zero)
{
  int n = strlen(s);
  if (zero && !left && *s == '-') {
    outc(o, *s++);
    width--;
    n--;
  }
  for (; !left && n < width; width--)
    outc(o, zero ? '0' : ' ');
  outs(o, s);
  for (; left && n < width; width--)
    outc(o, ' ');
}

// Conversions: %d %u %x %p %s %c %%, with l for 64-bit integers, and an
// optional field width, with - to pad on the right or 0 to pad with zeros:
// %-10s, %8lu, %08x.
void
vfprintf(int fd, const char *fmt, va_list ap)
{
  struct out o;
  char num[24];   // a 64-bit number in any base, or 0x and 16 digits
  char *end = num + sizeof(num) - 1;
  const char *s;

  o.fd = fd;
  o.n = 0;
  *end = 0;

  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      outc(&o, *fmt);
      continue;
    }
    fmt++;
    int left = 0, zero = 0, width = 0, islong = 0;
    for (; *fmt == '-' || *fmt == '0'; fmt++) {
      if (*fmt == '-')
        left = 1;
      else
        zero = 1;
    }
    for (; *fmt >= '0' && *fmt <= '9'; fmt++)
      width = width * 10 + (*fmt - '0');
    while (*fmt == 'l') {
      islong = 1;
      fmt++;
    }
    switch (*fmt) {
    case 'd':
      s = fmtsigned(end, islong ? va_arg(ap, long) : va_arg(ap, int));
      break;
    case 'u':
      s = fmtnum(end, islong ? va_arg(ap, uint64) : va_arg(ap, uint), 10);
      break;
    case 'x':
      s = fmtnum(end, islong ? va_arg(ap, uint64) : va_arg(ap, uint), 16);
      break;
    case 'p':
      s = fmtptr(end, (uint64)va_arg(ap, void *));
      break;
    case 's':
      s = va_arg(ap, const char *);
      if (s == 0)
        s = "(null)";
      zero = 0;
      break;
    case 'c':
      num[0] = va_arg(ap, int);
      num[1] = 0;
      if (num[0] == 0) {   // a NUL is printed too, though no string holds it
        outc(&o, 0);
        continue;
      }
      s = num;
      zero = 0;
      break;
    case '%':
      outc(&o, '%');
      continue;
    case 0:
      // A lone % at the end: print it and stop rather than read past the NUL.
      outc(&o, '%');
      fmt--;
      continue;
    default:
      // Unknown conversions are echoed so the mistake shows in the output.
      outc(&o, '%');
      outc(&o, *fmt);
      continue;
    }
    outpadded(&o, s, width, left, zero);
  }
  flush(&o);
}

void
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfprintf(fd, fmt, ap);
  va_end(ap);
}

void
printf(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vfprintf(1, fmt, ap);
  va_end(ap);
}
