// filetest's names: unlink (also of open files), link, directories.
#include "filetest.h"

// --- names: unlink, link, directories

void
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

void
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

void
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

void
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
