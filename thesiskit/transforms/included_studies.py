"""Asterisks on the studies a review included, in that paper's reference list (APA 7, 9.52).

Which studies are included is data (the review's studies.csv), never a hand-typed asterisk. The list is preceded by
APA's note saying what the asterisks mean.
"""
from __future__ import annotations

import panflute as pf

from ..data import read_csv
from ..inlines import words
from ..masking import MASKED_ID
from ..tree import elements

NAME = "included-studies"
STAGE = "cited"
MASKED_PREFIX = MASKED_ID.format("")
DEFAULT_NOTE = "References marked with an asterisk indicate studies included in the review."


def included_keys(ctx, document) -> list[str]:
    """The review's included studies: from its data (`review:` in thesis.md), already validated, or,
    for a project without review data, the 'key' column of the `included-studies` CSV."""
    if document.options.get("review"):
        review = ctx.datasets.own(document.id, "review")
        return [s.key for s in review.studies.values()] if review else []
    path = document.options.get("included-studies")
    if not path:
        return []
    rows = read_csv(ctx.project.root, path, f"thesis.md ({document.id})", ["key"], ctx.problems)
    keys: list[str] = []
    for row in rows or []:
        if not row["key"]:
            ctx.problems.error(row.where("key"), "is empty; give the study's BibTeX key")
        elif row["key"] in keys:
            ctx.problems.error(row.where("key"), f"study '{row['key']}' is listed twice; keep one row")
        else:
            keys.append(row["key"])
    return keys


def run(doc: pf.Doc, ctx, document) -> None:
    keys = {ctx.cited_as(document.id, k) for k in included_keys(ctx, document)}
    if not keys:
        return
    refs = _find_refs(doc)
    if refs is None:
        return
    marked = set()
    for entry in refs.content:
        key = entry.identifier.removeprefix("ref-") if isinstance(entry, pf.Div) else ""
        if key in keys and entry.content and hasattr(entry.content[0], "content"):
            entry.content[0].content.insert(0, pf.Str("*"))
            marked.add(key)
    for key in sorted(keys - marked):
        if key.startswith(MASKED_PREFIX):
            continue  # a self-citation the profile leaves out of a masked list
        ctx.problems.error(ctx.locate(document, "@" + key) if key else document.options["included-studies"],
                           f"included study '{key}' is not in {document.id}'s reference list; cite it in the paper")
    note = document.options.get("included-note", DEFAULT_NOTE)
    position = refs.parent.content.index(refs)
    refs.parent.content.insert(position, pf.Div(pf.Para(*words(note)), classes=["references-note"]))


def _find_refs(doc):
    return next((e for e in elements(doc) if isinstance(e, pf.Div) and e.identifier == "refs"), None)

