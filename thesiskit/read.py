"""Stage 'read': each document's chapters, concatenated and parsed by pandoc exactly once."""
from __future__ import annotations

import json
import os
import posixpath
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import panflute as pf

from . import pandoc, people, sourcemap, values, yamlschema
from .data import report_control_character
from .inlines import words
from .paths import confine, is_url
from .problems import Problems
from .project import Document, Project
from .tree import elements

MARKER = sourcemap.MARKER
COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)


def read_sources(project: Project, document: Document, problems: Problems, context: dict | None = None) -> str | None:
    """The document's Markdown, each file's {{ values }} filled in, files joined in order, each
    preceded by a marker naming it."""
    env = values.environment(project.root)
    parts = []
    for rel in document.files:
        try:
            text = (project.root / rel).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.error(f"{rel}", f"is not UTF-8 text (byte {exc.start}); save the file as UTF-8")
            return None
        except OSError as exc:
            problems.error(f"{rel}", f"cannot be read ({exc.strerror}); check the file exists and is readable")
            return None
        if not text.strip():
            problems.error(f"{rel}:1", "the chapter is empty; write its text or remove it from the plan")
        if report_control_character(text, rel, problems) or not within_bounds(text, rel, problems):
            continue
        text = values.render(text, context or {}, str(rel), problems, env)
        parts.append(f"<!-- {MARKER} {rel} -->\n\n{text}\n")
    return "\n".join(parts)


MAX_QUOTE_DEPTH = 12  # typst lays out about 16 block quotations inside each other, then stops
QUOTES = re.compile(r"^(?:[ \t]{0,3}>)+")
METADATA_START = re.compile(r"^---[ \t]*$")
METADATA_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


