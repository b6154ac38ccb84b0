// filetest: the file system through its system calls. Files, offsets,
// fstat, unlink and link, directories and paths, the largest file, many
// processes creating files in one directory, descriptor limits and bad
// arguments. Everything happens under /ft, which is removed at the end.
// Prints one PASS/FAIL line per test (user/test.h).
#include "user.h"
#include "abi/fs.h"
#include "test.h"

#define PGSIZE 4096
#define WILD ((void *)0xffffffffff000UL)       // far above MAXVA
#define TRAMPOLINE ((void *)0x3fffffff000UL)   // MAXVA - PGSIZE
#define TRAPFRAME ((void *)0x3ffffffe000UL)    // MAXVA - 2 * PGSIZE

static char wbuf[4 * BSIZE], rbuf[4 * BSIZE];

// Byte j of the test data numbered `seed`.
static uchar
pat(int seed, int j)
{
  return (seed * 31 + j * 7 + j / BSIZE) & 0xff;
}

static void
fill(char *b, int seed, int n)
{
  for (int j = 0; j < n; j++)
    b[j] = pat(seed, j);
}

// Create (or truncate) path with n bytes of pattern seed.
static void
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
static void
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

static int
statok(const char *path, struct stat *st)
{
  return stat(path, st) == 0;
}

static uint
inum(const char *path)
{
  struct stat st;

  expect(statok(path, &st), "cannot stat %s", path);
  return st.ino;
}

static void
waitok(int pid)
{
  int st = 12345;

  expect(wait(&st) == pid, "wait did not return child %d", pid);
  expect(st == 0, "child %d exited with status %d", pid, st);
}

// Reap n children, in whatever order they end; each must exit 0.
static void
reap(int *pids, int n)
{
  for (int k = 0; k < n; k++) {
    int st = 12345, w = wait(&st), mine = 0;
    for (int i = 0; i < n; i++)
      if (pids[i] == w)
        mine = 1;
    expect(mine, "wait returned %d, not one of the children", w);
    expect(st == 0, "child %d exited with status %d", w, st);
  }
}

// Count a directory's entries other than "." and ".."; set *dots to how
// many of "." and ".." it has.
static int
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
static void
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
static void
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

// --- files and offsets

static void
t_create_rw(void)
{
  int fd, r;

  expect(open("/ft/a", O_RDONLY) == -1, "open of a missing file did not fail");
  fd = open("/ft/a", O_CREATE | O_RDWR);
  expect(fd >= 0, "create failed");
  fill(wbuf, 1, sizeof(wbuf));
  expect(write(fd, wbuf, 100) == 100, "write of 100 bytes failed");
  // One call writing across many blocks.
  r = write(fd, wbuf + 100, sizeof(wbuf) - 100);
  expect(r == (int)sizeof(wbuf) - 100, "write of %d bytes returned %d",
         (int)sizeof(wbuf) - 100, r);
  close(fd);

  fd = open("/ft/a", O_RDONLY);
  expect(fd >= 0, "reopen failed");
  r = read(fd, rbuf, sizeof(rbuf));
  expect(r == (int)sizeof(rbuf), "read returned %d", r);
  expect(memcmp(rbuf, wbuf, sizeof(rbuf)) == 0, "read back different data");
  expect(read(fd, rbuf, 10) == 0, "read at end of file did not return 0");
  expect(write(fd, "x", 1) == -1, "write to an O_RDONLY fd did not fail");
  close(fd);

  fd = open("/ft/a", O_WRONLY);
  expect(fd >= 0, "open O_WRONLY failed");
  expect(read(fd, rbuf, 1) == -1, "read from an O_WRONLY fd did not fail");
  close(fd);
  expect(unlink("/ft/a") == 0, "unlink failed");
}

