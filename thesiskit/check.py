"""Stage 'check': word counts against the profile's limits, citation coverage, the report.

Which parts make up a counted figure is the profile's to say (`wordcount:` in profiles/*.yaml), so
another institution's rule is a change of data. By default the main text is the 'main' part alone:
the title page, abstract, keywords, tables, figures, captions, notes and the reference list are out;
headings, block quotations and in-text citations (as citeproc renders them) are in.
"""
from __future__ import annotations

import panflute as pf

from . import bibliography, cite, reproducible
from .context import Context
from .project import line_of
from .tree import collect, elements
from .wordcount import count_parts

DEFAULT_RULE = {"main": ["main"], "abstract": ["abstract"]}


def counting_rule(profile) -> dict[str, list[str]]:
    return {str(name): list(parts) for name, parts in (profile.wordcount or DEFAULT_RULE).items()}


def counted(parts: dict[str, int], rule: dict[str, list[str]]) -> dict[str, int]:
    return {name: sum(parts.get(p, 0) for p in members) for name, members in rule.items()}


def appendix_counts(doc: pf.Doc) -> dict[str, dict[str, int]]:
    """Counts per appendix: the appendices document split at its lettered headings."""
    out, current, blocks = {}, None, []
    for block in [*doc.content, None]:
        starts = block is None or (isinstance(block, pf.Header) and block.level == 1 and "appendix" in block.attributes)
        if starts and current is not None:
            out[current] = count_parts(blocks)
        if block is None:
            break
        if starts:
            current, blocks = block.attributes["appendix"], [block]
        elif current is not None:
            blocks.append(block)
    return out


def check_document(doc: pf.Doc, ctx: Context, document) -> dict:
    """One document's part of the check: its counts against its limits, an empty main text, a missing
    abstract, tables too wide for the page. Returns its report entry, its counted figures and the
    keys it cites (what report() needs of it); problems go to ctx.problems."""
    rule = counting_rule(ctx.profile)
    found = collect(doc, pf.Cite, pf.Div)  # one walk for the citations, tables and figures
    parts = count_parts(doc.content)
    figures = {**parts, **counted(parts, rule)}
    article = str(doc.get_metadata("kind", "") or "")  # a paper's type (review, original) may set its limits
    limits = ctx.profile.counted_limits(article, document.kind)
    where = str(document.files[0]) if document.files else document.id
    ok = True
    for name, limit in limits.items():
        words = figures.get(name, 0)
        if words > limit:
            ok = False
            ctx.problems.error(document.id, f"{name} text has {words:,} words, over the {limit:,}-word limit of "
                               f"the {ctx.target} profile by {words - limit:,}; shorten it", document=document.id,
                               code="limit")
    if document.kind in ("paper", "preface", "front") and parts["main"] == 0:
        ok = False
        ctx.problems.error(where, "this document has no main text (only headings, tables or an abstract); "
                           "write its text or take it out of the plan", document=document.id)
    if "abstract" in limits and not any(isinstance(b, pf.Div) and "abstract" in b.classes for b in doc.content):
        ok = False
        ctx.problems.error(where, f"the {ctx.target} profile expects an abstract here; add a '::: abstract' "
                           "block to the document's first file (or abstract: to its front matter)",
                           document=document.id)
    _tables_fit(found[pf.Div], ctx, document)
    if ctx.profile.running_head and document.kind == "paper":
        _running_head_fits(doc, ctx, document)
    entry = {"kind": document.kind, **({"article": article} if article else {}), "words": parts,
             "counted": counted(parts, rule), "limits": limits, **_floats(found[pf.Div]), "ok": ok}
    if document.kind == "appendices":
        entry["appendices"] = appendix_counts(doc)
    return {"entry": entry, "figures": figures, "cited": cite.keys_of(found[pf.Cite])}


RUNNING_HEAD_MAX = 50  # characters, spaces included (APA 7, 2.8)


def _running_head_fits(doc: pf.Doc, ctx: Context, document) -> None:
    """A warning when the paper's running head (its short-title, else what the page header shows in
    its place: the title in a journal's package, the thesis's short-title in the thesis, checked once
    for the thesis) is longer than APA's 50 characters."""
    own = " ".join(str(doc.get_metadata("short-title", "") or "").split())
    if own:
        _head_fits(ctx, own, ctx.locate(document, "short-title:"), f"the running head of {document.id} (its "
                   "short-title", "in the paper's front matter", document.id)
    elif ctx.profile.package == "per-paper":
        title = " ".join(str(doc.get_metadata("title", "") or "").split())
        _head_fits(ctx, title, ctx.locate(document, "title:"), f"the running head of {document.id} (it has no "
                   "short-title, so its title", "in the paper's front matter", document.id)