def metadata_blocks(text: str):
    """(line of its first YAML line, the YAML) of every block pandoc reads as YAML metadata: '---'
    at the start or after a blank line, not followed by a blank line, up to '---' or '...'."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if METADATA_START.match(lines[i]) and (i == 0 or not lines[i - 1].strip()) \
                and i + 1 < len(lines) and lines[i + 1].strip():
            end = next((j for j in range(i + 1, len(lines)) if METADATA_END.match(lines[j])), None)
            if end is not None:
                yield i + 2, "\n".join(lines[i + 1:end]) + "\n"
                i = end + 1
                continue
        i += 1


def within_bounds(text: str, rel, problems: Problems) -> bool:
    """A chapter's text within what the build reads safely, before pandoc sees it: no YAML alias in
    its metadata (pandoc would expand an alias bomb for ever) and block quotations nested at most
    MAX_QUOTE_DEPTH deep. False, with an error at the line, otherwise."""
    if "---" in text:
        for first, block in metadata_blocks(text):
            found = yamlschema.aliases_in(block)
            if found:
                line, message = found
                problems.error(f"{rel}:{first + line}", message)
                return False
    if ">" in text:
        for number, line in enumerate(text.splitlines(), start=1):
            match = QUOTES.match(line)
            if match and match.group().count(">") > MAX_QUOTE_DEPTH:
                depth = match.group().count(">")
                problems.error(f"{rel}:{number}", f"block quotations are nested {depth} deep; at most "
                               f"{MAX_QUOTE_DEPTH} levels can be laid out: flatten the quotation")
                return False
    return True


def parse_all(project: Project, problems: Problems, values_for=None, sources: dict | None = None,
              reused=None) -> dict[str, pf.Doc]:
    """Parse every document (in parallel: pandoc runs as separate processes); values_for(document id)
    gives what its {{ }} can read. With sources (a dict), each document's blocks are also traced to
    their chapter lines (thesiskit/sourcemap.py), for the DOCX's anchors. reused(document id, its
    text): true for a document whose work the preview keeps from its last build (thesiskit/memo.py),
    which is then not parsed. A text parsed ahead (parse_ahead) is taken as it was parsed there."""
    texts = {d.id: read_sources(project, d, problems, values_for(d.id) if values_for else {})
             for d in project.documents}
    if reused is not None:
        texts = {i: t for i, t in texts.items() if t is None or not reused(i, t)}
    docs: dict[str, pf.Doc] = {}
    for doc_id, doc in _parse(project, texts, sources).items():
        if isinstance(doc, pandoc.PandocError):
            problems.error(_sources_of(project, doc_id), f"document '{doc_id}': {str(doc).splitlines()[0]} "
                           "(look for what is nested or repeated hundreds of times in its chapters)")
            continue
        _resolve_paths(doc, project, problems)
        docs[doc_id] = doc
    return docs


_AHEAD: dict[str, pf.Doc] = {}  # the text of a document -> its tree, parsed ahead; taken once


def parse_ahead(project: Project, values_for) -> None:
    """Parse the documents now, for the builds that follow in this process to take (each tree once:
    the build changes it). `check` does this before it forks a process per target
    (thesiskit/fanout.py), so that each target takes its own copy of one parse."""
    texts = {d.id: read_sources(project, d, Problems(), values_for(d.id)) for d in project.documents}
    for doc_id, doc in _parse(project, texts, None).items():
        if isinstance(doc, pf.Doc):
            _AHEAD[texts[doc_id]] = doc


def forget_ahead() -> None:
    """What was parsed ahead and not taken is dropped (the builds it was for are over)."""
    _AHEAD.clear()


def _parse(project: Project, texts: dict[str, str | None], sources: dict | None) -> dict:
    """{document id: its tree, or the PandocError of a runaway text} for the texts that could be read."""
    def parse(doc_id):
        ahead = _AHEAD.pop(texts[doc_id], None) if sources is None else None
        if ahead is not None:
            return doc_id, ahead
        try:
            data, _ = pandoc.run(["-f", pandoc.MARKDOWN, "-t", "json"], texts[doc_id].encode("utf-8"))
        except pandoc.PandocError as exc:  # a runaway text met pandoc's time or memory limit
            return doc_id, exc
        if sources is not None:
            sources[doc_id] = sourcemap.locate(json.loads(data), texts[doc_id], project.root)
        return doc_id, pandoc.to_doc(data)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(parse, [i for i, t in texts.items() if t is not None]))


def _sources_of(project: Project, doc_id: str) -> str:
    """Where a document's text comes from, for a problem with the whole of it: its folder, or its
    only file."""
    files = next(d.files for d in project.documents if d.id == doc_id)
    folders = {Path(f).parent.as_posix() for f in files}
    return Path(files[0]).as_posix() if len(files) == 1 else folders.pop() if len(folders) == 1 else "thesis.md"


def _resolve_paths(doc: pf.Doc, project: Project, problems: Problems) -> None:
    """Drop the file markers; make image paths relative to the project root instead of the chapter."""
    current = ""
    kept = []
    for block in doc.content:
        if isinstance(block, pf.RawBlock) and block.format == "html" and MARKER in block.text:
            current = block.text.split(MARKER, 1)[1].strip().removesuffix("-->").strip()
            continue
        base = posixpath.dirname(current)
        for elem in elements(block):  # changes urls and raw text only, not the tree's shape
            if isinstance(elem, pf.Image):
                url = image_path(project.root, base, elem.url, current, problems)
                if url is not None:
                    elem.url = url
            elif isinstance(elem, (pf.RawBlock, pf.RawInline)) and elem.format == "html":
                if "<!--" in elem.text:
                    elem.text = COMMENT.sub("", elem.text)  # the author's notes to self never reach a reader
                raw_resources(project.root, elem.text, current, problems)
        if isinstance(block, pf.RawBlock) and not block.text.strip():
            continue
        kept.append(block)
    doc.content = kept


def _line(root, rel: str, needle: str) -> str:
    """'file:line' of the first line of a chapter holding needle; the file alone if none does."""
    try:
        for number, line in enumerate((root / rel).read_text(encoding="utf-8-sig").splitlines(), start=1):
            if needle in line:
                return f"{rel}:{number}"
    except (OSError, UnicodeDecodeError):
        pass
    return str(rel)


def image_path(root, base: str, url: str, chapter: str, problems: Problems) -> str | None:
    """An image's path relative to the project (it is written relative to the chapter's folder), or
    None with an error at the chapter's line: a URL (the build never fetches one), an absolute path,
    a path or link leading out of the project, a pipe or device, or a missing file. A data: URI holds
    the image itself and is kept as it is."""
    if url.startswith("data:"):
        return url
    where = _line(root, chapter, url)
    if is_url(url) or os.path.isabs(url) or url.startswith("~"):
        confine(root, url, where, problems, what="images", label="image ", relative_to="the chapter's folder")
        return None
    rel = posixpath.normpath(posixpath.join(base, url))
    if confine(root, rel, where, problems, what="images", label="image ", relative_to="the chapter's folder",
               shown=url) is None:
        return None
    if not (root / rel).is_file():
        problems.error(where if where != chapter else chapter, f"image '{rel}' not found; put the file there or fix "
                       "the path (paths are relative to the chapter's folder)")
        return None
    return rel


RESOURCE = re.compile(r"""<(?:img|script|link|iframe|frame|video|audio|source|track|object|embed|image|use|input)\b[^>]*?"""
                      r"""\s(?:src|href|xlink:href|data|poster|srcset)\s*=\s*["']?\s*([^"'\s>]+)""", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*([^"')\s]+)""", re.I)


def raw_resources(root, html: str, chapter: str, problems: Problems) -> None:
    """Raw HTML is the author's, but what it loads must be inside the project: pandoc embeds it in
    the web page (--embed-resources), fetching a URL or reading any file it is given. A URL or a
    path out of the project is an error at the chapter's line; data: URIs and #anchors are fine."""
    if "<" not in html and "url(" not in html and "@import" not in html:
        return
    for match in [*RESOURCE.finditer(html), *CSS_URL.finditer(html)]:
        url = match.group(1)
        if url.startswith(("data:", "#")):
            continue
        confine(root, url, _line(root, chapter, url), problems, what="what a page loads",
                label="raw HTML loads ", relative_to="the project folder")


