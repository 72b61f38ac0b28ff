"""The DOCX styles, generated from code: pandoc's default reference.docx restyled for APA 7.

No hand-edited binary lives in the repository: this module is the style sheet. The result is cached
in build/.cache keyed by this file's content, so it is regenerated only when the styles change.
"""
from __future__ import annotations

import copy
import hashlib
import io
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt, RGBColor

from . import cache, pandoc

FONT = "Times New Roman"
HALF_INCH = Inches(0.5)

# APA 7 heading levels. Level 1 of the DOCX is a part of the thesis (a paper's title, the preface, an
# appendix); inside a paper, Markdown's "#" is APA level 1 and so on, one DOCX level down.
HEADINGS = {
    1: dict(align="center", bold=True, italic=False, indent=False, page_break=True),
    2: dict(align="center", bold=True, italic=False, indent=False),
    3: dict(align="left", bold=True, italic=False, indent=False),
    4: dict(align="left", bold=True, italic=True, indent=False),
    5: dict(align="left", bold=True, italic=False, indent=True),
    6: dict(align="left", bold=True, italic=True, indent=True),
}

# custom paragraph styles named by filters/lower.py: name -> settings
CUSTOM = {
    "Title Page": dict(align="center", first_line=0),
    "Title Page Title": dict(align="center", first_line=0, bold=True),
    "Title Page Fill": dict(align="center", first_line=0, after=24),  # a blank line and more between groups
    "Abstract": dict(first_line=0, size=12, spacing=WD_LINE_SPACING.DOUBLE),
    "Author Note": dict(align="left", first_line=HALF_INCH),  # on a paper's title page, below the affiliations
    "Table Text": dict(first_line=0, size=10, spacing=WD_LINE_SPACING.SINGLE),
    "Table Text 9": dict(first_line=0, size=9, spacing=WD_LINE_SPACING.SINGLE),  # a table the layout set smaller
    "Table Text 8": dict(first_line=0, size=8, spacing=WD_LINE_SPACING.SINGLE),
    "Keywords": dict(first_line=HALF_INCH),
    "Caption Label": dict(first_line=0, bold=True, keep_next=True),
    "Caption Title": dict(first_line=0, italic=True, keep_next=True),
    "Caption Note": dict(first_line=0),
    "Figure": dict(align="center", first_line=0, keep_next=True),
    "Figure Text": dict(first_line=0),
    "References Note": dict(first_line=0),
}


def reference_docx(cache_dir: Path) -> Path:
    """Path of the generated reference.docx (built once per version of this module)."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    path = cache_dir / f"reference-{digest}.docx"
    with cache.lock(path):  # the writers run side by side
        if not cache.whole(path):  # missing, or damaged: generated again (thesiskit/cache.py)
            cache.atomic_write(path, build_reference_docx())  # builds may run side by side
            cache.seal(path)
    return path


def build_reference_docx() -> bytes:
    base, _ = pandoc.run(["--print-default-data-file", "reference.docx"], b"")
    doc = Document(io.BytesIO(base))
    _normal(doc)
    for level, spec in HEADINGS.items():
        _heading(doc.styles[f"Heading {level}"], **spec)
    for name in ("Body Text", "First Paragraph"):
        _paragraph(doc.styles[name], first_line=HALF_INCH)
    _paragraph(doc.styles["Compact"], first_line=0, spacing=WD_LINE_SPACING.SINGLE)
    _paragraph(doc.styles["Block Text"], first_line=0, left=HALF_INCH)
    _paragraph(doc.styles["Footnote Text"], first_line=0, spacing=WD_LINE_SPACING.SINGLE, size=10)
    _paragraph(doc.styles["Bibliography"], first_line=-HALF_INCH, left=HALF_INCH)
    _paragraph(doc.styles["Title"], align="center", first_line=0, bold=True)
    for name in ("Abstract Title", "Subtitle", "Author", "Date"):
        _paragraph(doc.styles[name], align="center", first_line=0)
    for name, spec in CUSTOM.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH) if name not in _names(doc) else doc.styles[name]
        style.base_style = doc.styles["Normal"]
        _paragraph(style, **spec)
    _contents_styles(doc)
    _apa_table_style(doc)
    _page(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _contents_styles(doc) -> None:
    """The contents' entries (thesiskit/transforms/lower.py), one style per level: single-spaced,
    indented a quarter inch a level, the page number at the right margin after a row of dots; a title
    too long for one line wraps under itself."""
    text_width = Mm(210) - 2 * Inches(1)
    for level in range(1, 5):
        style = doc.styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), f"TOC{level}")
        style.base_style = doc.styles["Normal"]
        indent = Inches(0.25) * (level - 1)
        _paragraph(style, first_line=-Inches(0.25), left=indent + Inches(0.25), spacing=WD_LINE_SPACING.SINGLE)
        fmt = style.paragraph_format
        fmt.right_indent = Inches(0.4)
        fmt.space_before = Pt(6) if level == 1 else Pt(0)
        fmt.space_after = Pt(3)
        fmt.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)


def _names(doc) -> set[str]:
    return {s.name for s in doc.styles}


def _normal(doc) -> None:
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.DOUBLE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.widow_control = True


def _paragraph(style, align=None, first_line=None, left=None, bold=None, italic=None, keep_next=None,
               spacing=None, size=None, after=0) -> None:
    fmt = style.paragraph_format
    if align:
        fmt.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    if first_line is not None:
        fmt.first_line_indent = first_line
    if left is not None:
        fmt.left_indent = left
    if keep_next is not None:
        fmt.keep_with_next = keep_next
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    if spacing is not None:
        fmt.line_spacing_rule = spacing
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    if size:
        style.font.size = Pt(size)


def _heading(style, align, bold, italic, indent, page_break=False) -> None:
    _paragraph(style, align=align, first_line=HALF_INCH if indent else 0, bold=bold, italic=italic, keep_next=True)
    style.font.name = FONT
    style.font.size = Pt(12)
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        for attr in list(fonts.attrib):
            fonts.attrib.pop(attr)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
    style.paragraph_format.page_break_before = page_break
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.DOUBLE


def _apa_table_style(doc) -> None:
    """APA tables: horizontal rules only, above and below the table and under the column heads."""
    style = doc.styles["Table"].element
    tbl_pr = style.find(qn("w:tblPr"))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "bottom"):
        border = OxmlElement(f"w:{side}")
        border.set(qn("w:val"), "single")
        border.set(qn("w:sz"), "8")
        border.set(qn("w:space"), "0")
        border.set(qn("w:color"), "000000")
        borders.append(border)
    for side in ("left", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{side}")
        border.set(qn("w:val"), "nil")
        borders.append(border)
    tbl_pr.append(borders)
    first_row = style.find(qn("w:tblStylePr"))
    if first_row is not None:
        bottom = first_row.find(f".//{qn('w:bottom')}")
        bottom.set(qn("w:sz"), "8")
        bottom.set(qn("w:space"), "0")
        bottom.set(qn("w:color"), "000000")


def _page(doc) -> None:
    """A4, 1-inch margins, page number top right on every page."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Inches(1))
    section.header_distance = Inches(0.5)
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.first_line_indent = 0
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(copy.deepcopy(element))
