# Every hart starts here in machine mode, at the physical address the
# kernel is loaded at, with a0 = hart id and a1 = the device tree. Give
# each hart its own boot stack, then go to C. The kernel is linked at its
# upper-half address; code is position-independent (medany), so start()
# runs at the physical address, with paging off.
#include "arch/riscv/memlayout.h"

.section .text.entry
.global _entry
_entry:
        # sp = stack0 + (hartid + 1) * BOOTSTACK
        la sp, stack0
        li t0, 4096
        addi t1, a0, 1
        mul t0, t0, t1
        add sp, sp, t0
        call start
spin:
        j spin

# start() returns here in supervisor mode with the boot page table on,
# still at the physical address, which the boot table maps too. Move the
# stack and the pc to their upper-half addresses, then run main there.
.global _entry_s
_entry_s:
        li t0, KERNOFFSET
        add sp, sp, t0
        la t1, 1f
        add t1, t1, t0
        jr t1
1:
        call main
        j spin
