// Formatted output: %d %u %x %p %s %c %%, with l for 64-bit integers.
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
static void
outnum(struct out *o, uint64 x, int base)
{
  char tmp[20];    // 2^64 - 1 has 20 decimal digits
  int i = 0;

  do {
    tmp[i++] = digits[x % base];
    x /= base;
  } while (x != 0);
  while (i > 0)
    outc(o, tmp[--i]);
}

// Signed decimal. Negating in unsigned arithmetic keeps the most negative
// value correct, where -x would overflow.
static void
outsigned(struct out *o, long x)
{
  uint64 mag = x;

  if (x < 0) {
    outc(o, '-');
    mag = -mag;
  }
  outnum(o, mag, 10);
}

// Pointers print at full width so addresses line up in memory dumps.
static void
outptr(struct out *o, uint64 p)
{
  outs(o, "0x");
  for (int shift = 60; shift >= 0; shift -= 4)
    outc(o, digits[(p >> shift) & 0xf]);
}

void
vfprintf(int fd, const char *fmt, va_list ap)
{
  struct out o;
  const char *s;
  int islong;

  o.fd = fd;
  o.n = 0;

  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      outc(&o, *fmt);
      continue;
    }
    fmt++;
    islong = 0;
    while (*fmt == 'l') {
      islong = 1;
      fmt++;
    }
    switch (*fmt) {
    case 'd':
      outsigned(&o, islong ? va_arg(ap, long) : va_arg(ap, int));
      break;
    case 'u':
      outnum(&o, islong ? va_arg(ap, uint64) : va_arg(ap, uint), 10);
      break;
    case 'x':
      outnum(&o, islong ? va_arg(ap, uint64) : va_arg(ap, uint), 16);
      break;
    case 'p':
      outptr(&o, (uint64)va_arg(ap, void *));
      break;
    case 's':
      s = va_arg(ap, const char *);
      outs(&o, s ? s : "(null)");
      break;
    case 'c':
      outc(&o, va_arg(ap, int));
      break;
    case '%':
      outc(&o, '%');
      break;
    case 0:
      // A lone % at the end: print it and stop rather than read past the NUL.
      outc(&o, '%');
      fmt--;
      break;
    default:
      // Unknown conversions are echoed so the mistake shows in the output.
      outc(&o, '%');
      outc(&o, *fmt);
      break;
    }
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
