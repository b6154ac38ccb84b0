#!/usr/bin/env python3
"""Simulate page replacement over an access trace: faults per policy.

    python3 tools/pagesim.py [--frames 256] [--pattern loop|random|hotcold]
                             [--pages N] [--length N] [--seed 1] [--tick N]
    python3 tools/pagesim.py --trace FILE [--frames 256] [--tick N]
    python3 tools/pagesim.py --sweep [--svg DIR] [--doc docs/paging.md]
    python3 tools/pagesim.py --check tests/host/build/replsim

The same four policies as the kernel's kernel/mm/replace.c, with the same
rules (docs/paging.md): FIFO, CLOCK (second chance), AGING (an 8-bit age
per frame, 0x80 when its page comes in, shifted right at every aging
step with the accessed bit put on top; the lowest age is the victim, the
oldest arrival among equals)
and RANDOM (xorshift32, seeded as the kernel seeds it). Two references that
no kernel can implement come with them: LRU, exactly least recently used
(it needs a time stamp on every reference, which the MMU does not keep;
AGING approximates it), and OPT, Belady's optimal choice (the page used
furthest in the future), the lower bound no real policy reaches.

Memory has --frames frames, all free at first. Each reference to a page
that is resident sets its accessed bit, as the MMU sets a PTE's A bit;
a reference to any other page is a fault: the page goes into a free
frame, or into the frame of the victim the policy chooses, with its
accessed bit set (the kernel makes PTEs with A set). AGING takes a step
every --tick references (default: frames / 2), standing in for the
kernel's clock tick.

The traces (--pages pages in the working set, --length references):
  loop     0, 1, ..., pages-1, over and over (a program sweeping an array)
  random   pages drawn uniformly
  hotcold  80% of references to a hot fifth of the pages, the rest
           spread over the cold tail

One run prints the faults of each policy, on a generated trace or on
--trace FILE (page numbers separated by white space). --sweep runs every pattern
over working sets from 0.5x to 2x of memory and prints the fault rates
as tables; --svg DIR draws each pattern's thrashing curve (fault rate
against working-set size, one line per policy) as DIR/paging-PATTERN.svg
with tools/svgchart.py; --doc FILE rewrites the tables between the
`<!-- pagesim:PATTERN -->` and `<!-- /pagesim:PATTERN -->` markers of
FILE. --check REPLSIM runs the kernel's own policy code on small traces
of every pattern (tests/host/replsim.c, which `make host-test` builds and
checks this way) and fails unless both count the same faults. Python 3
standard library only.
"""

import argparse
import collections
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docblocks import rewrite_blocks  # noqa: E402
from svgchart import fault_rate_chart  # noqa: E402

POLICIES = ("fifo", "clock", "aging", "random")
REFERENCES = ("lru", "opt")     # not implementable; for comparison
PATTERNS = ("loop", "random", "hotcold")
SWEEP = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


class Replacer:
    """kernel/mm/replace.c over frames 0..n-1: a circle in order of
    arrival whose head is the clock hand and the oldest frame."""

    def __init__(self, nframes, policy, accessed):
        self.policy = policy
        self.accessed = accessed      # per frame, set by references
        self.order = []               # present frames from the hand on
        self.age = [0] * nframes
        self.rand = 1                 # repl_init's seed

    def add(self, frame):
        self.age[frame] = 0x80        # used in this interval
        self.order.append(frame)      # just behind the hand

    def referenced(self, frame):
        bit = self.accessed[frame]
        self.accessed[frame] = 0
        return bit

    def age_step(self):
        for f in self.order:
            self.age[f] = (self.age[f] >> 1) | (0x80 if self.referenced(f) else 0)

    def next_random(self):
        x = self.rand
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.rand = x
        return x

    def victim(self):
        o = self.order
        if self.policy == "fifo":
            i = 0
        elif self.policy == "clock":
            n = 0
            while n < 2 * len(o) and self.referenced(o[0]):
                o.append(o.pop(0))    # the hand moves on; this frame is youngest
                n += 1
            i = 0
        elif self.policy == "aging":
            i = min(range(len(o)), key=lambda k: (self.age[o[k]], k))
        else:
            i = self.next_random() % len(o)
        return o.pop(i)


def simulate(trace, nframes, policy, tick):
    """Faults of policy on trace with nframes frames; AGING takes an aging
    step every tick references."""
    if policy == "opt":
        return simulate_opt(trace, nframes)
    if policy == "lru":
        return simulate_lru(trace, nframes)
    accessed = [0] * nframes
    r = Replacer(nframes, policy, accessed)
    frame_of = {}                     # resident page -> frame
    page_in = [None] * nframes
    free = list(range(nframes - 1, -1, -1))
    faults = 0
    for n, page in enumerate(trace):
        if policy == "aging" and n % tick == 0:
            r.age_step()
        f = frame_of.get(page)
        if f is None:
            faults += 1
            if free:
                f = free.pop()
            else:
                f = r.victim()
                del frame_of[page_in[f]]
            frame_of[page] = f
            page_in[f] = page
            r.add(f)
        accessed[f] = 1
    return faults


def simulate_lru(trace, nframes):
    """Exact LRU: evict the resident page whose last use is oldest."""
    resident = collections.OrderedDict()   # least recently used first
    faults = 0
    for page in trace:
        if page in resident:
            resident.move_to_end(page)
            continue
        faults += 1
        if len(resident) >= nframes:
            resident.popitem(last=False)
        resident[page] = True
    return faults


