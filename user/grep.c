// grep PATTERN [FILE...]: print the lines of each file, or of the standard
// input, that contain a match for PATTERN. With several files each line
// is preceded by its file's name.
//
// In a pattern '.' matches any character, 'x*' any run (possibly empty)
// of x, a leading '^' anchors the match at the start of the line and a
// trailing '$' at its end; every other character matches itself. A pattern
// with none of these is a plain substring search.
#include "user.h"

static char buf[1024];

static int matchhere(char *re, char *text);

// Match x* and then the rest of the pattern. Take the longest run of x
// first and give characters back one at a time until the rest matches.
static int
matchstar(char x, char *re, char *text)
{
  char *t = text;

  while (*t && (x == '.' || *t == x))
    t++;
  for (;;) {
    if (matchhere(re, t))
      return 1;
    if (t == text)
      return 0;
    t--;
  }
}

// Does re match a prefix of text?
static int
matchhere(char *re, char *text)
{
  for (;; re++, text++) {
    if (re[0] == 0)
      return 1;
    if (re[1] == '*')
      return matchstar(re[0], re + 2, text);
    if (re[0] == '$' && re[1] == 0)
      return *text == 0;
    if (*text == 0 || (re[0] != '.' && re[0] != *text))
      return 0;
  }
}

// Does re match anywhere in text? Without '^' try every starting point,
// the end of the text included, since a pattern like "x*" matches there.
static int
match(char *re, char *text)
{
  if (re[0] == '^')
    return matchhere(re + 1, text);
  for (;; text++) {
    if (matchhere(re, text))
      return 1;
    if (*text == 0)
      return 0;
  }
}

static void
show(char *re, char *line, char *name)
{
  if (!match(re, line))
    return;
  if (name)
    printf("%s:%s\n", name, line);
  else
    printf("%s\n", line);
}

// Print the matching lines of fd, labelled with name unless it is 0.
// Returns -1 if reading fails. A line longer than the buffer is cut into
// pieces that are matched on their own.
static int
grep(char *re, int fd, char *name)
{
  int n, len = 0, start, i;

  while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
    len += n;
    start = 0;
    for (i = 0; i < len; i++) {
      if (buf[i] == '\n') {
        buf[i] = 0;
        show(re, buf + start, name);
        start = i + 1;
      }
    }
    if (start == 0 && len == sizeof(buf) - 1) {
      buf[len] = 0;
      show(re, buf, name);
      len = 0;
    } else {
      memmove(buf, buf + start, len - start);
      len -= start;
    }
  }
  if (len > 0) {
    buf[len] = 0;
    show(re, buf, name);
  }
  return n;
}

int
main(int argc, char *argv[])
{
  int fd, status = 0;

  if (argc < 2) {
    fprintf(2, "usage: grep PATTERN [FILE...]\n");
    exit(1);
  }
  if (argc == 2) {
    if (grep(argv[1], 0, 0) < 0) {
      fprintf(2, "grep: read error\n");
      exit(1);
    }
    exit(0);
  }
  for (int i = 2; i < argc; i++) {
    if ((fd = open(argv[i], O_RDONLY)) < 0) {
      fprintf(2, "grep: cannot open %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (grep(argv[1], fd, argc > 3 ? argv[i] : 0) < 0) {
      fprintf(2, "grep: cannot read %s\n", argv[i]);
      status = 1;
    }
    close(fd);
  }
  exit(status);
}
