# System-call stubs, one per line of kernel/abi/syscalls.def: number in a7,
# ecall, result in a0. Each is sys_NAME, with NAME a weak alias that the C
# library may replace with a friendlier wrapper (sbrk does).
#define SYSCALL(num, name) .global sys_##name; .weak name; sys_##name: ; name: li a7, num; ecall; ret
.text
#include "abi/syscalls.def"
