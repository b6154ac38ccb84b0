#!/usr/bin/env python3
"""Time what large pages change (user/lpbench.c); print docs/benchmarks.md's
"Large pages" tables.

    python3 tools/lpbench.py [--trials 3] [--mem 2G] [--quick]

Boots the kernel on one hart with --mem of RAM (2G: the random-access case
holds 256 MiB), on a copy of fs.img (build/fs-lpbench.img), and types
`lpbench CASE MiB ROUNDS LARGE FAULTAROUND` at the shell for each case,
with large pages on and off. As tools/bench.py does for vmbench, the CPU
time QEMU spent between lpbench's begin and end lines is the measurement;
the median of --trials counts. lpbench's own line gives the faults per
round and the page-table pages of the heap fully there, which do not vary
between trials. The tables are printed, for pasting into
docs/benchmarks.md under a line saying when and at which commit.
Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import statistics
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import commit, cpu_seconds, dur, host_cpu, qemu_version  # noqa: E402
from guest import BUILD, ROOT, Guest, qemu_command  # noqa: E402

TIMEOUT = 300
# (label, case, MiB, rounds, fault-around): each runs with large pages
# on and off; a trial of a case takes about a second of QEMU time or less
# (the host's CPU clock ticks every 10 ms).
CASES = [
    ("touch 64 MiB, eager (`sbrk`)", "touch-eager", 64, 16, 1),
    ("touch 64 MiB, lazy, fault-around on", "touch-lazy", 64, 16, 1),
    ("touch 64 MiB, lazy, fault-around off", "touch-lazy", 64, 6, 0),
    ("1 million random loads and stores over 256 MiB", "random", 256, 4, 1),
]
END = re.compile(r"^lpbench: end (\S+) (\d+) (\w+) -?\d+ ticks\n", re.M)
STATS = re.compile(r"^lpbench: faults (\d+) tables (\d+) large (\d+) per round", re.M)


def run(g, case, mib, rounds, large, fa):
    """(QEMU CPU seconds per round, faults, tables, large) of one run."""
    start = g.size()
    g.send("lpbench %s %d %d %d %d\n" % (case, mib, rounds, large, fa))
    begin = "lpbench: begin %s\n" % case
    status = g.wait_for(start, lambda t: begin in t or t.endswith("$ "), TIMEOUT)
    t0 = cpu_seconds(g.proc.pid)
    if status == "ok" and begin in g.text(start):
        status = g.wait_for(start, lambda t: END.search(t) or t.endswith("$ "), TIMEOUT)
    t1 = cpu_seconds(g.proc.pid)
    if status == "ok":
        status = g.wait_prompt(start, TIMEOUT)
    m = STATS.search(g.text(start))
    if status != "ok" or not END.search(g.text(start)) or not m:
        sys.exit("lpbench %s: %s; output %r" % (case, status, g.text(start)[-300:]))
    return ((t1 - t0) / rounds,) + tuple(int(x) for x in m.groups())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trials", type=int, default=3)
    p.add_argument("--mem", default="2G")
    p.add_argument("--quick", action="store_true", help="one trial of one round each")
    p.add_argument("--kernel", default=os.path.join(ROOT, "kernel", "kernel"))
    p.add_argument("--image", default=os.path.join(ROOT, "fs.img"))
    p.add_argument("--qemu", default="qemu-system-riscv64")
    args = p.parse_args()
    image = os.path.join(BUILD, "fs-lpbench.img")
    shutil.copyfile(args.image, image)
    log = open(os.path.join(BUILD, "lpbench-console.log"), "w", encoding="latin-1")
    g = Guest(qemu_command(args.qemu, args.kernel, image, 1, args.mem), log, threading.Lock())
    results = {}
    try:
        if g.wait_prompt(0, 60) != "ok":
            sys.exit("no shell prompt after boot")
        for trial in range(1 if args.quick else args.trials):
            for label, case, mib, rounds, fa in CASES:
                for large in (1, 0):
                    r = run(g, case, mib, 1 if args.quick else rounds, large, fa)
                    results.setdefault((label, large), []).append(r)
                    print("trial %d: %-50s large %d: %.3f s, %d faults, %d tables, %d large"
                          % ((trial + 1, label, large) + r), flush=True)
        g.send("halt\n")
        g.wait_exit(20)
    finally:
        g.kill()
        log.close()

    print("\nMeasured with tools/lpbench.py on %s with %s, `-smp 1 -m %s`, QEMU's CPU "
          "time, median of %d trials; commit %s.\n" % (
              host_cpu(), qemu_version(args.qemu), args.mem,
              1 if args.quick else args.trials, commit()))
    print("| case | large pages | time per round | faults | page-table pages | "
          "large pages made |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, case, mib, rounds, fa in CASES:
        for large in (1, 0):
            rs = results[(label, large)]
            secs = statistics.median(r[0] for r in rs)
            _, faults, tables, made = rs[-1]
            print("| %s | %s | %s | %d | %d | %d |" % (label, "on" if large else "off",
                                                       dur(secs), faults, tables, made))


if __name__ == "__main__":
    main()
