"""DOCX: pandoc writes each document the build writes (the thesis part by part), then what its writer cannot do.

The styles come from the generated reference.docx (thesiskit/reference_docx.py). After pandoc
(`finish`): the sections a landscape table asked for are completed from the document's own; each
table's columns are set on the width of its section's page (the shares thesiskit/layout.py chose,
written by pandoc as the grid) and fixed there, its rows kept whole on a page, its lists indented
for a cell rather than a page, and its paragraphs in a table style (pandoc gives cells outside a
numbered table 'Compact', shared with tight lists); every SVG picture gets a PNG beside it at the
profile's resolution, as Word itself writes them (thesiskit/svg.py), so readers that do not draw
SVG (LibreOffice, older Word) show the PNG; and the core properties are set here so that they stay
off the title page. A masked file is then scrubbed of everything that names its authors
(thesiskit/masking.py).

The thesis is written document by document (write_parts): pandoc writes each part the lowering
marked to a package of its own, cached by its content, and merge_parts joins the packages into one,
numbering again what each numbers on its own; `finish` then works on the merged file.

It works on the XML with lxml, not python-docx's objects: the thesis has some thirty tables and
a thousand cells, and python-docx's wrappers cost several times as much per cell.
"""
from __future__ import annotations

import copy
import ctypes
import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import anchors, children, masking, pandoc, reproducible, svg
from .. import cache as cache_entries
from ..parts import DOCX_MARK, is_mark, split
from ..reference_docx import reference_docx
from ..transforms.lower import lower_json

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ASVG = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}"
SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
LIST_INDENT = 240  # twips: a list in a table cell starts its text here (thesiskit/layout.py measures with it)


def write_docx(data: dict, path: Path, root: Path, properties: dict | None = None, matcher=None,
               title: str = "", dpi: int = 300, running_head: str = "", date: dt.datetime | None = None) -> None:
    """pandoc JSON (not yet lowered) to a finished DOCX at path."""
    lowered = json.dumps(lower_json(data, "docx", running_head=running_head)).encode("utf-8")
    write_lowered(lowered, path, root, properties, matcher, title, dpi, date)


def write_lowered(lowered: bytes | list[bytes], path: Path, root: Path, properties: dict | None = None, matcher=None,
                  title: str = "", dpi: int = 300, date: dt.datetime | None = None, parts: bool = False) -> None:
    """date: the one the file carries (thesiskit/reproducible.py), so that the same sources give the
    same bytes. parts: pandoc writes each document the lowering marked (thesiskit/parts.py) on its own and the
    packages are merged (write_parts), as the thesis target does, given the parts (split_parts) or the
    whole; else one pandoc call for the whole."""
    cache = Path(root) / "build" / ".cache"
    reference = f"--reference-doc={reference_docx(cache)}"
    if parts:
        write_parts(lowered if isinstance(lowered, list) else split_parts(json.loads(lowered)), path, root, reference)
    else:
        if isinstance(lowered, list) or DOCX_MARK.encode() in lowered:  # the marks do not reach the file
            data = [json.loads(p) for p in lowered] if isinstance(lowered, list) else [json.loads(lowered)]
            blocks = [b for d in data for b in d["blocks"] if not is_mark(b)]
            lowered = json.dumps({**data[0], "blocks": blocks}).encode("utf-8")
        pandoc.run(["-f", "json", "-t", "docx", reference, "-o", str(path)], lowered, cwd=root)
    date = date or reproducible.source_date()
    finish(path, date, cache=cache, dpi=dpi, **(properties or {}))
    if matcher is not None:
        masking.scrub_docx(path, title, matcher)
    fix_zip(path, date)


def fix_zip(path: Path, date: dt.datetime) -> None:
    """Every ZIP entry stamped with the date (python-docx stamps each with the time it saved), in the
    order written, compressed alike: the same document is the same bytes."""
    stamp = date.astimezone(dt.timezone.utc).timetuple()[:6]
    tmp = path.with_name(path.name + ".zip-tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
        for item in src.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(item.filename))
    tmp.replace(path)


