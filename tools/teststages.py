#!/usr/bin/env python3
"""Run the stages of `make test` one after another and add up their results.

    python3 tools/teststages.py --stage NAME COMMAND [--stage NAME COMMAND]...

Each COMMAND runs through the shell, every stage even when one before it
failed, with its output passed through as it comes. A stage's counts are
the lines it prints of the form "[label: ][N run, ]N passed, N failed"
(tools/runtests.py and tools/gdbcheck.py print one, the host unit tests
one per compiler), added up. A stage that exits non-zero without having
counted a failure counts as one failure, so that a crash or a check
without counts (the fuzzer, the simulator check) is never lost.

The last line sums every stage:

    total: N passed, N failed (NAME P/F, NAME P/F, ...)

and the exit status is 1 when any stage failed. Python 3 standard library
only.
"""

import argparse
import os
import re
import subprocess
import sys

COUNTS = re.compile(r"^(?:[\w .()=-]+: )?(?:\d+ run, )?(\d+) passed, (\d+) failed$")


def run_stage(name, command):
    """Run one stage; returns (passed, failed) with a non-zero exit that
    counted no failure turned into one failure."""
    print("==== %s: %s" % (name, command), flush=True)
    # close_fds=False: a make run inside keeps the jobserver of the make
    # that started us.
    proc = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, close_fds=False)
    passed = failed = 0
    for raw in proc.stdout:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
        m = COUNTS.match(raw.decode("utf-8", "replace").rstrip("\n"))
        if m:
            passed += int(m.group(1))
            failed += int(m.group(2))
    rc = proc.wait()
    if rc != 0 and failed == 0:
        print("==== %s: exit status %d" % (name, rc), flush=True)
        failed = 1
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stage", nargs=2, action="append", required=True,
                    metavar=("NAME", "COMMAND"), help="a stage (repeatable)")
    args = ap.parse_args()
    # make -n runs this line anyway (it starts a make): only show the stages.
    flags = os.environ.get("MAKEFLAGS", "").split(" ")[0]
    if "n" in flags and not flags.startswith("-"):
        for name, cmd in args.stage:
            print("==== %s: %s" % (name, cmd))
        return
    results = [(name,) + run_stage(name, cmd) for name, cmd in args.stage]
    passed = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    print("total: %d passed, %d failed (%s)"
          % (passed, failed, ", ".join("%s %d/%d" % r for r in results)), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