static void
t_trunc(void)
{
  struct stat st;
  int fd;

  makefile("/ft/t", 2, 3000);
  // Without O_TRUNC, writing overwrites the start and keeps the rest.
  fd = open("/ft/t", O_WRONLY);
  expect(fd >= 0, "open failed");
  expect(write(fd, "XY", 2) == 2, "write failed");
  close(fd);
  expect(statok("/ft/t", &st) && st.size == 3000, "size is %d, expected 3000",
         (int)st.size);
  fd = open("/ft/t", O_RDONLY);
  expect(read(fd, rbuf, 3) == 3, "read failed");
  expect(rbuf[0] == 'X' && rbuf[1] == 'Y' && (uchar)rbuf[2] == pat(2, 2),
         "overwrite without O_TRUNC changed the wrong bytes");
  close(fd);

  fd = open("/ft/t", O_WRONLY | O_TRUNC);
  expect(fd >= 0, "open O_TRUNC failed");
  expect(fstat(fd, &st) == 0 && st.size == 0, "O_TRUNC left size %d", (int)st.size);
  expect(write(fd, "12345", 5) == 5, "write failed");
  close(fd);
  fd = open("/ft/t", O_RDONLY);
  expect(read(fd, rbuf, sizeof(rbuf)) == 5 && memcmp(rbuf, "12345", 5) == 0,
         "truncated file does not hold exactly the new data");
  close(fd);

  fd = open("/ft/t", O_CREATE | O_TRUNC | O_RDWR);
  expect(fd >= 0 && fstat(fd, &st) == 0 && st.size == 0,
         "O_CREATE|O_TRUNC of an existing file did not empty it");
  close(fd);
  expect(unlink("/ft/t") == 0, "unlink failed");
}

static void
t_offsets(void)
{
  int fd, fd2, d, pid, r;

  fd = open("/ft/o", O_CREATE | O_RDWR);
  expect(fd >= 0, "create failed");
  expect(write(fd, "hello world", 11) == 11, "write failed");
  expect(read(fd, rbuf, 10) == 0, "read at the end of what was written returned data");
  close(fd);

  // Reads and writes share one offset per open file.
  fd = open("/ft/o", O_RDWR);
  expect(read(fd, rbuf, 5) == 5 && memcmp(rbuf, "hello", 5) == 0, "read failed");
  expect(write(fd, "XX", 2) == 2, "write failed");
  r = read(fd, rbuf, 10);
  expect(r == 4 && memcmp(rbuf, "orld", 4) == 0, "read after write returned %d", r);
  close(fd);
  fd = open("/ft/o", O_RDONLY);
  expect(read(fd, rbuf, 20) == 11 && memcmp(rbuf, "helloXXorld", 11) == 0,
         "file is not helloXXorld");
  close(fd);

  // Two opens have their own offsets; dup shares one.
  fd = open("/ft/o", O_RDONLY);
  fd2 = open("/ft/o", O_RDONLY);
  expect(fd >= 0 && fd2 >= 0, "open failed");
  expect(read(fd, rbuf, 3) == 3 && memcmp(rbuf, "hel", 3) == 0, "read failed");
  expect(read(fd2, rbuf, 2) == 2 && memcmp(rbuf, "he", 2) == 0,
         "second open did not start at offset 0");
  d = dup(fd);
  expect(d >= 0, "dup failed");
  expect(read(d, rbuf, 2) == 2 && memcmp(rbuf, "lo", 2) == 0,
         "dup did not share the offset");
  expect(read(fd, rbuf, 1) == 1 && rbuf[0] == 'X', "dup's read did not move the offset");
  close(fd);
  close(fd2);
  close(d);

  // A forked child shares its parent's open files and their offsets.
  fd = open("/ft/o", O_RDWR | O_TRUNC);
  expect(fd >= 0, "open failed");
  pid = fork();
  expect(pid >= 0, "fork failed");
  if (pid == 0)
    exit(write(fd, "ab", 2) == 2 ? 0 : 1);
  waitok(pid);
  expect(write(fd, "cd", 2) == 2, "write failed");
  close(fd);
  fd = open("/ft/o", O_RDONLY);
  r = read(fd, rbuf, 10);
  expect(r == 4 && memcmp(rbuf, "abcd", 4) == 0,
         "parent's write after the child's did not follow it (%d bytes)", r);
  close(fd);
  expect(unlink("/ft/o") == 0, "unlink failed");
}

