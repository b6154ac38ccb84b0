// filetest's limits: the largest file, many processes creating files
// in one directory, the per-process and system-wide descriptor limits.
#include "filetest.h"

// --- the largest file

void
t_maxfile(void)
{
  struct stat st;
  int fd, r, off, chunk = sizeof(wbuf), max = MAXFILE * BSIZE;

  fd = open("/ft/big", O_CREATE | O_WRONLY | O_TRUNC);
  expect(fd >= 0, "create failed");
  for (off = 0; off < max; off += chunk) {
    fill(wbuf, off / chunk + 10, chunk);
    r = write(fd, wbuf, chunk);
    expect(r == chunk, "write at offset %d returned %d", off, r);
  }
  expect(fstat(fd, &st) == 0 && st.size == max, "size %d, expected %d",
         (int)st.size, max);
  r = write(fd, "z", 1);
  expect(r <= 0, "write past MAXFILE blocks returned %d", r);
  expect(fstat(fd, &st) == 0 && st.size == max, "file grew past MAXFILE: %d",
         (int)st.size);
  close(fd);

  // Read it all back; then from 100 bytes before the end, write 300.
  fd = open("/ft/big", O_RDWR);
  expect(fd >= 0, "reopen failed");
  for (off = 0; off < max; off += chunk) {
    r = read(fd, rbuf, chunk);
    expect(r == chunk, "read at offset %d returned %d", off, r);
    fill(wbuf, off / chunk + 10, chunk);
    expect(memcmp(rbuf, wbuf, chunk) == 0, "data differs in %d bytes at %d",
           chunk, off);
  }
  expect(read(fd, rbuf, 1) == 0, "read past the end returned data");
  close(fd);

  fd = open("/ft/big", O_RDWR);
  for (off = 0; off < max - chunk; off += chunk)
    expect(read(fd, rbuf, chunk) == chunk, "read failed");
  expect(read(fd, rbuf, chunk - 100) == chunk - 100, "read failed");
  memset(wbuf, 'E', 300);
  r = write(fd, wbuf, 300);
  expect(r == -1 || (r >= 0 && r <= 100), "write across the MAXFILE limit returned %d", r);
  expect(fstat(fd, &st) == 0 && st.size == max, "size %d after writing at the limit",
         (int)st.size);
  close(fd);
  expect(unlink("/ft/big") == 0, "unlink failed");
}

// --- many processes in one directory

#define NWRITERS 4
#define NPERWRITER 20

// The name and content of file i of writer w.
static void
ccname(char *path, int w, int i)
{
  strcpy(path, "/ft/cc/f");
  path[8] = 'a' + w;
  path[9] = '0' + i / 10;
  path[10] = '0' + i % 10;
  path[11] = 0;
}

static int
ccsize(int w, int i)
{
  return 1 + ((w * NPERWRITER + i) * 97) % 2100;
}

// Start NWRITERS children at once (they wait on a pipe until the parent
// closes it); each runs fn(w) and exits with its result.
static void
together(int (*fn)(int))
{
  int gate[2], pids[NWRITERS];
  char c;

  expect(pipe(gate) == 0, "pipe failed");
  for (int w = 0; w < NWRITERS; w++) {
    pids[w] = fork();
    expect(pids[w] >= 0, "fork failed");
    if (pids[w] == 0) {
      close(gate[1]);
      read(gate[0], &c, 1);
      exit(fn(w));
    }
  }
  close(gate[0]);
  close(gate[1]);
  reap_children(pids, NWRITERS);
}

static int
cc_create(int w)
{
  char path[16];
  int fd, n;

  for (int i = 0; i < NPERWRITER; i++) {
    ccname(path, w, i);
    n = ccsize(w, i);
    fd = open(path, O_CREATE | O_WRONLY);
    if (fd < 0)
      return 1;
    fill(wbuf, w * NPERWRITER + i, n);
    if (write(fd, wbuf, n) != n)
      return 2;
    close(fd);
  }
  return 0;
}

static int
cc_remove(int w)
{
  char path[16];

  for (int i = 0; i < NPERWRITER; i++) {
    ccname(path, w, i);
    if (unlink(path) != 0)
      return 3;
  }
  return 0;
}

