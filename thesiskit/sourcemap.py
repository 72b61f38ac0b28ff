"""Where each block of a document comes from: the chapter file and line.

pandoc's Markdown reader gives no source positions (only its commonmark readers do, and the build
reads pandoc's Markdown). So, right after the one parse of a document (stage read), each block is
found again in the text pandoc was given: blocks come in source order, so each is looked for after
the one before, by its letters (its words without spaces, punctuation or markup, which is what
survives both the Markdown syntax and pandoc's smart quotes and dashes). A citation is looked for by
the key written in the source, a link by its text and address.

The result is a list of (fingerprint, place) in document order, and the places of ids (tables,
figures, sections). The fingerprint is the block's letters without citations and cross-references,
which citeproc and the crossref transform rewrite: the DOCX writer (thesiskit/anchors.py) computes
the same fingerprint on the finished thesis and aligns the two lists, so a paragraph can be traced
back even after citations were formatted, conditional text dropped or the abstract moved.
"""
from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

MARKER = "thesiskit-source:"  # thesiskit/read.py writes it before each chapter
_FENCE = re.compile(r"^\s*:{3,}")
_LABEL = (("tbl-", "tbl:"), ("fig-", "fig:"), ("sec-", "sec:"), ("app-", "app:"))
_LABELS = tuple(p for pair in _LABEL for p in pair)  # a cross-reference, which the crossref transform rewrites


@dataclass(frozen=True)
class Place:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class SourceMap:
    """One document's blocks: (fingerprint, place) in document order; ids and front-matter keys."""

    entries: list[tuple[str, Place]] = field(default_factory=list)
    ids: dict[str, Place] = field(default_factory=dict)  # 'tbl:casp-scores' -> the line of its div
    meta: dict[str, Place] = field(default_factory=dict)  # 'title', 'keywords' -> their front-matter line
    cells: dict[str, list] = field(default_factory=dict)  # a directive table's label -> its cells' sources
    divs: list[tuple[tuple[str, ...], Place]] = field(default_factory=list)  # divs without an id: classes, fence

    def fence(self, name: str) -> Place | None:
        """The next unclaimed div without an id whose classes include name (a directive's)."""
        for index, (classes, place) in enumerate(self.divs):
            if name in classes:
                del self.divs[index]
                return place
        return None


# ---------------------------------------------------------------- letters

_NOT_LETTERS = re.compile(r"[\W\d_]+")
_ASCII_NOT_LETTERS = bytes(i for i in range(128) if not chr(i).isalpha())


def letters(text: str) -> str:
    """The text's letters, case folded: what the Markdown source and every output share."""
    if text.isascii():  # most lines: about 9 times faster than the Unicode pattern
        return text.lower().encode("ascii").translate(None, _ASCII_NOT_LETTERS).decode("ascii")
    return _NOT_LETTERS.sub("", text.casefold())


def fingerprint(inlines: list) -> str:
    """What of a block's text every stage leaves alone: its letters, with citations by their keys
    (citeproc formats them), without cross-references (the crossref transform writes them) and notes."""
    out: list[str] = []
    _walk(inlines, out, None)
    return letters("".join(out))


def source_letters(inlines: list) -> str:
    """A block's letters as its source spells them: citations by their keys, links with their
    addresses, spans with their attributes."""
    out: list[str] = []
    _walk(inlines, None, out)
    return letters("".join(out))


def both(inlines: list) -> tuple[str, str]:
    """(fingerprint, source_letters) in one walk."""
    fp: list[str] = []
    src: list[str] = []
    _walk(inlines, fp, src)
    return letters("".join(fp)), letters("".join(src))


_PLAIN = frozenset(("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"))


