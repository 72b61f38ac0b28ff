"""A tracked change made to the source it came from, when the text it changes is in the chapter as
written: the same characters (quotes, dashes and spacing aside), with enough of the text around it
to say where, once in the block. Anything else (a formatted citation, a computed value, a
cross-reference, text edited since the DOCX was built) is left in the report with the reason.

A change already made (the source holds the text after the change, in its place) is recognised, so
a second `--apply` changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .reviewed import Change, Paragraph

CONTEXT = 6  # characters of unchanged text on each side that must match the source
QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "ʼ": "'", "′": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
          "″": '"', "–": "-", "—": "-", "‒": "-", "−": "-", "…": "."}
SPACES = set(" \t\n\r\u00a0\u202f\u2009\u2002\u2003\u2007")
INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")
MARKUP = set("*_\\`[]{}<>@^~$#|")


def normalise(text: str, markdown: bool) -> tuple[str, list[int]]:
    """text in one comparable form, with the index in text of each character kept: quotes, dashes
    and spaces alike; in Markdown, emphasis marks and escapes dropped and -- --- ... as pandoc reads them."""
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in INVISIBLE:
            i += 1
            continue
        if c in SPACES:
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            i += 1
            continue
        if markdown:
            if c == "\\" and i + 1 < n and not text[i + 1].isalnum():
                out.append(text[i + 1])
                where.append(i + 1)
                i += 2
                continue
            if c == "*" or (c == "_" and not (i and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum())):
                i += 1
                continue
            if text.startswith("---", i) or text.startswith("--", i):
                out.append("-")
                where.append(i)
                i += 3 if text.startswith("---", i) else 2
                continue
            if text.startswith("...", i):
                out.append(".")
                where.append(i)
                i += 3
                continue
        out.append(QUOTES.get(c, c))
        where.append(i)
        i += 1
    return "".join(out), where


@dataclass
class Edit:
    change: Change
    file: str
    start: int  # offsets in the file's text
    end: int
    new: str
    text: str = ""  # the file's text the offsets are in


def markdown_text(text: str) -> str:
    """Text a supervisor typed, as Markdown that reads back the same: straight quotes (pandoc curls
    them again), Markdown's own characters escaped."""
    text = "".join(QUOTES.get(c, c) if c in "‘’“”" else c for c in text)
    text = text.replace("\u00a0", " ")
    return re.sub(r"([\\*_`\[\]<@$^~])", r"\\\1", text)


class Block:
    """A chapter block as written (its text and where it starts in the file) against a reviewed
    paragraph, original or final."""

    def __init__(self, file_text: str, start: int, end: int):
        self.file_text, self.offset = file_text, start
        self.raw = file_text[start:end]
        self.norm, self.where = normalise(self.raw, markdown=True)

    def locate(self, paragraph_text: str, start: int, end: int) -> tuple[int, int] | None:
        """The file offsets of paragraph_text[start:end] when it and CONTEXT characters around it (or
        the paragraph's edge) are in the block exactly once; None otherwise."""
        norm, where = normalise(paragraph_text, markdown=False)
        a = _index(where, start)
        b = _index(where, end)
        left, right = min(a, CONTEXT), min(len(norm) - b, CONTEXT)
        piece = norm[a - left:b + right]
        if not piece.strip() or self.norm.count(piece) != 1:
            return None
        at = self.norm.index(piece) + left
        if b > a:
            first, last = self.where[at], self.where[at + (b - a) - 1] + 1
            if any(c in MARKUP for c in self.raw[first:last]) and not any(c in MARKUP for c in paragraph_text[start:end]):
                return None  # it crosses formatting (emphasis, a link, a span): not the same text
        else:
            first = last = (self.where[at] if at < len(self.where) else self.where[-1] + 1) if self.where else 0
            if at == len(self.norm):
                first = last = self.where[-1] + 1 if self.where else 0
        return self.offset + first, self.offset + last

    def holds_around(self, paragraph_text: str, start: int, end: int) -> bool:
        return self.locate(paragraph_text, start, end) is not None

    def why_not(self, paragraph_text: str, start: int, end: int) -> str:
        """Why paragraph_text[start:end] is not the source's text: what the source has there (a value,
        a citation, a cross-reference, conditional text), found from the text around it."""
        norm, where = normalise(paragraph_text, markdown=False)
        a, b = _index(where, start), _index(where, end)
        blocks = [m for m in SequenceMatcher(None, norm, self.norm, autojunk=False).get_matching_blocks() if m.size]
        positions = []
        for i, j, size in blocks:  # the change's own characters, found as a run somewhere in the source
            if size >= 3:
                positions += [self.where[j + k - i] for k in range(max(a, i), min(max(b, a + 1), i + size))]
        runs = [m for m in blocks if m.size >= 3]
        covered = {k for m in runs for k in range(m.a, m.a + m.size)}
        first_unmatched = next((k for k in range(a, max(b, a + 1)) if k not in covered), a)
        before = [m for m in runs if m.a + m.size <= first_unmatched]
        after = [m for m in runs if m.a >= first_unmatched]
        low = self.where[before[-1].b + before[-1].size - 1] + 1 if before else 0
        high = self.where[after[0].b] if after else len(self.raw)
        constructs = _constructs(self.raw)
        holding = [(sum(first <= p < last for p in positions), why) for first, last, why in constructs]
        if holding and max(holding)[0]:
            return max(holding, key=lambda pair: pair[0])[1]
        around = [(high - last if last <= high else 0, -first, why) for first, last, why in constructs
                  if first < high and low < last]
        if around:  # what renders the text just before the unchanged text that follows the change
            return min(around)[2]
        return NOT_THE_SAME


