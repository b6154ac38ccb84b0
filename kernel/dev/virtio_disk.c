// Driver for the virtio block devices in QEMU virt's virtio-mmio slots,
// using the modern (virtio 1.x, MMIO version 2) interface.
//
// virtio_disk_init probes the eight slots (one every 0x1000 from VIRTIO0,
// PLIC source VIRTIO0_IRQ + slot) and numbers the block devices it finds
// in slot order: disk 0 holds the file system, disk 1 (if there is one)
// is the swap device (swapdev.c).
//
// Each disk shares one split virtqueue with the driver, three arrays in
// RAM that both sides read and write:
//   descriptor table  each entry points at one buffer; entries chain
//                     together into one request
//   available ring    the driver puts the head of each new chain here
//   used ring         the device puts the head of each finished chain here
// A block request is a chain of three descriptors: a header saying what to
// do, the data, and one status byte the device writes at the end. A queue
// of NUM descriptors has up to NUM / 3 requests in flight; the device may
// finish them in any order. The interrupt handler only marks a request
// done and wakes its waiter; the waiter checks the status and frees the
// chain, so a head is never reused before its waiter has looked at it.

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
// as offsets from a slot's base.
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
#define MMIO_CONFIG_GENERATION  0x0fc  // changes whenever the device changes its config
#define MMIO_CONFIG             0x100  // the device's configuration space

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
#define NUM 32   // descriptors; a power of two, as split queues require

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

struct disk {
  struct spinlock lock;   // protects everything here and the queue
  uint64 base;            // the slot's registers (physical address)
  int slot;
  uint64 sectors;         // capacity, in SECTOR_SIZE units

  struct virtq_desc *desc;
  struct virtq_avail *avail;
  volatile struct virtq_used *used;   // the device writes it behind our back

  char free[NUM];     // descriptor i is not in a chain
  uint16 used_idx;    // used-ring entries handled so far (mod 2^16, like idx)

  // Per request, indexed by the head descriptor of its chain. The header
  // and status byte live here, in kernel memory; the descriptors give the
  // device their physical addresses (V2P).
  struct {
    char busy;        // submitted, its waiter not yet back
    char done;        // the device has finished it
    uchar status;
  } info[NUM];
  struct virtio_blk_req req[NUM];
};

static struct disk disks[VIRTIO_NSLOT];
static int ndisks;                         // found at boot, in slot order
static struct disk *slot_disk[VIRTIO_NSLOT]; // the disk in each slot, or 0

static inline uint32
reg_read(struct disk *d, int off)
{
  return *(volatile uint32 *)P2V(d->base + off);
}

static inline void
reg_write(struct disk *d, int off, uint32 v)
{
  *(volatile uint32 *)P2V(d->base + off) = v;
}

// Tell the device where one part of the queue lives: two 32-bit halves.
static void
reg_write64(struct disk *d, int lowoff, int highoff, uint64 v)
{
  reg_write(d, lowoff, (uint32)v);
  reg_write(d, highoff, (uint32)(v >> 32));
}

// The block device's capacity in sectors: the first 64 bits of its
// configuration space (spec 5.2.4), read as two halves. The generation
// counter tells whether the device changed it between the two reads.
static uint64
read_capacity(struct disk *d)
{
  for (;;) {
    uint32 gen = reg_read(d, MMIO_CONFIG_GENERATION);
    uint64 lo = reg_read(d, MMIO_CONFIG);
    uint64 hi = reg_read(d, MMIO_CONFIG + 4);
    if (reg_read(d, MMIO_CONFIG_GENERATION) == gen)
      return lo | (hi << 32);
  }
}

// Is a modern virtio block device in slot? Empty slots read device id 0.
static int
is_block_device(uint64 base)
{
  volatile uint32 *r = P2V(base);
  return r[MMIO_MAGIC_VALUE / 4] == VIRTIO_MAGIC &&
         r[MMIO_VERSION / 4] == 2 &&
         r[MMIO_DEVICE_ID / 4] == VIRTIO_ID_BLOCK &&
         r[MMIO_VENDOR_ID / 4] == VIRTIO_VENDOR_QEMU;
}