def _walk(inlines: list, fp: list | None, src: list | None) -> None:
    """Text into fp (the fingerprint's) and src (the source's), either of which may be None."""
    for inline in inlines:
        kind = inline["t"]
        if kind == "Str":
            if fp is not None:
                fp.append(inline["c"])
            if src is not None:
                src.append(inline["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak", "Note"):
            continue
        elif kind in _PLAIN:
            _walk(inline["c"], fp, src)
        elif kind == "Quoted":
            _walk(inline["c"][1], fp, src)
        elif kind == "Cite":  # citeproc rewrites the text but keeps the keys
            if fp is not None:
                fp += [c["citationId"] for c in inline["c"][0] if not c["citationId"].startswith(_LABELS)]
            if src is not None:
                _walk(inline["c"][1], None, src)
        elif kind == "Span":
            attr, content = inline["c"]
            _walk(content, None if "crossref" in attr[1] else fp, src)
            if src is not None:
                src += [attr[0], *attr[1], *(k + v for k, v in attr[2])]
        elif kind == "Link":
            shown: list[str] = []
            _walk(inline["c"][1], fp, shown)
            if src is not None:
                src += shown
                url = inline["c"][2][0]
                if letters(url) != letters("".join(shown)):  # <https://...>: the address once
                    src.append(url)
        elif kind == "Image":
            if src is not None:
                _walk(inline["c"][1], None, src)
                src.append(inline["c"][2][0])
        elif kind in ("Code", "Math"):
            for out in (fp, src):
                if out is not None:
                    out.append(inline["c"][1])
        elif kind == "RawInline":
            if src is not None:
                src.append(inline["c"][1])


# ---------------------------------------------------------------- one chapter's text

class Chapter:
    """A chapter's text as pandoc was given it, by letters, with the line of each letter."""

    def __init__(self, file: str, text: str, lines: list[int] | None = None):
        self.file = file
        self.text_lines = text.split("\n")
        per_line = [letters(line) for line in self.text_lines]
        self.line_start = list(accumulate((len(p) for p in per_line), initial=0))  # first letter of each line
        self.letters = "".join(per_line)
        self.lines = lines  # rendered line -> line of the file as written (includes, {% if %})
        self.cursor = 0
        self.cursor_line = 1
        self.front_matter_end = _front_matter_end(self.text_lines)

    def place(self, line: int) -> Place:
        written = self.lines[line - 1] if self.lines and 0 < line <= len(self.lines) else line
        return Place(self.file, written)

    def line_of(self, index: int) -> int:
        """The line holding the letter at index (the line it starts, for a line that has letters)."""
        return min(bisect_right(self.line_start, index), len(self.text_lines))

    def find(self, probe: str) -> int | None:
        """The line of the block whose letters start with probe, at or after the cursor."""
        if not probe:
            return None
        for length, offset in ((40, 0), (16, 0), (16, len(probe) // 3), (16, len(probe) // 2), (8, 0)):
            piece = probe[offset:offset + length]
            if len(piece) < min(length, 8) and offset:
                continue
            at = self.letters.find(piece, self.cursor)
            if at < 0:
                continue
            start = max(self.cursor, at - offset)
            line = self.line_of(start)
            if len(piece) < 12 and line - self.cursor_line > 40:
                continue  # a short probe found far away is more likely another block's words
            self.cursor = at + len(piece)
            self.cursor_line = line
            return line
        return None

    def find_line(self, test) -> int | None:
        """The first line at or after the cursor's for which test(line text) holds."""
        for number in range(self.cursor_line, len(self.text_lines) + 1):
            if test(self.text_lines[number - 1]):
                self.skip_to(number + 1)
                return number
        return None

    def skip_to(self, line: int) -> None:
        line = min(max(line, 1), len(self.text_lines))
        self.cursor = max(self.cursor, self.line_start[line - 1])
        self.cursor_line = max(self.cursor_line, line)


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].rstrip() == "---":
        for number, line in enumerate(lines[1:], start=2):
            if line.rstrip() in ("---", "..."):
                return number
    return 0


def front_matter_lines(path: Path) -> dict[str, int]:
    """The line of each top-level key of a Markdown file's YAML front matter (thesis.md's title)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, int] = {}
    for number, line in enumerate(lines[:_front_matter_end(lines)], start=1):
        match = re.match(r"([A-Za-z][\w-]*)\s*:", line)
        if match:
            out.setdefault(match.group(1), number)
    return out


def line_map(written: str, rendered: str) -> list[int] | None:
    """For each line of the rendered chapter, the line of the file as written; None when they are
    the same ({{ values }} fill a line in place; {% include %} and {% if %} can add or remove lines)."""
    if "{%" not in written:
        return None
    a, b = written.split("\n"), rendered.split("\n")
    out = [0] * len(b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(j2 - j1):
            out[j1 + k] = (i1 + k + 1) if tag == "equal" or k < i2 - i1 else i1 + (i2 > i1)
    last = 1
    for k, value in enumerate(out):  # a line the template added belongs to the line that added it
        out[k] = value or last
        last = out[k]
    return out


# ---------------------------------------------------------------- the document

def split_chapters(text: str) -> list[tuple[str, str]]:
    """(file, rendered text) of each chapter in a document's concatenated Markdown (thesiskit/read.py)."""
    out = []
    pieces = re.split(r"^<!-- " + re.escape(MARKER) + r" (.*?) -->\n\n", text, flags=re.M)
    for i in range(1, len(pieces) - 1, 2):
        body = pieces[i + 1]
        out.append((pieces[i], body[:-2] if body.endswith("\n\n") else body.removesuffix("\n")))
    return out


def locate(data: dict, text: str, root: Path | None = None) -> SourceMap:
    """The SourceMap of one parsed document: data is pandoc's JSON, text what pandoc was given."""
    chapters = {}
    for file, body in split_chapters(text):
        lines = None
        if root is not None:
            try:
                lines = line_map((root / file).read_text(encoding="utf-8-sig"), body)
            except (OSError, UnicodeDecodeError):
                lines = None
        chapters[file] = Chapter(file, body, lines)
    result = SourceMap()
    first = next(iter(chapters.values()), None)
    if first is not None:
        _front_matter(data.get("meta", {}), first, result)
        first.skip_to(first.front_matter_end + 1)
    current = first
    for block in data.get("blocks", []):
        if block.get("t") == "RawBlock" and MARKER in block["c"][1]:
            name = block["c"][1].split(MARKER, 1)[1].strip().removesuffix("-->").strip()
            current = chapters.get(name, current)
            if current is not None and current is not first:
                current.skip_to(current.front_matter_end + 1)
            continue
        if current is not None:
            _visit(block, current, result)
    return result


def add_generated(result: SourceMap, place: Place, blocks: list, order: list[str]) -> None:
    """A directive's output (pandoc JSON blocks) is the directive's: its blocks' fingerprints enter
    the map at the directive's line, except table cells that name their own data (thesiskit/anchors.py)."""
    found: list[str] = []
    _generated(blocks, found)
    if not found:
        return
    rank = {file: i for i, file in enumerate(order)}

    def key(p: Place) -> tuple[int, int]:
        return rank.get(p.file, len(rank)), p.line

    at = len(result.entries)
    while at > 0 and key(result.entries[at - 1][1]) > key(place):
        at -= 1
    result.entries[at:at] = [(fp, place) for fp in found]


def _generated(blocks: list, out: list) -> None:
    for block in blocks:
        kind, content = block.get("t"), block.get("c")
        if kind in ("Para", "Plain"):
            fp = fingerprint(content)
            if fp:
                out.append(fp)
        elif kind == "Header":
            out.append(fingerprint(content[2]))
        elif kind in ("Div", "Figure"):
            _generated(content[-1], out)
        elif kind == "BlockQuote":
            _generated(content, out)
        elif kind in ("BulletList", "OrderedList"):
            for item in content if kind == "BulletList" else content[1]:
                _generated(item, out)
        elif kind == "Table":
            _attr, _caption, _specs, head, bodies, foot = content
            for row in [*head[1], *[r for b in bodies for r in b[2] + b[3]], *foot[1]]:
                for cell in row[1]:
                    if not any(k == "source" for k, _v in cell[0][2]):
                        _generated(cell[4], out)


def _front_matter(meta: dict, chapter: Chapter, result: SourceMap) -> None:
    """The lines of a paper's title and keywords, and the blocks of an abstract given as metadata."""
    end = chapter.front_matter_end
    for number, line in enumerate(chapter.text_lines[:end], start=1):
        match = re.match(r"([A-Za-z-]+)\s*:", line)
        if match and match.group(1) not in result.meta:
            result.meta[match.group(1)] = chapter.place(number)
    abstract = meta.get("abstract")
    if abstract and abstract.get("t") == "MetaBlocks" and "abstract" in result.meta:
        chapter.skip_to(result.meta["abstract"].line)
        for block in abstract["c"]:
            _visit(block, chapter, result)


def _canonical(ident: str) -> str:
    for quarto, crossref in _LABEL:
        if ident.startswith(quarto):
            return crossref + ident[len(quarto):]
    return ident


def _record(inlines: list, chapter: Chapter, result: SourceMap) -> int | None:
    fp, probe = both(inlines)
    line = chapter.find(probe)
    if line is not None and fp:
        result.entries.append((fp, chapter.place(line)))
    return line


def _visit(block: dict, chapter: Chapter, result: SourceMap) -> None:
    kind = block.get("t")
    content = block.get("c")
    if kind in ("Para", "Plain"):
        _record(content, chapter, result)
    elif kind == "Header":
        line = _record(content[2], chapter, result)
        if line is not None and content[1][0]:
            result.ids.setdefault(_canonical(content[1][0]), chapter.place(line))
    elif kind == "LineBlock":
        _record([i for line in content for i in [*line, {"t": "Space"}]], chapter, result)
    elif kind == "BlockQuote":
        for child in content:
            _visit(child, chapter, result)
    elif kind in ("BulletList", "OrderedList"):
        for item in content if kind == "BulletList" else content[1]:
            for child in item:
                _visit(child, chapter, result)
    elif kind == "DefinitionList":
        for term, definitions in content:
            _record(term, chapter, result)
            for definition in definitions:
                for child in definition:
                    _visit(child, chapter, result)
    elif kind == "Div":
        (ident, classes, _pairs), children = content
        line = _div_line(ident, classes, chapter)
        if line is not None and ident:
            result.ids.setdefault(_canonical(ident), chapter.place(line))
        elif line is not None and classes:
            result.divs.append((tuple(classes), chapter.place(line)))
        for child in children:
            _visit(child, chapter, result)
        if line is not None:  # the closing fence
            chapter.find_line(lambda text: bool(_FENCE.match(text)) and not text.strip(": \t"))
    elif kind == "Table":
        attr, _caption, _specs, head, bodies, foot = content
        if attr[0]:
            line = _id_line(attr[0], chapter, move=False)
            if line is not None:
                result.ids.setdefault(_canonical(attr[0]), chapter.place(line))
        rows = list(head[1])
        for body in bodies:
            rows += body[2] + body[3]
        rows += foot[1]
        for row in rows:
            for cell in row[1]:
                for child in cell[4]:
                    _visit(child, chapter, result)
    elif kind == "Figure":
        attr, _caption, children = content
        if attr[0]:
            line = _id_line(attr[0], chapter, move=False)
            if line is not None:
                result.ids.setdefault(_canonical(attr[0]), chapter.place(line))
        for child in children:
            _visit(child, chapter, result)


def _id_line(ident: str, chapter: Chapter, move: bool = True) -> int | None:
    pattern = re.compile(r"#" + re.escape(ident) + r"(?![\w:-])")
    start = chapter.cursor_line
    for number in range(start, len(chapter.text_lines) + 1):
        if pattern.search(chapter.text_lines[number - 1]):
            if move:
                chapter.skip_to(number + 1)
            return number
    return None


def _div_line(ident: str, classes: list[str], chapter: Chapter) -> int | None:
    """The opening fence of a div: the next ':::' line naming its id (or its first class)."""
    if ident:
        line = _id_line(ident, chapter)
        if line is not None:
            return line
    name = classes[0] if classes else ""

    def opening(text: str) -> bool:
        return bool(_FENCE.match(text)) and bool(text.strip(": \t")) and (not name or name in text)

    return chapter.find_line(opening)
