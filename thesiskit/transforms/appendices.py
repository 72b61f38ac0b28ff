"""Appendices: each level-1 heading of the appendices document is one appendix, lettered A, B, ...
in the order of the plan. Text refers to an appendix by its label (@app:prospero -> "Appendix B"),
never by a typed letter, so reordering the appendices re-letters every reference.
"""
from __future__ import annotations

import string

import panflute as pf

from ..anchors import anchor
from ..context import Label

NAME = "appendices"
STAGE = "expand"


def letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for index 0, 1, ..."""
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letter(index // 26 - 1) + letters[index % 26]


def run(doc: pf.Doc, ctx, document) -> None:
    if document.kind != "appendices":
        return
    count = 0
    for block in doc.content:
        if not (isinstance(block, pf.Header) and block.level == 1):
            continue
        code = letter(count)
        count += 1
        label = block.identifier
        title = list(block.content)
        block.content = [pf.Str("Appendix"), pf.Space(), pf.Str(code), pf.LineBreak(), *title]
        block.attributes["appendix"] = code
        block.classes.append("appendix")
        if label:
            if not label.startswith("app:"):
                ctx.problems.warning(ctx.locate(document, "{#" + label), f"appendix heading id '{label}' should start with 'app:' "
                                     "so text can refer to it as @" + label)
            key = ("*", label)
            if key in ctx.labels:
                ctx.problems.error(ctx.locate(document, "{#" + label), f"label '{label}' is used twice; labels must be unique")
            block.identifier = anchor(document.id, label)
            ctx.labels[key] = Label(text=f"Appendix {code}", anchor=block.identifier, doc_id=document.id)
