// Crafted ELF executables for exec_load: a well-formed RISC-V ELF64 image
// that tests then damage field by field.
#include <string.h>
#include "mm/elf.h"
#include "host.h"

uint64
elfimg_build(uchar *buf, uint64 cap, uint64 entry, const struct seg *segs, int nseg)
{
  uint64 off = sizeof(struct elfhdr) + (uint64)nseg * sizeof(struct proghdr);
  uint64 size = off;
  for (int i = 0; i < nseg; i++)
    size += segs[i].filesz;
  if (size > cap)
    return 0;

  struct elfhdr eh;
  memset(&eh, 0, sizeof(eh));
  eh.magic = ELF_MAGIC;
  eh.ident[0] = ELFCLASS64;
  eh.ident[1] = 1;            // little-endian
  eh.ident[2] = 1;            // version 1
  eh.type = ET_EXEC;
  eh.machine = EM_RISCV;
  eh.version = 1;
  eh.entry = entry;
  eh.phoff = sizeof(struct elfhdr);
  eh.ehsize = sizeof(struct elfhdr);
  eh.phentsize = sizeof(struct proghdr);
  eh.phnum = (ushort)nseg;
  memcpy(buf, &eh, sizeof(eh));

  for (int i = 0; i < nseg; i++) {
    struct proghdr ph;
    memset(&ph, 0, sizeof(ph));
    ph.type = segs[i].type;
    ph.flags = segs[i].flags;
    ph.off = off;
    ph.vaddr = segs[i].vaddr;
    ph.paddr = segs[i].vaddr;
    ph.filesz = segs[i].filesz;
    ph.memsz = segs[i].memsz;
    ph.align = PGSIZE;
    memcpy(buf + eh.phoff + i * sizeof(ph), &ph, sizeof(ph));
    if (segs[i].filesz)
      memcpy(buf + off, segs[i].data, segs[i].filesz);
    off += segs[i].filesz;
  }
  return size;
}