// Negotiate features with the block device d and hand it the request
// queue (spec 3.1.1 and 4.2.3). Panics if it is not a device this driver
// can drive.
static void
disk_start(struct disk *d)
{
  initlock(&d->lock, "virtio_disk");

  // Reset, and wait until the device says the reset is complete.
  reg_write(d, MMIO_STATUS, 0);
  while (reg_read(d, MMIO_STATUS) != 0)
    ;
  uint32 status = STATUS_ACKNOWLEDGE;
  reg_write(d, MMIO_STATUS, status);
  status |= STATUS_DRIVER;
  reg_write(d, MMIO_STATUS, status);

  // Features come in 32-bit words chosen by the selector registers;
  // VERSION_1 is bit 0 of word 1.
  reg_write(d, MMIO_DEVICE_FEATURES_SEL, 1);
  if ((reg_read(d, MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32))) == 0)
    panic("virtio_disk_init: device does not offer VERSION_1");
  reg_write(d, MMIO_DRIVER_FEATURES_SEL, 0);
  reg_write(d, MMIO_DRIVER_FEATURES, 0);
  reg_write(d, MMIO_DRIVER_FEATURES_SEL, 1);
  reg_write(d, MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));

  // The device may refuse the subset: it then leaves FEATURES_OK clear.
  status |= STATUS_FEATURES_OK;
  reg_write(d, MMIO_STATUS, status);
  if ((reg_read(d, MMIO_STATUS) & STATUS_FEATURES_OK) == 0)
    panic("virtio_disk_init: features refused");

  reg_write(d, MMIO_QUEUE_SEL, 0);
  if (reg_read(d, MMIO_QUEUE_READY) != 0)
    panic("virtio_disk_init: queue 0 already in use");
  uint32 max = reg_read(d, MMIO_QUEUE_NUM_MAX);
  if (max == 0)
    panic("virtio_disk_init: no queue 0");
  if (max < NUM)
    panic("virtio_disk_init: queue 0 too short");

  d->desc = kalloc();
  d->avail = kalloc();
  d->used = kalloc();
  if (d->desc == 0 || d->avail == 0 || d->used == 0)
    panic("virtio_disk_init: kalloc");

  reg_write(d, MMIO_QUEUE_NUM, NUM);
  reg_write64(d, MMIO_QUEUE_DESC_LOW, MMIO_QUEUE_DESC_HIGH, V2P(d->desc));
  reg_write64(d, MMIO_QUEUE_DRIVER_LOW, MMIO_QUEUE_DRIVER_HIGH, V2P(d->avail));
  reg_write64(d, MMIO_QUEUE_DEVICE_LOW, MMIO_QUEUE_DEVICE_HIGH, V2P(d->used));
  reg_write(d, MMIO_QUEUE_READY, 1);

  for (int i = 0; i < NUM; i++)
    d->free[i] = 1;
  d->sectors = read_capacity(d);

  status |= STATUS_DRIVER_OK;
  reg_write(d, MMIO_STATUS, status);
}

// Find every virtio block device and bring it up, numbering them in slot
// order. Panics if there is none: disk 0 holds the file system. Called
// once at boot by hart 0, before interrupts are on.
void
virtio_disk_init(void)
{
  for (int slot = 0; slot < VIRTIO_NSLOT; slot++) {
    uint64 base = VIRTIO_SLOT(slot);
    if (!is_block_device(base))
      continue;
    struct disk *d = &disks[ndisks++];
    d->base = base;
    d->slot = slot;
    disk_start(d);
    slot_disk[slot] = d;
  }
  if (ndisks == 0)
    panic("virtio_disk_init: no modern virtio disk");
}

// Number of disks found, and disk n's size in bytes (0 if there is no
// disk n).
int
virtio_disk_count(void)
{
  return ndisks;
}

uint64
virtio_disk_bytes(int n)
{
  if (n < 0 || n >= ndisks)
    return 0;
  return disks[n].sectors * SECTOR_SIZE;
}

// Does slot hold a disk this driver serves (whose interrupts it takes)?
int
virtio_disk_in_slot(int slot)
{
  return slot >= 0 && slot < VIRTIO_NSLOT && slot_disk[slot] != 0;
}

// Take a free descriptor and return its index, or -1 if all are in use.
// Caller holds d->lock.
static int
alloc_desc(struct disk *d)
{
  for (int i = 0; i < NUM; i++) {
    if (d->free[i]) {
      d->free[i] = 0;
      return i;
    }
  }
  return -1;
}

// Return descriptor i to the free set and wake anyone waiting for one.
// Caller holds d->lock.
static void
free_desc(struct disk *d, int i)
{
  if (i < 0 || i >= NUM)
    panic("virtio_disk: free_desc index");
  if (d->free[i])
    panic("virtio_disk: free_desc of a free descriptor");
  d->desc[i].addr = 0;
  d->desc[i].len = 0;
  d->desc[i].flags = 0;
  d->desc[i].next = 0;
  d->free[i] = 1;
  wakeup(&d->free[0]);
}

// Free the chain of descriptors that starts at head.
// Caller holds d->lock.
static void
free_chain(struct disk *d, int head)
{
  int i = head;
  for (;;) {
    int flags = d->desc[i].flags;
    int next = d->desc[i].next;
    free_desc(d, i);
    if ((flags & DESC_NEXT) == 0)
      break;
    i = next;
  }
}

