"""Cross-references: @tbl:x, @fig:x, @sec:x and @app:x become "Table 5", "Figure 1", the section's
heading text and "Appendix B".

pandoc reads @tbl:x as a citation, so this runs before citeproc and takes every citation whose keys all
carry a label prefix. [@tbl:x] renders in parentheses, like a parenthetical citation: "(Table 5)".
Tables and figures are looked up in the same document first (numbers restart per paper), appendices
everywhere.

Quarto's form, @tbl-x with {#tbl-x}, works the same: the labels transform (stage expand) gives every
id the pandoc-crossref form, and a reference is looked up by that form while messages quote what the
author wrote. A key like @fig-2020 that the bibliography has stays a citation.
"""
from __future__ import annotations

import difflib

import panflute as pf

from ..anchors import anchor
from ..context import Label
from ..inlines import words
from ..tree import collect, replace

NAME = "crossref"
STAGE = "resolve"
PREFIXES = ("tbl:", "fig:", "sec:", "app:")
QUARTO = ("tbl-", "fig-", "sec-", "app-")  # Quarto's spelling of the same labels


def is_label(key: str, bib_keys=()) -> bool:
    """A cross-reference, not a citation: @tbl:x always; Quarto's @tbl-x unless the bibliography has
    that key (a work cited as @fig-2020, say)."""
    return key.startswith(PREFIXES) or (key.startswith(QUARTO) and key not in bib_keys)


def canonical(label: str) -> str:
    """A label in the pandoc-crossref form the build keeps: 'tbl-x' -> 'tbl:x'."""
    return f"{label[:3]}:{label[4:]}" if label.startswith(QUARTO) else label


def as_written(label: str, written: str) -> str:
    """A known label ('tbl:x') in the form the author writes ('tbl-x' when they wrote @tbl-y)."""
    return f"{label[:3]}-{label[4:]}" if written.startswith(QUARTO) and label.startswith(PREFIXES) else label


def run(doc: pf.Doc, ctx, document) -> None:
    found = collect(doc, pf.Header, pf.Cite)  # one walk for the headings' labels and the references
    _collect_sections(found[pf.Header], ctx, document)

    def action(elem, _doc):
        if not isinstance(elem, pf.Cite):
            return None
        keys = [c.id for c in elem.citations]
        labels = [k for k in keys if is_label(k, ctx.bib_keys)]
        if not labels:
            return None
        if len(labels) != len(keys):
            ctx.problems.error(ctx.locate(document, "@" + labels[0]),
                               f"'{pf.stringify(elem)}' mixes cross-references and citations; write them separately")
            return None
        rendered = []
        for citation in elem.citations:
            label = _lookup(citation.id, ctx, document)
            if label is None:
                return None
            rendered.append(_render(citation, label))
        # "@sec:method [see @app:x]" is narrative for the first label, parenthetical for the rest
        narrative = elem.citations[0].mode == "AuthorInText"
        head, rest = (rendered[:1], rendered[1:]) if narrative else ([], rendered)
        inlines = _join(head)
        if rest:
            inlines += ([pf.Space()] if inlines else []) + [pf.Str("("), *_join(rest), pf.Str(")")]
        return pf.Span(*inlines, classes=["crossref"])

    rendered = [(cite, action(cite, doc)) for cite in found[pf.Cite]]
    for cite, span in rendered:  # after the walk: replacing changes the tree's shape
        if span is not None:
            replace(cite, span)


def _render(citation, label: Label) -> list:
    """One reference: its prefix ("see"), the label's text ("Table 5"), its suffix (", top row")."""
    text = [*citation.prefix, pf.Space()] if citation.prefix else []
    text += words(label.text)
    if citation.suffix:
        glued = pf.stringify(pf.Span(*citation.suffix)).startswith((",", ";", "."))
        text += ([] if glued else [pf.Space()]) + list(citation.suffix)
    return text


def _join(parts: list[list]) -> list:
    """A, B and C."""
    joined: list = []
    for i, part in enumerate(parts):
        if i:
            joined += [pf.Str(","), pf.Space()] if i < len(parts) - 1 else [pf.Space(), pf.Str("and"), pf.Space()]
        joined += part
    return joined


def _collect_sections(headers: list[pf.Header], ctx, document) -> None:
    for elem in headers:  # renames identifiers only
        if elem.identifier and not elem.identifier.startswith(document.id + "-"):
            label = elem.identifier
            elem.identifier = anchor(document.id, label)
            if label.startswith("sec:"):
                ctx.labels[(document.id, label)] = Label(text=pf.stringify(elem), anchor=elem.identifier,
                                                         doc_id=document.id)


def _lookup(key: str, ctx, document) -> Label | None:
    """The label a reference names; key is as written (@tbl:x or Quarto's @tbl-x), and so are messages."""
    name = canonical(key)
    label = ctx.labels.get((document.id, name)) or ctx.labels.get(("*", name))
    if label is not None:
        return label
    if name.startswith("app:") and not any(d.kind == "appendices" for d in ctx.project.documents):
        ctx.problems.error(ctx.locate(document, "@" + key), f"@{key}: the appendices are not part of the "
                           f"{ctx.target} target; mark this sentence or phrase for the thesis only "
                           '([...]{only="thesis"}) or say where the material can be found')
        return None
    known = sorted({k for (scope, k) in ctx.labels if scope in (document.id, "*") and k.split(":")[0] == name[:3]})
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean @{as_written(close[0], key)}?" if close else (
        f"labels of this kind here: {', '.join('@' + as_written(k, key) for k in known[:8])}" if known else
        "give the table, figure, heading or appendix this id, e.g. {#" + key + "}")
    if not close and key.startswith(QUARTO):  # @sec-2019 may be meant as a citation
        hint += f"; or, if @{key} is a citation, add its entry to the bibliography"
    ctx.problems.error(ctx.locate(document, "@" + key), f"unknown cross-reference @{key}; {hint}")
    return None