def finish(path: Path, date: dt.datetime | None = None, cache: Path | None = None, dpi: int = 300,
           **properties) -> None:
    import docx

    document = docx.Document(str(path))
    if date is not None:  # pandoc and python-docx would write the time of the build
        document.core_properties.created = document.core_properties.modified = date.replace(tzinfo=None)
    body = document.element.body
    _sections_and_tables(body)
    _running_heads(document, body)
    _bookmarks_into_headings(body)
    _svg_fallbacks(document, cache, dpi)
    _update_fields_on_opening(document)
    anchors.hide(document)  # the source anchors as hidden bookmarks (thesiskit/anchors.py)
    for name, value in properties.items():
        value = "".join(c for c in value if c >= " " or c in "\n\t")  # XML cannot hold control characters
        if len(value) > 255:  # the OOXML limit for a core property
            value = value[:254].rsplit(" ", 1)[0] + "…"
        setattr(document.core_properties, name, value)
    document.save(str(path))


# ---------------------------------------------------------------- sections and tables

def _sections_and_tables(body) -> None:
    """Complete each section the lowering ended (thesiskit/transforms/lower.py, DOCX_SECTION) from
    the document's own, and fit every table to the text width of the section it is in."""
    final = body.find(f"{W}sectPr")
    _continuous_notes(final)
    pending = []
    for child in body.iterchildren():
        if child.tag == f"{W}tbl":
            pending.append(child)
            continue
        sect = child.find(f"{W}pPr/{W}sectPr") if child.tag == f"{W}p" else None
        if sect is None:
            continue
        sect = _complete(sect, final)
        for table in pending:
            fit_columns(table, _text_width(sect))
        pending = []
    _last_section_kept(body, final)
    for table in pending:
        fit_columns(table, _text_width(final))
    for table in body.iter(f"{W}tbl"):
        _table_text(table)


def _last_section_kept(body, final) -> None:
    """A landscape table at the very end (the last of a journal's tables.docx) ends a section after
    which nothing is printed: the document's last section takes its page instead of a blank one."""
    breaks = [p for p in body.findall(f"{W}p") if p.find(f"{W}pPr/{W}sectPr") is not None]
    if not breaks:
        return
    last = breaks[-1]
    for after in last.itersiblings():
        if after.tag == f"{W}tbl" or (after.tag == f"{W}p" and (
                after.find(f"{W}pPr/{W}pStyle[@{W}val='RunningHeadMark']") is None
                and (any(t.text for t in after.iter(f"{W}t")) or after.find(f".//{W}drawing") is not None))):
            return
    sect = last.find(f"{W}pPr/{W}sectPr")
    final.replace(final.find(f"{W}pgSz"), copy.deepcopy(sect.find(f"{W}pgSz")))
    sect.getparent().remove(sect)
    for after in list(last.itersiblings()):
        if after.tag == f"{W}p" and after.find(f".//{W}br[@{W}type='page']") is not None:
            body.remove(after)  # a page break left before a blank page


def _continuous_notes(sect) -> None:
    """Footnotes numbered through the document, not from 1 in each section."""
    if sect is not None:
        for note in sect.findall(f"{W}footnotePr"):
            sect.remove(note)


def _complete(sect, final):
    """A section ended by the lowering carries only its orientation: the rest is the document's."""
    orient = sect.find(f"{W}pgSz").get(f"{W}orient", "portrait")
    full = copy.deepcopy(final)
    size = full.find(f"{W}pgSz")
    width, height = sorted((int(size.get(f"{W}w")), int(size.get(f"{W}h"))))
    if orient == "landscape":
        width, height = height, width
        size.set(f"{W}orient", "landscape")
    size.set(f"{W}w", str(width))
    size.set(f"{W}h", str(height))
    kind = full.makeelement(f"{W}type", {f"{W}val": "nextPage"})
    size.addprevious(kind)
    sect.getparent().replace(sect, full)
    return full


