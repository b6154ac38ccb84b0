// wc [FILE...]: count the lines, words and bytes of each file, or of the
// standard input, with a total when there is more than one file.
#include "user.h"

static char buf[512];

struct counts {
  long lines, words, bytes;
};

static int
isspace(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Add what fd holds to *c. A word is counted at its first character, so a
// word split across two reads counts once.
static int
count(int fd, struct counts *c)
{
  int n, inword = 0;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    c->bytes += n;
    for (int i = 0; i < n; i++) {
      if (buf[i] == '\n')
        c->lines++;
      if (isspace(buf[i]))
        inword = 0;
      else if (!inword) {
        inword = 1;
        c->words++;
      }
    }
  }
  return n;
}

// The standard input has no name to show.
static void
report(struct counts *c, char *name)
{
  printf("%ld %ld %ld%s%s\n", c->lines, c->words, c->bytes, name ? " " : "", name ? name : "");
}

int
main(int argc, char *argv[])
{
  struct counts c, total = { 0, 0, 0 };
  int fd, status = 0;

  if (argc < 2) {
    c = (struct counts){ 0, 0, 0 };
    if (count(0, &c) < 0) {
      fprintf(2, "wc: read error\n");
      exit(1);
    }
    report(&c, 0);
    exit(0);
  }
  for (int i = 1; i < argc; i++) {
    if ((fd = open(argv[i], O_RDONLY)) < 0) {
      fprintf(2, "wc: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    c = (struct counts){ 0, 0, 0 };
    if (count(fd, &c) < 0) {
      fprintf(2, "wc: cannot read %s\n", argv[i]);
      status = 1;
    } else {
      report(&c, argv[i]);
      total.lines += c.lines;
      total.words += c.words;
      total.bytes += c.bytes;
    }
    close(fd);
  }
  if (argc > 2)
    report(&total, "total");
  exit(status);
}