// Take three free descriptors, all or none. Returns 0 with their indices
// in idx, or -1 if there are not three free. Caller holds d->lock.
static int
alloc3_desc(struct disk *d, int idx[3])
{
  for (int i = 0; i < 3; i++) {
    idx[i] = alloc_desc(d);
    if (idx[i] < 0) {
      for (int j = 0; j < i; j++)
        free_desc(d, idx[j]);
      return -1;
    }
  }
  return 0;
}

// Read len bytes at sector of disk n into data (write == 0), or write
// them from data (write != 0), and return when the device has finished:
// 0, or -1 if the device reported an error or the request lies outside
// the disk. data is a kernel pointer to physically contiguous memory (a
// page, a run of pages, or a buf), len a multiple of SECTOR_SIZE. Sleeps, so the
// caller must be a process holding no spin lock; several callers may have
// requests in flight.
int
virtio_disk_io(int n, uint64 sector, void *data, uint32 len, int write)
{
  if (n < 0 || n >= ndisks || len == 0 || len % SECTOR_SIZE != 0)
    return -1;
  struct disk *d = &disks[n];
  if (sector > d->sectors || len / SECTOR_SIZE > d->sectors - sector)
    return -1;
  int idx[3];

  acquire(&d->lock);

  while (alloc3_desc(d, idx) < 0)
    sleep(&d->free[0], &d->lock);

  struct virtio_blk_req *req = &d->req[idx[0]];
  req->type = write ? BLK_T_OUT : BLK_T_IN;
  req->reserved = 0;
  req->sector = sector;

  d->desc[idx[0]].addr = V2P(req);
  d->desc[idx[0]].len = sizeof(*req);
  d->desc[idx[0]].flags = DESC_NEXT;
  d->desc[idx[0]].next = idx[1];

  d->desc[idx[1]].addr = V2P(data);
  d->desc[idx[1]].len = len;
  d->desc[idx[1]].flags = DESC_NEXT | (write ? 0 : DESC_WRITE);
  d->desc[idx[1]].next = idx[2];

  // A value the device never writes, so a request that ends without a
  // status is caught as an error.
  d->info[idx[0]].status = 0xff;
  d->desc[idx[2]].addr = V2P(&d->info[idx[0]].status);
  d->desc[idx[2]].len = 1;
  d->desc[idx[2]].flags = DESC_WRITE;
  d->desc[idx[2]].next = 0;

  d->info[idx[0]].busy = 1;
  d->info[idx[0]].done = 0;

  // The device may look at the queue at any time. It must see the chain
  // and the ring entry before the index that makes the entry visible,
  // and the new index before the notification.
  d->avail->ring[d->avail->idx % NUM] = idx[0];
  __sync_synchronize();
  d->avail->idx += 1;
  __sync_synchronize();
  reg_write(d, MMIO_QUEUE_NOTIFY, 0);

  while (!d->info[idx[0]].done)
    sleep(&d->info[idx[0]], &d->lock);

  int ok = d->info[idx[0]].status == BLK_S_OK;
  d->info[idx[0]].busy = 0;
  free_chain(d, idx[0]);
  release(&d->lock);
  return ok ? 0 : -1;
}

// Read block b->blockno of the file-system disk into b->data (write == 0),
// or write b->data to it (write != 0), and return when the device has
// finished. The caller holds b's sleep lock and no spin lock. The file
// system cannot go on without its blocks: an error panics.
void
virtio_disk_rw(struct buf *b, int write)
{
  uint64 sector = (uint64)b->blockno * (BSIZE / SECTOR_SIZE);
  if (virtio_disk_io(0, sector, b->data, BSIZE, write) != 0)
    panic("virtio_disk_rw: disk I/O error");
}

// The disk in slot interrupted: some requests have finished. Acknowledge,
// then mark every request the used ring reports done and wake its waiter.
// Called from the trap handler with interrupts off and no lock held.
void
virtio_disk_intr(int slot)
{
  if (slot < 0 || slot >= VIRTIO_NSLOT || slot_disk[slot] == 0)
    return;
  struct disk *d = slot_disk[slot];
  acquire(&d->lock);

  // Acknowledge first: a request that finishes after the ring has been
  // scanned below then raises a fresh interrupt instead of being missed.
  reg_write(d, MMIO_INTERRUPT_ACK,
            reg_read(d, MMIO_INTERRUPT_STATUS) & (INTERRUPT_USED_RING | INTERRUPT_CONFIG));

  // Read the index before the entries it covers: the device wrote the
  // entries first.
  __sync_synchronize();
  while (d->used_idx != d->used->idx) {
    __sync_synchronize();
    int id = d->used->ring[d->used_idx % NUM].id;

    if (id < 0 || id >= NUM || !d->info[id].busy || d->info[id].done)
      panic("virtio_disk_intr: used ring names no request");
    d->info[id].done = 1;
    wakeup(&d->info[id]);

    d->used_idx += 1;
  }

  release(&d->lock);
}
