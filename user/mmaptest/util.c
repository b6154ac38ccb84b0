// mmaptest's helpers: the test files and their bytes, and whether an
// access kills.
#include "mmaptest.h"

// The byte at offset i of the test files.
char
pattern(int i)
{
  return 'a' + i % 23;
}

char buf[FILE_BYTES];

void
warm(void)
{
  for (int i = 0; i < FILE_BYTES; i += PGSIZE)
    buf[i] = 0;
}

// Create name holding FILE_BYTES bytes of pattern; returns its descriptor
// opened with mode (the file is closed and reopened).
int
make_file(const char *name, int mode)
{
  for (int i = 0; i < FILE_BYTES; i++)
    buf[i] = pattern(i);
  int fd = open(name, O_CREATE | O_TRUNC | O_RDWR);
  expect(fd >= 0, "cannot create %s", name);
  expect(write(fd, buf, FILE_BYTES) == FILE_BYTES, "cannot write %s", name);
  close(fd);
  fd = open(name, mode);
  expect(fd >= 0, "cannot open %s", name);
  return fd;
}

int
holds_pattern(char *p, int from, int to)
{
  for (int i = from; i < to; i++)
    if (p[i] != pattern(i))
      return 0;
  return 1;
}

// The byte at offset off of file name, read with read().
char
file_byte(const char *name, int off)
{
  int fd = open(name, O_RDONLY);
  expect(fd >= 0, "cannot open %s", name);
  int n = read(fd, buf, sizeof(buf));
  close(fd);
  expect(n > off, "%s has %d bytes", name, n);
  return buf[off];
}

static char *target;   // what touch_target reads, in a child
static int writes;     // touch_target writes rather than reads

static void
touch_target(void)
{
  if (writes)
    *target = 1;
  else
    printf("%d\n", *(volatile char *)target);
}

// Is an access to p refused (the process touching it killed)?
int
kills(char *p, int write)
{
  target = p;
  writes = write;
  return child_status(touch_target) == -1;
}