def _running_heads(document, body) -> None:
    """Each section's header: its running head flush left and the page number flush right (APA 7's
    professional papers), from the marks the lowering left (DOCX_HEAD in thesiskit/transforms/
    lower.py), which are then removed. A section whose mark carries no head keeps the document's own
    header (the page number alone); a section without a mark (a landscape table) has the head of the
    next section that has one. One header part per head and page width (the right tab stop differs)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.parts.hdrftr import HeaderPart

    marks = [p for p in body.findall(f"{W}p")
             if p.find(f"{W}pPr/{W}pStyle[@{W}val='RunningHeadMark']") is not None]
    if not marks:
        return
    final = body.find(f"{W}sectPr")
    carried = {}
    for mark in marks:
        text = "".join(t.text or "" for t in mark.iter(f"{W}t"))
        sect = mark.find(f"{W}pPr/{W}sectPr")
        if sect is None:
            carried[final] = text
            body.remove(mark)
            continue
        carried[sect] = text
        for run in mark.findall(f"{W}r"):
            mark.remove(run)
        style = mark.find(f"{W}pPr/{W}pStyle")
        style.getparent().remove(style)
    sections = [p.find(f"{W}pPr/{W}sectPr") for p in body.findall(f"{W}p") if p.find(f"{W}pPr/{W}sectPr") is not None]
    sections.append(final)
    parts: dict[tuple[str, int], str] = {}
    head = ""
    for sect in reversed(sections):
        head = carried.get(sect, head)
        if not head:
            continue
        key = (head, _text_width(sect))
        if key not in parts:
            part = HeaderPart.new(document.part.package)
            part.element.clear()
            part.element.append(_head_paragraph(head, key[1]))
            parts[key] = document.part.relate_to(part, RT.HEADER)
        reference = sect.find(f"{W}headerReference[@{W}type='default']")
        if reference is None:
            reference = sect.makeelement(f"{W}headerReference", {f"{W}type": "default"})
            sect.insert(0, reference)
        reference.set(f"{R}id", parts[key])


def _head_paragraph(head: str, width: int):
    from docx.oxml import parse_xml
    from xml.sax.saxutils import escape

    field = "".join(f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>' if kind else
                    '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
                    for kind in ("begin", None, "separate"))
    return parse_xml(
        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:pPr>'
        f'<w:tabs><w:tab w:val="right" w:pos="{width}"/></w:tabs><w:ind w:firstLine="0"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{escape(head.upper())}</w:t></w:r><w:r><w:tab/></w:r>{field}'
        '<w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def _text_width(sect) -> int:
    """Twips between the margins of a section's page."""
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    return int(size.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))


def fit_columns(table, width_twips: int) -> None:
    """The table's grid (pandoc writes the shares chosen by thesiskit/layout.py) over the text width,
    fixed so that Word does not refit it, each cell given its width, each row kept on one page."""
    grid = table.find(f"{W}tblGrid")
    cols = grid.findall(f"{W}gridCol") if grid is not None else []
    shares = [int(c.get(f"{W}w") or 0) for c in cols]
    if not shares or sum(shares) == 0:
        return
    widths = [int(width_twips * s / sum(shares)) for s in shares]
    for col, width in zip(cols, widths):
        col.set(f"{W}w", str(width))
    props = table.find(f"{W}tblPr")
    tbl_w = props.find(f"{W}tblW")
    if tbl_w is None:
        tbl_w = props.makeelement(f"{W}tblW", {})
        props.append(tbl_w)
    tbl_w.attrib.clear()
    tbl_w.set(f"{W}type", "dxa")
    tbl_w.set(f"{W}w", str(sum(widths)))
    if props.find(f"{W}tblLayout") is None:
        layout = props.makeelement(f"{W}tblLayout", {f"{W}type": "fixed"})
        look = props.find(f"{W}tblLook")
        (look.addprevious if look is not None else props.append)(layout)
    rows = table.findall(f"{W}tr")
    for paragraph in rows[-1].iter(f"{W}p") if rows else ():
        props = paragraph.find(f"{W}pPr")
        if props is not None and props.find(f"{W}keepNext") is None:
            props.insert(1 if props.find(f"{W}pStyle") is not None else 0, props.makeelement(f"{W}keepNext", {}))
    for row in rows:
        row_props = row.find(f"{W}trPr")
        if row_props is None:
            row_props = row.makeelement(f"{W}trPr", {})
            row.insert(0, row_props)
        if row_props.find(f"{W}cantSplit") is None:
            row_props.insert(0, row_props.makeelement(f"{W}cantSplit", {}))
        column = 0
        for cell in row.findall(f"{W}tc"):
            cell_props = cell.find(f"{W}tcPr")
            if cell_props is None:
                cell_props = cell.makeelement(f"{W}tcPr", {})
                cell.insert(0, cell_props)
            span = cell_props.find(f"{W}gridSpan")
            count = int(span.get(f"{W}val")) if span is not None else 1
            tc_w = cell_props.find(f"{W}tcW")
            if tc_w is None:
                tc_w = cell_props.makeelement(f"{W}tcW", {})
                cell_props.insert(0, tc_w)
            tc_w.set(f"{W}type", "dxa")
            tc_w.set(f"{W}w", str(sum(widths[column:column + count])))
            column += count


