"""Where a reviewed paragraph comes from in the sources as they are now.

A paragraph's anchor (thesiskit/anchors.py) names a chapter line, a data file's row and columns, or
a .bib key. A chapter line is checked against the paragraph's words: the DOCX may have been built
from an older version of the chapter, so when the line no longer holds the words they are looked
for in the same file and then in every chapter ("followed the text"). A paragraph without an anchor
(a DOCX built elsewhere, or one the supervisor added) is placed by its words alone, with the share
of its words found as the confidence.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .. import anchors
from ..bibliography import read_entries
from ..problems import Problems
from ..project import Project
from ..sourcemap import Chapter, letters
from .reviewed import Paragraph, Reviewed

PROBE = 12  # letters per probe when a paragraph is looked for by its words
VERIFIED = 0.5  # the share of probes a chapter's block must hold for the paragraph to be its
FENCE = re.compile(r"^\s*:{3,}\s*\{?(.*?)\}?\s*$")
LIST_ITEM = re.compile(r"\s*([-+*]|\d+[.)])\s+\S")


@dataclass
class Place:
    kind: str  # prose, data, computed, generated, reference, unplaced
    file: str = ""
    line: int = 0  # a chapter's or .bib's line; a data file's row (0: every row)
    end: int = 0  # the last line of a chapter's block
    columns: tuple[int, int] = (0, 0)
    how: str = "anchor"  # anchor, moved, words (no anchor), changed (the line no longer holds the words)
    confidence: float = 1.0
    note: str = ""
    key: str = ""  # a reference's citation key
    directive: str = ""  # generated: the directive's name

    @property
    def fuzzy(self) -> bool:
        return self.how == "words" and self.confidence < 0.999


class Sources:
    """The project's files as they are now, by the hashes anchors name them with."""

    def __init__(self, project: Project):
        self.project = project
        self.root = project.root
        chapters: list[str] = []
        for document in project.documents:
            chapters += [str(f) for f in document.files if str(f) not in chapters]
        folder = self.root / "chapters"
        if folder.is_dir():  # included passages, and chapters left out of the plan since
            chapters += [p.relative_to(self.root).as_posix() for p in sorted(folder.rglob("*.md"))
                         if p.relative_to(self.root).as_posix() not in chapters]
        self.chapters = chapters
        files = [*chapters, "thesis.md", *[str(b) for b in project.bibliography]]
        data = self.root / "data"
        if data.is_dir():
            files += [p.relative_to(self.root).as_posix() for p in sorted(data.rglob("*")) if p.is_file()]
        self.by_hash = {anchors.digest(f): f for f in files}
        self.entries = read_entries(self.root, project.bibliography, Problems())
        self.keys = {anchors.digest(k): k for k in self.entries}
        self._lines: dict[str, list[str]] = {}
        self._chapters: dict[str, Chapter] = {}

    def lines(self, rel: str) -> list[str]:
        if rel not in self._lines:
            try:
                self._lines[rel] = (self.root / rel).read_text(encoding="utf-8-sig").split("\n")
            except (OSError, UnicodeDecodeError):
                self._lines[rel] = []
        return self._lines[rel]

    def chapter(self, rel: str) -> Chapter:
        if rel not in self._chapters:
            self._chapters[rel] = Chapter(rel, "\n".join(self.lines(rel)))
        return self._chapters[rel]

    def block_end(self, rel: str, line: int) -> int:
        """The last line of the Markdown block starting at line: a heading, fence, table row or
        front-matter key is one line; a paragraph or list item runs to the blank line or next item."""
        lines = self.lines(rel)
        if not 0 < line <= len(lines):
            return line
        if lines[0].rstrip() == "---" and line <= next((i for i, t in enumerate(lines[1:], start=2)
                                                         if t.rstrip() in ("---", "...")), 0):
            return line
        if lines[line - 1].lstrip().startswith(("#", ":::", "|")):
            return line
        end = line
        while end < len(lines):
            following = lines[end]
            if not following.strip() or following.lstrip().startswith(("#", ":::")) or LIST_ITEM.match(following):
                break
            end += 1
        return end

    def block_letters(self, rel: str, line: int, end: int) -> str:
        return letters("\n".join(self.lines(rel)[line - 1:end]))


