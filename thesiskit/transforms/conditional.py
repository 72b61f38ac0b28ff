"""Conditional content: a block or span for some targets only.

    ::: {only="thesis"}          kept in the thesis, dropped from every other target
    [text]{except="jmh-submission"}   dropped from the journal submission only
"""
from __future__ import annotations

import panflute as pf

from ..tree import elements

NAME = "conditional"
STAGE = "expand"


PUNCTUATION = tuple(".,;:!?)]")


def run(doc: pf.Doc, ctx, document) -> None:
    orphans: list[pf.Space] = []  # "in the thesis [(see @app:x)]{only="thesis"}." -> no "thesis ." elsewhere

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
            after = elem.next
            if isinstance(elem, pf.Span) and isinstance(elem.prev, pf.Space) and (
                    after is None or isinstance(after, pf.Str) and after.text.startswith(PUNCTUATION)):
                orphans.append(elem.prev)
            return []
        elem.attributes.pop("only", None)
        elem.attributes.pop("except", None)
        return None

    if any(isinstance(e, (pf.Div, pf.Span)) and ("only" in e.attributes or "except" in e.attributes)
           for e in elements(doc)):  # most generated tables have none: no rebuild of the tree
        doc.walk(action)
        for space in orphans:  # the space before a dropped phrase that ended before punctuation
            container = space.parent.content if space.parent is not None else None
            if container is not None and any(item is space for item in container):
                del container[next(i for i, item in enumerate(container) if item is space)]
