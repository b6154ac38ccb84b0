// Fixed-size integer types shared by the kernel, user programs and host tools.
#ifndef LAZULI_TYPES_H
#define LAZULI_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

#endif
