"""Tables that fit: column widths from content, and the page a table goes on.

One computation for every writer (thesiskit/transforms/lower.py applies it to pandoc's JSON): the
widths become the table's relative column widths, which pandoc writes as the DOCX's grid, typst's
`columns:` and the HTML's <col> widths; the orientation and font size become a landscape section or
page and a table font, each in its writer's form.

Widths are measured with thesiskit/metrics.py (the widest of Times New Roman's metrics and
Libertinus Serif's for each character), so a column is never narrower than its longest word at the
table's font size in any of the three writers. A word breaks only where every writer may break it:
at a space, or after a hyphen or dash that is not followed by a digit ("31-40" stays whole).

How a table is laid out, unless the author says (`orientation=` and `font-size=` on its div):
  1. portrait at 10 pt, if the longest words fit the text width;
  2. otherwise landscape at 10, 9, then 8 pt (APA's smallest), the first where they fit;
  3. a table that fits portrait goes landscape anyway when that takes fewer pages, and at most four
     fifths of portrait's: its columns were squeezed into a word or two a line.
`orientation="portrait"` tries portrait at 10, 9 and 8 pt; `font-size="9"` sets the size.
A table whose words do not fit even landscape at 8 pt keeps its columns at their words' widths and
is wider than the text (`Fit.overflow`): stage check warns about it (thesiskit/check.py).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .metrics import STYLED, UNKNOWN, WIDTHS

PAGE = (595.28, 841.89)          # A4, points
MARGIN = 72.0                    # 1 inch on every side
PORTRAIT = (PAGE[0] - 2 * MARGIN, PAGE[1] - 2 * MARGIN)    # text width, text height
LANDSCAPE = (PORTRAIT[1], PORTRAIT[0])
PADDING = 10.8                   # a cell's left and right margins: Word's 108 twips each (typst's inset is 4 pt)
LIST_INDENT = 12.0               # a list inside a cell: its text starts 240 twips in (thesiskit/write/docx.py)
LINE = 1.15                      # single spacing, in ems (Times New Roman's line height in Word)
SIZES = (10, 9, 8)               # table font sizes, largest first: 8 pt is APA's smallest
SAVING = 0.8                     # landscape when it needs at most this share of portrait's pages
ORIENTATIONS = ("auto", "portrait", "landscape")

_BREAK = re.compile(r".+?(?:[-\u2010\u2013\u2014](?![\d\x02]*\d)|$)")
ON, OFF = "\x01", "\x02"       # around bold or italic text in what inline_text returns: measured as such


@dataclass
class Fit:
    widths: list[float]          # shares of the text width, summing to 1 (more when it overflows)
    orientation: str             # portrait or landscape
    size: int                    # the table's font size in points
    overflow: bool = False       # the longest words do not fit even landscape at the smallest size
    minimum: float = 0.0         # the width its longest words need, in points at `size`


def font_size(value: str | None) -> int | None:
    """An author's font-size= ("9" or "9pt") as one of SIZES, or None when it is none of them."""
    text = (value or "").strip().removesuffix("pt").strip()
    return int(text) if text in map(str, SIZES) else None


def text_width(text: str, size: float) -> float:
    """The width of text set at size points, in points (bold or italic between ON and OFF)."""
    total, table = 0, WIDTHS
    for c in text:
        if c == ON:
            table = STYLED
        elif c == OFF:
            table = WIDTHS
        else:
            total += table.get(ord(c), UNKNOWN)
    return total * size / 1000


def pieces(text: str) -> list[str]:
    """The parts of a text no writer breaks: words, and hyphenated words after each hyphen or dash
    (a style carries on into the next part)."""
    out, styled = [], False
    for word in text.split():
        for part in _BREAK.findall(word):
            out.append((ON if styled else "") + part)
            if ON in part or OFF in part:
                styled = part.rfind(ON) > part.rfind(OFF)
    return out


# ---------------------------------------------------------------- reading pandoc's JSON

