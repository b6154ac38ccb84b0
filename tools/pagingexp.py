#!/usr/bin/env python3
"""The paging experiment measured by the kernel: fault rate and time per policy.

    python3 tools/pagingexp.py [--mem 24M] [--swap 64M] [--refs 10]
                               [--patterns loop,random,hotcold]
                               [--policies fifo,clock,aging,random]
                               [--sizes 0.5,0.75,1,1.25,1.5,1.75,2]
                               [--doc docs/paging.md] [--svg docs/img]

Boots Lazuli with a small memory (--mem) and a swap disk, asks user/
pagingexp how many pages a working set can keep in memory ("frames"),
then runs `pagingexp POLICY PATTERN PAGES REFS` for every pattern, every
policy and working sets of --sizes times the frames, with --refs
references per frame. For each run it records the faults the kernel
counted during the references (pages read back from swap), the pages
written to swap, and QEMU's CPU time. It prints one table per pattern;
--doc rewrites the tables between the `<!-- pagingexp:PATTERN -->`
markers of docs/paging.md (beside tools/pagesim.py's predictions) and
--svg draws each pattern's curve of faults against working-set size as
DIR/kernel-PATTERN.svg. `make bench-paging` runs it with the defaults.
A run that fails (a page came back wrong, the process was killed, the
kernel panicked) stops the experiment with the guest's output. Python 3
standard library only.
"""

import argparse
import os
import re
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import cpu_seconds, commit, host_cpu, qemu_version  # noqa: E402
from docblocks import rewrite_blocks  # noqa: E402
from guest import (BUILD, ROOT, Guest, make_swap_image, parse_size,  # noqa: E402
                   qemu_command)
from svgchart import fault_rate_chart  # noqa: E402

RUN_TIMEOUT = 600      # seconds one pagingexp command may take
LINE = re.compile(r"^pagingexp: (\w+) (\w+) (\d+) (\d+) faults (\d+) ins (\d+) "
                  r"outs (\d+) ticks (-?\d+)\s*$", re.M)
FRAMES = re.compile(r"^pagingexp: frames (\d+)\s*$", re.M)


class ExpError(Exception):
    pass


def command(g, line, timeout):
    """Type line at the shell; return (its output, QEMU CPU seconds it took)."""
    start = g.size()
    t0 = cpu_seconds(g.proc.pid)
    g.send(line + "\n")
    status = g.wait_prompt(start, timeout)
    t1 = cpu_seconds(g.proc.pid)
    out = g.text(start)
    if status != "ok":
        raise ExpError("%s: %s; output %r" % (line, status, out[-400:]))
    return out, t1 - t0


def frames_of(g):
    out, _ = command(g, "pagingexp frames", 30)
    m = FRAMES.search(out)
    if not m:
        raise ExpError("pagingexp frames: output %r" % out[-300:])
    # Leave room for the program itself, its page tables and the kernel's
    # own allocations while it runs: what a working set can really keep.
    return int(m.group(1)) * 9 // 10


def run(g, policy, pattern, pages, refs):
    """{faults, ins, outs, secs} of one run."""
    out, secs = command(g, "pagingexp %s %s %d %d" % (policy, pattern, pages, refs),
                        RUN_TIMEOUT)
    m = LINE.search(out)
    if not m:
        raise ExpError("pagingexp %s %s %d: output %r" % (policy, pattern, pages,
                                                         out[-400:]))
    return {"faults": int(m.group(5)), "ins": int(m.group(6)),
            "outs": int(m.group(7)), "secs": secs}


def table(frames, refs, sizes, policies, results, pattern):
    head = "| working set | " + " | ".join(policies) + " |"
    lines = [head, "| --- |" + " ---: |" * len(policies)]
    for pages in sizes:
        cells = []
        for pol in policies:
            r = results[(pol, pattern, pages)]
            cells.append("%.1f%% (%.2f s)" % (100.0 * r["faults"] / refs, r["secs"]))
        lines.append("| %d pages (%.2fx) | " % (pages, pages / frames) +
                     " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mem", default="24M")
    p.add_argument("--swap", default="64M")
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--refs", type=int, default=10, help="references per frame")
    p.add_argument("--patterns", default="loop,random,hotcold")
    p.add_argument("--policies", default="fifo,clock,aging,random")
    p.add_argument("--sizes", default="0.5,0.75,1,1.25,1.5,1.75,2")
    p.add_argument("--kernel", default=os.path.join(ROOT, "kernel", "kernel"))
    p.add_argument("--image", default=os.path.join(ROOT, "fs.img"))
    p.add_argument("--qemu", default="qemu-system-riscv64")
    p.add_argument("--doc", metavar="FILE")
    p.add_argument("--svg", metavar="DIR")
    a = p.parse_args()
    patterns = a.patterns.split(",")
    policies = a.policies.split(",")
    mults = [float(s) for s in a.sizes.split(",")]

    os.makedirs(BUILD, exist_ok=True)
    image = os.path.join(BUILD, "fs-paging.img")
    shutil.copyfile(a.image, image)
    swap = make_swap_image(os.path.join(BUILD, "swap-paging.img"), parse_size(a.swap))
    log = open(os.path.join(BUILD, "paging-console.log"), "w", encoding="latin-1")
    g = Guest(qemu_command(a.qemu, a.kernel, image, a.cpus, a.mem, swap), log,
              threading.Lock())
    results = {}
    try:
        if g.wait_prompt(0, 60) != "ok":
            raise ExpError("no shell prompt after boot: %r" % g.text()[-300:])
        frames = frames_of(g)
        refs = a.refs * frames
        sizes = [max(1, int(frames * m)) for m in mults]
        print("pagingexp: %d frames, %d references per run" % (frames, refs), flush=True)
        for pattern in patterns:
            for pages in sizes:
                for pol in policies:
                    r = run(g, pol, pattern, pages, refs)
                    results[(pol, pattern, pages)] = r
                    print("%-7s %-7s %6d pages: %6.1f%% faults, %d in, %d out, %.2f s"
                          % (pol, pattern, pages, 100.0 * r["faults"] / refs, r["ins"],
                             r["outs"], r["secs"]), flush=True)
        g.send("halt\n")
        g.wait_exit(20)
    except ExpError as e:
        sys.exit("pagingexp: %s" % e)
    finally:
        g.kill()
        log.close()

    tables = {}
    for pattern in patterns:
        tables[pattern] = table(frames, refs, sizes, policies, results, pattern)
        print("\n%s (%d frames, %d references; faults per 100 references, "
              "QEMU CPU time):" % (pattern, frames, refs))
        print(tables[pattern])
        if a.svg:
            os.makedirs(a.svg, exist_ok=True)
            fault_rate_chart(os.path.join(a.svg, "kernel-%s.svg" % pattern), frames, sizes,
                             {pol: [100.0 * results[(pol, pattern, s)]["faults"] / refs
                                    for s in sizes] for pol in policies},
                             "%s, measured" % pattern)
    if a.doc:
        setup = ("Measured %s on %s with %s, `-smp %d -m %s`, %s of swap, %d frames, "
                 "%d references per run; commit %s."
                 % (time.strftime("%Y-%m-%d"), host_cpu(),
                    qemu_version(a.qemu), a.cpus, a.mem, a.swap, frames, refs, commit()))
        tables["setup"] = setup
        try:
            rewrite_blocks(a.doc, "pagingexp", tables)
        except ValueError as e:
            sys.exit("pagingexp: %s" % e)


if __name__ == "__main__":
    main()