def probes(text: str) -> list[str]:
    """Pieces of a paragraph's letters to look for: evenly spread, at most 24."""
    if len(text) <= PROBE:
        return [text] if text else []
    count = min(24, len(text) // PROBE)
    step = (len(text) - PROBE) / max(count - 1, 1)
    return [text[round(i * step):round(i * step) + PROBE] for i in range(count)]


def share_found(text: str, block: str) -> float:
    pieces = probes(text)
    if not pieces:
        return 0.0
    return sum(1 for p in pieces if p in block) / len(pieces)


def find_words(sources: Sources, text: str, files: list[str], near: tuple[str, int] | None = None):
    """(file, line, share of probes found) of the chapter block that best holds the words, or None."""
    pieces = probes(letters(text))
    if not pieces:
        return None
    best = None
    for rel in files:
        chapter = sources.chapter(rel)
        votes: dict[int, int] = {}
        for piece in pieces:
            at = chapter.letters.find(piece)
            seen = set()
            while at >= 0 and len(seen) < 20:
                line = _block_start(sources, rel, chapter.line_of(at))
                if line not in seen:
                    seen.add(line)
                    votes[line] = votes.get(line, 0) + 1
                at = chapter.letters.find(piece, at + 1)
        wanted = len(letters(text))
        for line, count in votes.items():
            distance = abs(line - near[1]) if near and near[0] == rel else 10**6
            size = len(sources.block_letters(rel, line, sources.block_end(rel, line))) or 1
            fit = min(size, wanted) / max(size, wanted)  # a heading's words inside a paragraph fit it badly
            score = (count / len(pieces) * (0.5 + 0.5 * fit), -distance)
            if best is None or score > best[0]:
                best = (score, rel, line, count / len(pieces))
    if best is None:
        return None
    return best[1], best[2], best[3]


def _block_start(sources: Sources, rel: str, line: int) -> int:
    lines = sources.lines(rel)
    while line > 1:
        here = lines[line - 1]
        above = lines[line - 2]
        if not above.strip() or here.lstrip().startswith(("#", ":::", "|", "- ", "* ", "+ ")) \
                or re.match(r"\s*\d+[.)]\s", here) or above.lstrip().startswith(("#", ":::")):
            break
        line -= 1
    return line


class Resolver:
    def __init__(self, sources: Sources, reviewed: Reviewed):
        self.sources, self.reviewed = sources, reviewed
        self.cache: dict[int, Place] = {}
        self.moved: list[tuple[int, Place]] = []  # anchors whose line no longer holds the words

    def place(self, index: int) -> Place:
        if index not in self.cache:
            self.cache[index] = self._place(self.reviewed.paragraphs[index])
        return self.cache[index]

    def _anchor(self, para: Paragraph) -> tuple[anchors.Anchor | None, bool]:
        """The paragraph's anchor, or the nearest before it in the same cell or run of text (False:
        not the paragraph's own)."""
        for name in para.anchors:
            found = anchors.parse(name)
            if found is not None:
                return found, True
        for back in range(para.index - 1, max(para.index - 4, -1), -1):
            other = self.reviewed.paragraphs[back]
            if other.cell != para.cell:
                break
            for name in other.anchors:
                found = anchors.parse(name)
                if found is not None:
                    return found, False
        return None, False

    def _place(self, para: Paragraph) -> Place:
        anchor, own = self._anchor(para)
        if anchor is None:
            return self._by_words(para, None)
        if anchor.kind == "r":
            key = self.sources.keys.get(anchor.hashed)
            if key is None:
                return Place("reference", note="its .bib entry is no longer in the bibliography")
            entry = self.sources.entries[key]
            return Place("reference", entry.file, entry.line, key=key)
        rel = self.sources.by_hash.get(anchor.hashed)
        if anchor.kind in "dc":
            if rel is None:
                return Place("computed" if anchor.kind == "c" else "data",
                             note="its data file is no longer in the project")
            place = Place("computed" if anchor.kind == "c" else "data", rel, anchor.line, columns=anchor.columns)
            place.note = self._data_note(para, place) if own else ""
            return place
        if rel is None:
            place = self._by_words(para, None)
            place.note = "the file its anchor names is no longer in the project; " + place.note
            return place
        return self._prose(para, rel, anchor.line, own)

    def _prose(self, para: Paragraph, rel: str, line: int, own: bool) -> Place:
        directive = self._directive(rel, line)
        end = self.sources.block_end(rel, line)
        text = letters(para.original)
        if not text:
            return Place("generated" if directive else "prose", rel, line, end, directive=directive)
        block = self.sources.block_letters(rel, line, end)
        if max(share_found(text, block), share_found(letters(para.final), block)) >= VERIFIED:  # before or after
            return Place("prose", rel, line, end, how="anchor" if own else "words")
        if directive:  # a directive's output: its words are in the data, not in the chapter
            return Place("generated", rel, line, end, directive=directive)
        found = max([f for f in (find_words(self.sources, t, [rel], near=(rel, line))
                                 for t in (para.original, para.final)) if f] or [None], key=lambda f: f[2] if f else 0)
        if found is None or found[2] < VERIFIED:
            found = find_words(self.sources, para.original, self.sources.chapters, near=(rel, line))
        if found is not None and found[2] >= VERIFIED:
            new_rel, new_line, share = found
            place = Place("prose", new_rel, new_line, self.sources.block_end(new_rel, new_line),
                          how="moved" if own else "words", confidence=share)
            if own:
                was = f"line {line}" if new_rel == rel else f"{rel}:{line}"
                place.note = f"was {was} when the DOCX was built; followed the text"
                self.moved.append((para.index, place))
            return place
        return Place("prose", rel, line, end, how="changed", confidence=found[2] if found else 0.0,
                     note=f"{rel}:{line} no longer holds this text, and it was not found elsewhere")

    def _directive(self, rel: str, line: int) -> str:
        """The directive whose fence is at rel:line ('' when the line is not a directive's fence)."""
        lines = self.sources.lines(rel)
        if not 0 < line <= len(lines):
            return ""
        match = FENCE.match(lines[line - 1])
        if not match:
            return ""
        written = match.group(1)
        classes = re.findall(r"(?:^|\s)\.([\w-]+)", " " + written) if "{" in lines[line - 1] else written.split()[:1]
        return next((c for c in classes if c not in ("abstract", "title-note", "pagebreak")), "")

    def _by_words(self, para: Paragraph, near) -> Place:
        if not letters(para.original):
            return Place("unplaced", note="no words to look for")
        found = find_words(self.sources, para.original, self.sources.chapters, near)
        if found is None or found[2] < 0.25:
            return Place("unplaced", note="its words are in no chapter (generated text, a table or a reference?)")
        rel, line, share = found
        return Place("prose", rel, line, self.sources.block_end(rel, line), how="words", confidence=share)

    def _data_note(self, para: Paragraph, place: Place) -> str:
        """For a copied cell, whether the data file still holds what the DOCX shows."""
        if place.kind != "data" or not place.line or place.columns[0] != place.columns[1] or not place.columns[0]:
            return ""
        if not place.file.endswith(".csv"):
            return ""
        try:
            rows = list(csv.reader(io.StringIO("\n".join(self.sources.lines(place.file)))))
            value = rows[place.line - 1][place.columns[0] - 1].strip()
        except (IndexError, csv.Error):
            return "the data file has changed since the DOCX was built: that row or column is gone"
        shown = para.original.strip()
        if value and shown and letters(value) != letters(shown) and value.strip() != shown:
            return f"the data file has changed since the DOCX was built (it now holds \"{value}\")"
        return ""

    def line_of(self, place: Place, text: str) -> int:
        """The line of a chapter block that holds text (a comment's words, a change's context)."""
        target = letters(text)[:PROBE]
        if place.kind != "prose" or not place.file or place.end <= place.line or not target:
            return place.line
        lines = self.sources.lines(place.file)[place.line - 1:place.end]
        pieces = [letters(line) for line in lines]
        block = "".join(pieces)
        at = block.find(target)
        if at < 0:
            return place.line
        for number, piece in enumerate(pieces, start=place.line):
            if at < len(piece):
                return number
            at -= len(piece)
        return place.line


def column_names(sources: Sources, place: Place) -> list[str]:
    """The headings of a CSV's columns first..last (or [] for other files)."""
    first, last = place.columns
    if not first or not place.file.endswith(".csv"):
        return []
    try:
        header = next(csv.reader(io.StringIO(sources.lines(place.file)[0])))
    except (StopIteration, IndexError, csv.Error):
        return []
    return [h.strip() for h in header[first - 1:last]]
