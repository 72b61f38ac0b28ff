"""Asterisks on the studies a review included, in that paper's reference list (APA 7, 9.52).

Which studies are included is data (the 'key' column of the file named by the paper's
`included-studies` option in thesis.md), never a hand-typed asterisk. The list is preceded by
APA's note saying what the asterisks mean.
"""
from __future__ import annotations

import csv

import panflute as pf

from thesiskit.inlines import words

NAME = "included-studies"
STAGE = "cited"
DEFAULT_NOTE = "References marked with an asterisk indicate studies included in the review."


def included_keys(ctx, document) -> list[str]:
    """Citation keys listed in the document's included-studies file (empty when it has none)."""
    path = document.options.get("included-studies")
    if not path:
        return []
    full = ctx.project.root / path
    try:
        with full.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        ctx.problems.error(f"{path}", f"included studies file not found (named by {document.id}'s "
                           "included-studies in thesis.md); create it or fix the path")
        return []
    except UnicodeDecodeError:
        ctx.problems.error(f"{path}", "is not UTF-8 text; save it as CSV UTF-8")
        return []
    if rows and "key" not in rows[0]:
        ctx.problems.error(f"{path}:1", "has no 'key' column; add one holding each study's BibTeX key")
        return []
    keys = []
    for number, row in enumerate(rows, start=2):
        key = (row.get("key") or "").strip()
        if not key:
            ctx.problems.error(f"{path} row {number}, column key", "is empty; give the study's BibTeX key")
        elif key in keys:
            ctx.problems.error(f"{path} row {number}, column key", f"study '{key}' is listed twice; keep one row")
        else:
            keys.append(key)
    return keys


def run(doc: pf.Doc, ctx, document) -> None:
    keys = set(included_keys(ctx, document))
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
        ctx.problems.error(ctx.locate(document, "@" + key) if key else document.options["included-studies"],
                           f"included study '{key}' is not in {document.id}'s reference list; cite it in the paper")
    note = document.options.get("included-note", DEFAULT_NOTE)
    position = refs.parent.content.index(refs)
    refs.parent.content.insert(position, pf.Div(pf.Para(*words(note)), classes=["references-note"]))


def _find_refs(doc):
    found = []
    doc.walk(lambda e, d: found.append(e) if isinstance(e, pf.Div) and e.identifier == "refs" else None)
    return found[0] if found else None

