#ifndef LAZULI_BUF_H
#define LAZULI_BUF_H

#include "abi/types.h"
#include "abi/fs.h"
#include "lib/sleeplock.h"

// One cached disk block.
struct buf {
  int valid;           // data holds the block's contents
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt;
  struct buf *prev;    // LRU list
  struct buf *next;
  uchar data[BSIZE];
};

#endif
