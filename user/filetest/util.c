// filetest's helpers: test data by pattern, files made and checked,
// directories listed and removed.
#include "filetest.h"

char wbuf[4 * BSIZE], rbuf[4 * BSIZE];

// Byte j of the test data numbered `seed`.
uchar
pat(int seed, int j)
{
  return (seed * 31 + j * 7 + j / BSIZE) & 0xff;
}

void
fill(char *b, int seed, int n)
{
  for (int j = 0; j < n; j++)
    b[j] = pat(seed, j);
}

// Create (or truncate) path with n bytes of pattern seed.
void
makefile(const char *path, int seed, int n)
{
  int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);

  expect(fd >= 0, "cannot create %s", path);
  expect(n <= (int)sizeof(wbuf), "makefile: %d bytes is too many", n);
  fill(wbuf, seed, n);
  expect(write(fd, wbuf, n) == n, "write to %s failed", path);
  close(fd);
}

// Expect path to hold exactly n bytes of pattern seed.
void
checkfile(const char *path, int seed, int n)
{
  int fd = open(path, O_RDONLY), r;

  expect(fd >= 0, "cannot open %s", path);
  r = read(fd, rbuf, sizeof(rbuf));
  expect(r == n, "%s: read %d bytes, expected %d", path, r, n);
  for (int j = 0; j < n; j++)
    expect((uchar)rbuf[j] == pat(seed, j), "%s: byte %d is wrong", path, j);
  close(fd);
}

int
statok(const char *path, struct stat *st)
{
  return stat(path, st) == 0;
}

uint
inum(const char *path)
{
  struct stat st;

  expect(statok(path, &st), "cannot stat %s", path);
  return st.ino;
}

// Count a directory's entries other than "." and ".."; set *dots to how
// many of "." and ".." it has.
int
entries(const char *dir, int *dots)
{
  struct dirent de;
  int fd = open(dir, O_RDONLY), n = 0, r;

  expect(fd >= 0, "cannot open directory %s", dir);
  *dots = 0;
  while ((r = read(fd, &de, sizeof(de))) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    if (strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
      (*dots)++;
    else
      n++;
  }
  expect(r == 0, "directory %s: read returned %d, not a whole entry", dir, r);
  close(fd);
  return n;
}

// Append `name` (at most DIRSIZ bytes) to dir, giving dst.
void
join(char *dst, const char *dir, const char *name)
{
  int n = strlen(dir);

  strcpy(dst, dir);
  dst[n++] = '/';
  memmove(dst + n, name, DIRSIZ);
  dst[n + DIRSIZ] = 0;
}

// Remove dir and everything under it (used only to clear out what an
// interrupted earlier run or a failed test left behind).
void
rmtree(const char *dir, int depth)
{
  struct dirent de;
  struct stat st;
  char path[MAXPATH];
  int fd;

  if (depth > 4 || strlen(dir) + DIRSIZ + 2 > MAXPATH)
    return;
  fd = open(dir, O_RDONLY);
  if (fd < 0)
    return;
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0 || strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
      continue;
    join(path, dir, de.name);
    if (stat(path, &st) == 0 && st.type == T_DIR)
      rmtree(path, depth + 1);
    unlink(path);
  }
  close(fd);
  unlink(dir);
}

// Does directory dir have an entry called name?
int
hasentry(const char *dir, const char *name)
{
  struct dirent de;
  int fd = open(dir, O_RDONLY), found = 0;

  expect(fd >= 0, "cannot open directory %s", dir);
  while (read(fd, &de, sizeof(de)) == sizeof(de))
    if (de.inum != 0 && strncmp(de.name, name, DIRSIZ) == 0)
      found = 1;
  close(fd);
  return found;
}
