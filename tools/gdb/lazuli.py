# gdb commands for looking at Lazuli's processes and page tables.
#
#     gdb-multiarch kernel/kernel -x tools/gdb/lazuli.py \
#         -ex 'target remote localhost:26000'
#
#   lz-ps              every process in use: pid, state, name, size
#   lz-vmprint PID     PID's page table, in user/vmprint's format
#   lz-pte PID VA      the PTEs a walk for VA in PID passes, and the
#                      physical address VA maps to
#
# The hart must be stopped in the kernel (at a breakpoint in kernel code,
# say): the proc table is read through the kernel's own mappings, which a
# user page table lacks. tools/gdbcheck.py tests these commands.
#
# The one assumption about the kernel's address space: page-table pages
# are read by PHYSICAL address, with QEMU's gdb stub switched to physical
# memory (the Qqemu.PhyMemMode packet) for the read, except the top-level
# table, which is read through the pointer vm.pagetable holds. PTEs hold
# physical addresses whatever virtual address the kernel gives RAM (the
# identity map today, a direct map in the upper half later), so nothing
# here needs to know that offset. See read_phys.

import struct

import gdb

PGSIZE = 4096
FOLD_MIN = 6        # runs of this many alike leaves fold, as in vmprint
BITS = [("V", 0), ("R", 1), ("W", 2), ("X", 3), ("U", 4), ("A", 6),
        ("D", 7), ("C", 8)]
PTE_V = 1 << 0
PTE_U = 1 << 4
PTE_SHTABLE = 1 << 8   # in an invalid level-1 entry: a shared table's mark
RIGHTS = 0xe        # R, W, X: a valid PTE with none of them points to a table
STATES = {"UNUSED": "unused", "USED": "used", "SLEEPING": "sleep",
          "RUNNABLE": "runble", "RUNNING": "run", "ZOMBIE": "zombie"}


def phys_mode(on):
    """Switch QEMU's gdb stub between physical and virtual addresses."""
    out = gdb.execute("maintenance packet Qqemu.PhyMemMode:%d" % on,
                      to_string=True)
    if '"OK"' not in out:
        raise gdb.GdbError("the gdb stub cannot read physical memory "
                           "(needs QEMU's Qqemu.PhyMemMode): %s" % out.strip())


def read_phys(pa, n):
    """n bytes at physical address pa."""
    phys_mode(1)
    try:
        return bytes(gdb.selected_inferior().read_memory(pa, n))
    finally:
        phys_mode(0)


def read_table(pa, root=None):
    """The 512 PTEs of the table page at pa; root is the top-level table's
    kernel pointer, read as the kernel reads it."""
    if root is not None:
        raw = bytes(gdb.selected_inferior().read_memory(root, PGSIZE))
    else:
        raw = read_phys(pa, PGSIZE)
    return struct.unpack("<512Q", raw)


def pte2pa(pte):
    return (pte >> 10) << 12


def span(level):
    return PGSIZE << (9 * level)


def flags(bits):
    return "".join(c if bits & (1 << b) else "-" for c, b in BITS)


def procs():
    """(pid, state, name, size, pagetable pointer) of each used slot."""
    table = gdb.parse_and_eval("proc")
    lo, hi = table.type.range()
    out = []
    for i in range(lo, hi + 1):
        p = table[i]
        try:
            state = str(p["state"])
        except gdb.MemoryError:
            raise gdb.GdbError("cannot read the proc table: stop the hart "
                               "in kernel code (break on a system call, say)")
        if state == "UNUSED":
            continue
        name = bytes(int(c) & 0xff for c in
                     (p["name"][j] for j in range(16))).split(b"\0")[0]
        out.append((int(p["pid"]), STATES.get(state, state),
                    name.decode("latin-1"), int(p["vm"]["sz"]),
                    int(p["vm"]["pagetable"])))
    return out


def find(pid):
    for p in procs():
        if p[0] == pid:
            if p[4] == 0:
                raise gdb.GdbError("pid %d has no page table" % pid)
            return p
    raise gdb.GdbError("no process with pid %d" % pid)


def shared_table(pte, level):
    """Is pte a level-1 entry marking a last-level table shared since a
    fork (kernel/mm/forkshare.c)? V is clear (every access faults) and
    software bit 8 set; the PPN still names the table."""
    return level == 1 and pte & (PTE_V | PTE_SHTABLE) == PTE_SHTABLE


