// crashtest: does the file system survive a crash?
//
//   crashtest write    replace files under /ct in a loop, printing
//                      "crashtest: step G" after each step G is done
//   crashtest check L  after a crash and a reboot: check what /ct holds,
//                      given that the host saw step L finish (-1: none)
//
// tools/runtests.py runs `write`, kills QEMU at a moment of its choosing,
// boots again on the same disk and runs `check`.
//
// Step G writes generation G of slot G % NSLOT: it writes the whole
// content to /ct/tmp, replaces /ct/f<slot> by a link to it and unlinks tmp.
// Each system call is atomic, so after any crash a slot file is absent or
// complete, never partly written; tmp may hold a prefix. Every generation's
// content is a function of G alone (its first 4 bytes hold G), so check
// knows what every file it finds must contain. It also makes and removes
// /ct/dir on alternate steps, and stores G + 1 in word G of /ct/m (one
// page, made before step 0) through a shared mapping, then msyncs it: once
// step G is done, words 0..G of the file hold their values.
#include "user.h"
#include "abi/fs.h"
#include "test.h"

#define NSLOT 8
#define MAXSTEPS 1000
#define MAXSIZE (4 + 16000)   // generation sizes stay below this
#define CHUNK 1000            // bytes per write: a step takes many calls
#define PGSIZE 4096
_Static_assert(MAXSTEPS <= PGSIZE / sizeof(int), "a word of /ct/m per step");

static char buf[MAXSIZE + 1];

static int
gensize(int g)
{
  return 4 + (g * 7919) % 16000;
}

// Byte j of generation g.
static uchar
genbyte(int g, int j)
{
  if (j < 4)
    return (g >> (8 * j)) & 0xff;
  return (g * 131 + j + j / BSIZE * 17) & 0xff;
}

static void
slotname(char *path, int slot)
{
  strcpy(path, "/ct/f0");
  path[5] = '0' + slot;
}

static void
die(const char *what)
{
  printf("crashtest: %s failed\n", what);
  exit(1);
}

// Unlink everything in /ct (one level: only "dir" may be a directory, and
// it is always empty) and /ct itself. Returns 0 when all went.
static int
clear(void)
{
  struct dirent de;
  char path[5 + DIRSIZ + 1];
  int fd, bad = 0;

  fd = open("/ct", O_RDONLY);
  if (fd < 0)
    return 0;
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0 || strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
      continue;
    strcpy(path, "/ct/");
    memmove(path + 4, de.name, DIRSIZ);
    path[4 + DIRSIZ] = 0;
    if (unlink(path) != 0)
      bad = 1;
  }
  close(fd);
  if (unlink("/ct") != 0)
    bad = 1;
  return bad ? -1 : 0;
}

// /ct/m, a page of zeros, mapped shared and writable.
static int *
mapped_words(void)
{
  int fd = open("/ct/m", O_CREATE | O_RDWR);
  if (fd < 0)
    die("creating /ct/m");
  memset(buf, 0, PGSIZE);
  if (write(fd, buf, PGSIZE) != PGSIZE)
    die("writing /ct/m");
  int *words = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (words == MAP_FAILED)
    die("mmap /ct/m");
  close(fd);
  return words;
}

static void
writer(void)
{
  char path[8];
  int fd, n, off, len;

  if (clear() != 0 || mkdir("/ct") != 0)
    die("setting up /ct");
  int *words = mapped_words();
  for (int g = 0; g < MAXSTEPS; g++) {
    fd = open("/ct/tmp", O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0)
      die("creating /ct/tmp");
    n = gensize(g);
    for (int j = 0; j < n; j++)
      buf[j] = genbyte(g, j);
    for (off = 0; off < n; off += len) {
      len = n - off < CHUNK ? n - off : CHUNK;
      if (write(fd, buf + off, len) != len)
        die("writing /ct/tmp");
    }
    close(fd);
    slotname(path, g % NSLOT);
    unlink(path);   // absent the first time round
    if (link("/ct/tmp", path) != 0)
      die("link");
    if (unlink("/ct/tmp") != 0)
      die("unlinking /ct/tmp");
    if (g % 2 == 0 && mkdir("/ct/dir") != 0)
      die("mkdir /ct/dir");
    if (g % 2 == 1 && unlink("/ct/dir") != 0)
      die("unlinking /ct/dir");
    words[g] = g + 1;
    if (msync(words, PGSIZE, 0) != 0)
      die("msync");
    printf("crashtest: step %d\n", g);
  }
  printf("crashtest: done\n");
}

// --- check

struct found {
  int present;
  uint ino;
  short nlink;
  int size;
  int gen;       // from the header; -1 when the file is under 4 bytes
};

