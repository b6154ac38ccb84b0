#!/usr/bin/env python3
"""The stages of tools/runtests.py beyond the test programs: shell and
console checks typed at the prompt, crash rounds with a host-side fsck,
the swap disk's size, the small-memory stages (swap, noswap, vmstat
watching a workload) and a disk too small for its file system. A mixin
of runtests.Run, whose boot, command and results they use. Python 3
standard library only.
"""

import os
import re
import shutil
import time

from fsck import fsck
from guest import ROOT, Guest, make_swap_image, output_lines, parse_size, tail

STEP = re.compile(r"^crashtest: step (\d+)\n", re.M)
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
    # swaptest's hog, when RAM and swap are both gone: at a store to its
    # heap, or at an instruction whose page of text was dropped meanwhile
    # (the hog's own reclaim may take it: its TLB keeps the translation,
    # so the accessed bit is not set again).
    ("swaptest", "kill:out_of_memory",
     r"pid \d+ swaptest: killed: out of memory at va 0x[0-9a-f]+ "
     r"\((heap|program text), pc 0x[0-9a-f]+\)\n"),
]
SWAP_MAXSLOTS = 65536   # kernel/mm/mm.h: slots the kernel uses at most
STAGES = ("shell", "console", "crash", "swap", "noswap", "smalldisk")
SMALLDISK = "panic: fsinit: the disk is smaller than its file system"
SWAPLINE = re.compile(r"^swap: (?:(\d+) MiB, (\d+) slots|none)$", re.M)
VMSTAT_SECONDS = 5  # how long vmstat watches swaptest in the swap stage
FREE_SWAP = re.compile(r"^Swap: +(\d+) +(\d+) +(\d+)$", re.M)


class Stages:
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