static void
t_fstat(void)
{
  struct stat st, st2;
  int fd;

  fd = open("/ft/s", O_CREATE | O_RDWR);
  expect(fd >= 0, "create failed");
  expect(fstat(fd, &st) == 0, "fstat failed");
  expect(st.type == T_FILE, "type %d, expected T_FILE", st.type);
  expect(st.size == 0 && st.nlink == 1, "new file: size %d nlink %d",
         (int)st.size, st.nlink);
  expect(st.ino > ROOTINO, "file has inode number %d", st.ino);
  expect(write(fd, wbuf, 1500) == 1500, "write failed");
  expect(fstat(fd, &st2) == 0 && st2.size == 1500, "size %d after writing 1500",
         (int)st2.size);
  expect(st2.ino == st.ino && st2.dev == st.dev, "inode changed after a write");
  close(fd);
  expect(inum("/ft/s") == st.ino, "stat and fstat disagree on the inode");

  expect(statok("/", &st) && st.type == T_DIR && st.ino == ROOTINO,
         "/ is not directory inode %d", ROOTINO);
  expect(statok("/ft", &st2) && st2.type == T_DIR && st2.ino != ROOTINO,
         "/ft is not a directory of its own");
  expect(st2.dev == st.dev, "/ft and / are on different devices");
  fd = open("/console", O_RDWR);
  expect(fd >= 0, "cannot open /console");
  expect(fstat(fd, &st) == 0 && st.type == T_DEVICE, "console type %d", st.type);
  expect(fstat(fd, WILD) == -1, "fstat into a wild pointer did not fail");
  close(fd);
  expect(fstat(fd, &st) == -1, "fstat of a closed fd did not fail");
  expect(fstat(-1, &st) == -1 && fstat(NOFILE, &st) == -1,
         "fstat of a bad fd did not fail");
  expect(unlink("/ft/s") == 0, "unlink failed");
}

// --- names: unlink, link, directories

static void
t_unlink(void)
{
  struct stat st;
  uint old;
  int fd, r;

  makefile("/ft/u", 3, 700);
  old = inum("/ft/u");
  fd = open("/ft/u", O_RDONLY);
  expect(fd >= 0, "open failed");
  expect(unlink("/ft/u") == 0, "unlink failed");
  expect(open("/ft/u", O_RDONLY) == -1, "unlinked file can still be opened");
  expect(stat("/ft/u", &st) == -1, "unlinked file can still be stat'ed");
  expect(fstat(fd, &st) == 0 && st.nlink == 0, "open unlinked file has nlink %d",
         st.nlink);

  // The name is free for a new file while the old one is still open.
  makefile("/ft/u", 4, 300);
  expect(inum("/ft/u") != old, "new file reuses the open file's inode");
  r = read(fd, rbuf, sizeof(rbuf));
  expect(r == 700, "open unlinked file: read %d of 700 bytes", r);
  for (int j = 0; j < 700; j++)
    expect((uchar)rbuf[j] == pat(3, j), "unlinked file's byte %d changed", j);
  close(fd);
  checkfile("/ft/u", 4, 300);

  expect(unlink("/ft/u") == 0, "unlink failed");
  expect(unlink("/ft/u") == -1, "second unlink did not fail");
  expect(unlink("/ft/.") == -1, "unlink of . did not fail");
  expect(unlink("/ft/..") == -1, "unlink of .. did not fail");
  expect(statok("/ft", &st) && st.type == T_DIR, "/ft is gone");
}

