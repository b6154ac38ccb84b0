// Reading the RAM size from the flattened device tree QEMU passes in a1.
// Only what Lazuli needs: the reg property of the /memory node.
#include "abi/types.h"
#include "lib/lib.h"
#include "arch/riscv/arch.h"
#include "arch/riscv/memlayout.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

// The device tree is big-endian.
static uint32
be32(const void *p)
{
  const uchar *b = p;
  return ((uint32)b[0] << 24) | ((uint32)b[1] << 16) | ((uint32)b[2] << 8) | b[3];
}

// Read a number of `cells` 32-bit cells.
static uint64
cells(const uchar *p, uint32 n)
{
  uint64 v = 0;
  for (uint32 i = 0; i < n; i++)
    v = (v << 32) | be32(p + 4 * i);
  return v;
}

// Find the first memory node (a node named "memory" or "memory@...") under
// the root and return its first (base, size) pair. fdt is the physical
// address QEMU passed. Returns 0 on success.
int
fdt_memory(uint64 fdt, uint64 *base, uint64 *size)
{
  if (fdt == 0)
    return -1;
  const uchar *h = P2V(fdt);
  if (be32(h) != FDT_MAGIC)
    return -1;
  const uchar *p = h + be32(h + 8);           // off_dt_struct
  const char *strings = (const char *)h + be32(h + 12);  // off_dt_strings
  uint32 addr_cells = 2, size_cells = 2;      // the root's, by default
  int depth = 0, in_memory = 0;

  for (;;) {
    uint32 tok = be32(p);
    p += 4;
    if (tok == FDT_BEGIN_NODE) {
      const char *name = (const char *)p;
      depth++;
      in_memory = depth == 2 && strncmp(name, "memory", 6) == 0 &&
                  (name[6] == 0 || name[6] == '@');
      p += (strlen(name) + 1 + 3) & ~3;
    } else if (tok == FDT_END_NODE) {
      depth--;
      in_memory = 0;
    } else if (tok == FDT_PROP) {
      uint32 len = be32(p);
      const char *pname = strings + be32(p + 4);
      const uchar *val = p + 8;
      if (depth == 1 && strncmp(pname, "#address-cells", 15) == 0)
        addr_cells = be32(val);
      else if (depth == 1 && strncmp(pname, "#size-cells", 12) == 0)
        size_cells = be32(val);
      else if (in_memory && strncmp(pname, "reg", 4) == 0 &&
               len >= 4 * (addr_cells + size_cells)) {
        *base = cells(val, addr_cells);
        *size = cells(val + 4 * addr_cells, size_cells);
        return 0;
      }
      p += 8 + ((len + 3) & ~3);
    } else if (tok == FDT_NOP) {
      continue;
    } else {
      return -1;   // FDT_END or garbage: no memory node
    }
  }
}
