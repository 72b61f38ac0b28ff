"""APA 7 (8.17): "and" between the authors of a narrative citation, "&" inside parentheses.

apa.csl has one delimiter for both forms, so citeproc writes "Kido & Kayama (2017)" where APA wants
"Kido and Kayama (2017)". After citeproc, each citation pandoc marks as narrative (citationMode
AuthorInText: `@kido2017`, `@kido2017 [p. 6]`) has the "&" of its author part, the words before the
parenthesis that opens its year, written "and". Parenthetical citations (`[@kido2017]`), the
parentheses of a narrative citation ("Smith (2020; see also Kido & Kayama, 2017)") and the reference
list keep "&". Table cells follow the same rule: a cell's `[@key]` is parenthetical, its `@key`
narrative. An "&" that is part of a group author's own name ({Cardiff & Vale University Health
Board}) is kept: it is the author's name, not a delimiter.
"""
from __future__ import annotations

import re

import panflute as pf

from ..tree import elements

NAME = "citations"
STAGE = "cited"


def run(doc: pf.Doc, ctx, document) -> None:
    names = literal_names(getattr(ctx, "entries", {}) or {})
    for elem in elements(doc):
        if isinstance(elem, pf.Cite) and elem.citations and elem.citations[0].mode == "AuthorInText":
            narrative_and(elem, names)


def narrative_and(cite: pf.Cite, literal: list[str] = ()) -> int:
    """Write "and" for each "&" between the authors of a narrative citation; returns how many."""
    author_part: list[pf.Str] = []
    for elem in elements(cite):
        if elem is cite or not isinstance(elem, pf.Str):
            continue
        if elem.text.startswith("("):
            break
        author_part.append(elem)
    text, starts = "", []
    for s in author_part:
        starts.append(len(text) + (1 if text else 0))
        text = f"{text} {s.text}" if text else s.text
    kept = set()  # character positions inside a group author's own name
    for name in literal:
        for match in re.finditer(re.escape(name), text):
            kept.update(range(match.start(), match.end()))
    changed = 0
    for s, start in zip(author_part, starts):
        if s.text == "&" and start not in kept:
            s.text = "and"
            changed += 1
    return changed


def literal_names(entries: dict) -> list[str]:
    """Group authors' names holding an "&" ({Cardiff & Vale University Health Board}), as citeproc
    prints them: braces and TeX's backslash gone, spaces single."""
    out = set()
    for entry in entries.values():
        for role in ("author", "editor"):
            value = str(entry.fields.get(role, ""))
            if "&" not in value:
                continue
            for name in _names(value):
                if name.startswith("{") and name.endswith("}") and "&" in name:
                    out.add(" ".join(name.replace("\\&", "&").replace("{", "").replace("}", "").split()))
    return sorted(out, key=len, reverse=True)


def _names(value: str) -> list[str]:
    """A BibTeX name list split at " and " outside braces."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(value):
        char = value[i]
        depth += char == "{"
        depth -= char == "}"
        if depth == 0 and value[i:i + 5].lower() == " and ":
            names.append(value[start:i].strip())
            start = i = i + 5
            continue
        i += 1
    names.append(value[start:].strip())
    return names
