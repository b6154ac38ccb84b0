// filetest's files and offsets: create, read and write, O_TRUNC,
// offsets shared across fork and dup, fstat.
#include "filetest.h"

// --- files and offsets

void
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

void
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

void
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
  wait_child_ok(pid, "child");
  expect(write(fd, "cd", 2) == 2, "write failed");
  close(fd);
  fd = open("/ft/o", O_RDONLY);
  r = read(fd, rbuf, 10);
  expect(r == 4 && memcmp(rbuf, "abcd", 4) == 0,
         "parent's write after the child's did not follow it (%d bytes)", r);
  close(fd);
  expect(unlink("/ft/o") == 0, "unlink failed");
}

void
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
