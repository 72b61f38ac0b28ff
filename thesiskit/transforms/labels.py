"""Labels in one form: Quarto's ids ({#tbl-x}, {#fig-x}, {#sec-x}, and {#app-x} by analogy) become
pandoc-crossref's ({#tbl:x}, ...), the form every later transform reads, before anything numbers or
expands them. A reference (@tbl-x) is looked up by the same form (thesiskit/transforms/crossref.py);
messages about a label find the line whichever form it was written in (Context.locate).
"""
from __future__ import annotations

import panflute as pf

from ..tree import elements
from .crossref import QUARTO, canonical

NAME = "labels"
STAGE = "expand"
LABELLED = (pf.Div, pf.Header, pf.Table, pf.Figure, pf.Image)


def run(doc: pf.Doc, ctx, document) -> None:
    for elem in elements(doc):  # renames identifiers only
        if isinstance(elem, LABELLED) and elem.identifier.startswith(QUARTO):
            elem.identifier = canonical(elem.identifier)
