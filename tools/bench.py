#!/usr/bin/env python3
"""Time Lazuli's memory operations from the host; write docs/benchmarks.md.

    python3 tools/bench.py [--mib 64] [--trials 5] [--mem 512M] [--quick]
                           [--other-kernel build/kernel-kpti1] [--only CASE,...]

Boots the kernel on one hart, on a copy of fs.img (build/fs-bench.img)
with a swap disk of --swap bytes (build/swap-bench.img, 64M by default),
and for each case types `vmbench CASE MiB ROUNDS` at the shell. vmbench
prints "vmbench: begin CASE" just before the timed work and "vmbench: end
CASE UNITS UNIT ..." just after it; the CPU time QEMU spent between the
two lines, as the host sees them arrive, is the measurement (the guest
clock ticks only every 0.1 s, and CPU time, unlike wall time, does not
count the time other programs on a shared host took the CPU from QEMU).
Every case runs --trials times, the cases taking turns, and the median
counts. Then the in-guest test suite (tools/runtests.py, as `make test`
runs it) is timed, wall clock, once with this kernel and once with
--other-kernel, the other page-table design. Then the tables between the
`<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers of
docs/benchmarks.md are rewritten; the text around them is left alone.
--quick runs each case once with few rounds, skips the test suite and
writes nothing, to check that everything runs. --only runs the cases
named and rewrites only the blocks that show nothing else.

    python3 tools/bench.py --forkshare [--trials 5] [--quick]

instead times fork + exit + wait of parents holding 1, 64 and 1024 MiB,
with last-level page tables shared (VMCONF_FORKSHARE) and without, in one
boot with 2 GiB of RAM, and rewrites only the block `forkshare`.
Python 3 standard library only.
"""

import argparse
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docblocks import rewrite_blocks  # noqa: E402
from guest import (BUILD, ROOT, Guest, make_swap_image, parse_size,  # noqa: E402
                   qemu_command)

# (case, rounds): what one trial runs, each case taking one to two seconds
# of QEMU time on the build machine.
CASES = [
    ("null", 300000),
    ("null-kpti", 100000),
    ("eager", 30),
    ("lazy", 30),
    ("lazy-nofa", 16),
    ("lazy-nofa-kpti", 6),
    ("sparse", 20),
    ("pipe", 5000),
    ("pipe-kpti", 5000),
    ("fork", 200),
    ("fork-copy", 30),
    ("fork-noshare", 30),
    ("forkwrite", 10),
    ("forkwrite-copy", 15),
    ("forkexec", 150),
    ("forkexec-kpti", 150),
    ("forkexec-copy", 30),
    ("shexec", 150),
    ("shexec-eager", 150),
    ("bigexec", 100),
    ("bigexec-eager", 30),
    ("mmapread", 40),
    ("readread", 40),
]
# The cases each marked block of docs/benchmarks.md shows.
BLOCK_CASES = {
    "designs": ["null", "null-kpti", "lazy-nofa", "lazy-nofa-kpti", "pipe", "pipe-kpti",
                "forkexec", "forkexec-kpti"],
    "touch": ["eager", "lazy", "lazy-nofa"],
    "sparse": ["sparse", "lazy-nofa"],
    "fork": ["fork", "fork-copy", "forkwrite", "forkwrite-copy", "forkexec",
             "forkexec-copy"],
    "exec": ["shexec", "shexec-eager", "bigexec", "bigexec-eager"],
    "fileread": ["mmapread", "readread"],
}
# --forkshare: (case, parent MiB, rounds), in one boot with FORKSHARE_MEM.
# The -small cases keep to 4 KiB pages (VMCONF_LARGEPAGE off), so that
# every span of the heap has a last-level table to share; "fork" is the
# default kernel's, whose eager heap is large pages (largepage.c).
FORKSHARE_RUNS = [
    ("fork-small", 1, 2000), ("fork-small-noshare", 1, 2000), ("fork", 1, 2000),
    ("fork-small", 64, 2000), ("fork-small-noshare", 64, 200), ("fork", 64, 2000),
    ("fork-small", 1024, 1000), ("fork-small-noshare", 1024, 20), ("fork", 1024, 1000),
]
FORKSHARE_MIBS = (1, 64, 1024)
FORKSHARE_MEM = "2G"
QUICK_ROUNDS = 2
CASE_TIMEOUT = 120     # seconds one vmbench command may take
END = re.compile(r"^vmbench: end (\S+) (\d+) (\w+) -?\d+ ticks\n", re.M)
READS = re.compile(r"^vmbench: file pages read (\d+) per round", re.M)
FILE_READS = {}        # case: pages read from files per round, last trial