void
t_concurrent(void)
{
  char path[16];
  int dots, n;

  expect(mkdir("/ft/cc") == 0, "mkdir failed");
  together(cc_create);
  for (int w = 0; w < NWRITERS; w++) {
    for (int i = 0; i < NPERWRITER; i++) {
      ccname(path, w, i);
      checkfile(path, w * NPERWRITER + i, ccsize(w, i));
    }
  }
  n = entries("/ft/cc", &dots);
  expect(n == NWRITERS * NPERWRITER && dots == 2, "directory has %d entries, "
         "expected %d", n, NWRITERS * NPERWRITER);
  together(cc_remove);
  for (int w = 0; w < NWRITERS; w++) {
    for (int i = 0; i < NPERWRITER; i++) {
      ccname(path, w, i);
      expect(open(path, O_RDONLY) == -1, "%s survived its unlink", path);
    }
  }
  n = entries("/ft/cc", &dots);
  expect(n == 0 && dots == 2, "directory still has %d entries", n);
  expect(unlink("/ft/cc") == 0, "unlink of the emptied directory failed");
}

// --- descriptor limits

// Whether fd is open: fstat answers for inodes, dup for pipes too (when
// the table has room).
static int
isopen(int fd)
{
  struct stat st;
  int d;

  if (fstat(fd, &st) == 0)
    return 1;
  if ((d = dup(fd)) < 0)
    return 0;
  close(d);
  return 1;
}

static int
lowestfree(void)
{
  for (int fd = 0; fd < NOFILE; fd++)
    if (!isopen(fd))
      return fd;
  return -1;
}

void
t_nofile(void)
{
  int fds[NOFILE], n = 0, initial = 0, fd, want, first = lowestfree(), p[2];

  for (fd = 0; fd < NOFILE; fd++)
    if (isopen(fd))
      initial++;
  makefile("/ft/nf", 8, 10);
  for (;;) {
    want = lowestfree();
    fd = open("/ft/nf", O_RDONLY);
    if (fd < 0)
      break;
    expect(fd == want, "open returned fd %d, the lowest free is %d", fd, want);
    expect(n < NOFILE, "more than NOFILE=%d fds open", NOFILE);
    fds[n++] = fd;
  }
  expect(initial + n == NOFILE, "%d open before, %d more opened: NOFILE is %d",
         initial, n, NOFILE);
  expect(dup(0) == -1 && dup(fds[0]) == -1, "dup with a full table did not fail");
  expect(pipe(p) == -1, "pipe with a full table did not fail");
  close(fds[5]);
  expect(open("/ft/nf", O_RDONLY) == fds[5], "open did not reuse the freed fd");
  for (int i = 0; i < n; i++)
    close(fds[i]);
  expect(lowestfree() == first, "lowest free fd is %d after closing all, was %d",
         lowestfree(), first);
  expect(unlink("/ft/nf") == 0, "unlink failed");
}

// The system-wide file table (NFILE) fills up before NCHILD processes
// have opened all the files they can; those opens fail without harm.
#define NCHILD 10

void
t_nfile(void)
{
  int gate[2], rep[2], pids[NCHILD], sum = 0, want, fd;
  uchar counts[NCHILD];
  char c;

  makefile("/ft/nf2", 9, 10);
  expect(pipe(gate) == 0 && pipe(rep) == 0, "pipe failed");
  for (int k = 0; k < NCHILD; k++) {
    pids[k] = fork();
    expect(pids[k] >= 0, "fork failed");
    if (pids[k] == 0) {
      uchar n = 0;
      close(gate[1]);
      close(rep[0]);
      close(0);
      close(2);
      while (open("/ft/nf2", O_RDONLY) >= 0)
        n++;
      write(rep[1], &n, 1);
      read(gate[0], &c, 1);   // hold them until the parent is done
      exit(0);
    }
  }
  close(rep[1]);
  for (int k = 0; k < NCHILD; k++) {
    expect(read(rep[0], &counts[k], 1) == 1, "a child did not report");
    sum += counts[k];
  }
  want = NCHILD * (NOFILE - 3);
  close(gate[0]);
  close(gate[1]);
  close(rep[0]);
  reap_children(pids, NCHILD);
  // Two pipes (4 files) and the console hold table entries besides these.
  expect(sum <= NFILE - 5, "%d files open at once: NFILE is %d", sum + 5, NFILE);
  expect(sum < want, "all %d opens succeeded", want);
  expect(sum >= NFILE / 2, "only %d opens succeeded in all", sum);
  fd = open("/ft/nf2", O_RDONLY);
  expect(fd >= 0, "open failed after the table drained");
  close(fd);
  expect(unlink("/ft/nf2") == 0, "unlink failed");
}
