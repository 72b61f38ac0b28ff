"""Issue 14, the layout half: tables that fit, figures every reader sees, APA headings 1 to 5, contents
with page numbers, title pages and running heads. Pure functions first, then the built example read
back as its readers' software reads it."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from thesiskit import layout
from thesiskit.transforms import lower

from .conftest import make_project, run_build

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
LIBERATION = Path("/usr/share/fonts/truetype/liberation")


# ---------------------------------------------------------------- pure: measuring and choosing

def _cell(text: str) -> list:
    return [{"t": "Plain", "c": [x for w in text.split(" ") for x in ({"t": "Str", "c": w}, {"t": "Space"})][:-1]}]


def _table(rows: list[list[str]], widths: list[float] | None = None) -> dict:
    def row(cells):
        return [["", [], []], [[["", [], []], {"t": "AlignDefault"}, 1, 1, _cell(c)] for c in cells]]
    colspecs = [[{"t": "AlignDefault"}, {"t": "ColWidth", "c": w} if widths else {"t": "ColWidthDefault"}]
                for w in (widths or [None] * len(rows[0]))]
    return {"t": "Table", "c": [["", [], []], [None, []], colspecs, [["", [], []], [row(rows[0])]],
                                [[["", [], []], 0, [], [row(r) for r in rows[1:]]]], [["", [], []], []]]}


def test_words_break_only_where_every_writer_breaks_them():
    assert layout.pieces("Semi-structured interviews 31-40 co\u2013production") == \
        ["Semi-", "structured", "interviews", "31-40", "co\u2013", "production"]
    assert layout.text_width("organisations", 10) == pytest.approx(layout.text_width("organisations", 1) * 10)
    assert layout.text_width(f"{layout.ON}n{layout.OFF}", 10) >= layout.text_width("n", 10)  # italic is wider


def test_a_narrow_table_stays_portrait_and_no_column_is_narrower_than_its_longest_word():
    table = _table([["Study", "Setting"], ["1", "Multidisciplinary psychiatric outreach teams"]])
    fit = layout.fit(table)
    assert fit.orientation == "portrait" and fit.size == 10 and not fit.overflow
    assert sum(fit.widths) == pytest.approx(1)
    need = layout.text_width("Multidisciplinary", 10) + layout.PADDING
    assert fit.widths[1] * layout.PORTRAIT[0] >= need


def test_the_authors_widths_are_kept_but_never_below_a_word():
    table = _table([["Q", "Answer"], ["Autonomously", "yes"]], widths=[0.05, 0.95])
    fit = layout.fit(table)
    assert fit.widths[0] * layout.PORTRAIT[0] >= layout.text_width("Autonomously", 10) + layout.PADDING - 1e-6
    assert fit.widths[1] > 0.7  # the rest still goes where the author put it


def test_too_wide_for_portrait_goes_landscape_then_smaller():
    header = ["Professional", "development", "opportunities", "autonomously", "Relationships",
              "Commitment", "Integration", "Connection", "Interactions", "Recognition"]
    fit = layout.fit(_table([header, ["x"] * 10]))
    assert fit.orientation == "landscape" and fit.size == 10
    wider = layout.fit(_table([header * 2, ["x"] * 20]))
    assert wider.orientation == "landscape" and (wider.size < 10 or wider.overflow)
    assert layout.fit(_table([header, ["x"] * 10]), orientation="portrait").size < 10
    kept = layout.fit(_table([["a", "b"], ["c", "d"]]), orientation="landscape")
    assert kept.orientation == "landscape"
    assert layout.fit(_table([["a", "b"], ["c", "d"]]), size=8).size == 8
    assert [layout.font_size(v) for v in ("9", "9pt", " 8 pt", "6pt", "", None)] == [9, 9, 8, None, None, None]


def test_the_authors_font_size_reaches_every_writer():
    """font-size="9pt" and "9" both set the table's font: DOCX's 9-point style, typst's font, HTML's class."""
    for value in ("9", "9pt"):
        div = {"t": "Div", "c": [["tbl:x", ["apa-table"], [["font-size", value]]],
                                 [{"t": "Div", "c": [["", ["table-body"], []], [_table([["a", "b"], ["c", "d"]])]]}]]}
        docx = json.dumps(_lowered([json.loads(json.dumps(div))], "docx"))
        assert '"Table Text 9"' in docx, value
        assert "apa-table-font(9pt)" in json.dumps(_lowered([json.loads(json.dumps(div))], "typst")), value
        assert "table-size-9" in json.dumps(_lowered([json.loads(json.dumps(div))], "html")), value


def test_a_table_that_cannot_fit_is_flagged():
    words = ["Incomprehensibilities"] * 14
    fit = layout.fit(_table([words, words]))
    assert fit.overflow and fit.orientation == "landscape" and fit.size == 8


# ---------------------------------------------------------------- pure: headings and contents

def _lowered(blocks: list, fmt: str, depth: int = 3) -> list:
    return lower.lower_json({"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": blocks}, fmt, depth)["blocks"]


def _header(level: int, text: str, ident: str = "") -> dict:
    return {"t": "Header", "c": [level, [ident, [], []], [{"t": "Str", "c": w} for w in [text]]]}


def _para(text: str) -> dict:
    return {"t": "Para", "c": [{"t": "Str", "c": text}]}


@pytest.mark.parametrize("fmt", ["docx", "typst", "html"])
def test_levels_four_and_five_run_in_with_their_period(fmt):
    blocks = _lowered([_header(5, "Level-Four", "sec-four"), _para("Text."),
                       _header(6, "Level-Five?", "sec-five"), _para("More."),
                       _header(5, "Alone", "sec-alone"), {"t": "BlockQuote", "c": [_para("Quoted.")]}], fmt)
    first, second, alone = blocks[0], blocks[1], blocks[2]
    assert first["t"] == "Para" and second["t"] == "Para" and alone["t"] == "Para"
    span = first["c"][0]
    assert span["t"] == "Span" and span["c"][0][0] == "sec-four"  # the heading's id stays: links still land
    strong = span["c"][1][0]
    assert strong["t"] == "Strong" and [i["c"] for i in strong["c"] if i["t"] == "Str"] == ["Level-Four", "."]
    assert first["c"][1]["t"] == "Space" and first["c"][2]["c"] == "Text."
    emph = second["c"][0]["c"][1][0]["c"][0]  # level 5: bold italic, and no second period after '?'
    assert emph["t"] == "Emph" and [i["c"] for i in emph["c"] if i["t"] == "Str"] == ["Level-Five?"]
    assert len(alone["c"]) == 1 and blocks[3]["t"] == "BlockQuote"


def test_levels_one_to_three_stay_headings():
    blocks = _lowered([_header(2, "Method"), _header(3, "Design"), _header(4, "Sampling"), _para("x")], "docx")
    assert [b["t"] for b in blocks] == ["Header"] * 3 + ["Para"]


def test_contents_follow_the_profile_depth_and_every_entry_links_somewhere():
    blocks = [_header(1, "Preface", "preface"), _header(2, "References"), _header(3, "Deep", "deep"),
              _header(4, "Deeper", "deeper"), {"t": "Div", "c": [["", ["toc"], []], []]}]
    html = _lowered(json.loads(json.dumps(blocks)), "html", depth=3)
    links = re.findall(r'"#([^"]*)"', json.dumps(html))
    assert links == ["preface", "preface-references", "deep"]  # a reference list's heading gets an id
    xml = _lowered(json.loads(json.dumps(blocks)), "docx", depth=2)[-1]["c"][1]
    assert xml.count("<w:p>") == 2 and "PAGEREF preface-references" in xml
    assert not re.search(r"instrText[^>]*>\s*TOC\b", xml)  # PAGEREF fields, not a TOC field LibreOffice leaves bare
    assert "#apa-contents(4)" in json.dumps(_lowered(json.loads(json.dumps(blocks)), "typst", depth=4))


def test_bookmark_names_are_pandocs(tmp_path):
    """The contents link to headings by the names pandoc's DOCX writer gives their bookmarks."""
    from thesiskit import pandoc

    ids = ["short", "appendices-category-wanting-to-build-something-positive", "9-starts-with-a-digit"]
    source = "\n\n".join(f"# Heading {i} {{#{ident}}}" for i, ident in enumerate(ids))
    pandoc.run(["-f", "markdown", "-t", "docx", "-o", str(tmp_path / "x.docx")], source.encode())
    xml = zipfile.ZipFile(tmp_path / "x.docx").read("word/document.xml").decode()
    names = re.findall(r'w:bookmarkStart w:id="\d+" w:name="([^"]+)"', xml)
    assert [lower.bookmark_name(i) for i in ids] == names


