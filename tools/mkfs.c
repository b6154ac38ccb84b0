// mkfs: make a file-system image for Lazuli.
//
//   mkfs fs.img FILE...
//
// writes an image of FSSIZE blocks in the format of abi/fs.h, with a root
// directory holding each FILE under its base name, a leading '_' dropped
// (xv6 build trees name their programs _sh, _ls, ...).
//
// The image is built in memory and written at the end, so a failure
// leaves no half-made image behind. Integers are stored little-endian
// byte by byte, whatever the host's byte order is.

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/types.h"
#include "abi/param.h"
#include "abi/fs.h"
#include "abi/stat.h"

#define NINODES 200   // inodes in the image, as in SPEC.md

// The layout: [ boot | super | log | inodes | bitmap | data ].
#define NLOG       (LOGBLOCKS + 1)   // the log header and its data blocks
#define NINODEBLK  ((NINODES + IPB - 1) / IPB)
#define NBITMAP    ((FSSIZE + BPB - 1) / BPB)
#define LOGSTART   2
#define INODESTART (LOGSTART + NLOG)
#define BMAPSTART  (INODESTART + NINODEBLK)
#define DATASTART  (BMAPSTART + NBITMAP)

// Where fields lie in a disk inode and a directory entry (abi/fs.h).
#define DI_TYPE   0
#define DI_MAJOR  2
#define DI_MINOR  4
#define DI_NLINK  6
#define DI_SIZE   8
#define DI_ADDRS 12
#define DINODE_BYTES (DI_ADDRS + 4 * (NDIRECT + 1))
#define DIRENT_BYTES (2 + DIRSIZ)

_Static_assert(DINODE_BYTES == sizeof(struct dinode), "dinode layout");
_Static_assert(DIRENT_BYTES == sizeof(struct dirent), "dirent layout");
_Static_assert(DATASTART < FSSIZE, "metadata fits in the image");

static uchar image[FSSIZE][BSIZE];

// The inodes, kept apart until they are stored at the end.
struct minode {
  ushort type, major, minor, nlink;
  uint size;
  uint addrs[NDIRECT + 1];
};
static struct minode inodes[NINODES];

static uint next_inum = ROOTINO;   // inode numbers are handed out in order
static uint next_block = DATASTART; // so are data blocks

static void
put16(uchar *p, ushort v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put32(uchar *p, uint v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = v >> 24;
}

static uint
get32(const uchar *p)
{
  return p[0] | (uint)p[1] << 8 | (uint)p[2] << 16 | (uint)p[3] << 24;
}

// Report a fatal error and stop: no image is written.
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
  va_list ap;

  fprintf(stderr, "mkfs: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  exit(1);
}

// Return a fresh inode number of the given type.
static uint
ialloc(ushort type)
{
  if (next_inum >= NINODES)
    die("out of inodes");
  uint inum = next_inum++;
  inodes[inum].type = type;
  inodes[inum].nlink = 1;
  return inum;
}

// Return a fresh data block; the image starts out all zeros.
static uint
balloc(void)
{
  if (next_block >= FSSIZE)
    die("out of data blocks");
  return next_block++;
}

// Return the block holding block fbn of inode inum's contents,
// allocating it (and the indirect block) if need be.
static uint
bmap(uint inum, uint fbn)
{
  struct minode *ip = &inodes[inum];

  if (fbn < NDIRECT) {
    if (ip->addrs[fbn] == 0)
      ip->addrs[fbn] = balloc();
    return ip->addrs[fbn];
  }
  fbn -= NDIRECT;
  if (ip->addrs[NDIRECT] == 0)
    ip->addrs[NDIRECT] = balloc();
  uchar *slot = image[ip->addrs[NDIRECT]] + 4 * fbn;
  if (get32(slot) == 0)
    put32(slot, balloc());
  return get32(slot);
}

// Append n bytes to the contents of inode inum; what names it is for the
// error message.
static void
iappend(uint inum, const void *data, uint n, const char *what)
{
  struct minode *ip = &inodes[inum];
  const uchar *p = data;

  while (n > 0) {
    uint fbn = ip->size / BSIZE;
    if (fbn >= MAXFILE)
      die("%s: larger than MAXFILE blocks", what);
    uint off = ip->size % BSIZE;
    uint m = BSIZE - off;
    if (m > n)
      m = n;
    memcpy(image[bmap(inum, fbn)] + off, p, m);
    ip->size += m;
    p += m;
    n -= m;
  }
}

// Add the entry (name, inum) to directory dir.
static void
dirappend(uint dir, const char *name, uint inum)
{
  uchar de[DIRENT_BYTES];

  memset(de, 0, sizeof de);
  put16(de, inum);
  memcpy(de + 2, name, strlen(name));   // NUL-padded, DIRSIZ at most
  iappend(dir, de, sizeof de, "root directory");
}

// The name a host path gets in the image: its last component, without a
// leading '_'.
static const char *
imagename(const char *path)
{
  const char *name = strrchr(path, '/');
  name = name ? name + 1 : path;
  if (name[0] == '_')
    name++;
  if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    die("%s: no usable file name", path);
  if (strlen(name) > DIRSIZ)
    die("%s: name longer than DIRSIZ", path);
  return name;
}

// Copy the host file path into a new inode and return its number.
static uint
addfile(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == 0)
    die("%s: cannot open", path);

  uint inum = ialloc(T_FILE);
  uchar buf[BSIZE];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    iappend(inum, buf, n, path);
  if (ferror(f))
    die("%s: read error", path);
  fclose(f);
  return inum;
}

