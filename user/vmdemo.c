// vmdemo: stage the moments of a process's life that docs/pagetables.md
// shows, and print its page table at each with vmprint.
//
// vmdemo runs a subject, a fresh exec of itself ("vmdemo subject R W",
// talking to it over the pipes R and W), and looks at it from outside: at
// each moment the subject tells vmdemo its pid and sleeps in read until
// vmdemo has run `vmprint PID`, so the table is printed as it is, not as
// printing it would change it. The moments, each under a line "== NAME ==":
//
//   after-exec   the subject just after exec: program, guard, stack
//   after-sbrk   after sbrklazy(8 MiB), writes to its first 16 pages in
//                order (fault-around maps more), one write 5 MiB in and
//                one read 3 MiB in
//   fork-parent  the subject after fork, and
//   fork-child   its child, both sleeping before either writes anything
//
// Pipe it through tools/vmsvg.py --split to draw the pictures.
#include "user.h"

#define MIB (1 << 20)
#define PGSIZE 4096

static void
die(const char *what)
{
  fprintf(2, "vmdemo: %s\n", what);
  exit(1);
}

// ---- the subject

static int rfd, wfd;   // from vmdemo, to vmdemo

// Tell vmdemo a moment has come, and sleep until it has looked.
static void
moment(void)
{
  int pid = getpid();
  char c;
  if (write(wfd, &pid, sizeof(pid)) != sizeof(pid) || read(rfd, &c, 1) != 1)
    die("the subject lost its director");
}

static void
subject(void)
{
  moment();   // after-exec

  char *heap = sbrklazy(8 * MIB);
  if (heap == (char *)-1)
    die("sbrklazy failed");
  for (int i = 0; i < 16; i++)
    heap[i * PGSIZE] = 1;
  heap[5 * MIB] = 2;
  if (heap[3 * MIB] != 0)   // a read of a page never written
    die("a fresh lazy page is not zero");
  moment();   // after-sbrk

  int pid = fork();
  if (pid < 0)
    die("fork failed");
  moment();   // fork-parent, fork-child: both say so, both sleep
  if (pid == 0)
    exit(0);
  wait(0);
  exit(0);
}

// ---- the director

static void
fdname(char *s, int fd)
{
  if (fd < 0 || fd > 9)
    die("file descriptors past 9");
  s[0] = '0' + fd;
  s[1] = 0;
}

// Decimal pid into s (room for 12 bytes).
static void
pidname(char *s, int pid)
{
  char tmp[12];
  int n = 0;
  do {
    tmp[n++] = '0' + pid % 10;
    pid /= 10;
  } while (pid > 0);
  while (n > 0)
    *s++ = tmp[--n];
  *s = 0;
}

static void
vmprint(const char *name, int pid)
{
  char arg[12];
  pidname(arg, pid);
  printf("== %s ==\n", name);
  int child = fork();
  if (child < 0)
    die("fork failed");
  if (child == 0) {
    char *argv[] = { "vmprint", arg, 0 };
    exec("/vmprint", argv);
    die("cannot exec /vmprint");
  }
  wait(0);
}

// Wait for the subject (or one of its processes) to reach a moment.
static int
await(int fd)
{
  int pid;
  if (read(fd, &pid, sizeof(pid)) != sizeof(pid))
    die("the subject ended early");
  return pid;
}

int
main(int argc, char *argv[])
{
  if (argc == 4 && strcmp(argv[1], "subject") == 0) {
    rfd = atoi(argv[2]);
    wfd = atoi(argv[3]);
    subject();
  }

  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0)
    die("pipe failed");
  int pid = fork();
  if (pid < 0)
    die("fork failed");
  if (pid == 0) {
    char r[2], w[2];
    fdname(r, down[0]);
    fdname(w, up[1]);
    close(down[1]);
    close(up[0]);
    char *args[] = { "vmdemo", "subject", r, w, 0 };
    exec("/vmdemo", args);
    die("cannot exec /vmdemo");
  }
  close(down[0]);
  close(up[1]);

  vmprint("after-exec", await(up[0]));
  write(down[1], "g", 1);
  vmprint("after-sbrk", await(up[0]));
  write(down[1], "g", 1);
  int a = await(up[0]), b = await(up[0]);
  vmprint("fork-parent", a == pid ? a : b);
  vmprint("fork-child", a == pid ? b : a);
  write(down[1], "gg", 2);
  wait(0);
  exit(0);
}
