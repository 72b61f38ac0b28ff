"""DOCX: one pandoc call for every document the build writes, then what pandoc's writer cannot do.

The styles come from the generated reference.docx (thesiskit/reference_docx.py). After pandoc:
table cells take the 10 pt 'Table Text' style (pandoc gives them 'Compact', shared with tight
lists), columns are spread over the A4 text width (pandoc sizes them for US Letter), and the core
properties are set here so that they stay off the title page. A masked file is then scrubbed of
everything that names its authors (thesiskit/masking.py).
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import anchors, masking, pandoc
from ..reference_docx import reference_docx
from ..transforms.lower import lower_json


def write_docx(data: dict, path: Path, root: Path, properties: dict | None = None, matcher=None,
               title: str = "") -> None:
    """pandoc JSON (not yet lowered) to a finished DOCX at path."""
    lowered = json.dumps(lower_json(data, "docx")).encode("utf-8")
    write_lowered(lowered, path, root, properties, matcher, title)


def write_lowered(lowered: bytes, path: Path, root: Path, properties: dict | None = None, matcher=None,
                  title: str = "") -> None:
    cache = Path(root) / "build" / ".cache"
    pandoc.run(["-f", "json", "-t", "docx", f"--reference-doc={reference_docx(cache)}", "-o", str(path)], lowered,
               cwd=root)
    finish(path, **(properties or {}))
    if matcher is not None:
        masking.scrub_docx(path, title, matcher)


def finish(path: Path, **properties) -> None:
    import docx

    document = docx.Document(str(path))
    table_text = document.styles["Table Text"]
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for table in document.tables:
        fit_columns(table, int(text_width) // 635)  # EMU -> twips
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.style = table_text
    anchors.hide(document)  # the source anchors as hidden bookmarks (thesiskit/anchors.py)
    for name, value in properties.items():
        value = "".join(c for c in value if c >= " " or c in "\n\t")  # XML cannot hold control characters
        if len(value) > 255:  # the OOXML limit for a core property
            value = value[:254].rsplit(" ", 1)[0] + "…"
        setattr(document.core_properties, name, value)
    document.save(str(path))


def fit_columns(table, width_twips: int, narrowest: int = 620) -> None:
    """Spread a table's columns over the text width, keeping each wide enough for a short word at 10 pt."""
    from docx.oxml.ns import qn

    grid = table._tbl.tblGrid
    cols = grid.findall(qn("w:gridCol")) if grid is not None else []
    widths = [max(int(c.get(qn("w:w")) or 0), narrowest) for c in cols]
    if not widths or sum(widths) == 0:
        return
    scale = width_twips / sum(widths)
    for col, width in zip(cols, widths):
        col.set(qn("w:w"), str(int(width * scale)))
