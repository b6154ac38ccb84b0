#!/usr/bin/env python3
"""Draw line charts as SVG: one line per series over a shared x axis.

    python3 tools/svgchart.py DATA.tsv [-o OUT.svg] [--title T]
                              [--xlabel X] [--ylabel Y]

DATA.tsv: a header line (the x axis's name, then one name per series),
then one line per x value, fields separated by tabs. As a module,
line_chart(...) returns the SVG text (tools/pagesim.py draws its thrashing
curves with it). Python 3 standard library only.
"""

import argparse
import math
import sys
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 170, 40, 55   # margins around the plot, px
FONT = 12
# Colours and dash patterns that stay apart in grey print too.
STYLES = [("#1f77b4", ""), ("#d62728", "6,3"), ("#2ca02c", "2,3"),
          ("#9467bd", "8,3,2,3"), ("#7f7f7f", "1,4"), ("#ff7f0e", "4,2")]


def nice_step(span, ticks=5):
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks`
    intervals over span."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def fmt(v):
    return ("%.2f" % v).rstrip("0").rstrip(".") if v != int(v) else "%d" % v


def line_chart(xs, series, title="", xlabel="", ylabel="", ymin=0.0):
    """SVG text of a line chart. xs: the x values; series: a list of
    (name, ys) with one y per x (None leaves a gap)."""
    ys = [y for _, s in series for y in s if y is not None]
    ylo = min([ymin] + ys)
    yhi = max(ys + [ylo + 1e-9])
    ystep = nice_step(yhi - ylo)
    yhi = math.ceil(yhi / ystep) * ystep
    xlo, xhi = min(xs), max(xs)
    if xhi == xlo:
        xhi = xlo + 1
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x):
        return LEFT + (x - xlo) / (xhi - xlo) * pw

    def py(y):
        return TOP + ph - (y - ylo) / (yhi - ylo) * ph

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="sans-serif" font-size="%d">'
           % (WIDTH, HEIGHT, WIDTH, HEIGHT, FONT),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="%d" font-size="%d" font-weight="bold">%s</text>'
           % (LEFT, TOP - 16, FONT + 2, escape(title))]
    y = ylo
    while y <= yhi + ystep / 1000:
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e0e0e0"/>'
                   % (LEFT, py(y), LEFT + pw, py(y)))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                   % (LEFT - 6, py(y) + 4, fmt(y)))
        y += ystep
    for x in xs:
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e0e0e0"/>'
                   % (px(x), TOP, px(x), TOP + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                   % (px(x), TOP + ph + 16, fmt(x)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
               % (LEFT, TOP, pw, ph))
    out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
               % (LEFT + pw / 2, HEIGHT - 14, escape(xlabel)))
    out.append('<text transform="translate(16,%.1f) rotate(-90)" '
               'text-anchor="middle">%s</text>' % (TOP + ph / 2, escape(ylabel)))
    for i, (name, s) in enumerate(series):
        colour, dash = STYLES[i % len(STYLES)]
        dashattr = ' stroke-dasharray="%s"' % dash if dash else ""
        runs, run = [], []
        for x, yv in zip(xs, s):
            if yv is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append("%.1f,%.1f" % (px(x), py(yv)))
        if run:
            runs.append(run)
        for r in runs:
            out.append('<polyline points="%s" fill="none" stroke="%s" '
                       'stroke-width="2"%s/>' % (" ".join(r), colour, dashattr))
        for x, yv in zip(xs, s):
            if yv is not None:
                out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>'
                           % (px(x), py(yv), colour))
        ly = TOP + 10 + i * 20
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" '
                   'stroke-width="2"%s/>' % (LEFT + pw + 12, ly, LEFT + pw + 40,
                                             ly, colour, dashattr))
        out.append('<text x="%d" y="%d">%s</text>' % (LEFT + pw + 46, ly + 4,
                                                      escape(name)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def fault_rate_chart(path, frames, sizes, rates, title):
    """Write to path the thrashing curve of tools/pagesim.py and
    tools/pagingexp.py: faults per 100 references (rates: {policy: one per
    size}) against working-set size in units of memory (frames)."""
    svg = line_chart([pages / frames for pages in sizes],
                     [(pol, rates[pol]) for pol in rates],
                     title="%s: fault rate against working set (%d frames)" % (title, frames),
                     xlabel="working set / memory", ylabel="faults per 100 references")
    with open(path, "w") as f:
        f.write(svg)


def read_table(f):
    """(x name, xs, [(name, ys)]) from tab-separated text."""
    rows = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    if len(rows) < 2:
        raise ValueError("a header and at least one row are needed")
    head = rows[0]
    xs = [float(r[0]) for r in rows[1:]]
    series = []
    for j, name in enumerate(head[1:], 1):
        series.append((name, [float(r[j]) if j < len(r) and r[j] else None
                              for r in rows[1:]]))
    return head[0], xs, series


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data", nargs="?", help="tab-separated table (default stdin)")
    p.add_argument("-o", "--output", help="SVG file (default stdout)")
    p.add_argument("--title", default="")
    p.add_argument("--xlabel")
    p.add_argument("--ylabel", default="")
    a = p.parse_args()
    with (open(a.data) if a.data else sys.stdin) as f:
        xname, xs, series = read_table(f)
    svg = line_chart(xs, series, a.title, a.xlabel or xname, a.ylabel)
    if a.output:
        with open(a.output, "w") as f:
            f.write(svg)
    else:
        sys.stdout.write(svg)


if __name__ == "__main__":
    main()
