// ls [PATH...]: for each directory, one line per entry; for any other
// file, one line for the file itself. A line gives the name, the type
// (1 directory, 2 file, 3 device), the inode number and the size in bytes.
#include "user.h"
#include "abi/fs.h"

// Names are padded to the longest a directory entry can hold, so that the
// numbers line up.
static void
show(char *name, struct stat *st)
{
  static char blanks[DIRSIZ + 1] = "              ";
  uint n = strlen(name);

  printf("%s%s %d %u %lu\n", name, blanks + (n < DIRSIZ ? n : DIRSIZ),
         st->type, st->ino, st->size);
}

// List the entries of the directory open as fd, whose path is dir.
// Each entry is stat'ed by its path, dir/name.
static int
listdir(int fd, char *dir)
{
  char path[MAXPATH], *name;
  struct dirent de;
  struct stat st;
  uint len = strlen(dir);
  int status = 0;

  if (len + 1 + DIRSIZ + 1 > sizeof(path)) {
    fprintf(2, "ls: path too long: %s\n", dir);
    return 1;
  }
  strcpy(path, dir);
  path[len] = '/';
  name = path + len + 1;

  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum == 0)
      continue;
    // An entry's name fills DIRSIZ bytes without a NUL when it is that long.
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if (stat(path, &st) < 0) {
      fprintf(2, "ls: cannot stat %s\n", path);
      status = 1;
      continue;
    }
    show(name, &st);
  }
  return status;
}

static int
ls(char *path)
{
  struct stat st;
  int fd, status = 0;

  if ((fd = open(path, O_RDONLY)) < 0) {
    fprintf(2, "ls: cannot open %s\n", path);
    return 1;
  }
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s\n", path);
    status = 1;
  } else if (st.type == T_DIR)
    status = listdir(fd, path);
  else
    show(path, &st);
  close(fd);
  return status;
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if (argc < 2)
    exit(ls("."));
  for (int i = 1; i < argc; i++)
    status |= ls(argv[i]);
  exit(status);
}
