// The console device (major CONSOLE): line-edited keyboard input and
// output, both over the UART.
//
// Input is cooked: characters typed are echoed and collected in a buffer
// where backspace and ^U can still change them. Only when a line is
// finished (newline or ^D, or the buffer is full) does it become readable.
//
//   backspace / DEL   erase the last character
//   ^U                erase the line
//   ^D                end of input: a read returns what it has, or 0
//   ^P                list the processes

#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "dev/dev.h"

#define CTRL(x) ((x) - '@')   // the code the terminal sends for control-x
#define DEL 0x7f

// The input buffer. Indices only grow and are reduced modulo INPUT_SIZE
// when used. [r, w) is finished input that reads may take; [w, e) is the
// line still being edited.
#define INPUT_SIZE 128
static struct {
  struct spinlock lock;  // protects everything here
  char buf[INPUT_SIZE];
  uint r;   // next to read
  uint w;   // end of finished input
  uint e;   // end of the line being edited
} cons;

// Remove the last character on the screen.
static void
echo_erase(void)
{
  uartputc_sync('\b');
  uartputc_sync(' ');
  uartputc_sync('\b');
}

// Copy up to n bytes of the console's input to dst (a user address if
// user_dst), waiting until a line is finished. Returns at most one line:
// the byte count, 0 at end of file (^D at the start of a line), or -1 if
// the process is killed while waiting or dst is bad. Called by a process
// holding no locks.
static int
consoleread(int user_dst, uint64 dst, int n)
{
  // Bytes move to a kernel buffer under the lock and reach dst after it
  // is released, because a copy to user memory may fault a page in and
  // sleep.
  char chunk[INPUT_SIZE];
  int done = 0;
  int line_over = 0;

  while (done < n && !line_over) {
    int m = 0;

    acquire(&cons.lock);
    while (cons.r == cons.w) {
      if (killed(myproc())) {
        release(&cons.lock);
        return -1;
      }
      sleep(&cons.r, &cons.lock);
    }
    while (m < n - done && m < INPUT_SIZE && cons.r != cons.w) {
      char c = cons.buf[cons.r % INPUT_SIZE];
      if (c == CTRL('D')) {
        // Consume the ^D only when it is all this read returns; otherwise
        // leave it so that the next read sees end of file.
        if (done + m == 0)
          cons.r++;
        line_over = 1;
        break;
      }
      cons.r++;
      chunk[m++] = c;
      if (c == '\n') {
        line_over = 1;
        break;
      }
    }
    release(&cons.lock);

    if (either_copyout(user_dst, dst + done, chunk, m) < 0)
      return -1;
    done += m;
  }
  return done;
}

// Write n bytes from src (a user address if user_src) to the console.
// Returns the count written, which is less than n only if src turns out
// to be bad part way or the process is killed (-1 if nothing was
// written). Called by a process holding no locks; may sleep while the
// UART catches up. A killed writer stops within a chunk, whether it
// was waiting for the UART or not: a write may be gigabytes long.
static int
consolewrite(int user_src, uint64 src, int n)
{
  char chunk[64];
  int done = 0;

  int stopped = 0;
  while (done < n && !stopped && !killed(myproc())) {
    int m = n - done;
    if (m > (int)sizeof(chunk))
      m = sizeof(chunk);
    if (either_copyin(chunk, user_src, src + done, m) < 0)
      break;
    for (int i = 0; i < m && !stopped; i++) {
      if (uartputc(chunk[i]) < 0)
        stopped = 1;
      else
        done++;
    }
  }
  return done > 0 || n == 0 ? done : -1;
}

// A character arrived from the UART: edit, echo, and finish lines.
// Called from uartintr with interrupts off and no lock held.
void
consoleintr(int c)
{
  int dump = 0;

  acquire(&cons.lock);
  switch (c) {
  case CTRL('P'):
    dump = 1;
    break;
  case CTRL('U'):
    while (cons.e != cons.w) {
      cons.e--;
      echo_erase();
    }
    break;
  case '\b':
  case DEL:
    if (cons.e != cons.w) {
      cons.e--;
      echo_erase();
    }
    break;
  default:
    if (c == 0 || cons.e - cons.r == INPUT_SIZE)
      break;
    if (c == '\r')
      c = '\n';   // the terminal sends carriage return for Enter
    if (c != CTRL('D'))
      uartputc_sync(c);
    cons.buf[cons.e++ % INPUT_SIZE] = c;
    if (c == '\n' || c == CTRL('D') || cons.e - cons.r == INPUT_SIZE) {
      cons.w = cons.e;
      wakeup(&cons.r);
    }
    break;
  }
  release(&cons.lock);

  // procdump prints a lot and needs no console state: keep the lock short.
  if (dump)
    procdump();
}

// Set up the console: the UART under it, the device switch entries that
// make it a file, and the sink for kernel printf. Called once at boot by
// hart 0, before any process runs or interrupts are on.
void
consoleinit(void)
{
  initlock(&cons.lock, "cons");
  uartinit();
  devsw[CONSOLE].read = consoleread;
  devsw[CONSOLE].write = consolewrite;
  printf_setsink(uartputc_sync);
}
