"""Quotations attributed to participants use a pseudonym of data/participants.csv.

In a document with study data (`study:` in thesis.md), a block quotation that ends with a name in
parentheses, `> "..." (Jimmy)`, must name a pseudonym the data knows: a real name typed by habit,
or a pseudonym misspelt, is an error with the chapter's file and line.
"""
from __future__ import annotations

import re

import panflute as pf

from ..tree import elements

NAME = "pseudonyms"
STAGE = "resolve"
ATTRIBUTION = re.compile(r"\(([A-Z][\w'-]+)\)\W*$")


def run(doc: pf.Doc, ctx, document) -> None:
    study = ctx.datasets.own(document.id, "study")
    if study is None:
        return
    known = {p.pseudonym for p in study.participants}

    def action(elem, _doc):
        if isinstance(elem, pf.BlockQuote) and elem.content:
            match = ATTRIBUTION.search(pf.stringify(elem.content[-1]).strip())
            if match and match.group(1) not in known:
                name = match.group(1)
                listed = ctx.problems.mask and ctx.problems.mask.search(name)
                who = "a name from private/redact.txt, which is" if listed else f"'{name}', who is"  # never quote it
                ctx.problems.error(ctx.locate(document, f"({name})"),
                                   f"quotation attributed to {who} not a pseudonym in "
                                   f"{study.config_file}'s participants; use the participant's pseudonym")

    for elem in elements(doc):
        action(elem, doc)
