// Library helpers built from file system calls.
#include "../user.h"

// Read one line from fd 0 into buf, keeping the newline, and NUL-terminate
// it. Stops after max-1 bytes, so a long line arrives in pieces. At end of
// input buf is left empty, which is how callers tell it from a blank line
// (that one still holds "\n").
char *
gets(char *buf, int max)
{
  int i = 0;
  char c;

  while (i + 1 < max) {
    if (read(0, &c, 1) != 1)
      break;
    buf[i++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  buf[i] = 0;
  return buf;
}

// stat by name: there is no such system call, only fstat on an open file.
int
stat(const char *path, struct stat *st)
{
  int fd, r;

  fd = open(path, O_RDONLY);
  if (fd < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}
