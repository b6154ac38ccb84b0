// filetest's bad arguments and paths: wild pointers, long and
// unterminated paths, a path through a file, the empty path.
#include "filetest.h"

// --- bad arguments

void
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
void
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
void
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
void
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
