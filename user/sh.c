// The shell. It reads a line, parses it into a small tree and runs the tree.
//
//   list      = pipeline { (';' | '&') pipeline }
//   pipeline  = command [ '|' pipeline ]
//   command   = { word | '<' word | '>' word }
//
// There is no quoting: a word is any run of characters other than blanks
// and the five symbols. A line longer than MAXLINE is read as several.
#include "user.h"

#define MAXLINE 256

// Tree nodes. An EXEC is one program with its redirections; a PIPE joins
// two stages; a LIST runs its parts one after the other; a BACK runs its
// job without the shell waiting.
enum { EXEC, PIPE, LIST, BACK };

struct cmd {
  int kind;
  char **argv;          // EXEC: null-terminated arguments
  char *in, *out;       // EXEC: files for fd 0 and fd 1, or 0
  struct cmd *left;     // PIPE, LIST: first part; BACK: the job
  struct cmd *right;    // PIPE, LIST: the rest
};

// Tokens: WORD, END, or the symbol character itself.
enum { END = 0, WORD = 'w' };

struct token {
  int kind;
  char *word;           // WORD: the text, NUL-terminated, in words[]
};

// Everything a parsed line needs lives in these pools, refilled for each
// line, so nothing is ever freed. Their sizes follow from the line length:
// every token takes at least one character of the line, a word's copy
// needs no more room than the word and the character that ends it, and
// each node or argv slot is made while consuming a token (an '&' makes two
// nodes, and each command's terminating argv slot is paid for by the
// separator or end that follows it).
static char words[MAXLINE];
static struct token toks[MAXLINE + 1];
static struct cmd nodes[2 * MAXLINE];
static char *args[MAXLINE + 1];
static int pos, nnode, narg;

