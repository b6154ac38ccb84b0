// Driver for the virtio block device in QEMU virt's first virtio-mmio
// slot, using the modern (virtio 1.x, MMIO version 2) interface.
//
// The driver and the device share one split virtqueue, three arrays in
// RAM that both sides read and write:
//   descriptor table  each entry points at one buffer; entries chain
//                     together into one request
//   available ring    the driver puts the head of each new chain here
//   used ring         the device puts the head of each finished chain here
// A block request is a chain of three descriptors: a header saying what to
// do, the block's data, and one status byte the device writes at the end.
//
// One request at a time per buffer: the caller (the buffer cache) holds the
// buf's sleep lock, and virtio_disk_rw sleeps until the interrupt handler
// marks the request finished.

#include "abi/types.h"
#include "abi/fs.h"
#include "arch/riscv/memlayout.h"
#include "lib/lib.h"
#include "lib/spinlock.h"
#include "mm/mm.h"
#include "proc/proc.h"
#include "fs/buf.h"
#include "dev/dev.h"

// ---- virtio-mmio registers (virtio 1.x spec, 4.2.2), 32 bits each,
// as offsets from VIRTIO0.
#define MMIO_MAGIC_VALUE        0x000  // reads "virt"
#define MMIO_VERSION            0x004  // 2 for the modern interface
#define MMIO_DEVICE_ID          0x008  // 2 = block device, 0 = empty slot
#define MMIO_VENDOR_ID          0x00c
#define MMIO_DEVICE_FEATURES    0x010  // word DEVICE_FEATURES_SEL of the offered bits
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES    0x020  // word DRIVER_FEATURES_SEL of the accepted bits
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL          0x030  // the queue the QUEUE_* registers describe
#define MMIO_QUEUE_NUM_MAX      0x034  // largest size the device allows
#define MMIO_QUEUE_NUM          0x038  // size the driver chose
#define MMIO_QUEUE_READY        0x044
#define MMIO_QUEUE_NOTIFY       0x050  // write a queue number: it has new requests
#define MMIO_INTERRUPT_STATUS   0x060
#define MMIO_INTERRUPT_ACK      0x064
#define MMIO_STATUS             0x070
#define MMIO_QUEUE_DESC_LOW     0x080  // descriptor table address
#define MMIO_QUEUE_DESC_HIGH    0x084
#define MMIO_QUEUE_DRIVER_LOW   0x090  // available ring address
#define MMIO_QUEUE_DRIVER_HIGH  0x094
#define MMIO_QUEUE_DEVICE_LOW   0x0a0  // used ring address
#define MMIO_QUEUE_DEVICE_HIGH  0x0a4

#define VIRTIO_MAGIC     0x74726976   // "virt", little-endian
#define VIRTIO_VENDOR_QEMU 0x554d4551 // "QEMU", little-endian
#define VIRTIO_ID_BLOCK  2

// Device status bits (spec 2.1): the driver sets them one by one as it
// brings the device up.
#define STATUS_ACKNOWLEDGE 1   // the driver has seen the device
#define STATUS_DRIVER      2   // and knows how to drive it
#define STATUS_DRIVER_OK   4   // the device may be used
#define STATUS_FEATURES_OK 8   // feature negotiation is over

// The one feature bit the driver accepts (spec 6): it is a virtio 1.x
// driver. Everything else the block device may offer is left unaccepted,
// among them read-only (5), SCSI (7), flush (9), config-wce (11),
// multiqueue (12), any-layout (27), indirect descriptors (28) and event
// index (29). The driver uses none of them. Leaving flush and config-wce
// out also matters: a device offered neither is expected to write through
// rather than cache writes (QEMU does), and the log depends on a finished
// write being on the disk.
#define VIRTIO_F_VERSION_1 32

// Bits of INTERRUPT_STATUS: the used ring changed; the configuration changed.
#define INTERRUPT_USED_RING 1
#define INTERRUPT_CONFIG    2

// ---- the split virtqueue (spec 2.7). Each part sits in its own page,
// which more than meets the alignment the spec asks (16, 2 and 4 bytes).
#define NUM 8   // descriptors; a power of two, as split queues require

struct virtq_desc {
  uint64 addr;    // physical address of the buffer
  uint32 len;
  uint16 flags;
  uint16 next;    // the following descriptor, if flags has DESC_NEXT
};
#define DESC_NEXT  1   // the chain continues at next
#define DESC_WRITE 2   // the device writes this buffer (else it reads it)

struct virtq_avail {
  uint16 flags;       // 0: do interrupt when requests finish
  uint16 idx;         // where the driver will put the next entry (mod NUM)
  uint16 ring[NUM];   // heads of chains
  uint16 used_event;  // unused: event index is not negotiated
};

struct virtq_used_elem {
  uint32 id;    // head of the finished chain
  uint32 len;   // bytes the device wrote
};

struct virtq_used {
  uint16 flags;
  uint16 idx;   // where the device will put the next entry (mod NUM)
  struct virtq_used_elem ring[NUM];
  uint16 avail_event;
};

