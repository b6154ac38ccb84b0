#!/usr/bin/env python3
"""A host-side check of a Lazuli file-system image (SPEC.md's xv6 disk
format), for tools/runtests.py: the superblock, every inode's blocks, the
bitmap, directories, link counts; a committed log is replayed first, as
the kernel would at boot. Python 3 standard library only.
"""

import struct


BSIZE = 1024
FSMAGIC = 0x10203040
NDIRECT = 12
NINDIRECT = BSIZE // 4
MAXFILE = NDIRECT + NINDIRECT
IPB = BSIZE // 64
BPB = BSIZE * 8
T_DIR, T_FILE, T_DEVICE = 1, 2, 3


def fsck(path):
    """Check the file system in the image at path. A committed log is
    replayed in memory first (the kernel would do that at boot). Returns a
    list of problems; empty means consistent."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 2 * BSIZE:
        return ["image is only %d bytes" % len(data)]
    (magic, size, nblocks, ninodes, nlog, logstart, inodestart,
     bmapstart) = struct.unpack_from("<8I", data, BSIZE)
    if magic != FSMAGIC:
        return ["bad superblock magic 0x%x" % magic]
    datastart = size - nblocks
    if (size * BSIZE > len(data) or not 2 <= logstart < inodestart < bmapstart
            or bmapstart + size // BPB >= datastart or datastart > size
            or logstart + nlog > inodestart):
        return ["superblock does not describe a sane layout: %r" %
                ((size, nblocks, ninodes, nlog, logstart, inodestart,
                  bmapstart),)]

    overlay = {}
    (n,) = struct.unpack_from("<I", data, logstart * BSIZE)
    if n > nlog - 1:
        return ["log header says %d blocks, the log holds %d" % (n, nlog - 1)]
    for i in range(n):
        (dst,) = struct.unpack_from("<I", data, logstart * BSIZE + 4 + 4 * i)
        if not 0 < dst < size:
            return ["log entry %d names block %d" % (i, dst)]
        src = (logstart + 1 + i) * BSIZE
        overlay[dst] = data[src:src + BSIZE]

    def block(b):
        if b in overlay:
            return overlay[b]
        return data[b * BSIZE:(b + 1) * BSIZE]

    def inode(i):
        raw = block(inodestart + i // IPB)
        v = struct.unpack_from("<4hI13I", raw, (i % IPB) * 64)
        return {"type": v[0], "nlink": v[3], "size": v[4], "addrs": v[5:]}

    problems = []
    owner = {}
    inodes = {}
    blocklist = {}

    def claim(b, inum):
        if not datastart <= b < size:
            problems.append("inode %d uses block %d, outside the data blocks"
                            % (inum, b))
            return False
        if b in owner:
            problems.append("block %d belongs to inodes %d and %d"
                            % (b, owner[b], inum))
            return False
        owner[b] = inum
        return True

    for inum in range(1, ninodes):
        ino = inode(inum)
        if ino["type"] == 0:
            continue
        inodes[inum] = ino
        if ino["type"] not in (T_DIR, T_FILE, T_DEVICE):
            problems.append("inode %d has type %d" % (inum, ino["type"]))
            continue
        if ino["size"] > MAXFILE * BSIZE:
            problems.append("inode %d has size %d" % (inum, ino["size"]))
            continue
        addrs = list(ino["addrs"][:NDIRECT])
        ind = ino["addrs"][NDIRECT]
        if ind:
            if claim(ind, inum):
                addrs += list(struct.unpack("<%dI" % NINDIRECT, block(ind)))
            else:
                addrs += [0] * NINDIRECT
        for a in addrs:
            if a:
                claim(a, inum)
        need = (ino["size"] + BSIZE - 1) // BSIZE
        if any(a == 0 for a in addrs[:need]):
            problems.append("inode %d (size %d) has a hole" % (inum, ino["size"]))
        blocklist[inum] = addrs[:need]

    def content(inum):
        raw = b"".join(block(a) for a in blocklist.get(inum, []))
        return raw[:inodes[inum]["size"]]

    refs = {}
    subdirs = {}
    root = inodes.get(1)
    if root is None or root["type"] != T_DIR:
        return problems + ["inode 1 is not a directory"]
    seen = {1}
    todo = [(1, 1)]
    while todo:
        d, parent = todo.pop()
        raw = content(d)
        if len(raw) % 16:
            problems.append("directory %d has size %d" % (d, len(raw)))
        dots = 0
        subdirs[d] = 0
        for off in range(0, len(raw) - 15, 16):
            (e,) = struct.unpack_from("<H", raw, off)
            name = raw[off + 2:off + 16].split(b"\0")[0].decode("latin-1")
            if e == 0:
                continue
            if e >= ninodes or e not in inodes:
                problems.append("directory %d: %r names free inode %d"
                                % (d, name, e))
                continue
            if name == ".":
                dots += 1
                if e != d:
                    problems.append("directory %d: . is %d" % (d, e))
            elif name == "..":
                dots += 1
                if e != parent:
                    problems.append("directory %d: .. is %d, not %d"
                                    % (d, e, parent))
            else:
                refs[e] = refs.get(e, 0) + 1
                if inodes[e]["type"] == T_DIR:
                    subdirs[d] += 1
                    if e in seen:
                        problems.append("directory %d is linked twice" % e)
                    else:
                        seen.add(e)
                        todo.append((e, d))
        if dots != 2:
            problems.append("directory %d has %d of . and .." % (d, dots))

    for inum, ino in sorted(inodes.items()):
        if ino["type"] not in (T_DIR, T_FILE, T_DEVICE):
            continue
        r = refs.get(inum, 0)
        if inum != 1 and r == 0:
            problems.append("inode %d (type %d, nlink %d) is in no directory"
                            % (inum, ino["type"], ino["nlink"]))
        elif ino["type"] == T_DIR:
            # xv6's rule: one link from the parent plus one per child's "..".
            if inum in subdirs and ino["nlink"] != 1 + subdirs[inum]:
                problems.append("directory %d has nlink %d, %d subdirectories"
                                % (inum, ino["nlink"], subdirs[inum]))
        elif ino["nlink"] != r:
            problems.append("inode %d has nlink %d but %d directory entries"
                            % (inum, ino["nlink"], r))

    marked_free = []
    leaked = []
    for b in range(size):
        raw = block(bmapstart + b // BPB)
        used = raw[(b % BPB) // 8] >> (b % 8) & 1
        want = b < datastart or b in owner
        if want and not used:
            marked_free.append(b)
        elif used and not want:
            leaked.append(b)
    if marked_free:
        problems.append("%d blocks in use are marked free (first: %d)"
                        % (len(marked_free), marked_free[0]))
    if leaked:
        problems.append("%d blocks are marked in use but belong to nothing "
                        "(first: %d)" % (len(leaked), leaked[0]))
    return problems