static struct found slots[NSLOT], tmp;
static int problems;

static void
problem(const char *name, const char *what, int a, int b)
{
  if (problems++ == 0)
    fail("crash:consistent", "%s: %s (%d, %d)", name, what, a, b);
}

// Read the file `name` (in /ct) into buf and describe it in *f.
// full says whether it must hold a whole generation or may hold a prefix.
static void
examine(const char *name, struct found *f, int full)
{
  char path[4 + DIRSIZ + 1];
  struct stat st;
  int fd, n, r;

  st.type = 0;
  strcpy(path, "/ct/");
  strcpy(path + 4, name);
  fd = open(path, O_RDONLY);
  if (fd < 0) {
    problem(name, "has a directory entry but cannot be opened", 0, 0);
    return;
  }
  if (fstat(fd, &st) != 0 || st.type != T_FILE) {
    problem(name, "is not a file", st.type, 0);
    close(fd);
    return;
  }
  f->present = 1;
  f->ino = st.ino;
  f->nlink = st.nlink;
  f->size = st.size;
  f->gen = -1;
  n = 0;
  while (n < MAXSIZE + 1 && (r = read(fd, buf + n, MAXSIZE + 1 - n)) > 0)
    n += r;
  close(fd);
  if (n != f->size) {
    problem(name, "read a different number of bytes than its size", n, f->size);
    return;
  }
  if (n < 4) {
    if (full)
      problem(name, "is too short to hold a generation", n, 0);
    return;
  }
  f->gen = (uchar)buf[0] | (uchar)buf[1] << 8 | (uchar)buf[2] << 16 |
           (uchar)buf[3] << 24;
  if (f->gen < 0 || f->gen >= MAXSTEPS) {
    problem(name, "holds no generation the writer makes", f->gen, 0);
    return;
  }
  if (n > gensize(f->gen) || (full && n != gensize(f->gen))) {
    problem(name, "has the wrong size for its generation", n, f->gen);
    return;
  }
  for (int j = 4; j < n; j++) {
    if ((uchar)buf[j] != genbyte(f->gen, j)) {
      problem(name, "holds a wrong byte (offset, generation)", j, f->gen);
      return;
    }
  }
}

// /ct/dir, when present, is an empty directory whose .. is /ct.
static void
examinedir(uint ctino)
{
  struct dirent de;
  struct stat st;
  int fd, n = 0;

  fd = open("/ct/dir", O_RDONLY);
  if (fd < 0 || fstat(fd, &st) != 0 || st.type != T_DIR) {
    problem("dir", "is not a directory that can be opened", fd, 0);
    if (fd >= 0)
      close(fd);
    return;
  }
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    n++;
    if (strcmp(de.name, "..") == 0 && de.inum != ctino)
      problem("dir", "has a .. that is not /ct (inode, /ct's inode)", de.inum, ctino);
    else if (strcmp(de.name, ".") == 0 && de.inum != st.ino)
      problem("dir", "has a . that is not itself", de.inum, st.ino);
    else if (strcmp(de.name, ".") != 0 && strcmp(de.name, "..") != 0)
      problem("dir", "is not empty", n, 0);
  }
  close(fd);
  if (n != 2)
    problem("dir", "does not hold exactly . and ..", n, 0);
}

// Make, check and remove a few files: the recovered file system works.
static void
usable(void)
{
  char path[16];
  int fd, ok = 1, n = 5000;

  strcpy(path, "/ct/new0");
  for (int k = 0; k < 3 && ok; k++) {
    path[7] = '0' + k;
    fd = open(path, O_CREATE | O_RDWR);
    if (fd < 0) {
      fail("crash:usable", "cannot create %s", path);
      return;
    }
    for (int j = 0; j < n; j++)
      buf[j] = genbyte(k + 500, j);
    ok = write(fd, buf, n) == n;
    close(fd);
    fd = open(path, O_RDONLY);
    memset(buf, 0, n);
    ok = ok && read(fd, buf, n + 1) == n;
    close(fd);
    for (int j = 4; j < n && ok; j++)
      ok = (uchar)buf[j] == genbyte(k + 500, j);
  }
  if (!ok) {
    fail("crash:usable", "a new file did not read back as written");
    return;
  }
  if (mkdir("/ct/newdir") != 0) {
    fail("crash:usable", "cannot make a directory");
    return;
  }
  if (clear() != 0) {
    fail("crash:usable", "cannot remove everything under /ct and /ct itself");
    return;
  }
  pass("crash:usable");
}

