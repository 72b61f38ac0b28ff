"""Stage 'read': each document's chapters, concatenated and parsed by pandoc exactly once."""
from __future__ import annotations

import json
import posixpath
import re
from concurrent.futures import ThreadPoolExecutor

import panflute as pf

from . import pandoc, people, sourcemap, values
from .data import report_control_character
from .inlines import words
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
        if report_control_character(text, rel, problems):
            continue
        text = values.render(text, context or {}, str(rel), problems, env)
        parts.append(f"<!-- {MARKER} {rel} -->\n\n{text}\n")
    return "\n".join(parts)


def parse_all(project: Project, problems: Problems, values_for=None, sources: dict | None = None) -> dict[str, pf.Doc]:
    """Parse every document (in parallel: pandoc runs as separate processes); values_for(document id)
    gives what its {{ }} can read. With sources (a dict), each document's blocks are also traced to
    their chapter lines (thesiskit/sourcemap.py), for the DOCX's anchors."""
    texts = {d.id: read_sources(project, d, problems, values_for(d.id) if values_for else {})
             for d in project.documents}
    docs: dict[str, pf.Doc] = {}

    def parse(doc_id):
        data, _ = pandoc.run(["-f", pandoc.MARKDOWN, "-t", "json"], texts[doc_id].encode("utf-8"))
        if sources is not None:
            sources[doc_id] = sourcemap.locate(json.loads(data), texts[doc_id], project.root)
        return doc_id, pandoc.to_doc(data)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for doc_id, doc in pool.map(parse, [i for i, t in texts.items() if t is not None]):
            _resolve_paths(doc, project, problems)
            docs[doc_id] = doc
    return docs


def _resolve_paths(doc: pf.Doc, project: Project, problems: Problems) -> None:
    """Drop the file markers; make image paths relative to the project root instead of the chapter."""
    current = ""
    kept = []
    for block in doc.content:
        if isinstance(block, pf.RawBlock) and block.format == "html" and MARKER in block.text:
            current = block.text.split(MARKER, 1)[1].strip().removesuffix("-->").strip()
            continue
        base = posixpath.dirname(current)

        def fix(elem, _doc, base=base):
            if isinstance(elem, pf.Image) and "://" not in elem.url and not elem.url.startswith("/"):
                elem.url = posixpath.normpath(posixpath.join(base, elem.url))
                if not (project.root / elem.url).is_file():
                    problems.error(f"{current}", f"image '{elem.url}' not found; put the file there or fix the path "
                                   "(paths are relative to the chapter's folder)")

        for elem in elements(block):  # changes urls and raw text only, not the tree's shape
            fix(elem, None)
            if isinstance(elem, (pf.RawBlock, pf.RawInline)) and elem.format == "html" and "<!--" in elem.text:
                elem.text = COMMENT.sub("", elem.text)  # the author's notes to self never reach a reader
        if isinstance(block, pf.RawBlock) and not block.text.strip():
            continue
        kept.append(block)
    doc.content = kept


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