NOT_THE_SAME = ("the source's text here is not what the DOCX shows (edited since the DOCX was built?); make the "
                "change by hand")


def _constructs(raw: str) -> list[tuple[int, int, str]]:
    """(start, end, what it is) of everything in a chapter's text that the build turns into other text."""
    found = []
    for match in re.finditer(r"\{\{(.*?)\}\}", raw, re.S):
        found.append((match.start(), match.end(), f"a computed value ({{{{{match.group(1).rstrip()} }}}}); change "
                      "the data it is computed from, not the text"))
    for match in re.finditer(r"\{%.*?%\}", raw, re.S):
        found.append((match.start(), match.end(), "a template statement ({% %}) in the source; make the change by hand"))
    for match in re.finditer(r"\[[^\[\]]*@[^\[\]]*\](?!\{)|(?<![\w@])@[\w:.#$%&+?<>~/-]*\w", raw):
        keys = re.findall(r"@([\w:.#$%&+?<>~/-]*\w)", match.group())
        if keys and all(re.match(r"(tbl|fig|sec|app)[:-]", k) for k in keys):
            why = f"a cross-reference (@{keys[0]}), which the build numbers and names; leave it, or change the label"
        else:
            why = f"a citation (@{keys[0] if keys else ''}), which citeproc formats; change the key or the .bib entry"
        found.append((match.start(), match.end(), why))
    for match in re.finditer(r"<span[^>]*>.*?</span>|\[[^\]]*\]\{[^}]*\}", raw, re.S):
        found.append((match.start(), match.end(), "text in a span ([...]{...} or <span>), such as conditional text; "
                      "make the change by hand"))
    return sorted(found)


def _index(where: list[int], offset: int) -> int:
    """The first normalised index at or after an offset of the original text."""
    for index, at in enumerate(where):
        if at >= offset:
            return index
    return len(where)


def edit_for(change: Change, para: Paragraph, block: Block, file: str) -> tuple[str, Edit | None]:
    """('apply', edit), ('done', None) when the source already has it, or ('no', None) with no match."""
    if "{{" in change.text or "{%" in change.text:
        return "no", None
    if change.kind == "deletion" and change.replaced_by is None:
        found = block.locate(para.original, change.start, change.end)
        if found:
            first, last = found
            text = block.file_text
            while first > 0 and last < len(text) and text[first - 1] == text[last] and text[last] in "*_":
                first, last = first - 1, last + 1  # a whole emphasised phrase: its marks go with it
            return "apply", Edit(change, file, first, last, "", text)
        return ("done" if block.holds_around(para.final, change.final, change.final) else "no"), None
    if change.kind == "insertion" and change.replaces is not None:
        old = change.replaces
        found = block.locate(para.original, old.start, old.end)
        if found:
            return "apply", Edit(change, file, found[0], found[1], markdown_text(change.text), block.file_text)
        done = block.holds_around(para.final, change.final, change.final + len(change.text))
        return ("done" if done else "no"), None
    if change.kind == "insertion":
        found = block.locate(para.original, change.start, change.start)
        if found:
            return "apply", Edit(change, file, found[0], found[0], markdown_text(change.text), block.file_text)
        done = block.holds_around(para.final, change.final, change.final + len(change.text))
        return ("done" if done else "no"), None
    return "no", None