class BenchError(Exception):
    pass


def cpu_seconds(pid):
    """User and system CPU time process pid has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(g, case, mib, rounds):
    """Run one case; return (QEMU's CPU seconds, units done, unit)."""
    start = g.size()
    g.send("vmbench %s %d %d\n" % (case, mib, rounds))
    begin = "vmbench: begin %s\n" % case
    status = g.wait_for(start, lambda t: begin in t or t.endswith("$ "),
                        CASE_TIMEOUT)
    t0 = cpu_seconds(g.proc.pid)
    if status == "ok" and begin in g.text(start):
        status = g.wait_for(start, lambda t: END.search(t) or t.endswith("$ "),
                            CASE_TIMEOUT)
    t1 = cpu_seconds(g.proc.pid)
    m = END.search(g.text(start))
    if status == "ok":
        status = g.wait_prompt(start, CASE_TIMEOUT)
    if status != "ok" or not m or m.group(1) != case:
        raise BenchError("vmbench %s: %s; output %r"
                         % (case, status, g.text(start)[-300:]))
    reads = READS.search(g.text(start))
    if reads:
        FILE_READS[case] = int(reads.group(1))
    return t1 - t0, int(m.group(2)), m.group(3)


def measure(g, args):
    """{case: (median seconds per unit, unit, rounds)}"""
    cases = [(c, n) for c, n in CASES if c in args.only]
    times = {case: [] for case, _ in cases}
    units = {}
    trials = 1 if args.quick else args.trials
    for trial in range(trials):
        for case, rounds in cases:
            if args.quick:
                rounds = min(rounds, QUICK_ROUNDS)
            secs, n, unit = run_case(g, case, args.mib, rounds)
            times[case].append(secs / n)
            units[case] = (unit, rounds)
            print("trial %d: %-15s %8.3f s for %d %s" % (trial + 1, case, secs,
                                                         n, unit), flush=True)
    return {case: (statistics.median(times[case]),) + units[case]
            for case, _ in cases}


def measure_forkshare(g, args):
    """{(case, MiB): median seconds per fork} for FORKSHARE_RUNS."""
    times = {(c, m): [] for c, m, _ in FORKSHARE_RUNS}
    for trial in range(1 if args.quick else args.trials):
        for case, mib, rounds in FORKSHARE_RUNS:
            if args.quick:
                rounds = min(rounds, QUICK_ROUNDS)
            secs, n, unit = run_case(g, case, mib, rounds)
            times[(case, mib)].append(secs / n)
            print("trial %d: %-13s %5d MiB %8.3f s for %d %s"
                  % (trial + 1, case, mib, secs, n, unit), flush=True)
    return {k: statistics.median(v) for k, v in times.items()}


def forkshare_block(r, args):
    shared = {m: r[("fork-small", m)] for m in FORKSHARE_MIBS}
    written = {m: r[("fork-small-noshare", m)] for m in FORKSHARE_MIBS}
    large = {m: r[("fork", m)] for m in FORKSHARE_MIBS}
    lines = ["| parent holds (touched) | 4 KiB pages, tables shared (default) | 4 KiB pages, "
             "every PTE written (`VMCONF_FORKSHARE` off) | written / shared "
             "| large pages where they fit (the default kernel) |",
             "| --- | --- | --- | --- | --- |"]
    for m in FORKSHARE_MIBS:
        lines.append("| %d MiB | %s | %s | %s | %s |" % (m, dur(shared[m]), dur(written[m]),
                                                        ratio(written[m], shared[m]),
                                                        dur(large[m])))
    big, small = FORKSHARE_MIBS[-1], FORKSHARE_MIBS[0]
    lines += [
        "",
        "fork + exit + wait of a %d MiB parent costs **%s** the same for a %d MiB "
        "parent with tables shared (target: at most 2×), %s with every PTE written, "
        "%s with large pages." % (big, ratio(shared[big], shared[small]), small,
                                  ratio(written[big], written[small]),
                                  ratio(large[big], large[small])),
        "",
        "Measured %s on %s with %s, `-smp 1 -m %s`, QEMU's CPU time, median of %d "
        "trials (rounds per trial: %s); commit %s." % (
            time.strftime("%Y-%m-%d"), host_cpu(), qemu_version(args.qemu),
            FORKSHARE_MEM, 1 if args.quick else args.trials,
            ", ".join("%s %d MiB %d" % (c, m, n) for c, m, n in FORKSHARE_RUNS),
            commit()),
    ]
    return "\n".join(lines)


def dur(s):
    """A duration in the unit that suits it."""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return "%.3g %s" % (s / scale, unit)
    return "%.3g ns" % (s / 1e-9)


def ratio(a, b):
    return "%.2f×" % (a / b) if b > 0 else "?"   # --quick may measure 0


def blocks(r, args):
    """The text of each marked block of docs/benchmarks.md whose cases were
    all measured. "setup" describes the run; a run of only some cases (not
    describing the others) gives each block it writes its own line instead."""
    def per(case):
        return r[case][0]

    out = {}
    pages = (args.mib << 20) // 4096
    measured = ("Measured %s on %s with %s, `-smp 1 -m %s`, a %d MiB heap (%d pages), "
                "QEMU's CPU time, median of %d trials; commit %s." % (
                    time.strftime("%Y-%m-%d"), host_cpu(), qemu_version(args.qemu),
                    args.mem, args.mib, pages, args.trials, commit()))
    complete = all(c in r for c, _ in CASES)
    if complete:
        out["setup"] = "\n".join([
            measured,
            "",
            "| case | rounds per trial | what it does |",
            "| --- | --- | --- |",
        ] + ["| `%s` | %d | %s |" % (c, r[c][2], DESCRIBE[c]) for c, _ in CASES])

    def designs():
        lines = ["| case | the kernel in every table (default) | separate tables "
                 "(`VMCONF_KPTI`) | separate / shared |",
                 "| --- | --- | --- | --- |"]
        for what, case in (("a null system call (`getpid`)", "null"),
                           ("a lazy fault, fault-around off (per page, zeroing included)",
                            "lazy-nofa"),
                           ("a pipe round trip between two processes", "pipe"),
                           ("fork + exec + wait (parent holds %d MiB)" % args.mib,
                            "forkexec")):
            shared, kpti = per(case), per(case + "-kpti")
            lines.append("| %s | %s | %s | **%s** |" % (what, dur(shared), dur(kpti),
                                                         ratio(kpti, shared)))
        if args.suite:
            shared, kpti = args.suite
            lines.append("| `make test`'s in-guest suite, %d harts (wall clock) "
                         "| %s | %s | %s |" % (args.suite_cpus, dur(shared), dur(kpti),
                                               ratio(kpti, shared)))
        return lines

    def touch():
        eager, lazy, nofa = per("eager") * 1000, per("lazy") * 1000, per("lazy-nofa") * 1000
        fault = (nofa - eager) / 1000
        return [
            "| case | per 1000 pages | vs eager |",
            "| --- | --- | --- |",
            "| `sbrk` (eager), then touch | %s | 1.00× |" % dur(eager),
            "| `sbrklazy`, then touch, fault-around on | %s | **%s** (target: at most 1.5×) |"
            % (dur(lazy), ratio(lazy, eager)),
            "| `sbrklazy`, then touch, fault-around off | %s | %s |"
            % (dur(nofa), ratio(nofa, eager)),
            "",
            "With fault-around off every page costs one fault: %s more than an "
            "eager page, which is %s per page in all (a fault is worth about "
            "%.0f eager pages)." % (dur(fault), dur(eager / 1000), fault / (eager / 1000)),
        ]

    def sparse():
        return [
            "| case | per touch |",
            "| --- | --- |",
            "| `sbrklazy` 1 GiB, 1024 scattered touches, shrink | %s |" % dur(per("sparse")),
            "| for comparison: one page of a sequential lazy touch, fault-around off | %s |"
            % dur(per("lazy-nofa")),
        ]

    def fork():
        rows = [("fork + exit + wait", "fork"),
                ("fork, the child writes every page, exit, wait", "forkwrite"),
                ("fork + exec + wait", "forkexec")]
        lines = ["| case (parent holds %d MiB touched) | copying fork | copy-on-write "
                 "| copying / copy-on-write |" % args.mib,
                 "| --- | --- | --- | --- |"]
        for what, case in rows:
            copy, cow = per(case + "-copy"), per(case)
            lines.append("| %s | %s | %s | %s |" % (what, dur(copy), dur(cow),
                                                    ratio(copy, cow)))
        return lines

    def exec_():
        rows = [("fork + exec + wait from a small parent (`vmbench exit`)", "shexec"),
                ("fork + exec + wait of `bigprog` (200 KiB of data, one page touched)",
                 "bigexec")]
        lines = ["| case | demand-paged exec | exec reading every segment | eager / demand "
                 "| file pages read per exec (demand) |",
                 "| --- | --- | --- | --- | --- |"]
        for what, case in rows:
            lines.append("| %s | %s | %s | %s | %s |" % (
                what, dur(per(case)), dur(per(case + "-eager")),
                ratio(per(case + "-eager"), per(case)), FILE_READS.get(case, "?")))
        return lines

    def fileread():
        return [
            "| case | per MiB | vs read() |",
            "| --- | --- | --- |",
            "| `mmap` a cached 256 KiB file, read every byte, `munmap` | %s | %s |"
            % (dur(per("mmapread") * (1 << 20)), ratio(per("mmapread"), per("readread"))),
            "| `read()` it into a buffer, read every byte | %s | 1.00× |"
            % dur(per("readread") * (1 << 20)),
        ]

    for name, make in (("designs", designs), ("touch", touch), ("sparse", sparse),
                       ("fork", fork), ("exec", exec_), ("fileread", fileread)):
        if all(c in r for c in BLOCK_CASES[name]):
            out[name] = "\n".join(make() + ([] if complete else ["", measured]))
    return out


DESCRIBE = {
    "null": "`getpid`",
    "null-kpti": "the same with separate page tables (`VMCONF_KPTI`)",
    "lazy-nofa-kpti": "`lazy-nofa` with separate page tables",
    "pipe": "a byte to a child and back through two pipes",
    "pipe-kpti": "the same with separate page tables",
    "forkexec-kpti": "`forkexec` with separate page tables",
    "eager": "`sbrk` the heap, write a byte in every page, shrink",
    "lazy": "the same with `sbrklazy`, fault-around on",
    "lazy-nofa": "the same, fault-around off",
    "sparse": "`sbrklazy` 1 GiB, touch 1024 pages at random, shrink",
    "fork": "fork, the child exits, wait; copy-on-write",
    "fork-copy": "the same with a copying fork (`VMCONF_COW` off)",
    "fork-noshare": "the same, copy-on-write writing every PTE (`VMCONF_FORKSHARE` off)",
    "fork-small": "`fork` with 4 KiB pages only (`VMCONF_LARGEPAGE` off): tables shared",
    "fork-small-noshare": "the same writing every PTE",
    "forkwrite": "fork, the child writes every page and exits, wait; copy-on-write",
    "forkwrite-copy": "the same with a copying fork",
    "forkexec": "fork, the child execs `vmbench exit`, wait; copy-on-write",
    "forkexec-copy": "the same with a copying fork",
    "shexec": "fork, the child execs `vmbench exit`, wait; the parent has no heap",
    "shexec-eager": "the same, exec reading every segment in (`VMCONF_DEMANDEXEC` off)",
    "bigexec": "fork, the child execs `bigprog` (200 KiB of data, touches one page), wait",
    "bigexec-eager": "the same, exec reading every segment in",
    "mmapread": "`mmap` a cached 256 KiB file, sum its bytes, `munmap`",
    "readread": "`read()` the same file into a buffer, sum its bytes",
}


def host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return "%s (%d host CPUs)" % (line.split(":", 1)[1].strip(),
                                                   os.cpu_count())
    except OSError:
        pass
    return platform.machine()


def qemu_version(qemu):
    try:
        out = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout
        m = re.search(r"version (\S+)", out)
        return "QEMU %s (TCG)" % m.group(1) if m else qemu
    except OSError:
        return qemu


def commit():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        # Only what goes into the kernel and the disk image counts.
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                "--", "kernel", "user"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" with changes to kernel/ or user/" if dirty else "")
    except OSError:
        return "unknown"