static void
t_link(void)
{
  struct stat st;
  int fd;

  makefile("/ft/l1", 5, 200);
  expect(link("/ft/l1", "/ft/l2") == 0, "link failed");
  expect(inum("/ft/l1") == inum("/ft/l2"), "the names differ in inode");
  expect(statok("/ft/l2", &st) && st.nlink == 2, "nlink %d, expected 2", st.nlink);

  fd = open("/ft/l2", O_WRONLY);
  expect(fd >= 0 && write(fd, "LINK", 4) == 4, "write through the link failed");
  close(fd);
  fd = open("/ft/l1", O_RDONLY);
  expect(read(fd, rbuf, 4) == 4 && memcmp(rbuf, "LINK", 4) == 0,
         "write through one name is not seen through the other");
  close(fd);

  // Failed links change nothing.
  expect(link("/ft/l1", "/ft/l2") == -1, "link onto an existing name did not fail");
  expect(link("/ft/none", "/ft/l3") == -1, "link of a missing file did not fail");
  expect(link("/ft/l1", "/ft/nodir/l3") == -1, "link into a missing directory did not fail");
  expect(link("/ft", "/ft/dirlink") == -1, "link of a directory did not fail");
  expect(statok("/ft/l1", &st) && st.nlink == 2, "failed links left nlink %d",
         st.nlink);

  expect(unlink("/ft/l1") == 0, "unlink failed");
  expect(statok("/ft/l2", &st) && st.nlink == 1 && st.size == 200,
         "after unlinking one name: nlink %d size %d", st.nlink, (int)st.size);
  expect(unlink("/ft/l2") == 0, "unlink failed");
}

static int
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

static void
t_dirs(void)
{
  int fd, dots;

  expect(mkdir("/ft/d1") == 0, "mkdir failed");
  expect(mkdir("/ft/d1") == -1, "mkdir of an existing name did not fail");
  expect(mkdir("/ft/nodir/x") == -1, "mkdir in a missing directory did not fail");
  expect(chdir("/ft/d1") == 0, "chdir to an absolute path failed");
  expect(mkdir("d2") == 0, "mkdir of a relative path failed");
  expect(chdir("d2") == 0, "chdir to a relative path failed");
  makefile("x", 6, 50);

  checkfile("/ft/d1/d2/x", 6, 50);
  checkfile("./x", 6, 50);
  checkfile("../d2/x", 6, 50);
  checkfile("../../d1/./d2/../d2/x", 6, 50);
  checkfile("/../ft/d1/d2/x", 6, 50);
  expect(inum(".") == inum("/ft/d1/d2"), ". is not the current directory");
  expect(inum("..") == inum("/ft/d1"), ".. is not the parent directory");
  expect(chdir("..") == 0, "chdir .. failed");
  checkfile("d2/x", 6, 50);
  expect(chdir("/") == 0, "chdir / failed");
  expect(inum("/..") == ROOTINO && inum("/.") == ROOTINO && inum(".") == ROOTINO,
         "/, /. and /.. are not all the root");

  // A directory reads as its entries; it cannot be opened for writing.
  expect(entries("/ft/d1", &dots) == 1 && dots == 2,
         "/ft/d1 should hold ., .. and d2");
  expect(hasentry("/ft/d1", "d2") && hasentry("/ft/d1/d2", "x"), "entry missing");
  expect(open("/ft/d1", O_WRONLY) == -1, "directory opened O_WRONLY");
  expect(open("/ft/d1", O_RDWR) == -1, "directory opened O_RDWR");
  fd = open("/ft/d1", O_CREATE | O_RDWR);
  expect(fd == -1, "O_CREATE of an existing directory did not fail");

  // A file is not a directory.
  expect(chdir("/ft/d1/d2/x") == -1, "chdir to a file did not fail");
  expect(chdir("/ft/none") == -1, "chdir to a missing directory did not fail");
  expect(open("/ft/d1/d2/x/y", O_CREATE | O_RDWR) == -1,
         "created a file under a file");
  expect(mkdir("/ft/d1/d2/x/y") == -1, "made a directory under a file");

  expect(unlink("/ft/d1/d2/x") == 0 && unlink("/ft/d1/d2") == 0 &&
         unlink("/ft/d1") == 0, "cleanup failed");
}