_Static_assert(sizeof(struct virtq_desc) * NUM <= PGSIZE, "descriptor table fits a page");
_Static_assert(sizeof(struct virtq_avail) <= PGSIZE, "available ring fits a page");
_Static_assert(sizeof(struct virtq_used) <= PGSIZE, "used ring fits a page");

// ---- block requests (spec 5.2.6)
#define BLK_T_IN  0   // read from the disk
#define BLK_T_OUT 1   // write to the disk
#define BLK_S_OK  0   // status byte of a request that succeeded
#define SECTOR_SIZE 512

struct virtio_blk_req {
  uint32 type;
  uint32 reserved;
  uint64 sector;
};

static struct {
  struct spinlock lock;   // protects everything here and the queue

  struct virtq_desc *desc;
  struct virtq_avail *avail;
  volatile struct virtq_used *used;   // the device writes it behind our back

  char free[NUM];     // descriptor i is not in a chain
  uint16 used_idx;    // used-ring entries handled so far (mod 2^16, like idx)

  // Per request, indexed by the head descriptor of its chain. The header
  // and status byte live here, in kernel memory at their physical address,
  // where the device reads and writes them.
  struct {
    struct buf *b;
    uchar status;
  } info[NUM];
  struct virtio_blk_req req[NUM];
} disk;

static inline uint32
reg_read(int off)
{
  return *(volatile uint32 *)P2V(VIRTIO0 + off);
}

static inline void
reg_write(int off, uint32 v)
{
  *(volatile uint32 *)P2V(VIRTIO0 + off) = v;
}

// Tell the device where one part of the queue lives: two 32-bit halves.
static void
reg_write64(int lowoff, int highoff, uint64 v)
{
  reg_write(lowoff, (uint32)v);
  reg_write(highoff, (uint32)(v >> 32));
}

// Find the disk, negotiate features and hand it the request queue
// (spec 3.1.1 and 4.2.3). Panics if the device is not a modern virtio
// block device it can drive. Called once at boot by hart 0, before
// interrupts are on.
void
virtio_disk_init(void)
{
  initlock(&disk.lock, "virtio_disk");

  if (reg_read(MMIO_MAGIC_VALUE) != VIRTIO_MAGIC ||
      reg_read(MMIO_VERSION) != 2 ||
      reg_read(MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK ||
      reg_read(MMIO_VENDOR_ID) != VIRTIO_VENDOR_QEMU)
    panic("virtio_disk_init: no modern virtio disk at VIRTIO0");

  // Reset, and wait until the device says the reset is complete.
  reg_write(MMIO_STATUS, 0);
  while (reg_read(MMIO_STATUS) != 0)
    ;
  uint32 status = STATUS_ACKNOWLEDGE;
  reg_write(MMIO_STATUS, status);
  status |= STATUS_DRIVER;
  reg_write(MMIO_STATUS, status);

  // Features come in 32-bit words chosen by the selector registers;
  // VERSION_1 is bit 0 of word 1.
  reg_write(MMIO_DEVICE_FEATURES_SEL, 1);
  if ((reg_read(MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32))) == 0)
    panic("virtio_disk_init: device does not offer VERSION_1");
  reg_write(MMIO_DRIVER_FEATURES_SEL, 0);
  reg_write(MMIO_DRIVER_FEATURES, 0);
  reg_write(MMIO_DRIVER_FEATURES_SEL, 1);
  reg_write(MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));

  // The device may refuse the subset: it then leaves FEATURES_OK clear.
  status |= STATUS_FEATURES_OK;
  reg_write(MMIO_STATUS, status);
  if ((reg_read(MMIO_STATUS) & STATUS_FEATURES_OK) == 0)
    panic("virtio_disk_init: features refused");

  reg_write(MMIO_QUEUE_SEL, 0);
  if (reg_read(MMIO_QUEUE_READY) != 0)
    panic("virtio_disk_init: queue 0 already in use");
  uint32 max = reg_read(MMIO_QUEUE_NUM_MAX);
  if (max == 0)
    panic("virtio_disk_init: no queue 0");
  if (max < NUM)
    panic("virtio_disk_init: queue 0 too short");

  disk.desc = kalloc();
  disk.avail = kalloc();
  disk.used = kalloc();
  if (disk.desc == 0 || disk.avail == 0 || disk.used == 0)
    panic("virtio_disk_init: kalloc");

  reg_write(MMIO_QUEUE_NUM, NUM);
  reg_write64(MMIO_QUEUE_DESC_LOW, MMIO_QUEUE_DESC_HIGH, V2P(disk.desc));
  reg_write64(MMIO_QUEUE_DRIVER_LOW, MMIO_QUEUE_DRIVER_HIGH, V2P(disk.avail));
  reg_write64(MMIO_QUEUE_DEVICE_LOW, MMIO_QUEUE_DEVICE_HIGH, V2P(disk.used));
  reg_write(MMIO_QUEUE_READY, 1);

  for (int i = 0; i < NUM; i++)
    disk.free[i] = 1;

  status |= STATUS_DRIVER_OK;
  reg_write(MMIO_STATUS, status);
}

