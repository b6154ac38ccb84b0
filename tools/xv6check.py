#!/usr/bin/env python3
"""Run xv6's own test programs on xv6 and on Lazuli, side by side.

    python3 tools/xv6check.py [--cpus 3] [--mem 128M] [--grind-seconds 60]
                              [--only PROG]... XV6DIR...

Each XV6DIR is a built xv6-riscv tree (kernel/kernel and fs.img made, as
`make kernel/kernel fs.img` does). For each tree, the tree's own kernel and
then Lazuli's (kernel/kernel of this checkout) boot on a fresh copy of the
tree's fs.img, and each runs whichever of these programs the image holds:

    usertests -q          the quick tests; stops at the first failure
    usertests NAME        each slow test by name (the slowtests[] list of
                          the tree's user/usertests.c)
    cowtest, mmaptest, forktest, stressfs
    grind                 started in the background; after --grind-seconds
                          the shell must still answer a command, ^P must
                          list grind, and the console must show no
                          "grind:" complaint, no kill and no panic; the
                          result counts grind's progress marks (A and B,
                          one per 500 steps of a child). QEMU is then
                          killed, so grind runs last.

A result is the program's own verdict: the line it prints on success
("ALL TESTS PASSED", "ALL COW TESTS PASSED", "fork test OK", ...), with the
shell prompt back and no kernel panic; anything else is FAIL with a short
reason. A panic or a program that does not bring the prompt back within
--timeout fails it, and the next program boots a fresh copy of the image.
The table gives each result and its wall-clock seconds. Exit status 1 when
Lazuli fails a program that xv6 passes. Console output goes to
build/xv6check-console.log. Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guest import BUILD, PANIC, ROOT, Guest, qemu_command, tail  # noqa: E402

# Used when a tree has no user/usertests.c to read the list from: the
# slow tests of xv6-riscv's 2025 edition.
SLOW_2025 = ["bigdir", "manywrites", "badwrite", "execout", "diskfull",
             "outofinodes"]
PROGRAMS = ["usertests", "cowtest", "mmaptest", "forktest", "stressfs", "grind"]
# A user process killed by the kernel: xv6's message and Lazuli's.
KILLED = re.compile(r"usertrap\(\): unexpected scause.*|^pid \d+ \S+: killed: .*",
                    re.M)
ALIVE_TIMEOUT = 60    # seconds the shell may take to answer during grind


def slow_tests(tree):
    """The names in usertests.c's slowtests[] array, in order."""
    try:
        with open(os.path.join(tree, "user", "usertests.c")) as f:
            src = f.read()
    except OSError:
        return SLOW_2025
    m = re.search(r"slowtests\[\]\s*=\s*\{(.*?)\n\s*\};", src, re.S)
    if not m:
        return SLOW_2025
    return re.findall(r'"(\w+)"', m.group(1))


def last_line(out):
    lines = [l.strip() for l in out.split("\n")[1:-1] if l.strip()]
    return lines[-1][:60] if lines else "no output"


def judge_usertests(out):
    if re.search(r"^ALL TESTS PASSED$", out, re.M):
        return True, ""
    end = re.search(r"FAILED\n", out)
    names = re.findall(r"^test (\w+): ", out[:end.start()] if end else "", re.M)
    if names:
        return False, "test %s failed" % names[-1]
    m = re.search(r"^(FAILED -- .*|NO TESTS EXECUTED)$", out, re.M)
    if m:
        return False, m.group(1)[:60]
    return False, "no ALL TESTS PASSED; last line %r" % last_line(out)


def judge_line(success, failure=None, kills_expected=False):
    """A judge for a program that prints success on success; failure (a
    regex) finds the line that says why it failed. A kill line fails the
    program unless kills_expected: a test that checks that an access kills
    (mmaptest's children touch unmapped and read-only pages) is judged by
    its own verdict alone."""
    def judge(out):
        killed = KILLED.search(out)
        if killed and not kills_expected:
            return False, killed.group(0)[:60]
        if re.search("^%s$" % re.escape(success), out, re.M):
            return True, ""
        m = failure and re.search(failure, out, re.M)
        return False, (m.group(0) if m else last_line(out))[:60]
    return judge


JUDGES = {
    "cowtest": judge_line("ALL COW TESTS PASSED",
                          r"^.*(failed|wrong|error|modified).*$"),
    "mmaptest": judge_line("mmaptest: all tests succeeded",
                           r"^mmaptest failure: .*$", kills_expected=True),
    "forktest": judge_line("fork test OK"),
    # stressfs prints no verdict: it must reach its read phase and come
    # back to the prompt with nobody killed.
    "stressfs": judge_line("read"),
}


