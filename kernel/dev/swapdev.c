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

// Read page slot of the swap disk into page (write == 0), or write page
// to it. Sleeps until done; the caller holds no spin lock. 0, or -1 on a
// device error or a slot beyond the disk.
int
swapdev_rw(uint64 slot, void *page, int write)
{
  if (slot >= swapdev_pages())
    return -1;
  return virtio_disk_io(SWAP_DISK, slot * SECTORS_PER_PAGE, page, PGSIZE, write);
}
