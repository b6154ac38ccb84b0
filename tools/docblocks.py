"""Rewrite the generated parts of a Markdown file, leaving the rest alone.

A generated part sits between the lines `<!-- TAG:NAME -->` and
`<!-- /TAG:NAME -->` (tools/bench.py writes the `bench` blocks of
docs/benchmarks.md, tools/pagesim.py the `pagesim` blocks of
docs/paging.md). Python 3 standard library only.
"""

import re


def rewrite_blocks(path, tag, texts):
    """Replace the block TAG:NAME of the file at path with texts[NAME],
    for every NAME. Raises ValueError, writing nothing, if a block is
    missing."""
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    for name, text in texts.items():
        pat = re.compile(r"(<!-- %s:%s -->\n).*?(<!-- /%s:%s -->)"
                         % (tag, name, tag, name), re.S)
        if not pat.search(doc):
            raise ValueError("%s has no %s:%s block" % (path, tag, name))
        doc = pat.sub(lambda m: m.group(1) + text + "\n" + m.group(2), doc)
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)