class Session:
    """One kernel booted on copies of one image, a program at a time."""

    def __init__(self, args, kernel, image, copy, log, loglock):
        self.args = args
        self.kernel = kernel
        self.image = image
        self.copy = copy
        self.log = log
        self.loglock = loglock
        self.guest = None
        self.names = None      # the root directory's names, after a boot

    def note(self, msg):
        with self.loglock:
            self.log.write("\n===== %s =====\n" % msg)
            self.log.flush()

    def boot(self):
        """Boot on a fresh copy; returns None or why it failed."""
        shutil.copyfile(self.image, self.copy)
        cmd = qemu_command(self.args.qemu, self.kernel, self.copy,
                           self.args.cpus, self.args.mem)
        self.note(" ".join(cmd))
        g = Guest(cmd, self.log, self.loglock)
        status = g.wait_prompt(0, self.args.boot_timeout)
        if status != "ok":
            g.kill()
            return why(status, g, 0, "shell prompt after boot")
        self.guest = g
        if self.names is None:
            out, status, _ = self.run("ls", 60)
            if status != "ok":
                return "ls: " + status
            self.names = {l.split()[0] for l in out.split("\n")[1:-1]
                          if l.split()}
        return None

    def drop(self):
        if self.guest:
            self.guest.kill()
            self.guest = None

    def run(self, line, timeout):
        """Type line, wait for the prompt. Returns (output, status,
        seconds until the last output)."""
        g = self.guest
        start = g.size()
        t0 = time.monotonic()
        g.send(line + "\n")
        status = g.wait_prompt(start, timeout)
        secs = g.last - t0
        out = g.text(start)
        if status != "ok":
            out = why(status, g, start, "prompt after %r" % line, timeout)
        return out, status, secs

    def check(self, line, judge):
        """Run line on a live guest (booting one if needed) and judge it.
        Returns (verdict, seconds)."""
        if self.guest is None:
            err = self.boot()
            if err:
                return "FAIL: boot: " + err, None
        out, status, secs = self.run(line, self.args.timeout)
        if status != "ok":
            self.drop()
            return "FAIL: " + out, secs
        ok, reason = judge(out)
        return ("PASS" if ok else "FAIL: " + reason), secs

    def grind(self):
        """grind in the background for --grind-seconds, then a command
        that must still be answered and a ^P list that must show grind.
        QEMU is killed afterwards."""
        if self.guest is None:
            err = self.boot()
            if err:
                return "FAIL: boot: " + err, None
        g = self.guest
        start = g.size()
        t0 = time.monotonic()
        g.send("grind &\n")
        status = g.wait_for(start, lambda t: "grind: " in t or
                            KILLED.search(t), self.args.grind_seconds)
        text = g.text(start)
        verdict = None
        if status == "ok":
            m = re.search(r"grind: .*|" + KILLED.pattern, text, re.M)
            verdict = "FAIL: " + m.group(0)[:60]
        elif status != "timeout":
            verdict = "FAIL: " + why(status, g, start, "grind to run",
                                     self.args.grind_seconds)
        marks = len(re.findall("[AB]", text))
        if verdict is None:
            # The answer must come twice: the console's echo of the typed
            # line and echo's output. grind's marks may land anywhere, so
            # they are removed before counting.
            here = g.size()
            g.send("echo lzalive\n")
            status = g.wait_for(
                here, lambda t: re.sub("[AB]", "", t).count("lzalive") >= 2,
                ALIVE_TIMEOUT)
            if status != "ok":
                verdict = "FAIL: " + why(status, g, here, "echo's answer",
                                         ALIVE_TIMEOUT)
        if verdict is None:
            # ^P lists the processes (xv6 and Lazuli alike): grind must
            # still be among them, not have died or never started.
            here = g.size()
            g.send("\x10")
            status = g.wait_for(here, lambda t: re.search(
                r"^\d+ \w+ +grind\b", re.sub("[AB]", "", t), re.M),
                ALIVE_TIMEOUT)
            if status != "ok":
                verdict = "FAIL: " + why(status, g, here, "grind in ^P's list",
                                         ALIVE_TIMEOUT)
            else:
                verdict = "PASS (%d marks)" % marks
        secs = time.monotonic() - t0
        self.drop()
        return verdict, secs


def why(status, g, start, waiting, timeout=None):
    text = g.text(start)
    if status == "panic":
        m = PANIC.search(text)
        line = text[text.rfind("\n", 0, m.start()) + 1:]
        return "panic: " + line.split("\n")[0][:80]
    if status == "exit":
        return "QEMU exited (%s) waiting for %s" % (g.proc.poll(), waiting)
    return "no %s within %d s; last output %s" % (waiting, timeout, tail(text))


def checks(tree, only):
    """(label, program, command line, judge) for every check of a tree."""
    out = []
    for prog in PROGRAMS:
        if prog == "usertests":
            if not only or "usertests" in only or "usertests -q" in only:
                out.append(("usertests -q", prog, "usertests -q",
                            judge_usertests))
            for name in slow_tests(tree):
                label = "usertests " + name
                if not only or "usertests" in only or label in only \
                        or name in only:
                    out.append((label, prog, label, judge_usertests))
        elif not only or prog in only:
            out.append((prog, prog, prog, JUDGES.get(prog)))
    return out