def read_authors(project: Project, docs: dict[str, pf.Doc], problems: Problems) -> None:
    """A paper's own authors (`author:` in its front matter, for a co-authored paper), in the forms
    thesiskit/people.py accepts; without them the paper is the thesis's author's."""
    for document in project.documents:
        doc = docs.get(document.id)
        value = doc.get_metadata("author", None) if doc is not None else None
        if value in (None, "", []):
            continue
        affiliations = {**project.affiliations,
                        **people.affiliation_names(doc.get_metadata("affiliations", None))}
        try:
            document.authors = people.people(value, "author", affiliations)
        except people.PeopleError as exc:
            where = _line_in(project, document, "author:")
            problems.error(where, f"{exc} (in the paper's front matter)")


ABSTRACT_DIV = re.compile(r"^\s*:{3,}\s*(?:abstract\b|\{[^}]*\.abstract\b)")


def read_abstracts(project: Project, docs: dict[str, pf.Doc], problems: Problems) -> None:
    """A paper's `abstract:` in its front matter (the field pandoc, Quarto and papaja use) becomes its
    abstract, exactly as a `::: abstract` block would: counted as abstract words and shown on the
    abstract page. Both at once is an error: which one is meant cannot be guessed."""
    for document in project.documents:
        doc = docs.get(document.id)
        if document.kind != "paper" or doc is None or "abstract" not in doc.metadata.content:
            continue
        value = doc.metadata["abstract"]
        del doc.metadata["abstract"]  # no writer prints it a second time from the metadata
        where = _line_in(project, document, "abstract:")
        if isinstance(value, pf.MetaBlocks):
            blocks = list(value.content)
        elif isinstance(value, pf.MetaInlines):
            blocks = [pf.Para(*value.content)]
        elif isinstance(value, pf.MetaString):
            blocks = [pf.Para(*words(value.text))] if value.text.strip() else []
        else:
            problems.error(where, "abstract: in the front matter is not text; write the abstract after it "
                           "(abstract: |, then the paragraphs indented below)")
            continue
        if not blocks:
            continue
        block = next((b for b in doc.content if isinstance(b, pf.Div) and "abstract" in b.classes), None)
        if block is not None:
            div = _line_matching(project, document, ABSTRACT_DIV)
            problems.error(where, f"the paper's abstract is given twice, as abstract: here and as a '::: abstract' "
                           f"block ({div}); keep one of them")
            continue
        doc.content.insert(0, pf.Div(*blocks, classes=["abstract"]))


def _line_matching(project: Project, document: Document, pattern: re.Pattern) -> str:
    for rel in document.files:
        try:
            lines = (project.root / rel).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, start=1):
            if pattern.search(line):
                return f"{rel}:{number}"
    return str(document.files[0]) if document.files else "thesis.md"


def _line_in(project: Project, document: Document, needle: str) -> str:
    for rel in document.files:
        try:
            lines = (project.root / rel).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, start=1):
            if line.lstrip().startswith(needle):
                return f"{rel}:{number}"
    return str(document.files[0]) if document.files else "thesis.md"
