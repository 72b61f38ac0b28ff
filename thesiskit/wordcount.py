"""Word counts over the AST, split by part, after citeproc (citations count as a reader sees them).

A word is a run of characters between spaces that holds at least one letter or digit: "peer-led",
"e.g." and "(Smith," are one word each; a lone dash or ellipsis is none.
Parts: main, abstract, keywords, tables, figures, captions, notes (footnotes and table/figure notes),
references. Title pages are not counted at all.
"""
from __future__ import annotations

import re

import panflute as pf

from .tree import elements, items

PARTS = ("main", "abstract", "keywords", "tables", "figures", "captions", "notes", "references")
_WORD = re.compile(r"[^\W_]", re.UNICODE)

# classes of divs that change which part their content counts to; None means not counted
DIV_PARTS = {
    "abstract": "abstract",
    "keywords": "keywords",
    "float-label": "captions",
    "float-title": "captions",
    "float-note": "notes",
    "references-note": "references",
    "csl-bib-body": "references",
    "title-page": None,
    "paper-title-page": None,
    "toc": None,
}


def count_words(text: str) -> int:
    return sum(1 for token in text.split() if _WORD.search(token))


def count_parts(blocks) -> dict[str, int]:
    counts = dict.fromkeys(PARTS, 0)
    for block in blocks:
        _count_block(block, "main", counts)
    return counts


def _count_block(block, part, counts) -> None:
    if isinstance(block, pf.Div):
        for cls in block.classes:
            if cls in DIV_PARTS:
                part = DIV_PARTS[cls]
                break
        else:
            if "apa-table" in block.classes:
                part = "tables"
            elif "apa-figure" in block.classes:
                part = "figures"
        if ("float-body" in block.classes or "table-body" in block.classes) and part == "main":
            part = "tables"
        if part is None:
            return
        if "references" in block.classes and part == "main":
            part = "references"
        for child in block.content:
            _count_block(child, part, counts)
        return
    if isinstance(block, pf.Header) and "references" in block.classes:
        part = "references"
    if isinstance(block, pf.Table):
        part = "tables" if part == "main" else part
        _count_notes(block, counts)
        counts[part] += count_words(_text(block))
        return
    if part is None:
        return
    _count_notes(block, counts)
    counts[part] += count_words(_text(block))


def _count_notes(block, counts):
    for elem in elements(block):
        if isinstance(elem, pf.Note):
            counts["notes"] += sum(count_words(_text(child)) for child in elem.content)


def _text(elem) -> str:
    """The text of an element as a reader sees it, footnotes left out."""
    out: list[str] = []
    add = out.append

    def visit(e):
        kind = _KINDS.get(type(e)) or _kind(type(e))
        if kind is _LEAF:  # Str, Code, ...: with spaces, by far the most of a text, and no children
            add(e.text)
            return
        if kind is _SPACE:
            add(" ")
            return
        if kind is _SKIP:
            return
        if kind is _BLOCK:
            add(" ")
        elif kind is _CODE_BLOCK:
            add(" " + e.text + " ")
        for child in _children(e):
            inner = _KINDS.get(type(child))
            if inner is _LEAF:  # the leaves here, without a call each
                add(child.text)
            elif inner is _SPACE:
                add(" ")
            else:
                visit(child)
        if kind is not _OTHER:
            add(" ")

    visit(elem)
    return "".join(out)


# What _text does with an element, by its type (found once per type, not by a chain of isinstance per element)
_SKIP, _LEAF, _SPACE, _CODE_BLOCK, _BLOCK, _OTHER = "skip", "leaf", "space", "code block", "block", "other"
_KINDS: dict[type, str] = {}


def _kind(kind: type) -> str:
    if issubclass(kind, (pf.Note, pf.Image)):  # an image's description is its alt text, not read on the page
        found = _SKIP
    elif issubclass(kind, (pf.Str, pf.Code, pf.Math, pf.RawInline)):
        found = _LEAF
    elif issubclass(kind, (pf.Space, pf.SoftBreak, pf.LineBreak)):
        found = _SPACE
    elif issubclass(kind, pf.CodeBlock):
        found = _CODE_BLOCK
    elif issubclass(kind, pf.Block):
        found = _BLOCK
    else:  # an inline (Emph, Cite, ...) or a part of a block (ListItem, TableCell, ...): its children alone
        found = _OTHER
    _KINDS[kind] = found
    return found


def _children(e):
    if isinstance(e, pf.Table):
        kids = []
        for section in [e.head, *e.content, e.foot]:
            for row in section.content:
                for cell in row.content:
                    kids.extend(cell.content)
        return kids
    if isinstance(e, pf.TableBody):
        return []
    content = getattr(e, "content", None)
    if content is None or isinstance(e, (pf.Str, pf.Code, pf.CodeBlock)):
        return []
    if isinstance(e, (pf.BulletList, pf.OrderedList)):
        return [child for item in content for child in item.content]
    if isinstance(e, pf.DefinitionList):
        kids = []
        for item in content:
            kids.append(pf.Para(*item.term))
            for definition in item.definitions:
                kids.extend(definition.content)
        return kids
    return items(content)