def _table_text(table) -> None:
    """Cell paragraphs in a table style (a numbered table's come styled from the lowering), and lists
    indented for a cell: pandoc's list indent is half an inch, a fifth of a narrow column."""
    for paragraph in table.iter(f"{W}p"):
        props = paragraph.find(f"{W}pPr")
        if props is None:
            props = paragraph.makeelement(f"{W}pPr", {})
            paragraph.insert(0, props)
        style = props.find(f"{W}pStyle")
        if style is None or not style.get(f"{W}val", "").startswith("TableText"):
            if style is None:
                style = props.makeelement(f"{W}pStyle", {})
                props.insert(0, style)
            style.set(f"{W}val", "TableText")
        level = props.find(f"{W}numPr/{W}ilvl")
        if level is not None:
            indent = props.find(f"{W}ind")
            if indent is None:
                indent = props.makeelement(f"{W}ind", {})
                props.append(indent)
            depth = int(level.get(f"{W}val", "0")) + 1
            indent.attrib.clear()
            indent.set(f"{W}left", str(LIST_INDENT * depth))
            indent.set(f"{W}hanging", str(LIST_INDENT))


def _bookmarks_into_headings(body) -> None:
    """pandoc's bookmarks span whole sections, opened and closed between paragraphs. Where a section
    holding a table ends, LibreOffice loses the bookmark of the next heading ("Error: Reference source
    not found" in the contents). Every bookmark becomes a point where it starts (links and page
    references need no more), inside the paragraph it opens."""
    ends = {e.get(f"{W}id"): e for e in body.iter(f"{W}bookmarkEnd")}
    for start in list(body.iter(f"{W}bookmarkStart")):
        end = ends.get(start.get(f"{W}id"))
        if end is not None:
            start.addnext(end)
        if start.getparent() is body:
            following = end.getnext() if end is not None else start.getnext()
            while following is not None and following.tag in (f"{W}bookmarkStart", f"{W}bookmarkEnd"):
                following = following.getnext()
            if following is not None and following.tag == f"{W}p":
                props = following.find(f"{W}pPr")
                at = following.index(props) + 1 if props is not None else 0
                following.insert(at, start)
                if end is not None:
                    start.addnext(end)


# ---------------------------------------------------------------- pictures

def _svg_fallbacks(document, cache: Path | None, dpi: int) -> None:
    """Every SVG picture shown as Word writes one: the PNG in the blip, the SVG in its extension."""
    part = document.part
    for blip in document.element.body.iter(f"{A}blip"):
        embed = blip.get(f"{R}embed")
        ext = next((e for e in blip.iter(f"{ASVG}svgBlip")), None)
        if ext is None:
            target = part.related_parts.get(embed) if embed else None
            if target is None or target.content_type != "image/svg+xml":
                continue
            ext = _svg_extension(blip, embed)  # an SVG alone in the blip: it moves to the extension
        svg_part = part.related_parts[ext.get(f"{R}embed")]
        extent = next(blip.iterancestors(f"{{{_WP}}}inline", f"{{{_WP}}}anchor")).find(f"{{{_WP}}}extent")
        width_pt = int(extent.get("cx")) / 12700
        png = svg.to_png(svg_part.blob, width_pt, dpi, cache)
        rid, _image = part.get_or_add_image(io.BytesIO(png))
        blip.set(f"{R}embed", rid)
        if embed and embed != rid and embed != ext.get(f"{R}embed") and embed in part.rels:
            part.drop_rel(embed)  # pandoc's own PNG (made with rsvg-convert when it is installed)


_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def _svg_extension(blip, rid: str):
    ext_list = blip.find(f"{A}extLst")
    if ext_list is None:
        ext_list = blip.makeelement(f"{A}extLst", {})
        blip.append(ext_list)
    ext = ext_list.makeelement(f"{A}ext", {"uri": SVG_EXT})
    ext_list.append(ext)
    svg_blip = ext.makeelement(f"{ASVG}svgBlip", {f"{R}embed": rid}, nsmap={"asvg": ASVG[1:-1]})
    ext.append(svg_blip)
    return svg_blip


# ---------------------------------------------------------------- the contents' page numbers

