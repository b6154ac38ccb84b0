# The trampoline page: mapped at the same address (TRAMPOLINE) in the
# kernel's and in every user page table, so that the code switching satp
# keeps running across the switch. Offsets follow struct trapframe.
# A process whose table holds the kernel half (the default) switches
# nothing: kernel_satp and userret's argument are 0 then. With separate
# tables (vm_kpti) every trap switches to the kernel's table and back.
#include "arch/riscv/memlayout.h"

.section trampsec
.globl trampoline
.globl uservec
.globl userret
.align 4

# Traps from user mode land here (stvec), on the process's page table.
uservec:
        # Borrow sscratch for a0 while a0 points at the trap frame.
        csrw sscratch, a0
        li a0, TRAPFRAME

        sd ra, 40(a0)
        sd sp, 48(a0)
        sd gp, 56(a0)
        sd tp, 64(a0)
        sd t0, 72(a0)
        sd t1, 80(a0)
        sd t2, 88(a0)
        sd s0, 96(a0)
        sd s1, 104(a0)
        sd a1, 120(a0)
        sd a2, 128(a0)
        sd a3, 136(a0)
        sd a4, 144(a0)
        sd a5, 152(a0)
        sd a6, 160(a0)
        sd a7, 168(a0)
        sd s2, 176(a0)
        sd s3, 184(a0)
        sd s4, 192(a0)
        sd s5, 200(a0)
        sd s6, 208(a0)
        sd s7, 216(a0)
        sd s8, 224(a0)
        sd s9, 232(a0)
        sd s10, 240(a0)
        sd s11, 248(a0)
        sd t3, 256(a0)
        sd t4, 264(a0)
        sd t5, 272(a0)
        sd t6, 280(a0)
        csrr t0, sscratch
        sd t0, 112(a0)

        # Kernel stack, hart id, usertrap's address and the kernel's page table.
        ld sp, 8(a0)
        ld tp, 32(a0)
        ld t0, 16(a0)
        ld t1, 0(a0)

        # Finish user memory accesses before leaving the user page table.
        beqz t1, 1f
        sfence.vma zero, zero
        csrw satp, t1
        sfence.vma zero, zero
1:
        jr t0

# userret(satp): usertrapret() jumps here to return to user mode with the
# user page table in a0 (0: the hart is on it already).
userret:
        beqz a0, 1f
        sfence.vma zero, zero
        csrw satp, a0
        sfence.vma zero, zero
1:
        li a0, TRAPFRAME
        ld ra, 40(a0)
        ld sp, 48(a0)
        ld gp, 56(a0)
        ld tp, 64(a0)
        ld t0, 72(a0)
        ld t1, 80(a0)
        ld t2, 88(a0)
        ld s0, 96(a0)
        ld s1, 104(a0)
        ld a1, 120(a0)
        ld a2, 128(a0)
        ld a3, 136(a0)
        ld a4, 144(a0)
        ld a5, 152(a0)
        ld a6, 160(a0)
        ld a7, 168(a0)
        ld s2, 176(a0)
        ld s3, 184(a0)
        ld s4, 192(a0)
        ld s5, 200(a0)
        ld s6, 208(a0)
        ld s7, 216(a0)
        ld s8, 224(a0)
        ld s9, 232(a0)
        ld s10, 240(a0)
        ld s11, 248(a0)
        ld t3, 256(a0)
        ld t4, 264(a0)
        ld t5, 272(a0)
        ld t6, 280(a0)
        ld a0, 112(a0)

        # exec wrote the program's text through the kernel's mapping, and
        # pages are reused: make this hart's instruction fetches see memory.
        fence.i

        # sstatus and sepc were set by usertrapret.
        sret
