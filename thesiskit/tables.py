"""Building pandoc tables for the directives: cells from text, Markdown or blocks; spanning heads."""
from __future__ import annotations

import re

import panflute as pf

from . import pandoc
from .inlines import words

_MARKDOWN = re.compile(r"[*_`\[\]@<>\\^~$]")
SOURCE = "source"  # a generated cell's attribute naming its data (thesiskit/anchors.py), never written out


def markdown_blocks(texts: list[str]) -> list[list]:
    """Each text parsed as Markdown into blocks, with a single pandoc call for all of them.
    Plain text (no Markdown characters) skips pandoc altogether."""
    results: list[list | None] = [None] * len(texts)
    pending = []
    for i, text in enumerate(texts):
        text = str(text)
        if _MARKDOWN.search(text) or "\n\n" in text:
            pending.append(i)
        else:
            results[i] = [pf.Plain(*words(text))] if text.strip() else []
    if pending:
        source = "\n\n".join(f"::: {{#cell-{i}}}\n{texts[i]}\n:::" for i in pending)
        doc = pandoc.parse_markdown(source, pandoc.DATA_MARKDOWN)
        for block in doc.content:
            if isinstance(block, pf.Div) and block.identifier.startswith("cell-"):
                content = list(block.content)
                if len(content) == 1 and isinstance(content[0], pf.Para):
                    content = [pf.Plain(*content[0].content)]
                results[int(block.identifier[5:])] = content
    return [r or [] for r in results]


def cell_value(value):
    """A cell's content as given in data: a string, or a list (a bullet list)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return "" if value is None else str(value)


def build_cells(values: list) -> list[list]:
    """Blocks for many cells at once: strings are Markdown, lists become bullet lists."""
    flat, shape = [], []
    for value in values:
        if isinstance(value, list):
            shape.append(("list", len(flat), len(value)))
            flat.extend(value)
        elif isinstance(value, pf.Element):
            shape.append(("element", value, 0))
        else:
            shape.append(("text", len(flat), 1))
            flat.append("" if value is None else str(value))
    parsed = markdown_blocks(flat)
    out = []
    for kind, start, count in shape:
        if kind == "element":
            out.append([start] if isinstance(start, pf.Block) else [pf.Plain(start)])
        elif kind == "list":
            items = [pf.ListItem(*(parsed[start + k] or [pf.Plain()])) for k in range(count)]
            out.append([pf.BulletList(*items)] if items else [])
        else:
            out.append(parsed[start])
    return out


def make_table(head_rows: list[list], body_rows: list[list], widths: list[float] | None = None,
               aligns: list[str] | None = None, spans: list[list[int]] | None = None,
               rowspans: list[list[int]] | None = None, sources: list[list] | None = None) -> pf.Table:
    """A table from rows of cell values (see build_cells). spans[r][c] gives head cells' column spans,
    rowspans[r][c] their row spans (a stub heading that stands beside two rows of column headings).
    sources[r][c], when given, says where body cell (r, c) comes from (thesiskit/anchors.py: a data
    file's row and columns); the directives transform takes it off the table for the DOCX's anchors."""
    columns = max(sum((spans[r] if spans else [1] * len(row))) for r, row in enumerate(head_rows)) if head_rows \
        else len(body_rows[0])
    all_values = [v for row in head_rows + body_rows for v in row]
    blocks = build_cells(all_values)
    it = iter(blocks)

    def row_cells(row, span_row=None, rowspan_row=None):
        cells = []
        for c, _value in enumerate(row):
            span = span_row[c] if span_row else 1
            cells.append(pf.TableCell(*next(it), colspan=span, rowspan=rowspan_row[c] if rowspan_row else 1))
        return pf.TableRow(*cells)

    head = pf.TableHead(*[row_cells(row, spans[r] if spans else None, rowspans[r] if rowspans else None)
                          for r, row in enumerate(head_rows)])
    body = pf.TableBody(*[row_cells(row) for row in body_rows])
    for row, row_sources in zip(body.content, sources or []):
        for table_cell, where in zip(row.content, row_sources or []):
            if where:
                table_cell.attributes[SOURCE] = where
    total = sum(widths) if widths else None
    colspec = [(
        {"l": "AlignLeft", "c": "AlignCenter", "r": "AlignRight"}.get((aligns or ["l"] * columns)[i], "AlignDefault"),
        (widths[i] / total) if total else "ColWidthDefault",
    ) for i in range(columns)]
    return pf.Table(body, head=head, colspec=colspec)
