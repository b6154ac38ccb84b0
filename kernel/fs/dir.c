// Directories and path names, on the inodes of fs.c.
//
//   directories: an inode of type T_DIR holding struct dirent entries;
//   path names:  namei, nameiparent, walking from the root or the
//                current directory one element at a time.
//
// Lock order: a directory's lock is taken before the lock of an inode it
// names (create, unlink); a path walk holds one inode lock at a time.

#include "abi/types.h"
#include "abi/param.h"
#include "abi/fs.h"
#include "lib/lib.h"
#include "proc/proc.h"
#include "fs/fs.h"

// ---- directories

// Compare two directory-entry names, which are at most DIRSIZ bytes and
// need not end in a NUL.
int
namecmp(const char *s, const char *t)
{
  return strncmp(s, t, DIRSIZ);
}

// Look for an entry called name in directory dp. If found, return its
// inode, referenced and unlocked, and set *poff (if poff is not 0) to the
// entry's byte offset in dp. Otherwise return 0. The caller holds
// dp->lock.
struct inode *
dirlookup(struct inode *dp, char *name, uint *poff)
{
  struct dirent de;

  if (dp->type != T_DIR)
    panic("dirlookup: not a directory");

  for (uint off = 0; off + sizeof de <= dp->size; off += sizeof de) {
    if (readi(dp, 0, (uint64)&de, off, sizeof de) != sizeof de)
      break;
    if (!inum_valid(de.inum))
      continue;
    if (namecmp(name, de.name) == 0) {
      if (poff)
        *poff = off;
      return iget(dp->dev, de.inum);
    }
  }
  return 0;
}

// Add the entry (name, inum) to directory dp, in its first free slot or
// at its end. Returns 0, or -1 if the name is already there or the
// directory cannot grow. The caller holds dp->lock, in a transaction.
int
dirlink(struct inode *dp, char *name, uint inum)
{
  struct dirent de;
  struct inode *ip = dirlookup(dp, name, 0);
  if (ip) {
    iput(ip);
    return -1;
  }

  uint off;
  for (off = 0; off + sizeof de <= dp->size; off += sizeof de) {
    if (readi(dp, 0, (uint64)&de, off, sizeof de) != sizeof de)
      return -1;
    if (de.inum == 0)
      break;
  }

  memset(&de, 0, sizeof de);
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  if (writei(dp, 0, (uint64)&de, off, sizeof de) != sizeof de)
    return -1;
  return 0;
}

// ---- path names

// Copy the first element of path into name and return what follows it,
// without leading slashes; return 0 if path has no element left.
// An element longer than DIRSIZ is cut to DIRSIZ bytes, the way directory
// entries store it. name has room for DIRSIZ + 1 bytes.
//   skipelem("a/bb/c", name) = "bb/c", name = "a"
//   skipelem("///a//bb", name) = "bb", name = "a"
//   skipelem("a", name) = "", name = "a"
//   skipelem("", name) = skipelem("////", name) = 0
static char *
skipelem(char *path, char *name)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    return 0;

  char *start = path;
  while (*path != '/' && *path != '\0')
    path++;
  int len = path - start;
  if (len > DIRSIZ)
    len = DIRSIZ;
  memmove(name, start, len);
  name[len] = '\0';

  while (*path == '/')
    path++;
  return path;
}

// Walk path from the root (if it starts with '/') or from the current
// directory. Return the inode it names, or, if parent is set, the inode of
// the directory containing the last element, whose name goes to name
// (DIRSIZ + 1 bytes). The result is referenced and unlocked; 0 if a
// directory on the way is missing or is not one. In a transaction (iput).
// As in xv6, the empty path names the current directory (it has no
// element, like "/"), so open("") opens it and chdir("") stays there.
static struct inode *
namex(char *path, int parent, char *name)
{
  struct inode *ip, *next;

  if (*path == '/')
    ip = iget(ROOTDEV, ROOTINO);
  else
    ip = idup(myproc()->cwd);
  if (ip == 0)
    return 0;

  while ((path = skipelem(path, name)) != 0) {
    ilock(ip);
    if (ip->type != T_DIR) {
      iunlockput(ip);
      return 0;
    }
    if (parent && *path == '\0') {
      iunlock(ip);
      return ip;
    }
    next = dirlookup(ip, name, 0);
    // Unlock ip before next is locked: for "." next is ip itself, and
    // for ".." holding a child while locking its parent could deadlock
    // with a walk going down.
    iunlockput(ip);
    if (next == 0)
      return 0;
    ip = next;
  }
  if (parent) {
    // The path had no element (it was empty or all slashes): nothing to
    // create, link or remove in a parent.
    iput(ip);
    return 0;
  }
  return ip;
}

// Return the inode path names, referenced and unlocked, or 0.
// In a transaction.
struct inode *
namei(char *path)
{
  char name[DIRSIZ + 1];
  return namex(path, 0, name);
}

// Return the directory that would hold path's last element, referenced
// and unlocked, and copy that element into name (DIRSIZ + 1 bytes); or 0.
// In a transaction.
struct inode *
nameiparent(char *path, char *name)
{
  return namex(path, 1, name);
}
