#!/usr/bin/env python3
"""Boot Lazuli in QEMU, drive its shell through the console, report results.

The guest's test programs print "PASS name" or "FAIL name: why" lines; this
driver collects them, adds its own checks, and ends with "N passed, N
failed" (exit status 1 if anything failed).

    python3 tools/runtests.py [--cpus 3] [--mem 128M] [--swap 64M]
                              [--only PROG|stage]...

What it does, on a copy of fs.img (build/fs-test.img) and a swap disk of
--swap bytes (build/swap-test.img; --swap 0 for none):
  1. boot, wait for the shell prompt "$ "; the kernel must report the
     swap disk's size, and `free` show it;
  2. `testrun PROG` for every test program (user/*test*.c but testrun and
     crashtest): the program's own lines plus leak:PROG and exit:PROG, and
     the kernel's lines CONSOLE_LINES expects in its output;
  3. shell checks (pipes, redirection, cd) typed at the prompt;
  4. console checks: backspace, ^U, ^D;
  5. crash rounds: `crashtest write`, SIGKILL QEMU mid-way, check the raw
     image on the host (fsck, replaying a committed log), boot again on it
     and run `crashtest check LAST`;
  6. `halt`, expect QEMU to exit 0, and fsck the image;
  7. swap: boot with --swap-mem of RAM (16M) and a swap disk twice that
     size, and run swaptest there: eviction, page-in, fork, out of memory,
     several processes over-committing together;
  8. noswap: boot without a swap disk, at --swap-mem too, which the
     kernel must report, and run swaptest (out of memory without swap)
     and a pipe there;
  9. smalldisk: boot on a copy of fs.img one sector short, which the
     kernel must refuse at boot with a panic naming the reason.
Stages for --only: shell, console, crash, swap, noswap, smalldisk (or any test
program's name).

A kernel panic or a command that does not bring the prompt back within its
timeout is a FAIL; QEMU is then killed and the next command boots a fresh
copy of fs.img. Every byte of console output goes to build/test-console.log.
Python 3 standard library only.
"""

import argparse
import fcntl
import glob
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")

PANIC = re.compile(r"\bpanic\b")
STEP = re.compile(r"^crashtest: step (\d+)\n", re.M)
QUIET = 0.3          # seconds of silence after "$ " that mean "at the prompt"
SHORT = 30           # timeout for shell and console commands, seconds
HALT_TIMEOUT = 20    # seconds QEMU may take to exit after `halt`
NOT_TESTS = {"testrun", "crashtest"}
# Programs that size themselves from RAM to drive it into swap: run only
# in the small-memory stages (swap, noswap), not at --mem.
SMALL_MEM_TESTS = {"swaptest"}

# Lines the kernel must print while a test program runs: (program, check,
# pattern). memtest's killers make these kill lines: an address for a
# fault about memory, the instruction and the pc's region for the others.
# (QEMU on one hart reports a misaligned atomic as a misaligned load.)
KILL_LINE = r"pid \d+ memtest: killed: "
CONSOLE_LINES = [
    ("memtest", "kill:illegal_instruction",
     KILL_LINE + r"illegal instruction 0x10002573 at pc 0x[0-9a-f]+ \(program text\)\n"),
    ("memtest", "kill:breakpoint",
     KILL_LINE + r"breakpoint at pc 0x[0-9a-f]+ \(program text\)\n"),
    ("memtest", "kill:misaligned",
     KILL_LINE + r"misaligned (store|load) at va 0x[0-9a-f]*[13579bdf] \(heap, pc 0x[0-9a-f]+\)\n"),
    ("memtest", "kill:page_fault",
     KILL_LINE + r"store page fault at va 0x[0-9a-f]+ \(stack guard page, pc 0x[0-9a-f]+\)\n"),
    # swaptest's hog, when RAM and swap are both gone.
    ("swaptest", "kill:out_of_memory",
     r"pid \d+ swaptest: killed: out of memory at va 0x[0-9a-f]+ \(heap, pc 0x[0-9a-f]+\)\n"),
]
SWAP_MAXSLOTS = 65536   # kernel/mm/mm.h: slots the kernel uses at most
STAGES = ("shell", "console", "crash", "swap", "noswap", "smalldisk")
SMALLDISK = "panic: fsinit: the disk is smaller than its file system"
SWAPLINE = re.compile(r"^swap: (?:(\d+) MiB, (\d+) slots|none)$", re.M)
VMSTAT_SECONDS = 5  # how long vmstat watches swaptest in the swap stage
FREE_SWAP = re.compile(r"^Swap: +(\d+) +(\d+) +(\d+)$", re.M)


