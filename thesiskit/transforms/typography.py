"""Typography from one place (thesiskit/typography.py), over everything a document says once its
directives, tables and figures are made: numeric ranges take an en dash in prose, data cells and
computed text alike, and in tables, table and figure notes and text figures a statistical symbol
followed by "=" (n, M, SD, ...) is set in italics. Quotation marks are made curly where the text is
read (pandoc's smart extension for Markdown, thesiskit.typography.smart for plain text)."""
from __future__ import annotations

import panflute as pf

from ..tree import children, items
from ..typography import dashes, italic_statistics

NAME = "typography"
STAGE = "expand"
SKIP = (pf.Code, pf.CodeBlock, pf.RawInline, pf.RawBlock, pf.Math, pf.Cite)
FLOATS = ("apa-table", "apa-figure")


def run(doc: pf.Doc, ctx, document) -> None:
    stack: list[tuple[pf.Element, bool]] = [(block, False) for block in reversed(items(doc.content))]
    while stack:
        elem, in_float = stack.pop()
        if isinstance(elem, pf.Str):  # words and spaces first: most of the elements, and none skipped
            if "-" in elem.text:
                elem.text = dashes(elem.text)
            continue
        if isinstance(elem, pf.Space):
            continue
        if isinstance(elem, SKIP):
            continue
        if isinstance(elem, pf.Link) and pf.stringify(elem).strip() in (elem.url, elem.url.removeprefix("mailto:")):
            continue  # an address shown as itself
        if isinstance(elem, pf.Div) and any(c in elem.classes for c in FLOATS):
            in_float = True
        if in_float and isinstance(elem, (pf.Para, pf.Plain, pf.Span, pf.Emph, pf.Strong)):
            italic_statistics(elem.content)
        stack.extend((child, in_float) for child in reversed(children(elem)))
