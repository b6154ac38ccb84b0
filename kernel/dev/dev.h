// kernel/dev: console, UART, virtio disk.
#ifndef LAZULI_DEV_H
#define LAZULI_DEV_H

#include "abi/types.h"

struct buf;

// console.c
void consoleinit(void);          // UART, devsw[CONSOLE], printf's sink
void consoleintr(int c);         // a character arrived from the UART

// uart.c
void uartinit(void);
void uartintr(void);
int uartputc(int c);             // may sleep while the transmit buffer is full;
                                 // -1 if the caller is killed meanwhile
void uartputc_sync(int c);       // spins; for printf and echo

// virtio_disk.c
void virtio_disk_init(void);
void virtio_disk_rw(struct buf *b, int write);  // sleeps until done
void virtio_disk_intr(void);

#endif
