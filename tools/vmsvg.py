#!/usr/bin/env python3
"""Draw a page table printed by vmprint as an SVG picture.

    python3 tools/vmsvg.py [FILE] [-o OUT.svg]
    python3 tools/vmsvg.py [FILE] --split DIR

Reads vmprint's output (user/vmprint.c) from FILE or stdin. Each table
page becomes a box, one row per valid entry (a folded run of alike leaves
is one row), with the tables of each level in a column of their own and
an arrow from every entry that points to a table to that table's box.
Leaf rows are coloured by what the page allows: user read/write, user
read-only, copy-on-write (C), kernel only.

The first page table in the input goes to OUT.svg (or stdout). With
--split, the input holds several dumps, each after a line `== NAME ==`
(as user/vmdemo.c prints them), and each goes to DIR/NAME.svg.
Python 3 standard library only.
"""

import argparse
import os
import re
import sys
from xml.sax.saxutils import escape

HEADER = re.compile(r"^page table of pid (\d+) \((.*)\): (.*)$")
ENTRY = re.compile(r"^((?:\.\. )*)\.\.(\d+): va (0x[0-9a-f]+)-(0x[0-9a-f]+) "
                   r"(shared table|table|page) (0x[0-9a-f]+) ([A-Z-]+)$")
FOLD = re.compile(r"^((?:\.\. )*)\.\.\s+(\d+) more leaves like the above, "
                  r"va (0x[0-9a-f]+)-(0x[0-9a-f]+)$")
SECTION = re.compile(r"^== (\S+) ==$")

FONT = 12            # px, monospace
CHAR = 7.3           # px per character at FONT
ROW = 18             # px per row
PAD = 6              # px inside a box, left of the text
GAP = 70             # px between columns
MARGIN = 16

# Row fills: (test on the flag letters, colour, legend)
KINDS = [
    (lambda f: "C" in f, "#fbd3a5", "copy-on-write (C): shared, read-only until written"),
    (lambda f: "U" in f and "W" in f, "#c8ecc0", "user page, writable"),
    (lambda f: "U" in f, "#f6f0b0", "user page, read-only"),
    (lambda f: True, "#dddddd", "no user access (trap frame, trampoline)"),
]
TABLE_FILL = "#cfe0f7"
SHARED_FILL = "#ddd0f2"   # a last-level table shared since a fork


class Table:
    """A table page: its level, address and rows."""

    def __init__(self, level, pa):
        self.level = level
        self.pa = pa
        self.rows = []       # (text, fill, child Table or None, italic)
        self.x = self.y = 0


class Dump:
    def __init__(self):
        self.title = ""
        self.root = Table(2, None)
        self.tables = [self.root]


def parse(lines):
    """The first page table in lines, as a Dump; None if there is none."""
    dump = None
    stack = []
    for line in lines:
        line = line.rstrip("\n")
        m = HEADER.match(line)
        if m:
            if dump:
                break
            dump = Dump()
            dump.title = "pid %s (%s): %s" % m.groups()
            stack = [dump.root]
            continue
        if not dump:
            continue
        m = ENTRY.match(line)
        if m:
            depth = len(m.group(1)) // 3
            if depth >= len(stack):
                raise ValueError("entry below no table: %r" % line)
            del stack[depth + 1:]
            index, lo, hi, kind, pa, flags = m.groups()[1:]
            text = "%3s  %s-%s" % (index, lo, hi)
            if kind != "page":
                child = Table(stack[depth].level - 1, pa)
                dump.tables.append(child)
                fill = TABLE_FILL if kind == "table" else SHARED_FILL
                stack[depth].rows.append((text + "  %s" % flags, fill, child, False))
                stack.append(child)
            else:
                fill = next(c for test, c, _ in KINDS if test(flags))
                stack[depth].rows.append((text + "  %s %s" % (pa, flags), fill, None, False))
            continue
        m = FOLD.match(line)
        if m:
            depth = len(m.group(1)) // 3
            del stack[depth + 1:]
            prev = stack[depth].rows[-1][1] if stack[depth].rows else KINDS[-1][1]
            stack[depth].rows.append(("     ... %s more like it, va %s-%s" % m.groups()[1:],
                                      prev, None, True))
            continue
        if line.strip():
            break    # the dump has ended
    return dump


