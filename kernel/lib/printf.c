// Kernel formatted output and panic.
#include <stdarg.h>
#include "lib/lib.h"
#include "lib/spinlock.h"

volatile int panicked;

static void (*sink)(int c);
static struct spinlock printlock = { 0, "printf", 0 };

void
printf_setsink(void (*putc)(int c))
{
  sink = putc;
}

static void
putch(int c)
{
  if (sink)
    sink(c);
}

static void
putnum(uint64 x, int base, int neg)
{
  static const char digits[] = "0123456789abcdef";
  char buf[24];
  int i = 0;
  do {
    buf[i++] = digits[x % base];
    x /= base;
  } while (x != 0);
  if (neg)
    buf[i++] = '-';
  while (--i >= 0)
    putch(buf[i]);
}

static void
format(const char *fmt, va_list ap)
{
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      putch(*fmt);
      continue;
    }
    fmt++;
    int lng = 0;
    while (*fmt == 'l') {
      lng = 1;
      fmt++;
    }
    switch (*fmt) {
    case 'd': {
      long v = lng ? va_arg(ap, long) : va_arg(ap, int);
      putnum(v < 0 ? -(uint64)v : (uint64)v, 10, v < 0);
      break;
    }
    case 'u':
      putnum(lng ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 0);
      break;
    case 'x':
      putnum(lng ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 0);
      break;
    case 'p':
      putch('0');
      putch('x');
      putnum(va_arg(ap, uint64), 16, 0);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      for (s = s ? s : "(null)"; *s; s++)
        putch(*s);
      break;
    }
    case 'c':
      putch(va_arg(ap, int));
      break;
    case '%':
      putch('%');
      break;
    case 0:
      return;
    default:   // unknown: show it as written
      putch('%');
      putch(*fmt);
      break;
    }
  }
}

void
vprintf(const char *fmt, va_list ap)
{
  // A panicking hart must not wait for a lock another hart may hold.
  int locking = !panicked;
  if (locking)
    acquire(&printlock);
  format(fmt, ap);
  if (locking)
    release(&printlock);
}

void
printf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
}

// A kernel bug: say so and stop the machine with a failure code, so that a
// test run sees it at once instead of timing out.
void
panic(const char *msg)
{
  panicked = 1;
  printf("panic: %s\n", msg);
  machine_halt(1);
}