static void
t_unlink_dir(void)
{
  struct stat before, after;

  expect(statok("/ft", &before), "stat /ft failed");
  expect(mkdir("/ft/nd") == 0, "mkdir failed");
  makefile("/ft/nd/f", 7, 10);
  expect(unlink("/ft/nd") == -1, "unlink of a directory holding a file did not fail");
  checkfile("/ft/nd/f", 7, 10);
  expect(mkdir("/ft/nd/sub") == 0, "mkdir failed");
  expect(unlink("/ft/nd/f") == 0, "unlink failed");
  expect(unlink("/ft/nd") == -1, "unlink of a directory holding a directory did not fail");
  expect(unlink("/ft/nd/sub") == 0, "unlink of an empty directory failed");
  expect(unlink("/ft/nd") == 0, "unlink of the emptied directory failed");
  expect(chdir("/ft/nd") == -1, "chdir to a removed directory worked");
  expect(statok("/ft", &after) && after.nlink == before.nlink,
         "/ft nlink %d before, %d after a subdirectory came and went",
         before.nlink, after.nlink);
}

// --- the largest file

static void
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
  reap(pids, NWRITERS);
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

static void
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

static void
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

static void
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
  reap(pids, NCHILD);
  // Two pipes (4 files) and the console hold table entries besides these.
  expect(sum <= NFILE - 5, "%d files open at once: NFILE is %d", sum + 5, NFILE);
  expect(sum < want, "all %d opens succeeded", want);
  expect(sum >= NFILE / 2, "only %d opens succeeded in all", sum);
  fd = open("/ft/nf2", O_RDONLY);
  expect(fd >= 0, "open failed after the table drained");
  close(fd);
  expect(unlink("/ft/nf2") == 0, "unlink failed");
}

// --- bad arguments

static void
t_bad_args(void)
{
  char local = 0, b[16];
  uint64 stackpage = (uint64)&local & ~(uint64)(PGSIZE - 1);
  char *guard = (char *)(stackpage - USERSTACK * PGSIZE);
  char *brk = sbrk(0);
  char *heapend = (char *)(((uint64)brk + PGSIZE - 1) & ~(uint64)(PGSIZE - 1));
  int fd, r;

  expect(read(-1, b, 1) == -1 && read(NOFILE, b, 1) == -1 &&
         read(1000000, b, 1) == -1, "read of a bad fd did not fail");
  expect(write(-1, b, 1) == -1 && write(NOFILE, b, 1) == -1,
         "write to a bad fd did not fail");
  expect(close(-1) == -1 && close(NOFILE) == -1, "close of a bad fd did not fail");

  makefile("/ft/ba", 11, 100);
  fd = open("/ft/ba", O_RDWR);
  expect(fd >= 0, "open failed");
  r = read(fd, b, -1);
  expect(r == -1, "read of -1 bytes returned %d", r);
  r = read(fd, b, -100000);
  expect(r == -1, "read of -100000 bytes returned %d", r);
  r = write(fd, b, -1);
  expect(r == -1, "write of -1 bytes returned %d", r);

  r = read(fd, WILD, 10);
  expect(r == -1, "read into %p returned %d", WILD, r);
  r = read(fd, TRAMPOLINE, 10);
  expect(r == -1, "read into the trampoline page %p returned %d", TRAMPOLINE, r);
  r = read(fd, TRAPFRAME, 10);
  expect(r == -1, "read into the trap frame page %p returned %d", TRAPFRAME, r);
  r = read(fd, heapend + 10 * PGSIZE, 10);
  expect(r == -1, "read above the break returned %d", r);
  r = read(fd, heapend - 5, 10);
  expect(r == -1, "read across the end of the heap returned %d", r);
  r = read(fd, guard + 100, 10);
  expect(r == -1, "read into the stack guard page %p returned %d", guard, r);
  r = read(fd, (void *)0, 10);
  expect(r == -1, "read into the program text at 0 returned %d", r);
  r = write(fd, WILD, 10);
  expect(r == -1, "write from %p returned %d", WILD, r);
  r = write(fd, TRAMPOLINE, 10);
  expect(r == -1, "write from the trampoline page returned %d", r);
  r = write(fd, guard + 100, 10);
  expect(r == -1, "write from the stack guard page returned %d", r);
  close(fd);
  checkfile("/ft/ba", 11, 100);   // the process and its file are fine

  expect(open(WILD, O_RDONLY) == -1, "open of a wild path did not fail");
  expect(mkdir(WILD) == -1 && unlink(WILD) == -1 && chdir(WILD) == -1,
         "mkdir/unlink/chdir of a wild path did not fail");
  expect(link(WILD, "/ft/x") == -1 && link("/ft/ba", WILD) == -1,
         "link with a wild path did not fail");
  expect(stat("/ft/ba", WILD) == -1, "stat into a wild pointer did not fail");
  expect(unlink("/ft/ba") == 0, "unlink failed");
}