def simulate_opt(trace, nframes):
    """Belady's OPT: evict the resident page whose next use is furthest."""
    never = len(trace)
    next_use = [never] * len(trace)
    last = {}
    for i in range(len(trace) - 1, -1, -1):
        next_use[i] = last.get(trace[i], never)
        last[trace[i]] = i
    resident = {}                     # page -> its next use
    faults = 0
    for i, page in enumerate(trace):
        if page not in resident:
            faults += 1
            if len(resident) >= nframes:
                del resident[max(resident, key=resident.get)]
        resident[page] = next_use[i]
    return faults


def make_trace(pattern, pages, length, seed):
    rng = random.Random(seed)
    if pattern == "loop":
        return [i % pages for i in range(length)]
    if pattern == "random":
        return [rng.randrange(pages) for _ in range(length)]
    if pattern == "hotcold":
        hot = max(1, pages // 5)
        return [rng.randrange(hot) if rng.random() < 0.8 or hot == pages
                else rng.randrange(hot, pages) for _ in range(length)]
    raise ValueError("unknown pattern %r" % pattern)


def sweep(frames, length, seed, tick):
    """{pattern: (working-set sizes, {policy: fault rates in %})}"""
    names = POLICIES + REFERENCES
    out = {}
    for pattern in PATTERNS:
        sizes = [int(frames * m) for m in SWEEP]
        rates = {p: [] for p in names}
        for pages in sizes:
            trace = make_trace(pattern, pages, length, seed)
            for p in names:
                rates[p].append(100.0 * simulate(trace, frames, p, tick) / length)
        out[pattern] = (sizes, rates)
    return out


def check(replsim):
    """Compare simulate() with replsim, the kernel's replace.c on the host,
    on small traces of every pattern. Returns the mismatches."""
    bad = []
    ntraces = 0
    for pattern in PATTERNS:
        for frames in (5, 32):
            for m in SWEEP:
                pages = max(1, int(frames * m))
                trace = make_trace(pattern, pages, 30 * frames, 2)
                tick = max(1, frames // 2)
                out = subprocess.run([replsim, str(frames), str(tick)],
                                     input=" ".join(map(str, trace)),
                                     capture_output=True, text=True, check=True)
                got = dict((l.split()[0], int(l.split()[1]))
                           for l in out.stdout.splitlines())
                ntraces += 1
                for pol in POLICIES:
                    want = simulate(trace, frames, pol, tick)
                    if got.get(pol) != want:
                        bad.append("%s, %d pages, %d frames: %s %s faults, "
                                   "pagesim %d" % (pattern, pages, frames, pol,
                                                   got.get(pol), want))
    return ntraces, bad


def markdown(frames, sizes, rates):
    names = list(rates)
    lines = ["| working set | " + " | ".join(names) + " |",
             "| --- |" + " ---: |" * len(names)]
    for i, pages in enumerate(sizes):
        lines.append("| %d pages (%.2fx) | " % (pages, pages / frames) +
                     " | ".join("%.1f%%" % rates[p][i] for p in names) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frames", type=int, default=256)
    p.add_argument("--pattern", choices=PATTERNS, default="loop")
    p.add_argument("--pages", type=int, help="working-set size (default 1.5x frames)")
    p.add_argument("--length", type=int, help="references (default 40x frames)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tick", type=int, help="references per aging step "
                   "(default: frames / 2)")
    p.add_argument("--trace", metavar="FILE")
    p.add_argument("--sweep", action="store_true")
    p.add_argument("--check", metavar="REPLSIM")
    p.add_argument("--svg", metavar="DIR")
    p.add_argument("--doc", metavar="FILE")
    a = p.parse_args()
    if a.frames < 2:
        p.error("--frames must be at least 2")
    length = a.length or 40 * a.frames
    tick = a.tick or a.frames // 2

    if a.check:
        ntraces, bad = check(a.check)
        for b in bad:
            print("pagesim: MISMATCH " + b)
        print("pagesim: %d traces, %s" % (ntraces, "%d mismatches" % len(bad)
                                          if bad else "faults agree with " + a.check))
        sys.exit(1 if bad else 0)

    if not a.sweep:
        if a.trace:
            with open(a.trace) as f:
                trace = [int(w) for w in f.read().split()]
            what = a.trace
            length = len(trace)
        else:
            pages = a.pages or a.frames * 3 // 2
            trace = make_trace(a.pattern, pages, length, a.seed)
            what = "%s, %d pages" % (a.pattern, pages)
        print("%s: %d frames, %d references" % (what, a.frames, length))
        for pol in POLICIES + REFERENCES:
            f = simulate(trace, a.frames, pol, tick)
            print("%-7s %8d faults  %6.2f%%" % (pol, f, 100.0 * f / max(1, length)))
        return

    results = sweep(a.frames, length, a.seed, tick)
    tables = {}
    for pattern, (sizes, rates) in results.items():
        tables[pattern] = markdown(a.frames, sizes, rates)
        print("%s (%d frames, %d references, fault rate):" % (pattern, a.frames, length))
        print(tables[pattern])
        print()
        if a.svg:
            os.makedirs(a.svg, exist_ok=True)
            fault_rate_chart(os.path.join(a.svg, "paging-%s.svg" % pattern), a.frames,
                             sizes, rates, pattern)
    if a.doc:
        try:
            rewrite_blocks(a.doc, "pagesim", tables)
        except ValueError as e:
            sys.exit("pagesim: %s" % e)


if __name__ == "__main__":
    main()