static int
isblank(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
issymbol(char c)
{
  return c != 0 && strchr("<>|;&", c) != 0;
}

// Split s into toks[], copying words into words[] so that a word followed
// directly by a symbol ("ls>out") can be terminated without losing it.
static void
lex(char *s)
{
  char *w = words;
  int n = 0;

  for (;;) {
    while (isblank(*s))
      s++;
    if (*s == 0)
      break;
    if (issymbol(*s)) {
      toks[n++].kind = *s++;
      continue;
    }
    toks[n].kind = WORD;
    toks[n++].word = w;
    while (*s != 0 && !isblank(*s) && !issymbol(*s))
      *w++ = *s++;
    *w++ = 0;
  }
  toks[n].kind = END;
}

static struct cmd *
node(int kind, struct cmd *left, struct cmd *right)
{
  struct cmd *c = &nodes[nnode++];

  memset(c, 0, sizeof(*c));
  c->kind = kind;
  c->left = left;
  c->right = right;
  return c;
}

static struct cmd *
fail(char *msg)
{
  fprintf(2, "sh: %s\n", msg);
  return 0;
}

static struct cmd *
parsecommand(void)
{
  struct cmd *c = node(EXEC, 0, 0);
  int argc = 0, k;

  c->argv = &args[narg];
  for (;;) {
    k = toks[pos].kind;
    if (k == WORD) {
      if (argc == MAXARG)
        return fail("too many arguments");
      args[narg++] = toks[pos++].word;
      argc++;
    } else if (k == '<' || k == '>') {
      if (toks[++pos].kind != WORD)
        return fail("missing file name");
      if (k == '<')
        c->in = toks[pos++].word;
      else
        c->out = toks[pos++].word;
    } else
      break;
  }
  args[narg++] = 0;
  if (argc == 0 && !c->in && !c->out)
    return fail("syntax error");
  return c;
}

static struct cmd *
parsepipeline(void)
{
  struct cmd *c, *rest;

  if ((c = parsecommand()) == 0 || toks[pos].kind != '|')
    return c;
  pos++;
  if ((rest = parsepipeline()) == 0)
    return 0;
  return node(PIPE, c, rest);
}

// A command stops only at '|', ';', '&' or the end, and a pipeline
// consumes the '|', so a list sees only the last three.
static struct cmd *
parselist(void)
{
  struct cmd *c, *rest;

  if ((c = parsepipeline()) == 0 || toks[pos].kind == END)
    return c;
  if (toks[pos].kind == '&')
    c = node(BACK, c, 0);
  pos++;
  if (toks[pos].kind == END)
    return c;
  if ((rest = parselist()) == 0)
    return 0;
  return node(LIST, c, rest);
}

// The tree for line, or 0 if it is empty or wrong (wrong says why).
static struct cmd *
parse(char *line)
{
  lex(line);
  pos = nnode = narg = 0;
  if (toks[0].kind == END)
    return 0;
  return parselist();
}

static int
forkorfail(void)
{
  int pid = fork();

  if (pid < 0)
    fprintf(2, "sh: fork failed\n");
  return pid;
}

// Wait for child pid and return its exit status. Other children may end
// first; they are reaped on the way.
static int
waitfor(int pid)
{
  int w, status = -1;

  while ((w = wait(&status)) >= 0 && w != pid)
    ;
  return status;
}

// cd and exit act on the shell process itself, so they cannot be programs.
// In a pipeline or background job they run in a child and affect only it.
static int
builtin(struct cmd *c)
{
  char *dir;

  if (c->argv[0] == 0)
    return 0;
  if (strcmp(c->argv[0], "cd") == 0) {
    dir = c->argv[1] ? c->argv[1] : "/";
    if (chdir(dir) < 0)
      fprintf(2, "cd: cannot cd %s\n", dir);
    return 1;
  }
  if (strcmp(c->argv[0], "exit") == 0)
    exit(c->argv[1] ? atoi(c->argv[1]) : 0);
  return 0;
}

// Make path the file behind fd. The open takes the lowest free fd, which
// is fd itself once closed, as 0, 1 and 2 are always open here.
static void
redirect(int fd, char *path, int flags)
{
  close(fd);
  if (open(path, flags) != fd) {
    fprintf(2, "sh: cannot open %s\n", path);
    exit(1);
  }
}

// Run an EXEC or PIPE in the current process, which is a child of the
// shell, and exit with its status.
static void __attribute__((noreturn))
runcmd(struct cmd *c)
{
  int p[2], left, right, w, st, status = 0;

  if (c->kind == EXEC) {
    if (c->in)
      redirect(0, c->in, O_RDONLY);
    if (c->out)
      redirect(1, c->out, O_WRONLY | O_CREATE | O_TRUNC);
    if (c->argv[0] == 0 || builtin(c))
      exit(0);
    exec(c->argv[0], c->argv);
    // The programs live in the root directory: a bare name not found
    // from the current directory is looked up there, so that commands
    // keep working after cd.
    if (strchr(c->argv[0], '/') == 0 && strlen(c->argv[0]) < 64) {
      char path[66] = "/";
      strcpy(path + 1, c->argv[0]);
      exec(path, c->argv);
    }
    fprintf(2, "exec %s failed\n", c->argv[0]);
    exit(1);
  }

  // PIPE: each stage gets one end of the pipe as fd 1 or fd 0 and closes
  // both originals, so no stage keeps a pipe end it does not use; a reader
  // would otherwise never see end of file.
  if (pipe(p) < 0) {
    fprintf(2, "sh: pipe failed\n");
    exit(1);
  }
  if ((left = forkorfail()) < 0)
    exit(1);
  if (left == 0) {
    close(1);
    dup(p[1]);
    close(p[0]);
    close(p[1]);
    runcmd(c->left);
  }
  if ((right = forkorfail()) < 0)
    exit(1);
  if (right == 0) {
    close(0);
    dup(p[0]);
    close(p[0]);
    close(p[1]);
    runcmd(c->right);
  }
  close(p[0]);
  close(p[1]);
  // A pipeline's status is its last stage's.
  for (int n = 0; n < 2; n++) {
    w = wait(&st);
    if (w == right)
      status = st;
  }
  exit(status);
}

// Run a parsed line in the shell process.
static void
runlist(struct cmd *c)
{
  int pid;

  switch (c->kind) {
  case LIST:
    runlist(c->left);
    runlist(c->right);
    break;
  case BACK:
    // Fork twice and let the middle process exit at once: the job is
    // then an orphan, and init, not the shell, reaps it when it ends.
    // The shell cannot do that itself without a wait that does not block.
    if ((pid = forkorfail()) < 0)
      break;
    if (pid == 0) {
      pid = forkorfail();
      if (pid == 0)
        runcmd(c->left);
      exit(pid < 0);
    }
    waitfor(pid);
    break;
  default:
    if (c->kind == EXEC && builtin(c))
      break;
    if ((pid = forkorfail()) == 0)
      runcmd(c);
    if (pid > 0)
      waitfor(pid);
    break;
  }
}

int
main(void)
{
  static char line[MAXLINE];
  struct cmd *c;

  for (;;) {
    // The prompt goes to fd 2 so that "sh < script > out" leaves out clean.
    fprintf(2, "$ ");
    gets(line, sizeof(line));
    if (line[0] == 0)
      break;
    if ((c = parse(line)) != 0)
      runlist(c);
  }
  exit(0);
}