// Path names longer than MAXPATH are refused, even when they would name an
// existing file; shorter ones work however they are spelled.
static void
t_long_path(void)
{
  char path[320], *p;
  int n, fd;

  makefile("/ft/lp", 12, 20);
  // "/ft" "/." ... "/lp": 102 bytes, under MAXPATH.
  strcpy(path, "/ft");
  n = 3;
  for (int i = 0; i < 48; i++) {
    path[n++] = '/';
    path[n++] = '.';
  }
  strcpy(path + n, "/lp");
  expect(strlen(path) < MAXPATH, "test bug: path too long");
  checkfile(path, 12, 20);

  // The same file with a 303-byte path.
  n = 3;
  for (int i = 0; i < 148; i++) {
    path[n++] = '/';
    path[n++] = '.';
  }
  strcpy(path + n, "/lp");
  expect(open(path, O_RDONLY) == -1, "open of a %d-byte path worked", strlen(path));
  expect(unlink(path) == -1, "unlink of a %d-byte path worked", strlen(path));
  expect(link("/ft/lp", path) == -1 && link(path, "/ft/lp2") == -1,
         "link with a long path worked");
  expect(chdir(path) == -1, "chdir to a long path worked");
  checkfile("/ft/lp", 12, 20);

  // A long name: one component of 200 bytes.
  strcpy(path, "/ft/");
  memset(path + 4, 'n', 200);
  path[204] = 0;
  expect(open(path, O_CREATE | O_RDWR) == -1, "created a file with a 204-byte path");
  expect(mkdir(path) == -1, "made a directory with a 204-byte path");
  expect(!hasentry("/ft", "nnnnnnnnnnnnnn"), "a long-path call left an entry in /ft");

  // A path with no terminating NUL before the end of the heap.
  p = sbrk(0);
  n = (PGSIZE - (uint64)p % PGSIZE) % PGSIZE;
  expect(sbrk(n + PGSIZE) == p, "sbrk failed");
  p += n + PGSIZE;   // page-aligned end of the heap
  memset(p - 40, 'a', 40);
  expect(open(p - 40, O_RDONLY) == -1, "open of an unterminated path worked");
  expect(mkdir(p - 40) == -1, "mkdir of an unterminated path worked");
  fd = open(p - 40, O_CREATE | O_RDWR);
  expect(fd == -1, "open O_CREATE of an unterminated path worked");
  expect(unlink("/ft/lp") == 0, "unlink failed");
}

// A path that goes through a regular file as if it were a directory fails
// for every call that looks it up.
static void
t_through_file(void)
{
  expect(open("/README.md/x", O_RDONLY) < 0, "open through a file succeeded");
  expect(open("/README.md/x", O_CREATE | O_RDWR) < 0, "create through a file succeeded");
  expect(mkdir("/README.md/d") < 0, "mkdir through a file succeeded");
  expect(unlink("/README.md/x") < 0, "unlink through a file succeeded");
  expect(link("/README.md", "/README.md/l") < 0, "link into a file succeeded");
  expect(chdir("/README.md") < 0, "chdir to a file succeeded");
  expect(chdir("/README.md/..") < 0, "chdir through a file succeeded");
}