# ---------------------------------------------------------------- the built example: DOCX

def _document(path: Path):
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


class _Widths:
    """Word's widths of text in Times New Roman (Liberation Serif, metric-compatible, read with fontTools),
    else the build's own table; bold or italic in the widest of those styles."""

    def __init__(self):
        self.fonts = None
        try:
            from fontTools.ttLib import TTFont

            faces = [TTFont(str(LIBERATION / f"LiberationSerif-{s}.ttf")) for s in ("Regular", "BoldItalic", "Bold")]
            self.fonts = [(f.getBestCmap(), f["hmtx"], f["head"].unitsPerEm) for f in faces]
        except Exception:  # noqa: BLE001 - no fontTools or no font file: the build's own metrics stand in
            from thesiskit.metrics import STYLED, WIDTHS

            self.tables = (WIDTHS, STYLED)

    def __call__(self, chars: list[tuple[str, bool]], size: float) -> float:
        total = 0.0
        for char, styled in chars:
            if self.fonts:
                faces = self.fonts[1:] if styled else self.fonts[:1]
                total += max(h[c[ord(char)]][0] / upem if ord(char) in c else 1.0 for c, h, upem in faces)
            else:
                total += self.tables[styled].get(ord(char), 1000) / 1000
        return total * size


def _words(paragraph) -> list[list[tuple[str, bool]]]:
    """A paragraph's unbreakable pieces, each character with whether it is bold or italic."""
    chars = []
    for run in paragraph.iter(f"{W}r"):
        props = run.find(f"{W}rPr")
        styled = props is not None and (props.find(f"{W}b") is not None or props.find(f"{W}i") is not None)
        for text in run.iter(f"{W}t"):
            chars += [(c, styled) for c in text.text or ""]
    words, word = [], []
    for i, (char, styled) in enumerate(chars):
        if char.isspace():
            words.append(word)
            word = []
            continue
        word.append((char, styled))
        following = chars[i + 1][0] if i + 1 < len(chars) else ""
        if char in "-\u2010\u2013\u2014" and following and not following.isdigit() and not following.isspace():
            words.append(word)
            word = []
    words.append(word)
    return [w for w in words if w]


