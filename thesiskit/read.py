"""Stage 'read': each document's chapters, concatenated and parsed by pandoc exactly once."""
from __future__ import annotations

import posixpath
from concurrent.futures import ThreadPoolExecutor

import panflute as pf

from . import pandoc, values
from .data import report_control_character
from .problems import Problems
from .project import Document, Project
from .tree import elements

MARKER = "thesiskit-source:"


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


def parse_all(project: Project, problems: Problems, context: dict | None = None) -> dict[str, pf.Doc]:
    """Parse every document (in parallel: pandoc runs as separate processes)."""
    texts = {d.id: read_sources(project, d, problems, context) for d in project.documents}
    docs: dict[str, pf.Doc] = {}

    def parse(doc_id):
        return doc_id, pandoc.parse_markdown(texts[doc_id])

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

        for elem in elements(block):  # changes urls only, not the tree's shape
            fix(elem, None)
        kept.append(block)
    doc.content = kept
