// The NS16550A UART of QEMU virt: the console's wire.
//
// Output has two paths. uartputc() is for processes: it queues characters
// in a small ring that the transmit interrupt drains, and sleeps when the
// ring is full, so a process writing a lot does not hold a hart busy.
// uartputc_sync() is for the kernel's own printf and for echo: it waits on
// the hardware directly, so it works with interrupts off and in a panic.
//
// Input arrives only by interrupt: uartintr() hands each received byte to
// the console, which does the line editing.

#include "abi/types.h"
#include "arch/riscv/memlayout.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "proc/proc.h"
#include "dev/dev.h"

// Register offsets from UART0 (one byte each). Two offsets name different
// registers for reading and writing, and with LCR_DLAB set offsets 0 and 1
// reach the baud-rate divisor latch instead.
#define RHR 0   // receive holding register (read)
#define THR 0   // transmit holding register (write)
#define DLL 0   // divisor latch, low byte (DLAB = 1)
#define IER 1   // interrupt enable
#define DLM 1   // divisor latch, high byte (DLAB = 1)
#define ISR 2   // interrupt status (read)
#define FCR 2   // FIFO control (write)
#define LCR 3   // line control
#define LSR 5   // line status

#define IER_RX_ENABLE   (1 << 0)  // interrupt when a byte has arrived
#define IER_TX_ENABLE   (1 << 1)  // interrupt when the transmitter can take more
#define FCR_FIFO_ENABLE (1 << 0)
#define FCR_RX_RESET    (1 << 1)
#define FCR_TX_RESET    (1 << 2)
#define LCR_8N1         0x03      // 8 data bits, no parity, 1 stop bit
#define LCR_DLAB        (1 << 7)  // offsets 0 and 1 select the divisor
#define LSR_RX_READY    (1 << 0)  // a received byte waits in RHR
#define LSR_TX_EMPTY    (1 << 5)  // THR can take another byte

// The chip divides its 1.8432 MHz clock by 16 * divisor: 3 gives 38400
// baud. QEMU ignores the rate, but a real 16550 needs a sane one.
#define BAUD_DIVISOR 3

static inline uchar
uart_read(int reg)
{
  return *(volatile uchar *)P2V(UART0 + reg);
}

static inline void
uart_write(int reg, uchar v)
{
  *(volatile uchar *)P2V(UART0 + reg) = v;
}

// The transmit ring. tx_w counts characters ever queued and tx_r
// characters ever handed to the chip; both only grow, so the ring is
// empty when they are equal and full when they differ by TX_SIZE.
#define TX_SIZE 32
static struct spinlock tx_lock;  // protects tx_buf, tx_w, tx_r and THR writes
static char tx_buf[TX_SIZE];
static uint64 tx_w;
static uint64 tx_r;

// Program the chip for 8N1 at 38400 baud with FIFOs on and both
// interrupts enabled. Called once, by consoleinit, before interrupts are on.
void
uartinit(void)
{
  // Quiet the chip while it is reprogrammed.
  uart_write(IER, 0x00);

  uart_write(LCR, LCR_DLAB);
  uart_write(DLL, BAUD_DIVISOR & 0xff);
  uart_write(DLM, BAUD_DIVISOR >> 8);
  uart_write(LCR, LCR_8N1);   // also clears DLAB

  uart_write(FCR, FCR_FIFO_ENABLE | FCR_RX_RESET | FCR_TX_RESET);
  uart_write(IER, IER_RX_ENABLE | IER_TX_ENABLE);

  initlock(&tx_lock, "uart");
}

// Move queued characters to the chip for as long as it will take them,
// and wake writers waiting for room. When THR is busy, stop: the chip
// interrupts when it empties and uartintr calls here again.
// Caller holds tx_lock.
static void
uartstart(void)
{
  // After a panic only the panicking hart may write, through uartputc_sync.
  if (panicked)
    return;

  while (tx_r != tx_w) {
    if ((uart_read(LSR) & LSR_TX_EMPTY) == 0)
      return;
    int c = tx_buf[tx_r % TX_SIZE];
    tx_r++;
    wakeup(&tx_r);
    uart_write(THR, c);
  }
}

// Queue c for output and start the transmitter, and return 0. Sleeps
// while the ring is full, so only a process may call it, holding no spin
// lock; a process killed meanwhile gets -1 at once, c unqueued, so that
// kill stops a writer however much it still meant to write. Once a hart
// has panicked this never returns: the panic message must not be mixed
// with other output.
int
uartputc(int c)
{
  acquire(&tx_lock);
  if (panicked) {
    for (;;)
      ;
  }
  while (tx_w == tx_r + TX_SIZE) {
    if (killed(myproc())) {
      release(&tx_lock);
      return -1;
    }
    sleep(&tx_r, &tx_lock);
  }
  tx_buf[tx_w % TX_SIZE] = c;
  tx_w++;
  uartstart();
  release(&tx_lock);
  return 0;
}

// Write c to the chip now, busy-waiting until it can take it. Needs no
// lock and never sleeps, so it serves printf from any context, including
// the panicking hart. Interrupts are off meanwhile so that this hart's
// uartintr cannot fill THR between the wait and the write.
void
uartputc_sync(int c)
{
  push_off();
  while ((uart_read(LSR) & LSR_TX_EMPTY) == 0)
    ;
  uart_write(THR, c);
  pop_off();
}

// The UART interrupted: deliver every received byte to the console and
// keep the transmitter busy. Called from the trap handler with interrupts
// off and no lock held.
void
uartintr(void)
{
  // Reading ISR retires a pending "transmitter empty" interrupt. Without
  // it, a chip with nothing more to send would keep its (level-triggered)
  // interrupt line raised forever.
  (void)uart_read(ISR);

  while (uart_read(LSR) & LSR_RX_READY)
    consoleintr(uart_read(RHR));

  acquire(&tx_lock);
  uartstart();
  release(&tx_lock);
}
