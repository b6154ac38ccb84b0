// Limits shared by the kernel and user programs (SPEC.md).
#ifndef LAZULI_PARAM_H
#define LAZULI_PARAM_H

#define NPROC        64   // processes
#define NCPU          8   // harts
#define NOFILE       16   // open files per process
#define NFILE       100   // open files in the system
#define NINODE       50   // in-memory inodes
#define NDEV         10   // device major numbers
#define ROOTDEV       1   // device number of the root file system
#define MAXARG       32   // exec arguments, argv[0] included
#define MAXOPBLOCKS  10   // blocks one file-system operation may write
#define LOGBLOCKS    (MAXOPBLOCKS * 3)  // data blocks in the log mkfs makes
#define NBUF         (MAXOPBLOCKS * 3)  // buffer cache size
#define FSSIZE     2000   // blocks in the image mkfs makes
#define MAXPATH     128   // bytes in a path name
#define USERSTACK     1   // pages in a user stack

#endif
