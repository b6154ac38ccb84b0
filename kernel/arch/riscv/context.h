// Saved register sets: struct context for kernel thread switches (swtch.S),
// struct trapframe for user traps (trampoline.S). The offsets in those
// assembly files follow these layouts field by field.
#ifndef LAZULI_CONTEXT_H
#define LAZULI_CONTEXT_H

#include "abi/types.h"

// Callee-saved registers: all swtch() must preserve.
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s[12];     // s0..s11
};

// One page per process, mapped at TRAPFRAME in its user page table.
// The first five fields let the trampoline enter the kernel.
struct trapframe {
  /*   0 */ uint64 kernel_satp;   // the kernel's page table; 0: stay on this one
  /*   8 */ uint64 kernel_sp;     // top of the process's kernel stack
  /*  16 */ uint64 kernel_trap;   // usertrap()
  /*  24 */ uint64 epc;           // user pc
  /*  32 */ uint64 kernel_hartid; // tp in the kernel
  /*  40 */ uint64 ra;
  /*  48 */ uint64 sp;
  /*  56 */ uint64 gp;
  /*  64 */ uint64 tp;
  /*  72 */ uint64 t0;
  /*  80 */ uint64 t1;
  /*  88 */ uint64 t2;
  /*  96 */ uint64 s0;
  /* 104 */ uint64 s1;
  /* 112 */ uint64 a0;
  /* 120 */ uint64 a1;
  /* 128 */ uint64 a2;
  /* 136 */ uint64 a3;
  /* 144 */ uint64 a4;
  /* 152 */ uint64 a5;
  /* 160 */ uint64 a6;
  /* 168 */ uint64 a7;
  /* 176 */ uint64 s2;
  /* 184 */ uint64 s3;
  /* 192 */ uint64 s4;
  /* 200 */ uint64 s5;
  /* 208 */ uint64 s6;
  /* 216 */ uint64 s7;
  /* 224 */ uint64 s8;
  /* 232 */ uint64 s9;
  /* 240 */ uint64 s10;
  /* 248 */ uint64 s11;
  /* 256 */ uint64 t3;
  /* 264 */ uint64 t4;
  /* 272 */ uint64 t5;
  /* 280 */ uint64 t6;
};

#endif