def _tables_of(path: Path):
    """Every table of a DOCX with its column widths in twips and its cells' (grid columns, paragraphs)."""
    root = _document(path)
    for table in root.iter(f"{W}tbl"):
        grid = [int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid").findall(f"{W}gridCol")]
        cells = []
        for row in table.findall(f"{W}tr"):
            column = 0
            for cell in row.findall(f"{W}tc"):
                span = cell.find(f"{W}tcPr/{W}gridSpan")
                count = int(span.get(f"{W}val")) if span is not None else 1
                cells.append((range(column, column + count), cell.findall(f"{W}p")))
                column += count
        yield table, grid, cells


def _docx_outputs(project: Path) -> list[Path]:
    return sorted((project / "build").rglob("*.docx"))


def words_too_wide(path: Path) -> tuple[int, list]:
    """(words checked, words wider than their cell's room) for every table cell of a DOCX: measured in
    the cell's paragraph style's size, less the cell's margins and the paragraph's indent."""
    widths = _Widths()
    sizes = {"TableText": 10, "TableText9": 9, "TableText8": 8}
    checked, wide = 0, []
    for _table, grid, cells in _tables_of(path):
        for columns, paragraphs in cells:
            room = sum(grid[c] for c in columns) - 216  # less the cell's margins, 108 twips each side
            for paragraph in paragraphs:
                style = paragraph.find(f"{W}pPr/{W}pStyle")
                size = sizes.get(style.get(f"{W}val") if style is not None else "", 10)
                indent = paragraph.find(f"{W}pPr/{W}ind")
                left = int(indent.get(f"{W}left", "0")) if indent is not None else 0
                for word in _words(paragraph):
                    need = widths(word, size) * 20 + left  # points -> twips
                    if need > room + 1:
                        wide.append(("".join(c for c, _ in word), need, room))
                    checked += 1
    return checked, wide


def test_every_docx_table_column_holds_its_longest_word(built_example):
    checked, wide = words_too_wide(built_example / "build/thesis/thesis.docx")
    assert not wide and checked > 2000, wide


def test_tables_repeat_their_header_and_keep_rows_whole(built_example):
    for table, _grid, _cells in _tables_of(built_example / "build/thesis/thesis.docx"):
        rows = table.findall(f"{W}tr")
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        assert table.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"


def test_wide_tables_get_a_landscape_section(built_example):
    root = _document(built_example / "build/thesis/thesis.docx")
    landscape = []
    pending = []
    for child in root.find(f"{W}body"):
        if child.tag == f"{W}tbl":
            pending.append(child)
        sect = child.find(f"{W}pPr/{W}sectPr") if child.tag == f"{W}p" else None
        if sect is not None:
            if sect.find(f"{W}pgSz").get(f"{W}orient") == "landscape":
                size = sect.find(f"{W}pgSz")
                assert int(size.get(f"{W}w")) > int(size.get(f"{W}h"))
                landscape += pending
            pending = []
    headers = ["".join(t.text or "" for t in table.find(f"{W}tr").iter(f"{W}t")) for table in landscape]
    assert any(h.startswith("StudyAuthors, year, country") for h in headers)  # Table 4, eight columns
    assert any("Organisational practices" in h for h in headers)              # Table 6, the synthesis grid


def pictures(path: Path) -> list[tuple[str, str | None, bytes]]:
    """Every picture of a DOCX: (the part its blip embeds, the SVG part beside it or None, the embedded bytes)."""
    out = []
    with zipfile.ZipFile(path) as archive:
        rels = archive.read("word/_rels/document.xml.rels").decode()
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        for blip in _document(path).iter(f"{A}blip"):
            target = targets[blip.get(f"{R}embed")]
            svg = next(blip.iter("{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"), None)
            out.append((target, targets[svg.get(f"{R}embed")] if svg is not None else None,
                        archive.read("word/" + target)))
    return out


def test_no_svg_stands_alone_in_any_docx(built_example):
    """Every SVG picture has a PNG beside it at the profile's resolution, as Word writes them."""
    from PIL import Image
    import io

    found = 0
    for path in _docx_outputs(built_example):
        for target, svg, data in pictures(path):
            assert target.endswith((".png", ".jpeg", ".jpg")), (path.name, target)
            if svg is not None:
                found += 1
                assert svg.endswith(".svg")
                with Image.open(io.BytesIO(data)) as png:
                    assert round(png.info["dpi"][0]) == 300 and png.size[0] > 1500
    assert found >= 1  # paper 2's Figure 2, an authored SVG


def test_headings_four_and_five_are_run_in(built_example):
    import docx

    document = docx.Document(str(built_example / "build/thesis/thesis.docx"))
    styles = {p.style.name for p in document.paragraphs}
    assert "Heading 5" not in styles and "Heading 6" not in styles
    paragraph = next(p for p in document.paragraphs if p.text.startswith("Seeking Change in the System."))
    assert paragraph.runs[0].bold and paragraph.text.startswith("Seeking Change in the System. Several participants")
    assert paragraph.style.paragraph_format.first_line_indent or paragraph.style.base_style  # indented as body text
    pdf = (built_example / "build/thesis/thesis.pdf")
    text = _pdf_text(pdf)
    assert re.search(r"Seeking Change in the System\. Several participants", text)
    html = (built_example / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert re.search(r'<p><span id="[^"]*seeking-change-in-the-system"[^>]*><strong>Seeking Change in the '
                     r'System\.</strong></span>\s+Several participants', html)


def test_contents_list_level_two_headings_with_page_numbers(built_example):
    from thesiskit.write.docx import libreoffice

    root = _document(built_example / "build/thesis/thesis.docx")
    entries = [p for p in root.iter(f"{W}p") if (s := p.find(f"{W}pPr/{W}pStyle")) is not None
               and s.get(f"{W}val").startswith("TOC")]
    texts = {"".join(t.text or "" for t in p.iter(f"{W}t")) for p in entries}
    levels = {p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") for p in entries}
    assert {"TOC1", "TOC2", "TOC3"} <= levels  # the papers' level-2 headings too, as the seed's contents
    assert any(t.startswith("Rationale for the Current Review") for t in texts)
    assert all(p.find(f".//{W}instrText") is not None and "PAGEREF" in p.find(f".//{W}instrText").text
               for p in entries)
    if libreoffice():  # the build filled the numbers in through LibreOffice
        numbers = [_field_result(p) for p in entries]  # the text after the tab: a heading may end in a digit
        assert all(n.isdigit() for n in numbers), numbers
        assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)


def _field_result(paragraph) -> str:
    """The text a field shows: the runs between its 'separate' and 'end' marks."""
    text, inside = "", False
    for run in paragraph.iter(f"{W}r"):
        mark = run.find(f"{W}fldChar")
        if mark is not None:
            inside = mark.get(f"{W}fldCharType") == "separate"
            continue
        if inside:
            text += "".join(t.text or "" for t in run.iter(f"{W}t"))
    return text


def test_paper_title_pages_have_no_footnote_beside_the_affiliations(built_example):
    import docx

    document = docx.Document(str(built_example / "build/thesis/thesis.docx"))
    title_pages = [p for p in document.paragraphs if p.style.name.startswith("Title Page")]
    assert not any(p._p.findall(f".//{W}footnoteReference") for p in title_pages)
    notes = [i for i, p in enumerate(document.paragraphs) if p.text == "Author Note"]
    assert len(notes) == 2  # each paper's title note, as APA's author note below the affiliations
    assert document.paragraphs[notes[0] + 1].text.startswith("This paper was prepared in line with")


# ---------------------------------------------------------------- the built example: PDF

def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_each_appendix_title_is_on_its_own_line_in_the_pdf(built_example):
    text = _pdf_text(built_example / "build/thesis/thesis.pdf").replace("\r", "")
    body = text[text.index("Journal of Mental Health Author Guidelines\nBoth papers"):]  # past the contents
    for letter, title in (("A", "Journal of Mental Health Author Guidelines"), ("B", "PROSPERO Registration"),
                          ("Q", "Mind-Map of Theoretical Concepts"), ("R", "Early Version of the Theoretical Model")):
        assert re.search(rf"^Appendix {letter}\n{re.escape(title)}\n", text, re.M), letter
    assert "Guidelines Both papers" not in body


def test_pdf_contents_give_the_titles_and_wide_tables_turn(built_example):
    import pypdfium2 as pdfium

    text = _pdf_text(built_example / "build/thesis/thesis.pdf").replace("\r", "")
    contents = text[text.index("Contents"):text.index("Abstract\nMental health services")]
    assert re.search(r"Paper 1 What Factors Contribute", " ".join(contents.split()))
    assert "Appendix B PROSPERO Registration" in " ".join(contents.split())
    assert "Rationale for the Current Review" in contents
    pdf = pdfium.PdfDocument(str(built_example / "build/thesis/thesis.pdf"))
    try:
        turned = [i for i, page in enumerate(pdf) if page.get_width() > page.get_height()]
        texts = [pdf[i].get_textpage().get_text_range() for i in turned]
    finally:
        pdf.close()
    assert any("Table 4" in t for t in texts) and any("Table 6" in t for t in texts)


# ---------------------------------------------------------------- running heads

def test_running_head_where_the_profile_asks(tmp_path):
    chapter = ("---\ntitle: A Paper About Things\nshort-title: THINGS\nkind: original\n---\n\n"
               "::: abstract\nAn abstract.\n:::\n\n# Introduction\n\nSome text.\n\n#### Level Four\n\nRuns in.\n")
    project = make_project(tmp_path / "p", chapter)
    (project / "profiles/thesis.yaml").write_text(
        (project / "profiles/thesis.yaml").read_text() + "\nrunning-head: true\ncontents-page-numbers: word\n")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    out = project / "build/thesis"
    with zipfile.ZipFile(out / "thesis.docx") as archive:
        headers = [archive.read(n).decode() for n in archive.namelist() if n.startswith("word/header")]
        body = archive.read("word/document.xml").decode()
    assert any(">THINGS<" in h and "PAGE" in h for h in headers)
    assert "RunningHeadMark" not in body
    text = _pdf_text(out / "thesis.pdf")
    assert re.search(r"THINGS\s*\d", text)
    plain = make_project(tmp_path / "q", chapter)
    assert run_build(plain, "thesis").returncode == 0
    assert "THINGS" not in _pdf_text(plain / "build/thesis/thesis.pdf")  # APA student papers have none


def test_a_table_too_wide_even_landscape_is_a_warning(tmp_path):
    header = "| " + " | ".join(["Incomprehensibilities"] * 14) + " |"
    chapter = ("---\ntitle: A Paper\nkind: original\n---\n\n::: abstract\nAn abstract.\n:::\n\n# Introduction\n\n"
               "Some text.\n\n::: {#tbl:wide title=\"Far Too Wide\"}\n" + header + "\n|"
               + "---|" * 14 + "\n" + header.replace("Incomprehensibilities", "x") + "\n:::\n")
    project = make_project(tmp_path / "p", chapter)
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\s*chapters/paper1/\S+\.md:\d+: warning: Table 1 is too wide for the page: its longest words "
                     r"need [\d.]+ cm at 8 pt, the landscape page has 24\.6 cm; split it", result.stdout + result.stderr,
                     re.M), result.stdout
