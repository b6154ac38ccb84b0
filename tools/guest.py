#!/usr/bin/env python3
"""Lazuli under QEMU, for the tools that drive it (runtests, gdbcheck,
bench, lpbench, pagingexp, xv6check): one QEMU process with its console
on a pipe (Guest), the QEMU command line for a kernel and its disks, the
swap disk image, and PASS/FAIL bookkeeping (Results). Python 3 standard
library only.
"""

import os
import re
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")

PANIC = re.compile(r"\bpanic\b")
QUIET = 0.3          # seconds of silence after "$ " that mean "at the prompt"


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
