# Every hart starts here in machine mode with a0 = hart id and a1 = the
# device tree. Give each hart its own boot stack, then go to C.
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
