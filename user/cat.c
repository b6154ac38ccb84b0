// cat [FILE...]: copy each file, or the standard input, to the standard output.
#include "user.h"

static char buf[512];

// Copy fd to fd 1; name is for the error message.
static void
copy(int fd, char *name)
{
  int n;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    if (write(1, buf, n) != n) {
      fprintf(2, "cat: write error\n");
      exit(1);
    }
  }
  if (n < 0) {
    fprintf(2, "cat: cannot read %s\n", name);
    exit(1);
  }
}

int
main(int argc, char *argv[])
{
  int fd, status = 0;

  if (argc < 2) {
    copy(0, "standard input");
    exit(0);
  }
  for (int i = 1; i < argc; i++) {
    if ((fd = open(argv[i], O_RDONLY)) < 0) {
      fprintf(2, "cat: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    copy(fd, argv[i]);
    close(fd);
  }
  exit(status);
}