def run_kernel(args, tree, kernel, tag, log, loglock, results):
    """Fill results, {label: (verdict, seconds)}, for one kernel on one
    tree's image."""
    os.makedirs(os.path.join(BUILD, "xv6check"), exist_ok=True)
    copy = os.path.join(BUILD, "xv6check", "%s-%d.img" % (tag, os.getpid()))
    s = Session(args, kernel, os.path.join(tree, "fs.img"), copy, log, loglock)
    try:
        for label, prog, line, judge in checks(tree, args.only):
            if s.names is None and s.guest is None:
                err = s.boot()
                if err:
                    results[label] = ("FAIL: boot: " + err, None)
                    s.drop()
                    s.names = None
                    continue
            if prog not in s.names:
                results[label] = ("absent", None)
                continue
            s.note("%s: %s" % (tag, label))
            if prog == "grind":
                results[label] = s.grind()
            else:
                results[label] = s.check(line, judge)
            print("  %-8s %-22s %s" % (tag.split("-")[-1], label,
                                       results[label][0]), flush=True)
    finally:
        s.drop()
        if os.path.exists(copy):
            os.unlink(copy)


def commit(tree):
    try:
        return subprocess.run(["git", "-C", tree, "log", "-1",
                               "--format=%h %cs %s"],
                              capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git tree"


def short(verdict, width):
    return verdict if len(verdict) <= width else verdict[:width - 3] + "..."


def secs(s):
    return "-" if s is None else "%.2f" % s


def table(tree, args, labels, xv6, lz):
    """Print the table of one tree; return the reasons it left out."""
    print("\n%s (%s), %d harts, %s, grind %d s" % (
        tree, commit(tree), args.cpus, args.mem, args.grind_seconds))
    w = 30
    print("%-22s %-*s %-*s %8s %8s" % ("program", w, "xv6", w, "Lazuli",
                                       "xv6 s", "Lazuli s"))
    notes = []
    for label in labels:
        (vx, sx), (vl, sl) = (r.get(label, ("not run", None))
                              for r in (xv6, lz))
        if vx == "absent" and vl == "absent":
            continue
        print("%-22s %-*s %-*s %8s %8s" % (label, w, short(vx, w), w,
                                           short(vl, w), secs(sx), secs(sl)))
        for k, v in (("xv6", vx), ("Lazuli", vl)):
            if len(v) > w:
                notes.append("%s on %s: %s" % (label, k, v))
    for n in notes:
        print("  " + n)
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("trees", nargs="+", metavar="XV6DIR")
    p.add_argument("--cpus", type=int, default=3)
    p.add_argument("--mem", default="128M")
    p.add_argument("--grind-seconds", type=float, default=60)
    p.add_argument("--only", action="append", metavar="PROG",
                   help="run just this program ('usertests -q', 'usertests "
                        "NAME' or NAME for one slow test, 'usertests' for "
                        "all of them, cowtest, ...); may be repeated")
    p.add_argument("--timeout", type=float, default=1200,
                   help="seconds one program may take (default 1200)")
    p.add_argument("--boot-timeout", type=float, default=60)
    p.add_argument("--kernel", default=os.path.join(ROOT, "kernel", "kernel"),
                   help="Lazuli's kernel (default kernel/kernel)")
    p.add_argument("--qemu", default="qemu-system-riscv64")
    args = p.parse_args()
    for t in args.trees:
        for f in ("kernel/kernel", "fs.img"):
            if not os.path.isfile(os.path.join(t, f)):
                p.error("%s has no %s (run make kernel/kernel fs.img there)"
                        % (t, f))
    if not os.path.isfile(args.kernel):
        p.error("no Lazuli kernel %s (run make first)" % args.kernel)
    for o in args.only or []:
        if not any(checks(t, [o]) for t in args.trees):
            p.error("--only %r names no program of %s" % (o, " ".join(PROGRAMS)))

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    os.makedirs(BUILD, exist_ok=True)
    log = open(os.path.join(BUILD, "xv6check-console.log"), "w",
               encoding="latin-1")
    loglock = threading.Lock()
    regressions = 0
    done = []
    try:
        for n, tree in enumerate(args.trees):
            tree = os.path.abspath(tree)
            tag = "%d-%s" % (n, os.path.basename(tree))
            labels = [c[0] for c in checks(tree, args.only)]
            xv6, lz = {}, {}
            done.append((tree, labels, xv6, lz))   # shown even if interrupted
            print("%s: xv6" % tree, flush=True)
            run_kernel(args, tree, os.path.join(tree, "kernel", "kernel"),
                       tag + "-xv6", log, loglock, xv6)
            print("%s: Lazuli" % tree, flush=True)
            run_kernel(args, tree, args.kernel, tag + "-lazuli", log, loglock,
                       lz)
            regressions += sum(1 for l in labels if xv6[l][0].startswith("PASS")
                               and not lz[l][0].startswith("PASS"))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        regressions += 1
    finally:
        log.close()
    for tree, labels, xv6, lz in done:
        table(tree, args, labels, xv6, lz)
    sys.exit(1 if regressions else 0)


if __name__ == "__main__":
    main()