// Store the superblock, the inodes and the bitmap into the image.
static void
finish(void)
{
  uchar *sb = image[1];
  put32(sb + 0, FSMAGIC);
  put32(sb + 4, FSSIZE);
  put32(sb + 8, FSSIZE - DATASTART);
  put32(sb + 12, NINODES);
  put32(sb + 16, NLOG);
  put32(sb + 20, LOGSTART);
  put32(sb + 24, INODESTART);
  put32(sb + 28, BMAPSTART);

  for (uint inum = ROOTINO; inum < next_inum; inum++) {
    struct minode *ip = &inodes[inum];
    uchar *d = image[INODESTART + inum / IPB] + (inum % IPB) * DINODE_BYTES;
    put16(d + DI_TYPE, ip->type);
    put16(d + DI_MAJOR, ip->major);
    put16(d + DI_MINOR, ip->minor);
    put16(d + DI_NLINK, ip->nlink);
    put32(d + DI_SIZE, ip->size);
    for (int i = 0; i < NDIRECT + 1; i++)
      put32(d + DI_ADDRS + 4 * i, ip->addrs[i]);
  }

  // Every block below next_block is in use: metadata, then data blocks
  // handed out in order.
  for (uint b = 0; b < next_block; b++)
    image[BMAPSTART + b / BPB][(b % BPB) / 8] |= 1 << (b % 8);
}

int
main(int argc, char *argv[])
{
  if (argc < 2) {
    fprintf(stderr, "usage: mkfs fs.img FILE...\n");
    return 1;
  }

  uint root = ialloc(T_DIR);
  if (root != ROOTINO)
    die("root directory is not inode ROOTINO");
  dirappend(root, ".", root);
  dirappend(root, "..", root);   // the root is its own parent

  for (int i = 2; i < argc; i++) {
    const char *name = imagename(argv[i]);
    for (int j = 2; j < i; j++) {
      if (strcmp(imagename(argv[j]), name) == 0)
        die("two files named %s", name);
    }
    dirappend(root, name, addfile(argv[i]));
  }

  finish();

  FILE *out = fopen(argv[1], "wb");
  if (out == 0)
    die("%s: cannot create", argv[1]);
  if (fwrite(image, sizeof image, 1, out) != 1 || fclose(out) != 0) {
    int err = errno;
    remove(argv[1]);
    die("write failed: %s", strerror(err));
  }
  printf("mkfs: %s: %d blocks, %u of %u data blocks and %u of %d inodes used\n",
         argv[1], FSSIZE, (uint)(next_block - DATASTART),
         (uint)(FSSIZE - DATASTART), next_inum - ROOTINO, NINODES - ROOTINO);
  return 0;
}