def inline_text(inlines: list, styled: bool = False) -> str:
    """The text of pandoc inlines, line breaks as newlines, bold and italic between ON and OFF."""
    out = []
    for inline in inlines:
        kind, content = inline.get("t"), inline.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "LineBreak":
            out.append("\n")
        elif kind in ("Emph", "Strong") and not styled:
            out.append(ON + inline_text(content, True) + OFF)
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript", "Subscript"):
            out.append(inline_text(content, styled))
        elif kind in ("Span", "Link", "Cite"):
            out.append(inline_text(content[1], styled))
        elif kind == "Quoted":
            marks = "\u201c\u201d" if content[0]["t"] == "DoubleQuote" else "\u2018\u2019"
            out.append(marks[0] + inline_text(content[1], styled) + marks[1])
        elif kind in ("Code", "Math"):
            out.append(content[1])
        elif kind == "Image":
            out.append(inline_text(content[1], styled))
    return "".join(out)


def block_lines(blocks: list, indent: float = 0.0) -> list[tuple[float, str]]:
    """(indent in points, text) for each paragraph of a cell; list items are indented."""
    lines: list[tuple[float, str]] = []
    for block in blocks:
        kind, content = block.get("t"), block.get("c")
        if kind in ("Plain", "Para"):
            for part in inline_text(content).split("\n"):
                lines.append((indent, part))
        elif kind == "LineBlock":
            lines += [(indent, inline_text(line)) for line in content]
        elif kind in ("BulletList", "OrderedList"):
            items = content if kind == "BulletList" else content[1]
            for item in items:
                lines += block_lines(item, indent + LIST_INDENT)
        elif kind == "Div":
            lines += block_lines(content[1], indent)
        elif kind == "BlockQuote":
            lines += block_lines(content, indent)
        elif kind == "Header":
            lines.append((indent, inline_text(content[2])))
    return lines


@dataclass
class Cell:
    """A cell's paragraphs, measured once at 1 pt: each (indent in points, widths of its unbreakable
    pieces, each with the space after it if any) and its longest piece and whole width."""
    column: int
    span: int
    lines: list[tuple[float, str]]
    header: bool = False

    def __post_init__(self):
        space = text_width(" ", 1)
        self.measured = []
        for indent, text in self.lines:
            widths = []
            for word in text.split():
                parts = [text_width(p, 1) for p in pieces(word)]
                parts[-1] += space
                widths += parts
            if widths:
                widths[-1] -= space
            self.measured.append((indent, widths))


def cells_of(table: dict) -> tuple[int, list[list[Cell]], list[float | None]]:
    """(number of columns, rows of cells, the author's width shares or None) from a pandoc Table."""
    _attr, _caption, colspecs, head, bodies, foot = table["c"]
    columns = len(colspecs)
    preferred = [c[1].get("c") if c[1].get("t") == "ColWidth" else None for c in colspecs]
    rows: list[list[Cell]] = []
    occupied: dict[tuple[int, int], bool] = {}

    def add(row_list, header: bool):
        for row in row_list:
            r = len(rows)
            cells, column = [], 0
            for cell in row[1]:
                _cattr, _align, rowspan, colspan, blocks = cell
                while occupied.get((r, column)):
                    column += 1
                cells.append(Cell(column, colspan, block_lines(blocks), header))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        occupied[(r + dr, column + dc)] = True
                column += colspan
            rows.append(cells)

    add(head[1], True)
    for body in bodies:
        add(body[2], True)
        add(body[3], False)
    add(foot[1], False)
    return columns, rows, preferred


# ---------------------------------------------------------------- widths

def _bounds(columns: int, rows: list[list[Cell]], size: float) -> tuple[list[float], list[float]]:
    """Each column's narrowest width (its longest word) and natural width (its widest paragraph,
    unbroken), in points at size, padding included; spanning cells widen the columns they span."""
    low, high = [PADDING] * columns, [PADDING] * columns
    spans = []
    for row in rows:
        for cell in row:
            word = max((indent + max(w, default=0.0) * size for indent, w in cell.measured), default=0.0) + PADDING
            line = max((indent + sum(w) * size for indent, w in cell.measured), default=0.0) + PADDING
            if cell.span == 1 and cell.column < columns:
                low[cell.column] = max(low[cell.column], word)
                high[cell.column] = max(high[cell.column], line)
            else:
                spans.append((cell, word, line))
    for cell, word, line in spans:
        cols = [c for c in range(cell.column, min(cell.column + cell.span, columns))]
        for values, need in ((low, word), (high, line)):
            have = sum(values[c] for c in cols)
            if cols and have < need:
                for c in cols:
                    values[c] += (need - have) / len(cols)
    high = [max(h, lo) for h, lo in zip(high, low)]
    return low, high


