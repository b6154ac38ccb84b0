// The on-disk file-system format (SPEC.md), shared by the kernel and mkfs.
// All integers are little-endian.
#ifndef LAZULI_FS_H
#define LAZULI_FS_H

#define BSIZE 1024        // block size
#define FSMAGIC 0x10203040
#define ROOTINO 1         // inode number of the root directory

// Disk layout: [ unused | super | log | inodes | free bitmap | data ]
struct superblock {
  uint magic;       // FSMAGIC
  uint size;        // blocks in the image
  uint nblocks;     // data blocks
  uint ninodes;     // inodes
  uint nlog;        // log blocks, header included
  uint logstart;    // first log block
  uint inodestart;  // first inode block
  uint bmapstart;   // first free-map block
};

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE (NDIRECT + NINDIRECT)

struct dinode {
  short type;              // 0 = free, else T_DIR, T_FILE, T_DEVICE
  short major;             // device numbers (T_DEVICE only)
  short minor;
  short nlink;             // directory entries naming this inode
  uint size;               // bytes
  uint addrs[NDIRECT + 1]; // direct blocks, then the indirect block
};

#define IPB (BSIZE / sizeof(struct dinode))      // inodes per block
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)
#define BPB (BSIZE * 8)                           // bitmap bits per block
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)

#define DIRSIZ 14
struct dirent {
  ushort inum;          // 0 = free slot
  char name[DIRSIZ];    // NUL-padded, not always NUL-terminated
};

#endif
