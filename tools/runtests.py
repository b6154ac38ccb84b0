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
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stages import (CONSOLE_LINES, HALT_TIMEOUT, NOT_TESTS,  # noqa: E402
                    SMALL_MEM_TESTS, STAGES, Stages)
from guest import (BUILD, PANIC, ROOT, Guest, Results, make_swap_image,  # noqa: E402
                   parse_size, qemu_command, tail)


# ---- the run

class Run(Stages):
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