def _update_fields_on_opening(document) -> None:
    """Word asks to update the document's fields as it opens it: the contents' page numbers."""
    settings = document.settings.element
    if settings.find(f"{W}updateFields") is None:
        settings.append(settings.makeelement(f"{W}updateFields", {f"{W}val": "true"}))


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def number_contents(path: Path, cache: Path | None, timeout: float = 300) -> bool:
    """Write into the contents' PAGEREF fields (thesiskit/transforms/lower.py, docx_contents) the
    page numbers LibreOffice lays the document out with, so that a reader that shows fields as saved
    (Word before it updates them, or a viewer) has them too. Needs LibreOffice; without it, or if it
    fails, the fields stay empty and nothing else changes (LibreOffice computes them on opening, Word
    on updating). The numbers are cached by the document's content, so an unchanged DOCX costs no
    second conversion. True when numbers were written."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    if b"PAGEREF" not in parts.get("word/document.xml", b""):
        return False
    digest = hashlib.sha256()
    for name in sorted(parts):
        if not name.startswith("docProps/"):
            digest.update(name.encode() + b"\0" + parts[name])
    cached = Path(cache) / "pages" / f"{digest.hexdigest()[:24]}.json" if cache else None
    if cached is not None and cache_entries.whole(cached):  # checked against its digest (thesiskit/cache.py)
        pages = json.loads(cached.read_text(encoding="utf-8"))
    else:
        soffice = libreoffice()
        pages = _pages_by_libreoffice(path, soffice, timeout) if soffice else {}
        if pages and cached is not None:
            cache_entries.atomic_write(cached, json.dumps(pages).encode("utf-8"))
            cache_entries.seal(cached)
    if not pages:
        return False
    parts["word/document.xml"] = _fill_pagerefs(parts["word/document.xml"], pages)
    tmp = path.with_name(path.name + ".numbered")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, parts[info.filename])
    tmp.replace(path)
    return True


def _pages_by_libreoffice(path: Path, soffice: str, timeout: float) -> dict[str, int]:
    """bookmark -> page number (from 1, as the page header counts), from LibreOffice's PDF of the
    DOCX with each bookmark exported as a named destination; {} when LibreOffice fails. A profile of
    its own each time: two builds at once (or an open LibreOffice) would otherwise share one."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    export = 'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
    with tempfile.TemporaryDirectory(prefix="thesiskit-lo-") as folder:
        profile = Path(folder) / "profile"
        try:  # a program of the build: stopped with it (thesiskit/children.py)
            children.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                          "--convert-to", export, "--outdir", folder, str(path)], timeout=timeout)
        except (OSError, children.TimedOut):
            return {}
        pdf_path = Path(folder) / (path.stem + ".pdf")
        if not pdf_path.exists():
            return {}
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            pages = {}
            for i in range(raw.FPDF_CountNamedDests(pdf.raw)):
                size = ctypes.c_long(0)
                raw.FPDF_GetNamedDest(pdf.raw, i, None, ctypes.byref(size))
                buffer = ctypes.create_string_buffer(max(size.value, 2))
                dest = raw.FPDF_GetNamedDest(pdf.raw, i, buffer, ctypes.byref(size))
                name = buffer.raw[:size.value].decode("utf-16-le", "replace").rstrip("\x00")
                if dest:
                    pages[name] = raw.FPDFDest_GetDestPageIndex(pdf.raw, dest) + 1
            return pages
        finally:
            pdf.close()


def _fill_pagerefs(xml: bytes, pages: dict[str, int]) -> bytes:
    from lxml import etree

    root = etree.fromstring(xml)
    for instr in root.iter(f"{W}instrText"):
        words = (instr.text or "").split()
        if len(words) < 2 or words[0] != "PAGEREF" or words[1] not in pages:
            continue
        run = instr.getparent().getnext()  # the run separating the instruction from its result
        result = run.getnext() if run is not None else None
        text = result.find(f"{W}t") if result is not None else None
        if text is not None:
            text.text = str(pages[words[1]])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------- the thesis part by part

def split_parts(lowered: dict) -> list[bytes]:
    """The lowered thesis (pandoc's JSON) as one JSON text per document, each with the thesis's
    metadata: the blocks between two of the lowering's marks, the marks left out."""
    api, meta = lowered.get("pandoc-api-version"), lowered.get("meta", {})
    return [json.dumps({"pandoc-api-version": api, "meta": meta, "blocks": c}).encode("utf-8")
            for c in split(lowered["blocks"], "openxml") or [[]]]


def write_parts(inputs: list[bytes], path: Path, root: Path, reference: str) -> None:
    """The thesis's DOCX written document by document (inputs: split_parts): pandoc writes each
    part to a package of its own, two at a time, each answer cached by its content (pandoc.run: the
    package is printed, not written with -o), so that a one-paragraph edit writes one document again
    and no pandoc holds the whole thesis; then one merge (merge_parts). The same text, styles, lists,
    notes and pictures as one pandoc call over the whole thesis (tests/test_docx_parts.py)."""

    def one(data: bytes) -> bytes:
        out, _ = pandoc.run(["-f", "json", "-t", "docx", reference], data, cwd=root)  # printed: cached
        return out

    with ThreadPoolExecutor(max_workers=2) as pool:
        packages = list(pool.map(one, inputs))
    merge_parts(packages, path)


_PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS_OF_PARTS = ("/image", "/hyperlink")  # a package's relationships that each part has its own of
_DOC = "word/document.xml"
_DOC_RELS = "word/_rels/document.xml.rels"
_NOTES = "word/footnotes.xml"
_NOTES_RELS = "word/_rels/footnotes.xml.rels"
_COMMENTS = "word/comments.xml"


def _xml(data: bytes):
    from lxml import etree

    return etree.fromstring(data, etree.XMLParser(huge_tree=True, remove_blank_text=False))


def _bytes(tree) -> bytes:
    from lxml import etree

    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)


def merge_parts(packages: list[bytes], path: Path) -> None:
    """One DOCX from the packages pandoc wrote for each part, in order: their bodies one after the
    other (the last part's final section the document's), and everything a package numbers on its
    own numbered again through the whole, so that nothing collides: relationships (pictures, links)
    and the media they name (one file for the same bytes), footnotes and comments, lists
    (numbering.xml: each part's w:num and any w:abstractNum that differs), bookmarks, drawings
    (wp:docPr); the styles pandoc added for a part (custom-style) and the content types, as unions.
    Settings, theme, fonts, header and document properties are the first part's (the same
    reference.docx and metadata gave them all)."""
    from lxml import etree

    archives = [zipfile.ZipFile(io.BytesIO(p)) for p in packages]
    first = archives[0]
    files = {name: first.read(name) for name in first.namelist()}
    if len(archives) == 1:
        _write_zip(path, files)
        return
    # the body is kept as text, each part's serialised as soon as it is numbered: one part's tree
    # is alive at a time, not the whole thesis's
    head = files[_DOC].split(b"<w:body>", 1)[0] + b"<w:body>"
    bodies: list[bytes] = []
    tail = b"</w:body></w:document>"
    next_drawing = 1
    rels = _xml(files[_DOC_RELS])
    for rel in list(rels):
        if rel.get("Type", "").endswith(_RELS_OF_PARTS):
            rels.remove(rel)
    taken = {rel.get("Id") for rel in rels}
    merged_rels: dict[str, object] = {}
    targets: dict[tuple, str] = {}  # (type, target, mode) -> the merged relationship's id
    note_rel_ids: list[str] = []
    media: dict[bytes, str] = {}  # sha256 of a file -> its name in the merged package
    for name in list(files):
        if name.startswith("word/media/"):
            del files[name]
    notes = _xml(files[_NOTES]) if _NOTES in files else None
    if notes is not None:
        for note in list(notes):
            if note.get(f"{W}type") not in _SEPARATORS:
                notes.remove(note)
    comments = _xml(files[_COMMENTS]) if _COMMENTS in files else None
    if comments is not None:
        for comment in list(comments):
            comments.remove(comment)
    numbering = _xml(files["word/numbering.xml"]) if "word/numbering.xml" in files else None
    abstracts: dict[str, bytes] = {}  # an abstractNum's id -> its definition
    definitions: list = []  # (kind, element): the merged abstractNums and nums
    if numbering is not None:
        for element in list(numbering):
            if element.tag in (f"{W}abstractNum", f"{W}num"):
                numbering.remove(element)
    styles = _xml(files["word/styles.xml"])
    style_ids = {s.get(f"{W}styleId") for s in styles.iter(f"{W}style")}
    types = _xml(files["[Content_Types].xml"])
    for element in list(types):  # each picture's type is given again under its new name
        if (element.get("PartName") or "").startswith("/word/media/"):
            types.remove(element)
    typed = {(e.tag, e.get("Extension") or e.get("PartName")) for e in types}
    next_rel, next_note, next_comment, next_mark, next_num = 1000, 1, 0, 0, 1000
    for index, archive in enumerate(archives):
        names = set(archive.namelist())
        part_doc = _xml(archive.read(_DOC))
        part_body = part_doc.find(f"{W}body")
        # relationships: each of the part's pictures and links a new id; a picture's bytes one file
        rename: dict[str, str] = {}
        part_types = _xml(archive.read("[Content_Types].xml"))
        by_name = {e.get("PartName"): e.get("ContentType") for e in part_types if e.get("PartName")}
        by_ext = {e.get("Extension"): e.get("ContentType") for e in part_types if e.get("Extension")}
        for rel in _xml(archive.read(_DOC_RELS)):
            kind = rel.get("Type", "")
            if not kind.endswith(_RELS_OF_PARTS):
                continue
            while f"rId{next_rel}" in taken:
                next_rel += 1
            new = f"rId{next_rel}"
            taken.add(new)
            rename[rel.get("Id")] = new
            copy_rel = copy.deepcopy(rel)
            copy_rel.set("Id", new)
            if kind.endswith("/image") and rel.get("TargetMode") != "External":
                source = "word/" + rel.get("Target")
                blob = archive.read(source)
                key = hashlib.sha256(blob).digest()
                target = media.get(key)
                if target is None:
                    target = media[key] = f"media/{new}{Path(source).suffix}"
                    files["word/" + target] = blob
                    content = by_name.get("/" + source) or by_ext.get(Path(source).suffix[1:].lower())
                    if content is not None:
                        override = types.makeelement(f"{_CT}Override",
                                                     {"PartName": f"/word/{target}", "ContentType": content})
                        types.append(override)
                        typed.add((override.tag, override.get("PartName")))
                copy_rel.set("Target", target)
            same = (kind, copy_rel.get("Target"), copy_rel.get("TargetMode"))
            if same in targets:  # one relationship for a link or picture met before, as pandoc gives one
                rename[rel.get("Id")] = targets[same]
                continue
            targets[same] = new
            rels.append(copy_rel)
            merged_rels[new] = copy_rel
        if _NOTES_RELS in names:  # the notes' own relationships (pandoc's: the links, the notes' pictures)
            for rel in _xml(archive.read(_NOTES_RELS)):
                new = rename.get(rel.get("Id"))
                if new is not None and new not in note_rel_ids:
                    note_rel_ids.append(new)
        # lists: every w:num of the part a new id; an abstractNum kept by its id unless another
        # part's of that id differs
        num_map: dict[str, str] = {}
        if numbering is not None and "word/numbering.xml" in names:
            abstract_map: dict[str, str] = {}
            part_numbering = _xml(archive.read("word/numbering.xml"))
            for abstract in part_numbering.findall(f"{W}abstractNum"):
                aid = abstract.get(f"{W}abstractNumId")
                text = etree.tostring(abstract)
                new_aid = aid
                while new_aid in abstracts and abstracts[new_aid] != text:
                    new_aid = str(int(new_aid) + 100000)
                abstract_map[aid] = new_aid
                if new_aid not in abstracts:
                    abstracts[new_aid] = text
                    abstract.set(f"{W}abstractNumId", new_aid)
                    definitions.append(("abstract", abstract))
            for num in part_numbering.findall(f"{W}num"):
                new = str(next_num)
                next_num += 1
                num_map[num.get(f"{W}numId")] = new
                num.set(f"{W}numId", new)
                ref = num.find(f"{W}abstractNumId")
                ref.set(f"{W}val", abstract_map.get(ref.get(f"{W}val"), ref.get(f"{W}val")))
                definitions.append(("num", num))
        own_notes = [n for n in _xml(archive.read(_NOTES)) if n.get(f"{W}type") not in _SEPARATORS] \
            if notes is not None and _NOTES in names else []
        own_comments = list(_xml(archive.read(_COMMENTS))) if comments is not None and _COMMENTS in names else []
        # bookmarks numbered on, through the body and the notes (a package numbers them together)
        marks: dict[str, str] = {}
        for tree in (part_body, *own_notes, *own_comments):
            for element in tree.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd"):
                if element.get(f"{W}id") not in marks:
                    marks[element.get(f"{W}id")] = str(next_mark)
                    next_mark += 1
        # footnotes and comments of the part, numbered on
        note_map, next_note = _numbered_on(own_notes, next_note, notes, rename, num_map, marks)
        comment_map, next_comment = _numbered_on(own_comments, next_comment, comments, rename, num_map, marks)
        # the body: every reference renamed
        for child in list(part_body):
            if child.tag == f"{W}sectPr" and index < len(archives) - 1:  # the document's section: the last part's
                part_body.remove(child)
                continue
            _renumber(child, rename, num_map, marks, note_map, comment_map)
        # a drawing's ids, unique through the document as pandoc gives them (the frame's, then the picture's)
        for drawing in part_body.iter("{%s}docPr" % _WP, f"{_PIC}cNvPr"):
            drawing.set("id", str(next_drawing))
            next_drawing += 1
        text = _bytes(part_doc)
        start, end = text.find(b"<w:body>"), text.rfind(b"</w:body>")
        if start >= 0 and end >= 0:  # (an empty body is written <w:body/>)
            bodies.append(text[start + len(b"<w:body>"):end])
            tail = text[end:]
        del part_doc, part_body, text
        # styles pandoc added for this part, content types
        for style in list(_xml(archive.read("word/styles.xml")).iter(f"{W}style")):
            if style.get(f"{W}styleId") not in style_ids:
                style_ids.add(style.get(f"{W}styleId"))
                styles.append(style)
        for element in list(part_types):
            key = (element.tag, element.get("Extension") or element.get("PartName"))
            if key not in typed and not (element.get("PartName") or "").startswith("/word/media/"):
                typed.add(key)
                types.append(element)
        archive.close()
    if numbering is not None:  # abstractNums, then nums, before what the schema puts last
        cleanup = numbering.find(f"{W}numIdMacAtCleanup")
        at = numbering.index(cleanup) if cleanup is not None else len(numbering)
        for kind in ("abstract", "num"):
            for _kind, element in (d for d in definitions if d[0] == kind):
                numbering.insert(at, element)
                at += 1
        files["word/numbering.xml"] = _bytes(numbering)
    for name in list(files):  # media content types by their extension
        if name.startswith("word/media/"):
            if (f"{_CT}Default", Path(name).suffix[1:]) not in typed and (f"{_CT}Override", "/" + name) not in typed:
                raise ValueError(f"no content type for {name}")
    files[_DOC] = head + b"".join(bodies) + tail
    files[_DOC_RELS] = _bytes(rels)
    if notes is not None:
        files[_NOTES] = _bytes(notes)
        if _NOTES_RELS in files:
            note_rels = _xml(files[_NOTES_RELS])
            for rel in list(note_rels):
                if rel.get("Type", "").endswith(_RELS_OF_PARTS):
                    note_rels.remove(rel)
            for new in note_rel_ids:
                note_rels.append(copy.deepcopy(merged_rels[new]))
            files[_NOTES_RELS] = _bytes(note_rels)
    if comments is not None:
        files[_COMMENTS] = _bytes(comments)
    files["word/styles.xml"] = _bytes(styles)
    files["[Content_Types].xml"] = _bytes(types)
    _write_zip(path, files)