// Take a free descriptor and return its index, or -1 if all are in use.
// Caller holds disk.lock.
static int
alloc_desc(void)
{
  for (int i = 0; i < NUM; i++) {
    if (disk.free[i]) {
      disk.free[i] = 0;
      return i;
    }
  }
  return -1;
}

// Return descriptor i to the free set and wake anyone waiting for one.
// Caller holds disk.lock.
static void
free_desc(int i)
{
  if (i < 0 || i >= NUM)
    panic("virtio_disk: free_desc index");
  if (disk.free[i])
    panic("virtio_disk: free_desc of a free descriptor");
  disk.desc[i].addr = 0;
  disk.desc[i].len = 0;
  disk.desc[i].flags = 0;
  disk.desc[i].next = 0;
  disk.free[i] = 1;
  wakeup(&disk.free[0]);
}

// Free the chain of descriptors that starts at head.
// Caller holds disk.lock.
static void
free_chain(int head)
{
  int i = head;
  for (;;) {
    int flags = disk.desc[i].flags;
    int next = disk.desc[i].next;
    free_desc(i);
    if ((flags & DESC_NEXT) == 0)
      break;
    i = next;
  }
}

// Take three free descriptors, all or none. Returns 0 with their indices
// in idx, or -1 if there are not three free. Caller holds disk.lock.
static int
alloc3_desc(int idx[3])
{
  for (int i = 0; i < 3; i++) {
    idx[i] = alloc_desc();
    if (idx[i] < 0) {
      for (int j = 0; j < i; j++)
        free_desc(idx[j]);
      return -1;
    }
  }
  return 0;
}

// Read block b->blockno into b->data (write == 0), or write b->data to
// it (write != 0), and return when the device has finished. Sleeps, so
// the caller must be a process; it holds b's sleep lock and no spin lock.
void
virtio_disk_rw(struct buf *b, int write)
{
  uint64 sector = (uint64)b->blockno * (BSIZE / SECTOR_SIZE);
  int idx[3];

  acquire(&disk.lock);

  while (alloc3_desc(idx) < 0)
    sleep(&disk.free[0], &disk.lock);

  struct virtio_blk_req *req = &disk.req[idx[0]];
  req->type = write ? BLK_T_OUT : BLK_T_IN;
  req->reserved = 0;
  req->sector = sector;

  disk.desc[idx[0]].addr = V2P(req);
  disk.desc[idx[0]].len = sizeof(*req);
  disk.desc[idx[0]].flags = DESC_NEXT;
  disk.desc[idx[0]].next = idx[1];

  disk.desc[idx[1]].addr = V2P(b->data);
  disk.desc[idx[1]].len = BSIZE;
  disk.desc[idx[1]].flags = DESC_NEXT | (write ? 0 : DESC_WRITE);
  disk.desc[idx[1]].next = idx[2];

  // A value the device never writes, so a request that ends without a
  // status is caught as an error.
  disk.info[idx[0]].status = 0xff;
  disk.desc[idx[2]].addr = V2P(&disk.info[idx[0]].status);
  disk.desc[idx[2]].len = 1;
  disk.desc[idx[2]].flags = DESC_WRITE;
  disk.desc[idx[2]].next = 0;

  disk.info[idx[0]].b = b;
  b->disk = 1;

  // The device may look at the queue at any time. It must see the chain
  // and the ring entry before the index that makes the entry visible,
  // and the new index before the notification.
  disk.avail->ring[disk.avail->idx % NUM] = idx[0];
  __sync_synchronize();
  disk.avail->idx += 1;
  __sync_synchronize();
  reg_write(MMIO_QUEUE_NOTIFY, 0);

  while (b->disk == 1)
    sleep(b, &disk.lock);

  release(&disk.lock);
}

// The disk interrupted: some requests have finished. Acknowledge, then
// complete every request the used ring reports: check its status, give
// its descriptors back and wake its waiter. Called from the trap handler
// with interrupts off and no lock held.
void
virtio_disk_intr(void)
{
  acquire(&disk.lock);

  // Acknowledge first: a request that finishes after the ring has been
  // scanned below then raises a fresh interrupt instead of being missed.
  reg_write(MMIO_INTERRUPT_ACK,
            reg_read(MMIO_INTERRUPT_STATUS) & (INTERRUPT_USED_RING | INTERRUPT_CONFIG));

  // Read the index before the entries it covers: the device wrote the
  // entries first.
  __sync_synchronize();
  while (disk.used_idx != disk.used->idx) {
    __sync_synchronize();
    int id = disk.used->ring[disk.used_idx % NUM].id;

    if (id < 0 || id >= NUM || disk.info[id].b == 0)
      panic("virtio_disk_intr: used ring names no request");
    if (disk.info[id].status != BLK_S_OK)
      panic("virtio_disk_intr: disk I/O error");

    struct buf *b = disk.info[id].b;
    disk.info[id].b = 0;
    free_chain(id);
    b->disk = 0;
    wakeup(b);

    disk.used_idx += 1;
  }

  release(&disk.lock);
}