def distribute(low: list[float], high: list[float], width: float, preferred: list[float | None]) -> list[float]:
    """Column widths in points filling `width`, none below its low bound. With the author's shares,
    those shares, each column raised to its bound and the others giving way in proportion; without,
    as a browser lays out an automatic table (natural widths when they fit, else in between)."""
    if sum(low) >= width:
        return list(low)
    if all(p for p in preferred):
        widths = [p * width for p in preferred]
        fixed: set[int] = set()
        while True:
            short = [i for i, w in enumerate(widths) if w < low[i] - 1e-9 and i not in fixed]
            if not short:
                return widths
            fixed.update(short)
            for i in fixed:
                widths[i] = low[i]
            rest = [i for i in range(len(widths)) if i not in fixed]
            room = width - sum(low[i] for i in fixed)
            share = sum(preferred[i] for i in rest)
            for i in rest:
                widths[i] = room * preferred[i] / share
    if sum(high) <= width:
        total = sum(high)
        return [h + (width - total) * h / total for h in high]
    slack = sum(h - lo for h, lo in zip(high, low))
    return [lo + (h - lo) * (width - sum(low)) / slack for h, lo in zip(high, low)]


def _lines(widths: list[float], width: float) -> int:
    """How many lines a paragraph of pieces (their widths, each with its space) takes in a column
    of width (greedy, as Word breaks lines)."""
    count, used = 1, 0.0
    for w in widths:
        if used and used + w > width:
            count, used = count + 1, w
        else:
            used += w
    return count


def height(rows: list[list[Cell]], widths: list[float], size: float) -> float:
    """The table's height in points, estimated line by line."""
    total = 0.0
    for row in rows:
        tallest = 1
        for cell in row:
            width = sum(widths[cell.column:cell.column + cell.span]) - PADDING
            lines = sum(_lines(w, max(width - indent, 1.0) / size) for indent, w in cell.measured)
            tallest = max(tallest, lines)
        total += tallest * size * LINE + 4
    return total


def fit(table: dict, orientation: str = "auto", size: int | None = None) -> Fit:
    """How a pandoc Table is laid out: widths, orientation and font size (see the module's doc)."""
    columns, rows, preferred = cells_of(table)
    if columns == 0:
        return Fit([], "portrait", size or SIZES[0])
    order = {"auto": [("portrait", 10), ("landscape", 10), ("landscape", 9), ("landscape", 8)],
             "portrait": [("portrait", s) for s in SIZES],
             "landscape": [("landscape", s) for s in SIZES]}[orientation]
    # the author's size: portrait first (unless landscape was asked for), as at 10 pt
    candidates = order if size is None else [(o, size) for o in ("portrait", "landscape") if orientation in ("auto", o)]
    fits = []
    for o, s in candidates:
        low, high = _bounds(columns, rows, s)
        page = PORTRAIT if o == "portrait" else LANDSCAPE
        if sum(low) <= page[0] + 1e-6:
            widths = distribute(low, high, page[0], preferred)
            fits.append((o, s, widths, sum(low), height(rows, widths, s) / page[1]))
    if not fits:
        o, s = candidates[-1]
        low, _high = _bounds(columns, rows, s)
        page = PORTRAIT if o == "portrait" else LANDSCAPE
        return Fit([w / page[0] for w in low], o, s, overflow=True, minimum=sum(low))
    chosen = fits[0]
    if chosen[0] == "portrait" and orientation == "auto":
        wide = next((f for f in fits if f[0] == "landscape" and f[1] == chosen[1]), None)
        if wide and math.ceil(wide[4]) < math.ceil(chosen[4]) and wide[4] <= SAVING * chosen[4]:
            chosen = wide
    o, s, widths, minimum, _pages = chosen
    page = PORTRAIT if o == "portrait" else LANDSCAPE
    return Fit([w / page[0] for w in widths], o, s, minimum=minimum)