class Results:
    """Counts and prints PASS/FAIL lines, the guest's and the driver's."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def line(self, ok, text):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(text, flush=True)

    def ok(self, name):
        self.line(True, "PASS " + name)

    def fail(self, name, why):
        self.line(False, "FAIL %s: %s" % (name, why.replace("\n", " ")))

    def check(self, name, cond, why):
        if cond:
            self.ok(name)
        else:
            self.fail(name, why)
        return cond


class Guest:
    """One QEMU process, its console on a pipe, read by a thread."""

    def __init__(self, cmd, log, loglock):
        self.log = log
        self.loglock = loglock
        self.cond = threading.Condition()
        self.out = ""            # console output of this boot, \r removed
        self.last = time.monotonic()
        self.eof = False
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            text = data.decode("latin-1").replace("\r", "")
            with self.loglock:
                self.log.write(text)
                self.log.flush()
            with self.cond:
                self.out += text
                self.last = time.monotonic()
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def size(self):
        with self.cond:
            return len(self.out)

    def text(self, start=0):
        with self.cond:
            return self.out[start:]

    def send(self, s):
        try:
            self.proc.stdin.write(s.encode("latin-1"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass    # QEMU is gone; the wait that follows notices

    def wait_for(self, start, pred, timeout, quiet=0.0):
        """Wait until pred(output since start) holds and the console has
        been silent for `quiet` seconds. Returns "ok", "panic" (the kernel
        printed panic), "exit" (QEMU ended) or "timeout"."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                now = time.monotonic()
                text = self.out[start:]
                if PANIC.search(text):
                    self.cond.wait(0.5)   # let the rest of the message arrive
                    return "panic"
                done = pred(text)
                if done and (now - self.last >= quiet or self.eof or now >= deadline):
                    return "ok"
                if self.eof:
                    return "exit"
                if now >= deadline:
                    return "timeout"
                delay = quiet - (now - self.last) if done else 1.0
                self.cond.wait(max(0.01, min(delay, deadline - now)))

    def wait_prompt(self, start, timeout):
        return self.wait_for(start, lambda t: t.endswith("$ "), timeout, QUIET)

    def wait_exit(self, timeout):
        """Wait for QEMU to exit; returns its exit status or None."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self.reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.reader.join(5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


def qemu_command(qemu, kernel, image, cpus, mem, swap=None):
    """The command line that boots kernel on image (SPEC.md), with the swap
    disk image swap in the next virtio slot unless it is None."""
    cmd = [qemu, "-machine", "virt", "-bios", "none",
           "-kernel", kernel, "-m", mem, "-smp", str(cpus),
           "-nographic",
           "-global", "virtio-mmio.force-legacy=false",
           "-drive", "file=%s,if=none,format=raw,id=x0" % image,
           "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]
    if swap:
        cmd += ["-drive", "file=%s,if=none,format=raw,id=x1" % swap,
                "-device", "virtio-blk-device,drive=x1,bus=virtio-mmio-bus.1"]
    return cmd


def parse_size(text):
    """Bytes in a size as make and QEMU write it: 64M, 1G, 512K, 0."""
    m = re.fullmatch(r"(\d+)([KMG]?)", text.strip().upper())
    if not m:
        raise ValueError("not a size: %r" % text)
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def make_swap_image(path, size):
    """A swap disk of size bytes at path (sparse: all zeros). Returns path,
    or None for size 0 (no swap disk)."""
    if size == 0:
        return None
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def output_lines(out):
    """A command's output lines: without the echoed command line and the
    prompt that follows the output."""
    lines = out.split("\n")
    return lines[1:-1] if len(lines) > 1 else []


def tail(text, n=70):
    t = text[-n:] if len(text) > n else text
    return repr(t)


# ---- a host-side file-system check (SPEC.md's xv6 disk format)

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


# ---- the run

class Run:
    def __init__(self, args):
        self.args = args
        self.results = Results()
        self.guest = None
        self.boots = 0
        self.fsck_failures = 0
        self.stopped = False      # a boot failed: nothing more can run
        self.rng = random.Random(args.seed)
        os.makedirs(BUILD, exist_ok=True)
        # Several people may test in one checkout: a run that finds the
        # usual files in use takes its own, named after its pid.
        self.lock = open(os.path.join(BUILD, "runtests.lock"), "w")
        suffix = ""
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            suffix = "-%d" % os.getpid()
            print("runtests: another run holds build/runtests.lock; using "
                  "build/fs-test%s.img and build/test-console%s.log"
                  % (suffix, suffix), file=sys.stderr, flush=True)
        self.private = bool(suffix)
        self.image = os.path.join(BUILD, "fs-test%s.img" % suffix)
        self.swap_bytes = parse_size(args.swap)
        self.swap = make_swap_image(os.path.join(BUILD, "swap-test%s.img" % suffix),
                                    self.swap_bytes)
        self.noswap = False       # boot without the swap disk (stage noswap)
        self.mem = args.mem       # RAM of the next boot (stages swap, noswap: less)
        self.log = open(os.path.join(BUILD, "test-console%s.log" % suffix), "w",
                        encoding="latin-1")
        self.loglock = threading.Lock()
        self.note("runtests: seed %d" % args.seed)

    def note(self, msg):
        with self.loglock:
            self.log.write("\n===== %s =====\n" % msg)
            self.log.flush()

    def qemu_cmd(self):
        a = self.args
        return qemu_command(a.qemu, a.kernel, self.image, a.cpus, self.mem,
                            None if self.noswap else self.swap)

    def why(self, status, g, start, timeout, waiting):
        text = g.text(start)
        if status == "panic":
            m = PANIC.search(text)
            line = text[text.rfind("\n", 0, m.start()) + 1:]
            return "kernel panic: %s" % line.split("\n")[0][:120]
        if status == "exit":
            return "QEMU exited (status %s) while waiting for %s" % (
                g.proc.poll(), waiting)
        return "no %s within %d s; last output %s" % (waiting, timeout,
                                                       tail(text))

    def boot(self, fresh, name):
        """Start QEMU, on a fresh copy of fs.img when fresh, and wait for
        the shell prompt. A failed boot ends the run."""
        try:
            if fresh:
                shutil.copyfile(self.args.image, self.image)
            if not os.path.isfile(self.args.kernel):
                raise OSError("no kernel %s" % self.args.kernel)
        except OSError as e:
            self.results.fail(name, "cannot boot: %s (run make first)" % e)
            self.stopped = True
            return False
        self.boots += 1
        self.note("boot %d (%s): %s" % (self.boots, name,
                                        " ".join(self.qemu_cmd())))
        try:
            g = Guest(self.qemu_cmd(), self.log, self.loglock)
        except OSError as e:
            self.results.fail(name, "cannot start %s: %s" % (self.args.qemu, e))
            self.stopped = True
            return False
        status = g.wait_prompt(0, self.args.boot_timeout)
        if status != "ok":
            self.results.fail(name, self.why(status, g, 0, self.args.boot_timeout,
                                             "shell prompt after boot"))
            g.kill()
            self.stopped = True
            return False
        self.guest = g
        return True

    def ensure(self):
        if self.stopped:
            return False
        if self.guest is None:
            return self.boot(True, "reboot")
        return True

    def drop(self, msg):
        """Kill QEMU; the next command boots a fresh image."""
        self.note(msg)
        if self.guest:
            self.guest.kill()
            self.guest = None

    def collect(self, out):
        """Count the PASS/FAIL lines in a command's output. A FAIL that is
        not at the start of its line (output mixed with other output) is
        still counted, never lost."""
        for line in out.split("\n")[:-1]:
            if line.startswith("PASS "):
                self.results.line(True, line)
            elif line.startswith("FAIL "):
                self.results.line(False, line)
            elif "FAIL " in line:
                self.results.line(False, "FAIL garbled: " + line)

    def command(self, name, line, timeout):
        """Type line at the prompt and wait for the next prompt. Returns
        the output, or None when the guest panicked or hung (a FAIL for
        name; QEMU is killed)."""
        if not self.ensure():
            return None
        g = self.guest
        start = g.size()
        g.send(line + "\n")
        status = g.wait_prompt(start, timeout)
        out = g.text(start)
        self.collect(out)
        if status != "ok":
            self.results.fail(name, self.why(status, g, start, timeout,
                                             "shell prompt after %r" % line))
            self.drop("%s: %s" % (name, status))
            return None
        return out

    # -- stages

    def testprog(self, prog):
        out = self.command("run:" + prog, "testrun " + prog, self.args.timeout)
        if out is None:
            return
        if not re.search(r"^(PASS|FAIL) leak:%s\b" % re.escape(prog), out, re.M):
            self.results.fail("run:" + prog, "testrun printed no result for %s: %s"
                              % (prog, tail(out)))
        for p, name, pattern in CONSOLE_LINES:
            if p == prog:
                self.results.check(name, re.search(pattern, out),
                                   "%s printed no line like %r" % (prog, pattern))

    def shell(self):
        res = self.results
        out = self.command("shell:pipe", "echo hello | wc", SHORT)
        if out is not None:
            res.check("shell:pipe",
                      any(l.split() == ["1", "1", "6"] for l in output_lines(out)),
                      "echo hello | wc printed %s, expected 1 1 6" % tail(out))
        out = self.command("shell:redirect", "echo abc > f; cat f", SHORT)
        if out is not None:
            res.check("shell:redirect", output_lines(out) == ["abc"],
                      "cat f printed %s, expected abc" % tail(out))
        out = self.command("shell:cd", "mkdir d; cd d; ls ..", SHORT)
        if out is not None:
            names = [l.split()[0] for l in output_lines(out) if l.split()]
            res.check("shell:cd", "f" in names and "d" in names,
                      "ls .. in d did not list f and d: %s" % tail(out))
        out = self.command("shell:cleanup", "cd ..; rm f; rm d; ls", SHORT)
        if out is not None:
            names = [l.split()[0] for l in output_lines(out) if l.split()]
            res.check("shell:cleanup",
                      "f" not in names and "d" not in names and "cat" in names,
                      "after cd ..; rm f; rm d: ls printed %s" % tail(out))

    def console(self):
        res = self.results
        out = self.command("console:backspace", "echo abX\x7fc", SHORT)
        if out is not None:
            res.check("console:backspace", "abc" in output_lines(out),
                      "echo abX<backspace>c printed %s" % tail(out))
        out = self.command("console:kill_line", "echo wrong\x15echo right", SHORT)
        if out is not None:
            lines = output_lines(out)
            res.check("console:kill_line",
                      "right" in lines and not any("wrong" in l for l in lines),
                      "echo wrong<^U>echo right printed %s" % tail(out))
        # ^D at the start of a line ends cat's input.
        if not self.ensure():
            return
        g = self.guest
        start = g.size()
        g.send("cat\n")
        g.send("hi\n")
        status = g.wait_for(start, lambda t: t.split("\n").count("hi") >= 2, SHORT)
        if status == "ok":
            g.send("\x04")
            status = g.wait_prompt(start, SHORT)
        if status == "ok":
            res.ok("console:eof")
        else:
            res.fail("console:eof", self.why(status, g, start, SHORT,
                                             "cat to echo a line and end at ^D"))
            self.drop("console:eof: %s" % status)
            return
        # ^P lists the processes: init (pid 1) and the shell, with a size.
        start = g.size()
        g.send("\x10")
        listed = lambda t: (re.search(r"^1 sleep init \d+K$", t, re.M) and
                            re.search(r"^\d+ \w+ sh \d+K$", t, re.M))
        status = g.wait_for(start, listed, SHORT)
        if status == "ok":
            res.ok("console:procdump")
        else:
            res.fail("console:procdump", self.why(status, g, start, SHORT,
                                                  "^P to list init and sh"))
        start = g.size()
        g.send("\n")   # a fresh prompt for whatever comes next
        g.wait_prompt(start, SHORT)

    def crash(self, rnd):
        res = self.results
        if not self.ensure():
            return
        g = self.guest
        want = self.rng.randint(3, 12)
        start = g.size()
        self.note("crash round %d: kill after %d steps" % (rnd, want))
        g.send("crashtest write\n")
        status = g.wait_for(
            start, lambda t: len(STEP.findall(t)) >= want or t.endswith("$ "),
            self.args.timeout)
        text = g.text(start)
        if status != "ok":
            res.fail("crash:write", self.why(status, g, start, self.args.timeout,
                                             "%d crashtest steps" % want))
            self.drop("crash:write: %s" % status)
            return
        if len(STEP.findall(text)) < want:
            res.fail("crash:write", "crashtest write stopped: %s" % tail(text))
            return
        time.sleep(self.rng.uniform(0, 0.3))   # land anywhere in a step
        g.kill()
        self.guest = None
        steps = [int(s) for s in STEP.findall(g.text(start))]
        last = max(steps)
        self.note("crash round %d: QEMU killed after step %d" % (rnd, last))
        self.fsck("fsck:crash")
        if not self.boot(False, "crash:reboot"):
            return
        res.ok("crash:reboot")
        out = self.command("crash:check", "crashtest check %d" % last, SHORT * 4)
        if out is not None and not re.search(r"^(PASS|FAIL) crash:", out, re.M):
            res.fail("crash:check", "crashtest check printed no results: %s"
                     % tail(out))

    def fsck(self, name):
        """Check the image on the host (QEMU must not be running on it).
        An image that fails is kept for a closer look."""
        problems = fsck(self.image)
        why = "; ".join(problems[:4])
        if problems:
            self.fsck_failures += 1
            keep = "%s.%s-%d" % (self.image, name.replace(":", "-"),
                                 self.fsck_failures)
            shutil.copyfile(self.image, keep)
            why += "%s; image kept as %s" % ("; ..." if len(problems) > 4 else "",
                                             os.path.relpath(keep, ROOT))
        self.results.check(name, not problems, why)

    def swapcheck(self, prefix):
        """The kernel's boot line and `free` tell the swap disk's size: the
        disk in pages (at most SWAP_MAXSLOTS), or none."""
        res = self.results
        m = SWAPLINE.search(self.guest.text(0))
        size = 0 if self.noswap else self.swap_bytes
        slots = min(size // 4096, SWAP_MAXSLOTS)
        if size == 0:
            want = "swap: none"
        else:
            want = "swap: %d MiB, %d slots" % (size >> 20, slots)
        res.check(prefix + ":swap_size", m and m.group(0) == want,
                  "boot said %r, expected %r" % (m and m.group(0), want))
        out = self.command(prefix + ":free", "free", SHORT)
        if out is None:
            return
        f = FREE_SWAP.search(out)
        res.check(prefix + ":free", f and int(f.group(1)) == slots * 4 and
                  int(f.group(2)) + int(f.group(3)) == slots * 4,
                  "free's Swap line is %r, expected %d KiB in all"
                  % (f and f.group(0), slots * 4))

    def small_memory(self):
        """Stage swap: RAM small enough that the swap tests drive it into
        swap in seconds, and a swap disk of twice that RAM (the
        out-of-memory test fills both)."""
        self.mem = self.args.swap_mem
        big = self.swap
        self.swap = make_swap_image(big + ".small", 2 * parse_size(self.mem))
        if self.boot(True, "swap:boot"):
            self.results.ok("swap:boot")
            for prog in sorted(SMALL_MEM_TESTS):
                self.testprog(prog)
            self.vmstat_check()
            self.halt()
        os.unlink(self.swap)
        self.swap = big
        self.mem = self.args.mem

    def vmstat_check(self):
        """vmstat watches a workload in the background: one line a second,
        eight columns of numbers, and pages going out to swap and coming
        back while swaptest's heap round trip (1.5x RAM) runs."""
        name = "swap:vmstat"
        out = self.command(name, "swaptest swap:heap_roundtrip & vmstat 1 %d"
                           % VMSTAT_SECONDS, VMSTAT_SECONDS + SHORT)
        if out is None:
            return
        rows = [[int(x) for x in l.split()] for l in output_lines(out)
                if re.fullmatch(r" *\d+( +\d+){7} *", l)]
        header = any(l.split()[:3] == ["free", "cached", "swapped"]
                     for l in output_lines(out))
        intervals = rows[1:]   # the first line counts since boot
        outs = sum(r[6] for r in intervals)
        ins = sum(r[5] for r in intervals)
        self.results.check(
            name, header and len(intervals) >= VMSTAT_SECONDS - 1 and outs > 0 and
            ins > 0 and "PASS swap:heap_roundtrip" in out,
            "header %s, %d interval lines, %d pages/s out and %d in all told, "
            "the workload %s; output %s"
            % (header, len(intervals), outs, ins,
               "passed" if "PASS swap:heap_roundtrip" in out else "did not pass in time",
               tail(out, 300)))

    def without_swap(self):
        """Stage noswap: everything works without a swap disk."""
        self.noswap = True
        self.mem = self.args.swap_mem
        if not self.boot(True, "noswap:boot"):
            return
        self.results.ok("noswap:boot")
        self.swapcheck("noswap")
        self.testprog("swaptest")
        out = self.command("noswap:pipe", "echo hello | wc", SHORT)
        if out is not None:
            self.results.check("noswap:pipe",
                               any(l.split() == ["1", "1", "6"]
                                   for l in output_lines(out)),
                               "echo hello | wc printed %s" % tail(out))
        self.halt()

    def small_disk(self):
        """Stage smalldisk: a disk too small for its file system is refused
        at boot. Otherwise the first program whose write allocates a block
        past the end of the disk panics the kernel."""
        name = "smalldisk:refused"
        try:
            shutil.copyfile(self.args.image, self.image)
            os.truncate(self.image, os.path.getsize(self.image) - 512)
        except OSError as e:
            self.results.fail(name, "cannot make the short image: %s" % e)
            return
        self.note("boot (%s): %s" % (name, " ".join(self.qemu_cmd())))
        g = Guest(self.qemu_cmd(), self.log, self.loglock)
        status = g.wait_prompt(0, self.args.boot_timeout)
        deadline = time.monotonic() + SHORT   # the rest of the panic's line
        while status == "panic" and SMALLDISK + "\n" not in g.text() and \
                time.monotonic() < deadline and not g.eof:
            time.sleep(0.1)
        text = g.text()
        g.kill()
        self.results.check(name, status == "panic" and SMALLDISK in text,
                           "booting on a disk one sector short of its file system "
                           "ended with %s, not %r; last output %s"
                           % (status, SMALLDISK, tail(text)))

    def halt(self):
        if not self.ensure():
            return
        g = self.guest
        self.guest = None
        g.send("halt\n")
        rc = g.wait_exit(HALT_TIMEOUT)
        if rc is None:
            self.results.fail("halt", "QEMU still running %d s after halt; "
                              "last output %s" % (HALT_TIMEOUT, tail(g.text())))
            g.kill()
        else:
            g.kill()
            self.results.check("halt", rc == 0, "QEMU exited with status %d" % rc)

    def programs(self):
        names = []
        for path in sorted(glob.glob(os.path.join(ROOT, "user", "*.c"))):
            name = os.path.basename(path)[:-2]
            if "test" in name and name not in NOT_TESTS | SMALL_MEM_TESTS:
                names.append(name)
        return names

    def all(self):
        only = self.args.only or []
        for o in only:
            if o not in STAGES and not re.fullmatch(r"[A-Za-z0-9_.-]+", o):
                self.results.fail("usage", "--only %r is no program or stage" % o)
                return
        progs = [o for o in only if o not in STAGES] if only else self.programs()
        stages = [s for s in STAGES if not only or s in only]
        if not self.boot(True, "boot"):
            return
        self.results.ok("boot")
        self.swapcheck("boot")
        for prog in progs:
            self.testprog(prog)
        if "shell" in stages:
            self.shell()
        if "console" in stages:
            self.console()
        if "crash" in stages:
            for rnd in range(self.args.crash_rounds):
                self.crash(rnd)
        self.halt()
        if not self.stopped:
            self.fsck("fsck:final")
        if "swap" in stages and self.swap and not self.stopped:
            self.small_memory()
        if "noswap" in stages and self.swap and not self.stopped:
            self.without_swap()
        if "smalldisk" in stages and not self.stopped:
            self.small_disk()

    def close(self):
        if self.guest:
            self.guest.kill()
            self.guest = None
        self.log.close()
        self.lock.close()
        if self.private and os.path.exists(self.image):
            os.unlink(self.image)
        if self.private and self.swap and os.path.exists(self.swap):
            os.unlink(self.swap)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cpus", type=int, default=3)
    p.add_argument("--mem", default="128M")
    p.add_argument("--swap", default="64M",
                   help="size of the swap disk (default 64M; 0: none)")
    p.add_argument("--swap-mem", default="16M",
                   help="RAM of the swap and noswap stages (default 16M)")
    p.add_argument("--only", action="append", metavar="PROG",
                   help="run just this test program or stage (shell, console, "
                        "crash); may be repeated")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds each test program may take (default 300)")
    p.add_argument("--boot-timeout", type=float, default=60)
    p.add_argument("--crash-rounds", type=int, default=3)
    p.add_argument("--seed", type=int, default=None,
                   help="for the crash timing (default: from the clock)")
    p.add_argument("--kernel", default=os.path.join(ROOT, "kernel", "kernel"))
    p.add_argument("--image", default=os.path.join(ROOT, "fs.img"))
    p.add_argument("--qemu", default="qemu-system-riscv64")
    args = p.parse_args()
    if args.seed is None:
        args.seed = int(time.time() * 1000) % 1000000

    # SIGTERM and SIGHUP unwind like ^C, so QEMU is always killed.
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    run = Run(args)
    try:
        run.all()
    except KeyboardInterrupt:
        run.results.fail("run", "interrupted")
    finally:
        run.close()
    print("%d passed, %d failed" % (run.results.passed, run.results.failed),
          flush=True)
    sys.exit(1 if run.results.failed or not run.results.passed else 0)


if __name__ == "__main__":
    main()