_SEPARATORS = ("separator", "continuationSeparator", "continuationNotice")  # the notes every package has


def _numbered_on(items: list, start: int, into, rels: dict, nums: dict, marks: dict) -> tuple[dict[str, str], int]:
    """A part's footnotes (or comments) appended to into, each given the next id from start on, their
    relationships, lists and bookmarks renamed: (old id -> new id, the next id)."""
    mapping: dict[str, str] = {}
    for item in items:
        mapping[item.get(f"{W}id")] = str(start)
        item.set(f"{W}id", str(start))
        start += 1
        _renumber(item, rels, nums, marks, None)
        into.append(item)
    return mapping, start


def _renumber(tree, rels: dict, nums: dict, marks: dict, notes: dict | None, comments: dict | None = None) -> None:
    """One part's element with the merged package's numbers: relationship ids, list ids, bookmark,
    footnote and comment ids."""
    for element in tree.iter():
        for attr in (f"{R}id", f"{R}embed", f"{R}link", f"{R}pict"):
            value = element.get(attr)
            if value is not None and value in rels:
                element.set(attr, rels[value])
        tag = element.tag
        if tag == f"{W}numId" and element.getparent().tag == f"{W}numPr":
            value = element.get(f"{W}val")
            if value in nums:
                element.set(f"{W}val", nums[value])
        elif tag in (f"{W}bookmarkStart", f"{W}bookmarkEnd"):
            element.set(f"{W}id", marks.get(element.get(f"{W}id"), element.get(f"{W}id")))
        elif tag == f"{W}footnoteReference" and notes:
            element.set(f"{W}id", notes.get(element.get(f"{W}id"), element.get(f"{W}id")))
        elif tag in (f"{W}commentRangeStart", f"{W}commentRangeEnd", f"{W}commentReference") and comments:
            element.set(f"{W}id", comments.get(element.get(f"{W}id"), element.get(f"{W}id")))


def _write_zip(path: Path, files: dict[str, bytes]) -> None:
    order = ["[Content_Types].xml", "_rels/.rels"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name in order + [n for n in files if n not in order]:
            if name in files:
                out.writestr(name, files[name])
