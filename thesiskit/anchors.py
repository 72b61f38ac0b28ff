"""Source anchors: an invisible bookmark in the DOCX at the start of every block, naming where the
block comes from, so that a supervisor's comments and tracked changes can be traced back to the
Markdown line, the data file's row and column, or the .bib entry (`thesiskit feedback`).

A bookmark is what Word and LibreOffice both keep through editing and saving (tested with
LibreOffice); it adds no text, so the words and the word count stay as they were. Names are what
Word allows (at most 40 letters, digits and underscores) and start with an underscore, which makes
them hidden bookmarks in Word (not listed in Insert > Bookmark). pandoc writes only names starting
with a letter, so the writer gives `tkp_...` and finish() hides it as `_tkp_...`.

    _tkp_<file>_<line>                   prose: a chapter's (or the front matter's) line
    _tkd_<file>_<row>_<col>_<col>        a table cell copied from a data file's row and columns
    _tkc_<file>_<row>_<col>_<col>        a table cell computed from them (a score, a total)
    _tkr_<key>                           a reference-list entry (the .bib key)

<file> and <key> are the first 8 hex digits of the SHA-1 of the project-relative path or the key:
the name stays short, and `feedback` finds the file by hashing the project's files. Columns are
counted from 1, 0 when none; row 0 means the whole file. A name used twice gets _2, _3, ...
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .sourcemap import Place, SourceMap, fingerprint
from .tables import SOURCE


def anchor(doc_id: str, label: str) -> str:
    """An output identifier unique across the thesis: labels are local to their document."""
    return f"{doc_id}-{label.replace(':', '-')}"

PREFIX = "tk"  # as pandoc writes it; hidden as _tk... in the finished DOCX
NAME = re.compile(r"^_?tk([pdcr])_([0-9a-f]{8})((?:_\d+)*)$")


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Anchor:
    """A parsed bookmark name: kind (p, d, c, r), the hash of the file or key, and its numbers."""

    kind: str
    hashed: str
    numbers: tuple[int, ...] = ()

    @property
    def line(self) -> int:
        return self.numbers[0] if self.numbers else 0

    @property
    def columns(self) -> tuple[int, int]:
        cols = self.numbers[1:3] + (0, 0)
        return cols[0], cols[1] or cols[0]


def parse(name: str) -> Anchor | None:
    match = NAME.match(name)
    if match is None:
        return None
    numbers = tuple(int(n) for n in match.group(3).split("_") if n)
    kind = match.group(1)
    if kind == "p":
        numbers = numbers[:1]  # what follows is the _2 of a name used twice
    elif kind in "dc":
        numbers = numbers[:3]
    else:
        numbers = ()
    return Anchor(kind, match.group(2), numbers)


# ---------------------------------------------------------------- what a generated cell comes from

def data_cell(row, *columns: str, computed: bool = False) -> str | None:
    """The source of a table cell copied (or computed) from a data file's row (thesiskit/data.py Row)
    and columns (the names the build uses), as make_table's sources take it."""
    if row is None:
        return None
    positions = [row.positions[c] for c in columns if c in getattr(row, "positions", {})]
    first, last = (min(positions), max(positions)) if positions else (0, 0)
    return f"{'c' if computed else 'd'}|{row.file}|{row.number}|{first}|{last}"


def data_line(file: str, line: int, computed: bool = False, column: int = 0) -> str:
    """The source of a cell taken from one line of a data file (a YAML row; column: its place in the
    row, from 1), or computed from the whole file (line 0)."""
    return f"{'c' if computed else 'd'}|{file}|{line}|{column}|{column}"


def _root(ctx):
    """The project folder of a directive's ctx (None when a test renders without one: the working folder)."""
    from pathlib import Path

    return getattr(getattr(ctx, "project", None), "root", None) or Path(".")


def data_column(ctx, file: str, heading: str) -> str:
    """The source of a cell computed from one column of a CSV file, over every row."""
    import csv

    try:
        with open(_root(ctx) / file, encoding="utf-8-sig", newline="") as handle:
            header = [h.strip() for h in next(csv.reader(handle))]
        column = header.index(heading) + 1
    except (OSError, UnicodeDecodeError, StopIteration, ValueError, csv.Error):
        column = 0
    return data_line(file, 0, computed=True, column=column)


