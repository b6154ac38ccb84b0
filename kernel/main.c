// Boot: hart 0 sets up the machine and the first process; every hart then
// runs the scheduler.
#include "abi/types.h"
#include "abi/param.h"
#include "lib/lib.h"
#include "arch/riscv/arch.h"
#include "arch/riscv/riscv.h"
#include "mm/mm.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "dev/dev.h"

extern char end[];   // kernel.ld: first address after the kernel
static volatile int started;

void
main(void)
{
  if (cpuid() == 0) {
    consoleinit();
    printf("\nLazuli is booting\n");

    uint64 base, size;
    if (fdt_memory(fdt_base, &base, &size) != 0)
      panic("no memory node in the device tree");
    phystop = base + size;
    if (phystop > bootmap_end)
      panic("RAM ends beyond what the boot page table maps");
    // The reverse map's records come first, from the bottom of free RAM.
    uint64 first = PGROUNDUP(V2P(end));
    uint64 rmbytes = rmap_bytes((phystop - first) / PGSIZE);
    rmap_init(P2V(first), first, (phystop - first) / PGSIZE);
    kinit(first + rmbytes, phystop);   // the device tree is no longer needed
    reclaim_init();
    zeropage_init();
    pcache_init();
    printf("memory: %ld MiB, %ld pages free\n", (long)(size >> 20),
           (long)kfreecount());

    kvminit();
    hart_use(kvm_pagetable(), 1);
    procinit();
    trapinithart();
    binit();
    iinit();
    fileinit();
    virtio_disk_init();
    plicinit();        // once the disks are known
    plicinithart();
    if (swapinit() > 0)
      printf("swap: %ld MiB, %ld slots\n", (long)(virtio_disk_bytes(1) >> 20),
             (long)swap_total());
    else
      printf("swap: none\n");
    userinit();
    __sync_synchronize();
    started = 1;
  } else {
    while (started == 0)
      ;
    __sync_synchronize();
    hart_use(kvm_pagetable(), 1);
    trapinithart();
    plicinithart();
  }
  scheduler();
}
