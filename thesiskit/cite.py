"""Stage 'cite': pandoc's citeproc with APA 7, run per document so each paper ends with its own
reference list. Unknown keys are found first, against the .bib, so they are reported with the
chapter file and line rather than as pandoc's '???'.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import panflute as pf

from . import cache, masking, pandoc
from .bibliography import BIBTEX, Entry, article_number, cited_only, works
from .links import unlink_scripts
from .context import Context
from .csl import csl_path
from .project import Document
from .tree import elements

CITEPROC_LANG = "en-US"  # APA is an American style: double quotes, "Retrieved April 19, 2022, from"


def cited_keys(doc: pf.Doc) -> list[str]:
    return keys_of(e for e in elements(doc) if isinstance(e, pf.Cite))


def keys_of(cites) -> list[str]:
    """The keys the Cite elements cite, each once, in order."""
    keys: dict[str, None] = {}
    for elem in cites:
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


def article_number_references(root: Path, entries: dict[str, Entry]) -> dict[str, dict]:
    """key -> the entry as pandoc reads it (pandoc's JSON metadata), with its article number as CSL's
    `number`, for each .bib journal article that has one (thesiskit.bibliography.article_number).

    apa.csl prints CSL's `number` as "Article e0248558" (APA 7, 9.25), but pandoc's BibTeX and
    BibLaTeX readers never give a journal article a `number` (BibTeX's number is the issue, eid is not
    read), so the article number was printed as a bare page. The entry, read by pandoc itself, goes
    to citeproc as a metadata reference, which takes the place of the .bib's entry of the same key:
    everything else in it is as pandoc read it."""
    wanted: dict[str, str] = {}
    for key, entry in entries.items():
        number = article_number(entry)
        if number and Path(entry.file).suffix.lower() in BIBTEX:
            wanted[key] = number
    out: dict[str, dict] = {}
    for rel in sorted({entries[k].file for k in wanted}):
        try:
            text = (root / rel).read_bytes()
            data, _ = pandoc.run(["-f", "biblatex", "-t", "json"], text)
        except (OSError, pandoc.PandocError):
            continue  # the .bib's own problems are reported where it is read
        references = json.loads(data).get("meta", {}).get("references", {}).get("c", [])
        for item in references:
            fields = item.get("c", {})
            key = pandoc.meta_text(fields.get("id"))
            if key in wanted and entries[key].file == rel:
                fields["number"] = {"t": "MetaInlines", "c": [{"t": "Str", "c": wanted[key]}]}
                if pandoc.meta_text(fields.get("page")) == wanted[key]:
                    del fields["page"]
                out[key] = item
    return out


def add_reference_list(doc: pf.Doc, title: str, level: int) -> None:
    doc.content.append(pf.Header(pf.Str(title), level=level, classes=["references", "unnumbered"]))
    doc.content.append(pf.Div(identifier="refs", classes=["references"]))


def cite_all(docs: dict[str, pf.Doc], ctx: Context, entries: dict[str, Entry]) -> dict[str, pf.Doc]:
    """Run citeproc on every document that cites something; in parallel, one pandoc per document.
    For a masked target, a paper's self-citations are cited as "Author" (thesiskit/masking.py).
    With a style whose citations read the same wherever they stand (APA), only the paragraphs whose
    citations are new go through citeproc again (cited_again)."""
    project = ctx.project
    csl = project.csl or csl_path("apa", project.root)  # resolved and checked when the project was read
    args = ["-t", "json", "--citeproc", f"--csl={csl}", "-M", f"lang={CITEPROC_LANG}", "-M", "link-citations=false"]
    every = any("nocite" in doc.metadata.content for doc in docs.values())  # nocite: '@*' lists them all
    cited_by = {doc_id: ctx.cited[doc_id] if doc_id in ctx.cited else cited_keys(doc)  # as found before
                for doc_id, doc in docs.items()}

    def bibliography(keys: set[str]) -> list[str]:
        files = ([(project.root / bib).resolve() for bib in project.bibliography] if every else
                 cited_only(project.root, project.bibliography, entries, keys))
        return [f"--bibliography={bib}" for bib in files]

    args += bibliography({k for found in cited_by.values() for k in found})
    title = ctx.profile.references_title

    kinds = {d.id: d.kind for d in project.documents}
    numbered = article_number_references(project.root, entries)

    def one(item):
        doc_id, doc = item
        cited = cited_by[doc_id]
        if not cited:
            return doc_id, doc
        # In a paper '#' is APA level 1 (the paper's title sits above it); elsewhere '#' is the part's title.
        masked = ctx.profile.mask and kinds[doc_id] == "paper"
        if masked:
            document = project.document(doc_id)
            found = masking.mask_self_citations(doc, masking.identity(project, document, ctx.profile), entries)
            ctx.self_citations[doc_id] = found
            cited = cited_keys(doc)  # what masking left cited
        add_reference_list(doc, title, level=1 if kinds[doc_id] == "paper" else 2)
        payload = pandoc.as_json(doc)
        extra = [copy.deepcopy(numbered[k]) for k in cited if k in numbered]
        if extra:  # entries with an article number, as metadata references over the .bib's
            references = payload["meta"].setdefault("references", {"t": "MetaList", "c": []})
            references["c"] = [*references["c"], *extra]
        if order_free(csl) and not every:  # (nocite lists works no paragraph cites: the .bib's file decides)
            doc = pandoc.to_doc(cited_again(payload, args, entries,
                                            lambda changed, keys: _confusable(changed, keys, entries, bibliography)))
        else:
            out, _stderr = pandoc.run(["-f", "json", *args], json.dumps(payload).encode("utf-8"))
            doc = pandoc.to_doc(out)
        for block in doc.content:  # a .bib field's javascript: URL is not a live link (thesiskit/links.py)
            if isinstance(block, pf.Div) and block.identifier == "refs":
                unlink_scripts(block)
        if masked and ctx.profile.self_citations == "omit":
            masking.omit_masked_entries(doc)
        return doc_id, doc

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, docs.items()))


@lru_cache(maxsize=8)
def order_free(csl: Path) -> bool:
    """Whether a style renders each citation the same wherever it stands: an author-date style with
    no first/subsequent/ibid forms and no numbers given in order of citation (APA is one). Only then
    can a paragraph's citations be rendered without the rest of the document around them."""
    try:
        text = Path(csl).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return 'class="in-text"' in text and "position=" not in text and "citation-number" not in text


def _all_keys_paragraph(keys: list[str]) -> dict:
    """One paragraph citing every key: rendered with the changed paragraphs, it gives citeproc the
    document's whole set of cited works, which is what disambiguation (2020a, J. Smith) depends on."""
    citations = [{"citationId": k, "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
                  "citationNoteNum": 0, "citationHash": 0} for k in keys]
    return {"t": "Para", "c": [{"t": "Cite", "c": [citations, [{"t": "Str", "c": "[all]"}]]}]}


_KNOWN: dict[str, tuple[str, dict, set]] = {}  # context -> (citeproc's metadata, {block before: after},
_KNOWN_LOCK = threading.Lock()                   # the cache folders holding it), the most recent last


def _known(context: str) -> tuple[str, dict] | None:
    """What citeproc made of a document's blocks in this context, from this process or the cache
    (and then written into this project's cache too, if it is not there yet)."""
    folder = pandoc.cache_folder()
    with _KNOWN_LOCK:
        found = _KNOWN.pop(context, None)
        if found is not None:
            _KNOWN[context] = found
    if found is not None:
        if folder is not None and folder not in found[2]:
            _remember(context, found[0], found[1])
        return found[0], found[1]
    body = cache.read(folder.parent / "citations" / context) if folder is not None else None
    if body is None:
        return None
    meta, blocks = json.loads(body)
    _remember(context, meta, blocks, write=False)
    return meta, blocks


def _remember(context: str, meta: str, blocks: dict, write: bool = True) -> None:
    """Kept in this process, and (write) in the project's cache: build/.cache/citations."""
    folder = pandoc.cache_folder()
    if write and folder is not None:
        cache.write(folder.parent / "citations" / context, json.dumps([meta, blocks]).encode("utf-8"))
    with _KNOWN_LOCK:
        held = _KNOWN.pop(context, (None, None, set()))[2]  # any entry of a context is right for it
        _KNOWN[context] = (meta, blocks, held | ({folder} if folder is not None else set()))  # written or read there
        while len(_KNOWN) > 16:
            del _KNOWN[next(iter(_KNOWN))]


def cited_again(payload: dict, args: list[str], entries: dict[str, Entry], narrowed=None) -> bytes:
    """citeproc's answer for a document (pandoc JSON), from what it made of the same blocks before
    wherever it can: with the same cited works, metadata, style and arguments (the context), a
    block met then (in any build, target or document of this project: kept in this process and in
    build/.cache/citations) is what citeproc made of it then, a block without citations is itself,
    and only the blocks whose citations are new go through citeproc, with one paragraph citing
    every work of the document they could be confused with (narrowed(keys of those blocks, keys of
    the document): those keys and pandoc's arguments for them, or None for all). Only for a style
    in which a citation reads the same wherever it stands (order_free), and a document whose
    reference list holds only the works it cites (no nocite: the context knows only those)."""
    blocks = payload["blocks"]
    texts = [json.dumps(b) for b in blocks]
    keys = list(dict.fromkeys(k for t in texts for k in _keys_in(t)))
    # the .bib's entries for these keys, not its file (which holds the works of the documents being
    # cited, which vary); the style's text, not its path
    fixed = [a for a in args if not a.startswith("--bibliography=")]
    context = hashlib.sha256(json.dumps([pandoc.identity(), _style_digest(fixed), fixed, payload["meta"],
                                         sorted(keys), works(entries, keys)]).encode()).hexdigest()
    before = _known(context)
    known = before[1] if before is not None else {}
    todo = [i for i, t in enumerate(texts) if t not in known and '"t": "Cite"' in t]
    if before is None or len(todo) == len(texts):
        out, _stderr = pandoc.run(["-f", "json", *args], json.dumps(payload).encode("utf-8"))
        data = json.loads(out)
        if len(data["blocks"]) != len(blocks):  # citeproc added or removed blocks: nothing to keep
            return out
        done = [json.dumps(b) for b in data["blocks"]]
        meta = json.dumps(data["meta"])
    else:
        done = [known.get(t) for t in texts]
        meta = before[0]
        if todo:
            found = narrowed([k for i in todo for k in _keys_in(texts[i])], keys) if narrowed else None
            others, run_args = (keys, args) if found is None else (found[0], [*fixed, *found[1]])
            again = {**payload, "blocks": [*(blocks[i] for i in todo), _all_keys_paragraph(others)]}
            # the citations only: the reference list, which would be made again, is the one kept
            out, _stderr = pandoc.run(["-f", "json", *run_args, "-M", "suppress-bibliography=true"],
                                      json.dumps(again).encode("utf-8"))
            fresh = json.loads(out)["blocks"]
            for i, block in zip(todo, fresh):
                done[i] = json.dumps(block)
        done = [d if d is not None else t for d, t in zip(done, texts)]  # no citation: citeproc leaves it
    changed = {t: d for t, d in zip(texts, done) if d != t}  # the blocks citeproc changed (and the reference list)
    if changed != known:
        _remember(context, meta, changed)
    api = json.dumps(payload["pandoc-api-version"])
    return f'{{"pandoc-api-version": {api}, "meta": {meta}, "blocks": [{", ".join(done)}]}}'.encode("utf-8")


def _style_digest(args: list[str]) -> str:
    """The digest of the style's text (--csl=FILE), which its path does not tell."""
    for arg in args:
        if arg.startswith("--csl="):
            try:
                return hashlib.sha256(Path(arg.split("=", 1)[1]).read_bytes()).hexdigest()
            except OSError:
                return "unreadable"
    return ""


def _confusable(changed: list[str], keys: list[str], entries: dict[str, Entry], bibliography):
    """(the works of keys a citation of the changed works could be confused with, citeproc's arguments
    for them), or None when that cannot be told. Disambiguation (2020a, J. Smith, one more author
    before "et al.") is among works whose citations read alike, which share an author's family name;
    a work whose authors cannot be read is kept, and a changed work without them makes it None."""
    names = {k: _family_names(entries.get(k)) for k in keys}
    wanted: set[str] = set()
    for key in changed:
        if not names.get(key):
            return None
        wanted |= names[key]
    chosen = [k for k in keys if not names.get(k) or names[k] & wanted]
    return chosen, bibliography(set(chosen))


def _family_names(entry: Entry | None) -> set[str]:
    """The family names of a work's authors and editors (masking.bib_names), compared loosely."""
    return {masking.loose(family) for family, _given in masking.bib_names(entry)} if entry is not None else set()


CITE_ID = re.compile(r'"citationId": "((?:[^"\\]|\\.)*)"')


def _keys_in(text: str) -> list[str]:
    return [json.loads(f'"{m}"') for m in CITE_ID.findall(text)]