def entries(root):
    """Every valid PTE and every shared table's mark, in vmdump's order:
    (level, index, va, pa, leaf, bits)."""
    out = []

    def visit(ptes, level, base):
        for i, pte in enumerate(ptes):
            if not pte & PTE_V and not shared_table(pte, level):
                continue
            va = base + i * span(level)
            leaf = bool(pte & PTE_V and pte & RIGHTS)
            out.append((level, i, va, pte2pa(pte), leaf, pte & 0x3ff))
            if not leaf and level > 0:
                visit(read_table(pte2pa(pte)), level - 1, va)

    visit(read_table(None, root), 2, 0)
    return out


def args(arg, n, usage):
    try:
        vals = [int(gdb.parse_and_eval(a)) for a in gdb.string_to_argv(arg)]
    except gdb.error as e:
        raise gdb.GdbError("%s (usage: %s)" % (e, usage))
    if len(vals) != n:
        raise gdb.GdbError("usage: " + usage)
    return vals


class Ps(gdb.Command):
    """lz-ps: every process in use: pid, state, name and size (the break)."""

    def __init__(self):
        super().__init__("lz-ps", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        print("%5s %-7s %-16s %10s" % ("pid", "state", "name", "size"))
        for pid, state, name, sz, _ in procs():
            print("%5d %-7s %-16s %10d" % (pid, state, name, sz))


class VmPrint(gdb.Command):
    """lz-vmprint PID: PID's page table as user/vmprint prints it."""

    def __init__(self):
        super().__init__("lz-vmprint", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        (pid,) = args(arg, 1, "lz-vmprint PID")
        _, _, name, _, root = find(pid)
        e = entries(root)
        shared = sum(1 for x in e if shared_table(x[5], x[0]))
        tables = 1 + sum(1 for x in e if not x[4]) - shared
        user = sum(1 for x in e if x[4] and x[5] & PTE_U)
        print("page table of pid %d (%s): %d valid PTEs, %d table pages, "
              "%d user pages%s" % (pid, name, len(e), tables, user,
                                   ", %d shared tables" % shared if shared else ""))

        def indent(level):
            return ".. " * (2 - level) + ".."

        def line(x):
            level, i, va, pa, leaf, bits = x
            what = ("page" if leaf else "shared table"
                    if shared_table(bits, level) else "table")
            print("%s%d: va 0x%x-0x%x %s 0x%x %s" % (
                indent(level), i, va, va + span(level) - 1,
                what, pa, flags(bits)))

        def alike(a, b):
            return (a[4] and b[4] and a[0] == b[0] and a[5] == b[5]
                    and b[1] == a[1] + 1)

        i = 0
        while i < len(e):
            j = i + 1
            while j < len(e) and alike(e[j - 1], e[j]):
                j += 1
            if j - i < FOLD_MIN:
                for x in e[i:j]:
                    line(x)
            else:
                line(e[i])
                print("%s   %d more leaves like the above, va 0x%x-0x%x" % (
                    indent(e[i][0]), j - i - 2, e[i + 1][2],
                    e[j - 2][2] + span(e[i][0]) - 1))
                line(e[j - 1])
            i = j


class Pte(gdb.Command):
    """lz-pte PID VA: the PTE at each level of the walk for VA in PID, and
    the physical address VA maps to."""

    def __init__(self):
        super().__init__("lz-pte", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        pid, va = args(arg, 2, "lz-pte PID VA")
        if not 0 <= va < 1 << 38:
            raise gdb.GdbError("va 0x%x is outside Sv39's user half" % va)
        root = find(pid)[4]
        ptes = read_table(None, root)
        for level in (2, 1, 0):
            i = (va >> (12 + 9 * level)) & 0x1ff
            pte = ptes[i]
            where = "level %d index %d: pte 0x%x" % (level, i, pte)
            if shared_table(pte, level):
                print("%s shared table 0x%x (invalid for the MMU: the "
                      "first access makes it the process's own)"
                      % (where, pte2pa(pte)))
                ptes = read_table(pte2pa(pte))
                continue
            if not pte & 1:
                print("%s invalid: va 0x%x is not mapped" % (where, va))
                return
            if pte & RIGHTS:
                print("%s page 0x%x %s" % (where, pte2pa(pte), flags(pte)))
                pa = pte2pa(pte) + va % span(level)
                word = struct.unpack("<Q", read_phys(pa & ~7, 8))[0]
                print("va 0x%x -> pa 0x%x (8 bytes there: 0x%016x)"
                      % (va, pa, word))
                return
            print("%s table 0x%x" % (where, pte2pa(pte)))
            if level > 0:
                ptes = read_table(pte2pa(pte))
        print("va 0x%x: the walk ends in a level-0 table entry without "
              "rights" % va)


Ps()
VmPrint()
Pte()
