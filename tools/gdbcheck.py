#!/usr/bin/env python3
"""Check tools/gdb/lazuli.py against a live kernel, as `make qemu-gdb` runs it.

    python3 tools/gdbcheck.py [--cpus 3] [--mem 128M]

Boots kernel/kernel in QEMU stopped at its first instruction (-S) with a
gdb stub on a free port, runs gdb-multiarch in batch mode with the script
loaded, stops at init's first fork (the shell's, after init opened the
console), and checks what lz-ps, lz-vmprint 1 and lz-pte 1 0 print:
init is listed as running, its page table has a user leaf at va 0, and
the walk for va 0 ends in that leaf's page, whose first 8 bytes (read by
physical address) are the first 8 bytes of init's text in the ELF file.
Then, once the fork returns, the same two commands must show the last-level
table of va 0 as shared with the shell (VMCONF_FORKSHARE) and still reach
the same page through its mark.
Prints PASS/FAIL lines and "N passed, N failed" like tools/runtests.py.
Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guest import BUILD, ROOT, Results, qemu_command, tail  # noqa: E402

TIMEOUT = 60    # seconds gdb may take for the whole session


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text_start(elf):
    """The first 8 bytes of the loadable segment at va 0 of an ELF64 file."""
    with open(elf, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        ptype, _, off, vaddr = struct.unpack_from("<IIQQ", data,
                                                  phoff + i * phentsize)
        if ptype == 1 and vaddr == 0:
            return struct.unpack_from("<Q", data, off)[0]
    raise ValueError("%s has no segment at va 0" % elf)


def run_gdb(args, port):
    cmds = ["set pagination off", "set confirm off",
            "source " + os.path.join(ROOT, "tools", "gdb", "lazuli.py"),
            "target remote 127.0.0.1:%d" % port,
            # init (pid 1) forks the shell once it has opened the console.
            "break sys_fork", "continue",
            "echo @@ps\\n", "lz-ps",
            "echo @@vmprint\\n", "lz-vmprint 1",
            "echo @@pte\\n", "lz-pte 1 0",
            "echo @@bad\\n", "lz-pte 999 0",
            # Once the fork is done, init shares its last-level tables
            # with the shell (VMCONF_FORKSHARE, on by default): marks.
            "finish",
            "echo @@forkshare\\n", "print vm_forkshare",
            "echo @@vmprint2\\n", "lz-vmprint 1",
            "echo @@pte2\\n", "lz-pte 1 0",
            "echo @@end\\n"]
    gdbcmd = [args.gdb, "-batch", "-nx", args.kernel]
    for c in cmds:
        gdbcmd += ["-ex", c]
    return subprocess.run(gdbcmd, capture_output=True, text=True,
                          timeout=TIMEOUT)


def sections(out):
    """{name: text} for the parts of gdb's output between @@ markers."""
    parts = re.split(r"^@@(\w+)\n", out, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def check(res, out, err, want_word):
    s = sections(out)
    ps = s.get("ps", "")
    res.check("gdb:lz-ps", re.search(r"^\s*1 run\s+init\s+\d+$", ps, re.M),
              "lz-ps did not list pid 1 init running: %s%s" % (tail(ps, 200),
                                                              tail(err, 200)))
    vm = s.get("vmprint", "")
    head = re.search(r"^page table of pid 1 \(init\): (\d+) valid PTEs, "
                     r"(\d+) table pages, (\d+) user pages$", vm, re.M)
    leaf0 = re.search(r"^\.\. \.\. \.\.0: va 0x0-0xfff page (0x[0-9a-f]+) "
                      r"VR-XU...$", vm, re.M)
    lines = [l for l in vm.split("\n") if re.match(r"(\.\. )*\.\.\d+: va ", l)]
    res.check("gdb:lz-vmprint",
              head and leaf0 and len(lines) <= int(head.group(1))
              and int(head.group(3)) >= 2,
              "lz-vmprint 1 printed no header and user leaf at va 0: %s"
              % tail(vm, 300))
    pte = s.get("pte", "")
    m = re.search(r"^va 0x0 -> pa (0x[0-9a-f]+) \(8 bytes there: "
                  r"(0x[0-9a-f]+)\)$", pte, re.M)
    walk = re.findall(r"^level (\d) index 0: pte 0x[0-9a-f]+ (table|page)", pte,
                      re.M)
    res.check("gdb:lz-pte",
              m and leaf0 and m.group(1) == leaf0.group(1)
              and walk == [("2", "table"), ("1", "table"), ("0", "page")]
              and int(m.group(2), 16) == want_word,
              "lz-pte 1 0 does not agree with lz-vmprint (%s) and init's "
              "first instruction word 0x%016x: %s"
              % (leaf0 and leaf0.group(1), want_word, tail(pte, 300)))
    bad = s.get("bad", "") + err
    res.check("gdb:lz-pte-nopid", "no process with pid 999" in bad,
              "lz-pte 999 0 did not say there is no pid 999: %s" % tail(bad))
    # After the fork: the table of va 0 is shared (unless this kernel's
    # default is FORKSHARE=0), and both commands follow its mark to the
    # same page.
    vm2, pte2 = s.get("vmprint2", ""), s.get("pte2", "")
    shared = "shared table" if re.search(r"= 1$", s.get("forkshare", ""), re.M) else "table"
    mark = re.search(r"^\.\. \.\.0: va 0x0-0x1fffff %s 0x[0-9a-f]+ " % shared,
                     vm2, re.M)
    leaf2 = re.search(r"^\.\. \.\. \.\.0: va 0x0-0xfff page (0x[0-9a-f]+) ", vm2, re.M)
    m2 = re.search(r"^va 0x0 -> pa (0x[0-9a-f]+) \(8 bytes there: "
                   r"(0x[0-9a-f]+)\)$", pte2, re.M)
    walk2 = re.findall(r"^level (\d) index 0: pte 0x[0-9a-f]+ (shared table|table|page)",
                       pte2, re.M)
    res.check("gdb:shared-table",
              mark and leaf2 and leaf0 and leaf2.group(1) == leaf0.group(1)
              and m2 and m2.group(1) == leaf0.group(1)
              and walk2 == [("2", "table"), ("1", shared), ("0", "page")]
              and int(m2.group(2), 16) == want_word,
              "after init's fork, lz-vmprint 1 and lz-pte 1 0 do not show "
              "the shared table at va 0: %s%s" % (tail(vm2, 300), tail(pte2, 300)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cpus", type=int, default=3)
    p.add_argument("--mem", default="128M")
    p.add_argument("--kernel", default=os.path.join(ROOT, "kernel", "kernel"))
    p.add_argument("--image", default=os.path.join(ROOT, "fs.img"))
    p.add_argument("--init", default=os.path.join(BUILD, "user", "_init"))
    p.add_argument("--qemu", default="qemu-system-riscv64")
    p.add_argument("--gdb", default="gdb-multiarch")
    args = p.parse_args()

    res = Results()
    image = os.path.join(BUILD, "fs-gdb-%d.img" % os.getpid())
    shutil.copyfile(args.image, image)
    port = free_port()
    qemu = subprocess.Popen(
        qemu_command(args.qemu, args.kernel, image, args.cpus, args.mem)
        + ["-S", "-gdb", "tcp:127.0.0.1:%d" % port],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        r = run_gdb(args, port)
        check(res, r.stdout, r.stderr, text_start(args.init))
    except subprocess.TimeoutExpired:
        res.fail("gdb", "gdb did not finish within %d s" % TIMEOUT)
    except OSError as e:
        res.fail("gdb", "cannot run %s: %s" % (args.gdb, e))
    finally:
        qemu.kill()
        qemu.wait()
        os.unlink(image)
    print("%d passed, %d failed" % (res.passed, res.failed), flush=True)
    sys.exit(1 if res.failed or not res.passed else 0)


if __name__ == "__main__":
    main()