def yaml_line(ctx, file: str, *path) -> int:
    """The line of the node at path (keys and indexes) in a YAML data file, 0 when it cannot be read."""
    import yaml

    try:
        node = _composed(_root(ctx) / file)
        for step in path:
            if isinstance(node, yaml.MappingNode):
                node = next(v for k, v in node.value if k.value == step)
            else:
                node = node.value[step]
        return node.start_mark.line + 1
    except Exception:  # noqa: BLE001 - an anchor is a convenience: without the line, the file is named
        return 0


def _composed(path):
    """The YAML node tree of a file, composed once per version of the file (a table's directive asks
    for the line of each of its rows: composing the file per row was most of the expand stage)."""
    stat = path.stat()
    return _compose(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _compose(path: str, _mtime_ns: int, _size: int):
    import yaml

    with open(path, encoding="utf-8-sig") as handle:  # libyaml's parser when there: the same nodes and lines, ten times faster
        return yaml.compose(handle.read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _cell_name(source: str) -> tuple[str, str] | None:
    """(bookmark name, file) for a cell's source string."""
    try:
        kind, file, row, first, last = source.split("|")
        numbers = [int(row), int(first), int(last)]
    except ValueError:
        return None
    if kind not in ("c", "d"):
        return None
    if numbers[2] == numbers[1]:
        numbers = numbers[:2]
    return f"{PREFIX}{kind}_{digest(file)}_{'_'.join(map(str, numbers))}", file


def take_cell_sources(table) -> list[list[str | None]]:
    """Take the source attributes off a generated panflute table (they must reach no output): the
    sources of its body rows, row by row, for the DOCX's anchors."""
    grid = []
    for body in table.content:
        for row in body.content:
            grid.append([cell.attributes.pop(SOURCE, None) for cell in row.content])
    return grid


# ---------------------------------------------------------------- the DOCX writer's side

class _Namer:
    def __init__(self, matcher=None):
        self.used: dict[str, int] = {}
        self.matcher = matcher
        self.count = 0

    def __call__(self, base: str, file: str) -> str | None:
        if self.matcher is not None and self.matcher.search(file):
            return None  # a masked manuscript names nothing that identifies the authors
        n = self.used.get(base, 0) + 1
        self.used[base] = n
        self.count += 1
        return base if n == 1 else f"{base}_{n}"


def prose(place: Place) -> str:
    return f"{PREFIX}p_{digest(place.file)}_{place.line}"


def _span(name: str) -> dict:
    return {"t": "Span", "c": [[name, [], []], []]}


def add(data: dict, sources: dict[str, SourceMap], documents: list[str], matcher=None,
        metadata_place: Place | None = None, keys=None) -> int:
    """Put the anchors into pandoc JSON (not yet lowered, DOCX only) holding the given documents, in
    order; returns how many. matcher (a masked manuscript's identity terms) leaves out every anchor
    whose file or key it finds; keys (the bibliography's), a reference entry that is none of them
    (a masked self-citation's stand-in)."""
    maps = [(d, sources[d]) for d in documents if d in sources]
    if not maps:
        return 0
    floats, cells, metas = {}, {}, {}
    for doc_id, found in maps:
        for label, place in found.ids.items():
            floats.setdefault(anchor(doc_id, label), place)
        for label, grid in found.cells.items():
            cells.setdefault(anchor(doc_id, label), grid)
        metas[doc_id] = found.meta
    namer = _Namer(matcher)
    walker = _Walker(floats, cells, metas, {d for d, _ in maps}, namer, metadata_place, keys)
    walker.blocks(data.get("blocks", []))
    read = [(fp, place) for _d, found in maps for fp, place in found.entries]
    _align(read, walker.prose, namer)
    return namer.count


class _Walker:
    """Collects the prose blocks of the finished document (fingerprint, inlines) and anchors what it
    can name by itself: floats by their id, generated cells by their sources, references by key."""

    def __init__(self, floats, cells, metas, documents, namer, metadata_place, keys=None):
        self.floats, self.cells, self.metas, self.documents = floats, cells, metas, documents
        self.keys = keys
        self.namer, self.metadata_place = namer, metadata_place
        self.prose: list[tuple[str, list]] = []
        self.document = next(iter(documents)) if len(documents) == 1 else None

    def mark(self, inlines: list, base: str, file: str) -> None:
        name = self.namer(base, file)
        if name:
            inlines.insert(0, _span(name))

    def blocks(self, blocks: list) -> None:
        for block in blocks:
            self.block(block)

    def block(self, block: dict) -> None:
        kind, content = block.get("t"), block.get("c")
        if kind in ("Para", "Plain"):
            self.prose.append((fingerprint(content), content))
        elif kind == "Header":
            ident, classes, _pairs = content[1]
            if "paper-title" in classes and ident in self.documents:
                self.document = ident
            title = self.metas.get(self.document, {}).get("title") if "paper-title" in classes else None
            if title is not None:
                self.mark(content[2], prose(title), title.file)
            elif "paper-title" not in classes:
                self.prose.append((fingerprint(content[2]), content[2]))
        elif kind == "LineBlock":
            if content:
                self.prose.append((fingerprint([i for line in content for i in line]), content[0]))
        elif kind == "BlockQuote":
            self.blocks(content)
        elif kind == "BulletList":
            for item in content:
                self.blocks(item)
        elif kind == "OrderedList":
            for item in content[1]:
                self.blocks(item)
        elif kind == "DefinitionList":
            for term, definitions in content:
                self.prose.append((fingerprint(term), term))
                for definition in definitions:
                    self.blocks(definition)
        elif kind == "Div":
            self.div(block)
        elif kind == "Table":
            self.table(content, None)
        elif kind == "Figure":
            self.blocks(content[2])

    def div(self, block: dict) -> None:
        (ident, classes, _pairs), children = block["c"]
        if ident in self.documents:
            self.document = ident
        if "apa-float" in classes:
            place = self.floats.get(ident)
            grid = self.cells.get(ident)
            for part in children:
                part_classes = part["c"][0][1] if part.get("t") == "Div" else []
                if place is not None and ({"float-label", "float-title"} & set(part_classes)
                                          or ("float-body" in part_classes and _pictures(part))):
                    for para in part["c"][1]:
                        if para.get("t") in ("Para", "Plain"):
                            self.mark(para["c"], prose(place), place.file)
                elif "table-body" in part_classes:
                    for child in part["c"][1]:
                        if child.get("t") == "Table":
                            self.table(child["c"], grid)
                        else:
                            self.block(child)
                else:
                    self.block(part)
            return
        reference = _reference_key(ident, self.documents)
        if reference is not None and self.keys is not None and reference not in self.keys:
            return  # a masked self-citation's stand-in: no entry of the bibliography
        if reference is not None:
            first = next((b for b in children if b.get("t") in ("Para", "Plain")), None)
            if first is not None:
                self.mark(first["c"], f"{PREFIX}r_{digest(reference)}", reference)
            return
        if "keywords" in classes:
            place = self.metas.get(self.document, {}).get("keywords")
            first = next((b for b in children if b.get("t") in ("Para", "Plain")), None)
            if place is not None and first is not None:
                self.mark(first["c"], prose(place), place.file)
                return
        if "title-page-title" in classes and self.metadata_place is not None:
            first = next((b for b in children if b.get("t") in ("Para", "Plain")), None)
            if first is not None:
                self.mark(first["c"], prose(self.metadata_place), self.metadata_place.file)
                return
        self.blocks(children)

    def table(self, content: list, grid) -> None:
        """Cells that name their data (a directive's, grid: their sources by body row) are anchored
        to it; every other cell is prose, traced by its text (a chapter's table, a directive's head)."""
        _attr, _caption, _specs, head, bodies, foot = content
        sources = iter(grid or [])
        for part, row in [*[("head", r) for r in head[1]], *[("body", r) for b in bodies for r in b[2]],
                          *[("body", r) for b in bodies for r in b[3]], *[("foot", r) for r in foot[1]]]:
            row_sources = next(sources, []) if part == "body" and grid else []
            for index, cell in enumerate(row[1]):
                named = _cell_name(row_sources[index]) if index < len(row_sources) and row_sources[index] else None
                if named is None:
                    self.blocks(cell[4])
                    continue
                first = _first_text(cell[4])
                if first is not None:  # an empty cell has nowhere to hold an anchor, and needs none
                    self.mark(first, *named)


def _first_text(blocks: list) -> list | None:
    """The inlines of the first paragraph in blocks, looking into lists (a cell holding a list)."""
    for block in blocks:
        kind = block.get("t")
        if kind in ("Para", "Plain"):
            return block["c"]
        items = block["c"] if kind == "BulletList" else block["c"][1] if kind == "OrderedList" else []
        for item in items:
            found = _first_text(item)
            if found is not None:
                return found
    return None


def _pictures(div: dict) -> bool:
    return any(b.get("t") in ("Para", "Plain") and any(i.get("t") == "Image" for i in b["c"]) for b in div["c"][1])


def _reference_key(ident: str, documents) -> str | None:
    """The citation key of a reference-list entry's id: ref-KEY, or DOC-ref-KEY in the thesis."""
    for doc_id in documents:
        if ident.startswith(f"{doc_id}-ref-"):
            return ident[len(doc_id) + 5:]
    return ident[4:] if ident.startswith("ref-") else None


def _similar(x: str, y: str) -> bool:
    """The same block changed at one end (a name masked, "Appendix A" put before a title)."""
    return len(x) >= 12 and (x[:30] == y[:30] or x[-30:] == y[-30:] or x in y or y in x)


def _align(read: list[tuple[str, Place]], written: list[tuple[str, list]], namer: _Namer) -> None:
    """Pair the blocks read from the chapters with the blocks of the finished document, in order, by
    fingerprint (difflib's longest common runs); a block left over is paired by the first or last
    40 letters with a leftover of the same stretch (a sentence dropped for this target, a name
    masked)."""
    written = [w for w in written if w[0]]  # a block without letters (a picture) cannot be told apart
    a = [fp for fp, _place in read]
    b = [fp for fp, _inlines in written]
    pairs: dict[int, int] = {}
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    blocks = matcher.get_matching_blocks()
    for i, j, size in blocks:
        for k in range(size):
            pairs[j + k] = i + k
    previous_i, previous_j = 0, 0
    for i, j, size in blocks:  # the stretches between two runs of matches
        free = [x for x in range(previous_i, i)]
        for y in range(previous_j, j):
            if len(b[y]) < 12 or not free:
                continue
            match = next((x for x in free if _similar(a[x], b[y])), None)
            if match is not None:
                pairs[y] = match
                free = [x for x in free if x > match]
        previous_i, previous_j = i + size, j + size
    for j, i in sorted(pairs.items()):
        place = read[i][1]
        inlines = written[j][1]
        name = namer(prose(place), place.file)
        if name:
            inlines.insert(0, _span(name))


def for_thesis(data: dict, ctx) -> int:
    """The thesis's anchors: every document of the plan, and the title from thesis.md."""
    from .sourcemap import front_matter_lines

    if not ctx.sources:
        return 0
    lines = front_matter_lines(ctx.project.root / "thesis.md")
    title = Place("thesis.md", lines["title"]) if "title" in lines else None
    return add(data, ctx.sources, [d.id for d in ctx.project.documents], metadata_place=title)


# ---------------------------------------------------------------- the finished DOCX

def hide(document) -> None:
    """Rename the anchors pandoc wrote (tkp_...) to hidden bookmarks (_tkp_...) in a python-docx
    Document: Word lists hidden bookmarks nowhere, and keeps them."""
    from docx.oxml.ns import qn

    attribute = qn("w:name")
    for element in document.element.body.iter(qn("w:bookmarkStart")):
        name = element.get(attribute, "")
        if name.startswith(PREFIX) and NAME.match(name):
            element.set(attribute, "_" + name)