def _thesis_running_head_fits(ctx: Context) -> None:
    """The thesis's short-title (thesis.md) heads its pages where a paper has none of its own."""
    head = " ".join(str(ctx.project.metadata.get("short-title", "") or "").split())
    if ctx.profile.running_head and ctx.profile.package != "per-paper" and len(head) > RUNNING_HEAD_MAX:
        text = (ctx.project.root / "thesis.md").read_text(encoding="utf-8-sig")
        _head_fits(ctx, head, f"thesis.md:{line_of(text, 'short-title:')}", "the thesis's running head (its "
                   "short-title", "", "")


def _head_fits(ctx: Context, head: str, where: str, whose: str, place: str, document: str) -> None:
    if len(head) > RUNNING_HEAD_MAX:
        ctx.problems.warning(where, f"{whose}, '{head}') has {len(head)} characters; APA 7 allows at most "
                             f"{RUNNING_HEAD_MAX}, spaces included: write a shorter short-title:"
                             + (f" {place}" if place else ""), document=document, code="running-head")


def cited(checked: dict[str, dict]) -> set[str]:
    """Every key the checked documents cite."""
    return {key for one in checked.values() for key in one["cited"]}


def report(checked: dict[str, dict], ctx: Context, entries: dict, warnings=None) -> tuple[dict, dict[str, dict]]:
    """(report, counted figures per document) from each document's check (check_document, in the
    plan's order), with what concerns the bibliography as a whole (warnings: bibliography_warnings,
    made here when not given)."""
    keys = cited(checked)
    uncited = sorted(set(entries) - keys)
    if warnings is None:
        warnings = bibliography_warnings(keys, ctx, entries)
    for where, message, code in warnings:
        ctx.problems.warning(where, message, code=code)
    _thesis_running_head_fits(ctx)
    out = {"target": ctx.target, "ok": None, "documents": {d: one["entry"] for d, one in checked.items()},
           "citations": {"unresolved": [], "uncited": uncited}, "problems": [],
           "versions": reproducible.versions(ctx.project.root, str(ctx.project.metadata.get("csl", "apa")))}
    return out, {d: one["figures"] for d, one in checked.items()}


def bibliography_warnings(cited: set[str], ctx: Context, entries: dict) -> list[tuple[str, str, str]]:
    """(where, message, code) of each warning about the bibliography as a whole: entries never cited,
    cited journal articles without a DOI, the reference lint."""
    out = []
    partial = bool(ctx.profile.documents) or ctx.partial  # a journal target leaves thesis-only citations out
    for key in ([] if partial else sorted(set(entries) - cited)):
        e = entries[key]
        out.append((f"{e.file}:{e.line}", f"'{key}' is never cited; cite it or remove it from the .bib", "uncited"))
    for key in sorted(cited & set(entries)):
        e = entries[key]
        if e.type == "article" and not e.fields.get("doi"):
            out.append((f"{e.file}:{e.line}", f"journal article '{key}' has no DOI; if it has one, add "
                        f"{bibliography.how_to_add(e, 'doi')} (APA 7 asks for it). A warning, not an error: "
                        "nothing failed, and many older articles have no DOI", "no-doi"))
    journals = bibliography.journal_index(entries)
    for key in sorted(cited & set(entries)):
        e = entries[key]
        for message in bibliography.reference_lint(e, entries, journals):
            out.append((f"{e.file}:{e.line}", message, ""))
    return out


def _tables_fit(divs: list[pf.Div], ctx: Context, document) -> None:
    """A warning for each table whose longest words do not fit even a landscape page at 8 pt (APA's
    smallest): every writer would run it past the margin (thesiskit/layout.py, measured as the
    writers lay it out)."""
    import json

    from . import layout

    labels = {found.anchor: key[1] for key, found in ctx.labels.items() if key[0] == document.id}
    for elem in divs:
        if "apa-table" not in elem.classes:
            continue
        table = next((e for e in elements(elem) if isinstance(e, pf.Table)), None)
        if table is None:
            continue
        marks = elem.attributes
        orientation = marks.get("orientation", "auto")
        fit = layout.fit(json.loads(json.dumps(table.to_json())),
                         orientation if orientation in layout.ORIENTATIONS else "auto",
                         layout.font_size(marks.get("font-size")))
        if fit.overflow:
            page = layout.PORTRAIT if fit.orientation == "portrait" else layout.LANDSCAPE
            label = labels.get(elem.identifier)
            where = ctx.locate(document, "#" + label) if label else (str(document.files[0]) if document.files
                                                                      else document.id)
            cm = 2.54 / 72
            ctx.problems.warning(where, f"{marks.get('label', 'a table')} is too wide for the page: its longest "
                                 f"words need {fit.minimum * cm:.1f} cm at {fit.size} pt, the {fit.orientation} "
                                 f"page has {page[0] * cm:.1f} cm; split it, drop a column or shorten its "
                                 "longest words")


def _floats(divs: list[pf.Div]) -> dict[str, int]:
    floats = {"tables": 0, "figures": 0}
    for elem in divs:
        if "apa-table" in elem.classes:
            floats["tables"] += 1
        elif "apa-figure" in elem.classes:
            floats["figures"] += 1
    return floats