// /ct/m after the crash: words 0..last hold their values (msync made them
// durable), later words their value or 0.
static void
check_words(int last)
{
  int fd = open("/ct/m", O_RDONLY);
  if (fd < 0) {
    if (last >= 0)
      fail("crash:msync", "/ct/m is gone, though step %d finished", last);
    return;
  }
  int n = read(fd, buf, PGSIZE);
  close(fd);
  int *w = (int *)buf;
  if (n != PGSIZE) {
    fail("crash:msync", "/ct/m holds %d bytes, not %d", n, PGSIZE);
    return;
  }
  for (int g = 0; g < MAXSTEPS; g++) {
    if (w[g] != g + 1 && (g <= last || w[g] != 0)) {
      fail("crash:msync", "word %d of /ct/m is %d after step %d finished", g, w[g], last);
      return;
    }
  }
  pass("crash:msync");
}

static void
checker(int last)
{
  struct dirent de;
  struct stat ctst;
  char name[DIRSIZ + 1];
  int fd, hasdir = 0, missing = 0;

  fd = open("/ct", O_RDONLY);
  if (fd < 0 || fstat(fd, &ctst) != 0 || ctst.type != T_DIR) {
    if (last >= 0)
      fail("crash:durable", "/ct is gone, though step %d finished", last);
    else
      pass("crash:consistent");
    return;
  }
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    if (strcmp(name, "tmp") == 0)
      examine(name, &tmp, 0);
    else if (strcmp(name, "dir") == 0)
      hasdir = 1;
    else if (strcmp(name, "m") == 0)
      ;   // checked by check_words
    else if (name[0] == 'f' && name[1] >= '0' && name[1] < '0' + NSLOT && name[2] == 0)
      examine(name, &slots[name[1] - '0'], 1);
    else
      problem(name, "is a name the writer never makes", de.inum, 0);
  }
  close(fd);
  if (hasdir)
    examinedir(ctst.ino);

  // What the crash left, for the log.
  printf("crashtest: after step %d:", last);
  for (int s = 0; s < NSLOT; s++)
    if (slots[s].present)
      printf(" f%d=%d", s, slots[s].gen);
  if (tmp.present)
    printf(" tmp=%d/%d bytes", tmp.size, tmp.gen >= 0 ? gensize(tmp.gen) : -1);
  printf("%s\n", hasdir ? " dir" : "");

  // Link counts: a slot file shares its inode with tmp only while the
  // step that links it is between its link and its unlink of tmp.
  for (int s = 0; s < NSLOT; s++) {
    struct found *f = &slots[s];
    if (!f->present)
      continue;
    if (f->gen >= 0 && f->gen % NSLOT != s)
      problem("slot file", "holds another slot's generation (slot, gen)", s, f->gen);
    if (f->nlink == 2 && !(tmp.present && tmp.ino == f->ino))
      problem("slot file", "has nlink 2 but tmp is another file (slot, nlink)", s, 2);
    if (f->nlink != 1 && f->nlink != 2)
      problem("slot file", "has a wrong nlink (slot, nlink)", s, f->nlink);
  }
  if (tmp.present && tmp.nlink != 1) {
    int linked = 0;
    for (int s = 0; s < NSLOT; s++)
      if (slots[s].present && slots[s].ino == tmp.ino)
        linked = 1;
    if (tmp.nlink != 2 || !linked)
      problem("tmp", "has a wrong nlink (nlink, linked)", tmp.nlink, linked);
  }
  if (problems == 0)
    pass("crash:consistent");

  // Durability: once step g is done its generation (or a later one of the
  // same slot) must be there. The slot of a step in progress may be absent.
  if (last >= 0) {
    int bad = -1;
    for (int s = 0; s < NSLOT && s <= last; s++) {
      int need = last - (last - s) % NSLOT;   // latest finished gen of slot s
      if (!slots[s].present)
        missing++;
      else if (slots[s].gen < need)
        bad = s;
    }
    if (bad >= 0)
      fail("crash:durable", "f%d holds generation %d, but step %d finished",
           bad, slots[bad].gen, last - (last - bad) % NSLOT);
    else if (missing > 1)
      fail("crash:durable", "%d slot files are missing after step %d finished",
           missing, last);
    else
      pass("crash:durable");
  }
  check_words(last);
  usable();
}

int
main(int argc, char **argv)
{
  if (argc == 2 && strcmp(argv[1], "write") == 0) {
    writer();
    exit(0);
  }
  if (argc == 3 && strcmp(argv[1], "check") == 0) {
    checker(strcmp(argv[2], "-1") == 0 ? -1 : atoi(argv[2]));
    test_exit();
  }
  fprintf(2, "usage: crashtest write | crashtest check LAST-STEP\n");
  exit(2);
}
