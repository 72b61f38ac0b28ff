"""Conditional content: a block or span for some targets only.

    ::: {only="thesis"}          kept in the thesis, dropped from every other target
    [text]{except="jmh-submission"}   dropped from the journal submission only
"""
from __future__ import annotations

import panflute as pf

from ..tree import elements

NAME = "conditional"
STAGE = "expand"


def run(doc: pf.Doc, ctx, document) -> None:
    def action(elem, _doc):
        if not isinstance(elem, (pf.Div, pf.Span)):
            return None
        only, unless = elem.attributes.get("only"), elem.attributes.get("except")
        if only is None and unless is None:
            return None
        for value in (only, unless):
            for target in (value or "").split():
                if target not in ctx.known_targets:
                    ctx.problems.error(ctx.locate(document, f'"{value}"'),
                                       f"conditional content names unknown target '{target}'; "
                                       f"use one of: {', '.join(ctx.known_targets)}")
        keep = (only is None or ctx.target in only.split()) and (unless is None or ctx.target not in unless.split())
        if not keep:
            return []
        elem.attributes.pop("only", None)
        elem.attributes.pop("except", None)
        return None

    if any(isinstance(e, (pf.Div, pf.Span)) and ("only" in e.attributes or "except" in e.attributes)
           for e in elements(doc)):  # most generated tables have none: no rebuild of the tree
        doc.walk(action)