def time_suite(kernel, cpus, swap):
    """Wall-clock seconds of the in-guest test suite on kernel, which must
    pass."""
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "runtests.py"),
                        "--cpus", str(cpus), "--swap", swap, "--kernel", kernel],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t1 = time.monotonic()
    if r.returncode != 0:
        raise BenchError("the test suite failed on %s: %s"
                         % (kernel, r.stdout.strip().split("\n")[-1]))
    return t1 - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mib", type=int, default=64)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--mem", default="512M")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", type=lambda s: s.split(","),
                   default=[c for c, _ in CASES])
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    p.add_argument("--kernel", default=os.path.join(ROOT, "kernel", "kernel"))
    p.add_argument("--other-kernel", default=os.path.join(BUILD, "kernel-kpti1"),
                   help="the same kernel with the other page-table design "
                        "(make builds it for make test)")
    p.add_argument("--suite-cpus", type=int, default=3)
    p.add_argument("--image", default=os.path.join(ROOT, "fs.img"))
    p.add_argument("--swap", default="64M",
                   help="size of the swap disk (default 64M; 0: none)")
    p.add_argument("--qemu", default="qemu-system-riscv64")
    p.add_argument("--forkshare", action="store_true",
                   help="time fork with and without shared page tables only")
    args = p.parse_args()
    if args.forkshare:
        args.mem = FORKSHARE_MEM
    unknown = [c for c in args.only if c not in dict(CASES)]
    if unknown:
        p.error("unknown case %s" % ", ".join(unknown))

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    os.makedirs(BUILD, exist_ok=True)
    image = os.path.join(BUILD, "fs-bench.img")
    shutil.copyfile(args.image, image)
    swap = make_swap_image(os.path.join(BUILD, "swap-bench.img"), parse_size(args.swap))
    log = open(os.path.join(BUILD, "bench-console.log"), "w", encoding="latin-1")
    g = Guest(qemu_command(args.qemu, args.kernel, image, 1, args.mem, swap), log,
              threading.Lock())
    try:
        if g.wait_prompt(0, 60) != "ok":
            raise BenchError("no shell prompt after boot: %r" % g.text()[-300:])
        results = measure_forkshare(g, args) if args.forkshare else measure(g, args)
        g.send("halt\n")
        g.wait_exit(20)
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(1)
    finally:
        g.kill()
        log.close()

    if args.forkshare:
        text = forkshare_block(results, args)
        print("\n" + text)
        if not args.quick:
            rewrite_blocks(args.out, "bench", {"forkshare": text})
            print("\nbench: wrote %s" % os.path.relpath(args.out, ROOT))
        return

    args.suite = None
    if not args.quick:
        try:
            args.suite = (time_suite(args.kernel, args.suite_cpus, args.swap),
                          time_suite(args.other_kernel, args.suite_cpus, args.swap))
        except BenchError as e:
            print("bench: %s" % e, file=sys.stderr)
            sys.exit(1)
    texts = blocks(results, args)
    for name in texts:
        if name != "setup":
            print("\n" + texts[name])
    if not args.quick:
        rewrite_blocks(args.out, "bench", texts)
        print("\nbench: wrote %s" % os.path.relpath(args.out, ROOT))


if __name__ == "__main__":
    main()
