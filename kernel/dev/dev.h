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

// virtio_disk.c: disk 0 holds the file system, disk 1 is the swap device
void virtio_disk_init(void);     // probe the virtio-mmio slots
int virtio_disk_count(void);     // disks found
uint64 virtio_disk_bytes(int n); // disk n's size, 0 if absent
// Sleeps until done; 0, or -1 on an error or outside the disk.
int virtio_disk_io(int n, uint64 sector, void *data, uint32 len, int write);
void virtio_disk_rw(struct buf *b, int write);  // a block of disk 0
void virtio_disk_intr(int slot);
int virtio_disk_in_slot(int slot);  // a disk this driver serves is in slot

#endif
