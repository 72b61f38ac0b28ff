"""Typography, the same in every kind of text: prose, data-table cells, computed text and titles.

The rules (README, "Typography"):
- Quotation marks and apostrophes are curly. Prose gets them from pandoc's `smart` extension, which
  is on for the chapters and for data cells that hold Markdown; text that never goes through pandoc
  (plain data cells, `title="..."` attributes, what directives compute) gets them from smart() below,
  which makes what pandoc makes: a quoted phrase becomes a Quoted element (so the journal lint that
  asks for double quotation marks sees it), an apostrophe becomes ’.
- A range of numbers takes an en dash: "31-40" is written "31–40" (APA 7, 6.6), in prose, tables
  and computed text alike. A hyphen between digits that belongs to something else is left alone:
  dates (2022-04-19), identifiers (0000-0002-1825-0097), reference numbers (IRB #2023-0456, REC
  07-0412: after # or No, or with a leading zero), anything inside a URL, a DOI or code.
- Statistical symbols in Latin letters are italic (APA 7, 6.45) where the build writes them or where
  data holds them: in tables, table and figure notes and text figures, a standalone n, N, M, SD,
  ... followed by "=", "<" or ">" is set in italics ("(n = 3)" -> "(*n* = 3)"). Greek letters
  (κ, α, χ²) stay upright, as APA 7 (6.45) asks. In prose the author writes the symbol, or the
  `stat` filter writes it ({{ x | stat("n") }} -> *n* = 12); the build does not re-set the author's
  own sentences.
None of these changes a word: only the characters that typeset it.
"""
from __future__ import annotations

import re

import panflute as pf

# a hyphen between two numbers that stand alone: not inside a date, an identifier, a URL or a word
# (after a "#" or "No", or with a leading zero, as in "IRB #2023-0456" or "REC 07-0412", it is a
# reference number: a range never writes a leading zero)
RANGE = re.compile(r"(?<![\w./:\-–#])(?<!No )(?<!No\. )(\d+(?:[.,]\d+)?)-(\d+(?:[.,]\d+)?)(?![\w/\-–]|[.,]\d)")


def _range(match: re.Match) -> str:
    if any(len(part) > 1 and part[0] == "0" and part[1].isdigit() for part in match.groups()):
        return match.group(0)
    return f"{match.group(1)}–{match.group(2)}"

DOUBLE = re.compile(r'(?<![\w"])"(?=\S)(.+?)(?<=\S)"(?![\w"])', re.S)
SINGLE = re.compile(r"(?<![\w'’])'(?=[^\s'])(.+?)(?<=[^\s'])'(?![\w'])", re.S)
STATISTICS = frozenset({"n", "N", "M", "SD", "SE", "Mdn", "p", "r", "R", "t", "F", "z", "d", "df", "ns"})
RELATIONS = ("=", "<", ">", "≤", "≥", "≈", "≠")


def dashes(text: str) -> str:
    """Numeric ranges with an en dash: '31-40' -> '31–40'."""
    return RANGE.sub(_range, text) if "-" in text else text


def smart(text: str) -> list:
    """Plain text as pandoc inlines, typeset as pandoc's smart extension does prose: quoted phrases
    as Quoted elements, apostrophes curly, numeric ranges with an en dash."""
    text = str(text)
    if not any(c in text for c in "'\"-"):
        return _plain(text)
    out: list = []
    position = 0
    for match in _quotes(text):
        out += _plain(text[position:match.start()], joined=True)
        kind = "DoubleQuote" if match.group(0)[0] == '"' else "SingleQuote"
        out.append(pf.Quoted(*smart(match.group(1)), quote_type=kind))
        position = match.end()
    out += _plain(text[position:], joined=True)
    return _merge(out)


def _quotes(text: str) -> list[re.Match]:
    """The outermost quoted phrases, in order: double quotation marks first, then single ones
    outside them (single quotation marks inside double ones are found when the inside is read)."""
    found = list(DOUBLE.finditer(text))
    taken = [(m.start(), m.end()) for m in found]
    for match in SINGLE.finditer(text):
        if not any(a <= match.start() < b for a, b in taken):
            found.append(match)
    found.sort(key=lambda m: m.start())
    kept, end = [], -1
    for match in found:
        if match.start() >= end:
            kept.append(match)
            end = match.end()
    return kept


def _plain(text: str, joined: bool = False) -> list:
    """Words and the spaces between them; with joined, a space at either end is kept (the text sits
    between quoted phrases)."""
    out: list = []
    text = dashes(text.replace("'", "’"))
    parts = text.split()
    if joined and text[:1].isspace() and parts:
        out.append(pf.Space())
    for i, word in enumerate(parts):
        if i:
            out.append(pf.Space())
        out.append(pf.Str(word))
    if joined and text[-1:].isspace() and (parts or not out):
        out.append(pf.Space())
    return out


def _merge(inlines: list) -> list:
    """No two spaces in a row, none at either end."""
    out: list = []
    for item in inlines:
        if isinstance(item, pf.Space) and (not out or isinstance(out[-1], pf.Space)):
            continue
        out.append(item)
    while out and isinstance(out[-1], pf.Space):
        out.pop()
    return out


def italic_statistics(inlines) -> int:
    """Set each standalone statistical symbol followed by a relation ("n = 3", "(M = 4.2", "p < .05")
    in italics, in a list of inlines (a panflute ListContainer); returns how many."""
    changed = 0
    index = 0
    while index < len(inlines):
        item = inlines[index]
        if isinstance(item, pf.Str) and _followed_by_relation(inlines, index):
            match = re.fullmatch(r"([(\[]?)(\w+)", item.text)
            if match and match.group(2) in STATISTICS:
                pieces = [pf.Emph(pf.Str(match.group(2)))]
                if match.group(1):
                    pieces.insert(0, pf.Str(match.group(1)))
                inlines[index:index + 1] = pieces
                index += len(pieces)
                changed += 1
                continue
        index += 1
    return changed


def _followed_by_relation(inlines, index: int) -> bool:
    if index + 2 >= len(inlines):
        return False
    relation = inlines[index + 2]
    return isinstance(inlines[index + 1], pf.Space) and isinstance(relation, pf.Str) and relation.text.startswith(RELATIONS)