// The empty path names the current directory, as in xv6: it opens (for
// reading only) and chdir stays put, but a call that would create, link
// or remove a last element finds none and fails, changing nothing.
static void
t_empty_path(void)
{
  struct stat st, here;
  char *argv[] = { "x", 0 };
  int fd, dots;

  expect(mkdir("/ft/ep") == 0 && chdir("/ft/ep") == 0, "cannot make and enter /ft/ep");
  makefile("/ft/ep/f", 13, 10);
  expect(statok(".", &here), "cannot stat .");

  fd = open("", O_RDONLY);
  expect(fd >= 0, "open(\"\", O_RDONLY) failed");
  expect(fstat(fd, &st) == 0 && st.type == T_DIR && st.ino == here.ino,
         "open(\"\") opened inode %d (type %d), not the current directory %d",
         st.ino, st.type, here.ino);
  expect(read(fd, rbuf, sizeof(struct dirent)) == sizeof(struct dirent),
         "reading the directory opened as \"\" failed");
  close(fd);
  expect(open("", O_WRONLY) < 0 && open("", O_RDWR) < 0 &&
         open("", O_RDONLY | O_TRUNC) < 0, "open(\"\") for writing succeeded");
  expect(open("", O_CREATE | O_RDWR) < 0 && open("", O_CREATE) < 0,
         "open(\"\", O_CREATE) succeeded");
  expect(mkdir("") < 0, "mkdir(\"\") succeeded");
  expect(mknod("", 1, 0) < 0, "mknod(\"\") succeeded");
  expect(unlink("") < 0, "unlink(\"\") succeeded");
  expect(link("", "/ft/ep/l") < 0, "link(\"\", new) linked a directory");
  expect(link("/ft/ep/f", "") < 0, "link(old, \"\") succeeded");
  expect(exec("", argv) < 0, "exec(\"\") succeeded");
  expect(chdir("") == 0, "chdir(\"\") failed");

  expect(statok(".", &st) && st.ino == here.ino && st.type == T_DIR,
         "the current directory changed");
  expect(statok("/ft/ep/f", &st) && st.nlink == 1 && st.size == 10,
         "/ft/ep/f has nlink %d, size %d, want 1 and 10", st.nlink, (int)st.size);
  expect(entries(".", &dots) == 1 && dots == 2, "/ft/ep gained or lost entries");
  expect(unlink("/ft/ep/f") == 0 && chdir("/") == 0 && unlink("/ft/ep") == 0,
         "cleanup failed");
}

static struct test tests[] = {
  { "file:create_rw", t_create_rw },
  { "file:through_file", t_through_file },
  { "file:empty_path", t_empty_path },
  { "file:trunc", t_trunc },
  { "file:offsets", t_offsets },
  { "file:fstat", t_fstat },
  { "file:unlink", t_unlink },
  { "file:link", t_link },
  { "file:dirs", t_dirs },
  { "file:unlink_dir", t_unlink_dir },
  { "file:maxfile", t_maxfile },
  { "file:concurrent", t_concurrent },
  { "file:nofile", t_nofile },
  { "file:nfile", t_nfile },
  { "file:bad_args", t_bad_args },
  { "file:long_path", t_long_path },
};

int
main(int argc, char **argv)
{
  struct stat st;
  int allpassed;

  rmtree("/ft", 0);   // whatever an interrupted run left
  if (mkdir("/ft") != 0 || stat("/ft", &st) != 0 || st.type != T_DIR) {
    fail("file:setup", "cannot make the directory /ft");
    test_exit();
  }
  allpassed = run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
  // Tests that pass leave nothing behind; a failed one may.
  if (allpassed) {
    if (unlink("/ft") == 0)
      pass("file:cleanup");
    else
      fail("file:cleanup", "/ft is not empty after the tests");
  }
  rmtree("/ft", 0);
  test_exit();
}