def layout(dump):
    """Place the boxes: a column per level, each table at the height of
    the entry that points to it, or lower when the column is taken."""
    width = {}
    for t in dump.tables:
        w = max([len(title(t))] + [len(r[0]) for r in t.rows]) * CHAR + 2 * PAD
        width[t.level] = max(width.get(t.level, 0), w)
    x = MARGIN
    colx = {}
    for level in (2, 1, 0):
        colx[level] = x
        x += width.get(level, 0) + GAP
    top = MARGIN + 2 * ROW
    free = {level: top for level in (2, 1, 0)}

    def place(t, y):
        t.x = colx[t.level]
        t.y = max(y, free[t.level])
        free[t.level] = t.y + (len(t.rows) + 1) * ROW + ROW
        for i, row in enumerate(t.rows):
            if row[2]:
                place(row[2], t.y + (i + 1) * ROW)

    place(dump.root, top)
    return width, x - GAP + MARGIN, max(free.values())


def title(t):
    if t.pa is None:
        return "level 2 (root)"
    return "level %d table %s" % (t.level, t.pa)


LEGEND = ([(TABLE_FILL, "points to a table"),
           (SHARED_FILL, "a table shared since fork: invalid (V clear), the first access "
                         "makes it the process's own")]
          + [(c, text) for _, c, text in KINDS])


def svg(dump):
    width, w, bottom = layout(dump)
    h = bottom + len(LEGEND) * ROW + MARGIN
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="monospace" font-size="%d">' % (w, h, FONT),
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#335"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="%d" font-weight="bold">%s</text>'
           % (MARGIN, MARGIN + FONT, escape(dump.title))]
    arrows = []
    for t in dump.tables:
        bw = width[t.level]
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#eef3fb" '
                   'stroke="#335"/>' % (t.x, t.y, bw, ROW))
        out.append('<text x="%.1f" y="%d" font-weight="bold">%s</text>'
                   % (t.x + PAD, t.y + ROW - 5, escape(title(t))))
        for i, (text, fill, child, italic) in enumerate(t.rows):
            y = t.y + (i + 1) * ROW
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" '
                       'stroke="#335" stroke-width="0.5"/>' % (t.x, y, bw, ROW, fill))
            out.append('<text x="%.1f" y="%d"%s xml:space="preserve">%s</text>'
                       % (t.x + PAD, y + ROW - 5,
                          ' font-style="italic"' if italic else "", escape(text)))
            if child:
                x0, y0 = t.x + bw, y + ROW / 2
                x1, y1 = child.x, child.y + ROW / 2
                arrows.append('<path d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" '
                              'fill="none" stroke="#335" stroke-width="1.2" '
                              'marker-end="url(#arrow)"/>'
                              % (x0, y0, x0 + GAP / 2, y0, x1 - GAP / 2, y1, x1, y1))
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" '
                   'stroke="#335" stroke-width="1.5"/>'
                   % (t.x, t.y, bw, (len(t.rows) + 1) * ROW))
    out += arrows
    for i, (fill, legend) in enumerate(LEGEND):
        y = bottom + i * ROW
        out.append('<rect x="%d" y="%d" width="14" height="12" fill="%s" '
                   'stroke="#335" stroke-width="0.5"/>' % (MARGIN, y, fill))
        out.append('<text x="%d" y="%d">%s</text>' % (MARGIN + 20, y + 11, escape(legend)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def sections(lines):
    """(name, lines) for each `== NAME ==` section."""
    name, body = None, []
    for line in lines:
        m = SECTION.match(line.strip())
        if m:
            if name:
                yield name, body
            name, body = m.group(1), []
        elif name:
            body.append(line)
    if name:
        yield name, body


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", nargs="?", help="vmprint output (default: stdin)")
    p.add_argument("-o", "--output", help="SVG file to write (default: stdout)")
    p.add_argument("--split", metavar="DIR",
                   help="write each `== NAME ==` section's table to DIR/NAME.svg")
    args = p.parse_args()
    if args.file:
        with open(args.file, encoding="utf-8", errors="replace") as f:
            lines = f.read().replace("\r", "").split("\n")
    else:
        lines = sys.stdin.read().replace("\r", "").split("\n")

    if args.split:
        os.makedirs(args.split, exist_ok=True)
        n = 0
        for name, body in sections(lines):
            dump = parse(body)
            if dump:
                path = os.path.join(args.split, name + ".svg")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(svg(dump))
                print("vmsvg: wrote %s" % path)
                n += 1
        if n == 0:
            sys.exit("vmsvg: no `== NAME ==` section holds a page table")
        return
    dump = parse(lines)
    if dump is None:
        sys.exit("vmsvg: no page table (a line 'page table of pid ...') in the input")
    text = svg(dump)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
