"""Outputs checked against private/redact.txt: real names and identifying terms that must never
appear in a document. The list stays out of git (.gitignore) and out of every message: a hit is
reported with the source line and the surrounding words, every listed term masked.

The scan reads the finished files as their readers do (thesiskit/extract.py: every part of a DOCX
with its media and their metadata, the PDF's text, properties and XMP, the HTML's text, attributes
and comments, SVG text, PNG text chunks), after the same normalisation as the masking of journal
manuscripts (thesiskit/terms.py): case, Unicode form, invisible characters, apostrophes and
no-break spaces do not hide a name. Figures drawn from data are searched in the text they were
drawn from, since their pixels cannot be read.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from . import extract
from .problems import Problems
from .terms import Matcher

LIST = Path("private") / "redact.txt"
MASK = "█████"


def load_terms(root: Path) -> list[str]:
    path = root / LIST
    if not path.is_file():
        return []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        lines = path.read_text(encoding="latin-1").splitlines()  # still the author's list: use it, never print it
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def matcher(root: Path) -> Matcher:
    """The redaction list of a project, compiled once per version of the file."""
    path = Path(root) / LIST
    try:
        stamp = path.stat().st_mtime_ns if path.is_file() else 0
    except OSError:
        stamp = 0
    return _compiled(str(Path(root).resolve()), stamp)


@lru_cache(maxsize=8)
def _compiled(root: str, _stamp: int) -> Matcher:
    return Matcher(load_terms(Path(root)))


def scan(folder: Path, terms: Matcher, problems: Problems, shown_as: str, root: Path | None = None,
         drawn: list[tuple[str, str]] = ()) -> None:
    """One error per term found, with the surrounding words and every term masked; it names the
    source file and line the term came from when root is given and a source holds it, else the
    output. `drawn` holds (figure, the text it was drawn from) for figures made of pixels."""
    if not terms:
        return
    hits: dict[str, list[tuple[str, str]]] = {}  # term -> [(output, "...words █████ words...")]
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: (p.name.startswith("."), p))
    for path in files:  # the outputs, then the intermediate files they were made from (.thesis.typ)
        rel = path.relative_to(folder).as_posix()
        output = f"{shown_as}/{_made_from(rel)}"
        for where, text in [(output, rel), *extract.texts(path, output)]:
            for term, excerpt in terms.scan(text):
                if output not in (o for o, _ in hits.get(term, [])):
                    hits.setdefault(term, []).append((output, excerpt))
    for figure, text in drawn:
        for term, excerpt in terms.scan(text):
            hits.setdefault(term, []).append((f"{figure} (drawn into the figure)", excerpt))
    for term, found in hits.items():
        outputs = found[0][0] + (f" and {len(found) - 1} more output{'s' * (len(found) > 2)}" if len(found) > 1 else "")
        source = source_of(term, root) if root is not None else None
        problems.error(source or found[0][0], f"a term from {LIST.as_posix()} appears in {outputs}: \"{found[0][1]}\"; "
                       f"remove it from {'this file' if source else 'the sources'} (the previous outputs were kept)")


def _made_from(rel: str) -> str:
    """The output an intermediate file becomes: '.thesis.typ' is the source of 'thesis.pdf'."""
    name = rel.rsplit("/", 1)[-1]
    if name.startswith(".") and name.endswith(".typ"):
        return rel[: len(rel) - len(name)] + name[1:].removesuffix(".typ") + ".pdf"
    return rel


def source_of(term: str, root: Path) -> str | None:
    """'chapters/paper2/30-results.md:120': the first source line holding the term, in any form."""
    find = Matcher([term])
    candidates = [root / "thesis.md", *(p for folder in ("chapters", "data", "bib", "profiles") if (root / folder).is_dir()
                                        for p in sorted((root / folder).rglob("*")) if p.is_file())]
    for path in candidates:
        if path.suffix not in (".md", ".csv", ".yaml", ".yml", ".bib", ".json", ".svg"):
            continue
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, start=1):
            if find.search(line):
                return f"{path.relative_to(root).as_posix()}:{number}"
    return None
