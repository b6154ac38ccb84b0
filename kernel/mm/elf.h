// The parts of the ELF64 format exec reads (from the ELF specification).
#ifndef LAZULI_ELF_H
#define LAZULI_ELF_H

#include "abi/types.h"

#define ELF_MAGIC 0x464C457FU   // "\x7F" "ELF", read as a little-endian uint
#define ELFCLASS64 2
#define ET_EXEC 2
#define EM_RISCV 243

struct elfhdr {
  uint magic;
  uchar ident[12];     // class, data, version, ABI, padding
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

// exec.c: the checks, exposed for tests/host. 0 = acceptable.
int elf_check_header(const struct elfhdr *eh);
// A PT_LOAD segment, given that the segments before it end at sz and the
// file holds filesize bytes.
int elf_check_segment(const struct proghdr *ph, uint64 sz, uint64 filesize);

#endif
