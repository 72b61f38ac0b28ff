"""Outputs checked against private/redact.txt: real names and identifying terms that must never
appear in a document. The list stays out of git (.gitignore) and out of every message: a hit is
reported with the file and the surrounding words, the term itself masked.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .problems import Problems

LIST = Path("private") / "redact.txt"
MASK = "█████"


def load_terms(root: Path) -> list[str]:
    path = root / LIST
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def text_of(path: Path) -> str:
    """What a reader or a program could read in an output: every XML part of a DOCX, an HTML or
    typst file's text, with markup removed so that a term split across runs is still found."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            xml = " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                           if n.endswith((".xml", ".rels")))
        return re.sub(r"<[^>]+>", "", xml).replace("&amp;", "&")
    if path.suffix in (".html", ".typ", ".md", ".json", ".svg", ".txt"):
        text = path.read_text(encoding="utf-8", errors="replace")
        return re.sub(r"<[^>]+>", " ", text) if path.suffix in (".html", ".svg") else text
    return ""


def scan(folder: Path, terms: list[str], problems: Problems, shown_as: str, root: Path | None = None) -> None:
    """One error per term found, with the surrounding words and the term masked; it names the source
    file and line the term came from when root is given and a source holds it, else the output."""
    if not terms:
        return
    hits: dict[str, list[tuple[str, str]]] = {}  # term -> [(output, "...words █████ words...")]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = " ".join(text_of(path).split())
        for term in terms:
            match = _find(term, text)
            if match:
                before = " ".join(text[:match.start()].split()[-6:])
                after = " ".join(text[match.end():].split()[:6])
                output = f"{shown_as}/{path.relative_to(folder).as_posix()}"
                hits.setdefault(term, []).append((output, f"…{before} {MASK} {after}…"))
    for term, found in hits.items():
        outputs = found[0][0] + (f" and {len(found) - 1} more output{'s' * (len(found) > 2)}" if len(found) > 1 else "")
        source = _source_of(term, root) if root is not None else None
        problems.error(source or found[0][0], f"a term from {LIST.as_posix()} appears in {outputs}: \"{found[0][1]}\"; "
                       f"remove it from {'this file' if source else 'the sources'} (the previous outputs were kept)")


def _find(term: str, text: str):
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.I)


def _source_of(term: str, root: Path) -> str | None:
    """'chapters/paper2/30-results.md:120': the first source line holding the term."""
    candidates = [root / "thesis.md", *(p for folder in ("chapters", "data", "bib") if (root / folder).is_dir()
                                        for p in sorted((root / folder).rglob("*")) if p.is_file())]
    for path in candidates:
        if path.suffix not in (".md", ".csv", ".yaml", ".yml", ".bib"):
            continue
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, start=1):
            if _find(term, line):
                return f"{path.relative_to(root).as_posix()}:{number}"
    return None
