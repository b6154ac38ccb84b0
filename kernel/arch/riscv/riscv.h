// Access to RISC-V control and status registers, and the bits Lazuli uses.
#ifndef LAZULI_RISCV_H
#define LAZULI_RISCV_H

#ifndef __ASSEMBLER__
#include "abi/types.h"

#define csr_read(csr) ({ uint64 v_; asm volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, val) asm volatile("csrw " #csr ", %0" : : "r"((uint64)(val)))
#define csr_set(csr, bits) asm volatile("csrs " #csr ", %0" : : "r"((uint64)(bits)))
#define csr_clear(csr, bits) asm volatile("csrc " #csr ", %0" : : "r"((uint64)(bits)))

// mstatus / sstatus
#define MSTATUS_MPP_MASK (3L << 11)
#define MSTATUS_MPP_S    (1L << 11)
#define SSTATUS_SPP  (1L << 8)   // previous mode: 1 = supervisor
#define SSTATUS_SPIE (1L << 5)   // interrupts were enabled before the trap
#define SSTATUS_SIE  (1L << 1)   // supervisor interrupts enabled

// sie / sip
#define SIE_SEIE (1L << 9)   // external
#define SIE_STIE (1L << 5)   // timer
#define SIE_SSIE (1L << 1)   // software

// scause values
#define SCAUSE_INTR (1L << 63)
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_FETCH_ACCESS     1
#define CAUSE_ILLEGAL_INSN     2
#define CAUSE_BREAKPOINT       3
#define CAUSE_MISALIGNED_LOAD  4
#define CAUSE_LOAD_ACCESS      5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS     7
#define CAUSE_INSN_PAGE_FAULT  12
#define CAUSE_LOAD_PAGE_FAULT  13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_ECALL_U 8

static inline uint64 r_tp(void) { uint64 x; asm volatile("mv %0, tp" : "=r"(x)); return x; }
static inline void w_tp(uint64 x) { asm volatile("mv tp, %0" : : "r"(x)); }
static inline uint64 r_sp(void) { uint64 x; asm volatile("mv %0, sp" : "=r"(x)); return x; }
static inline uint64 r_time(void) { uint64 x; asm volatile("csrr %0, time" : "=r"(x)); return x; }

static inline void intr_on(void) { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline int intr_get(void) { return (csr_read(sstatus) & SSTATUS_SIE) != 0; }

static inline void sfence_vma(void) { asm volatile("sfence.vma zero, zero"); }
// Only the translations of the page holding va (in every address space:
// Lazuli uses no ASIDs).
static inline void sfence_vma_va(uint64 va) { asm volatile("sfence.vma %0, zero" : : "r"(va)); }

#endif
#endif
