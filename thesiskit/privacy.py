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


def scan(folder: Path, terms: list[str], problems: Problems, shown_as: str) -> None:
    """One error per output and term found, with the surrounding words and the term masked."""
    if not terms:
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = " ".join(text_of(path).split())
        for term in terms:
            match = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.I)
            if match:
                before = " ".join(text[:match.start()].split()[-6:])
                after = " ".join(text[match.end():].split()[:6])
                name = f"{shown_as}/{path.relative_to(folder).as_posix()}"
                problems.error(name, f"a term from {LIST.as_posix()} appears: \"…{before} {MASK} {after}…\"; "
                               "remove it from the sources (the previous outputs were kept)")
