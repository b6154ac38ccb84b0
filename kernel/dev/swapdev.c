// The swap device kernel/mm asks for (mm.h): the second virtio disk, in
// pages. Its size need not be a whole number of pages: a partial last
// page is not used.
#include "abi/types.h"
#include "mm/mm.h"
#include "dev/dev.h"

#define SWAP_DISK 1
#define SECTORS_PER_PAGE (PGSIZE / 512)

// Pages of the swap disk; 0 if there is no second disk.
uint64
swapdev_pages(void)
{
  return virtio_disk_bytes(SWAP_DISK) / PGSIZE;
}

// Read n pages of the swap disk from slot on into buf (write == 0), or
// write them from buf, in one request. Sleeps until done; the caller
// holds no spin lock. 0, or -1 on a device error or slots beyond the disk.
int
swapdev_rw(uint64 slot, void *buf, int n, int write)
{
  if (n <= 0 || slot >= swapdev_pages() || n > swapdev_pages() - slot)
    return -1;
  return virtio_disk_io(SWAP_DISK, slot * SECTORS_PER_PAGE, buf, n * PGSIZE, write);
}
