"""Tier 3: the example thesis built end to end, read back as a reader's software would read it."""
from __future__ import annotations

import csv
import json
import re

import docx
import pytest
from docx.enum.text import WD_LINE_SPACING
from docx.shared import Inches
from pypdf import PdfReader

from .conftest import ROOT


@pytest.fixture(scope="module")
def thesis_docx(built_example):
    return docx.Document(str(built_example / "build/thesis/thesis.docx"))


@pytest.fixture(scope="module")
def paragraphs(thesis_docx):
    return [(p.style.name, p.text) for p in thesis_docx.paragraphs]


@pytest.fixture(scope="module")
def pdf_text(built_example):
    reader = PdfReader(str(built_example / "build/thesis/thesis.pdf"))
    return [page.extract_text() for page in reader.pages]


def section(paragraphs, start: str, end: str | None):
    """Paragraphs from the heading starting with `start` up to the one starting with `end`."""
    texts = [t for _, t in paragraphs]
    first = next(i for i, (style, t) in enumerate(paragraphs) if style.startswith("Heading") and t.startswith(start))
    last = next((i for i, (style, t) in enumerate(paragraphs[first + 1:], first + 1)
                 if end and style.startswith("Heading") and t.startswith(end)), len(texts))
    return paragraphs[first:last]


def reference_list(paragraphs, paper: str, next_part: str):
    part = section(paragraphs, paper, next_part)
    start = max(i for i, (style, t) in enumerate(part) if style.startswith("Heading") and t == "References")
    return [t for style, t in part[start:] if style == "Bibliography"]


def included_authors():
    with (ROOT / "data/studies.csv").open(encoding="utf-8") as handle:
        return [row["label"].split()[0].rstrip(",") for row in csv.DictReader(handle)]


def test_outputs_and_report_exist(built_example):
    out = built_example / "build/thesis"
    for name in ("thesis.docx", "thesis.pdf", "thesis.html", "report.json"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "report.json").read_text())
    assert report["target"] == "thesis" and report["ok"] is True
    paper1 = report["documents"]["paper1"]
    assert paper1["limits"] == {"main": 8000, "abstract": 200}
    assert 2500 <= paper1["words"]["main"] <= 8000 and 0 < paper1["words"]["abstract"] <= 200
    assert report["documents"]["paper2"]["words"]["main"] > 4000
    assert paper1["tables"] == 7 and paper1["figures"] == 2
    assert set(report["citations"]) == {"unresolved", "uncited"}


def test_title_page(paragraphs, pdf_text):
    import itertools

    # the leading run of title-page paragraphs, however many blank fills spread its groups down the page
    title_page = [t for style, t in itertools.takewhile(lambda p: p[0].startswith("Title Page"), paragraphs)]
    joined = "\n".join(title_page)
    for expected in ("School of Psychology", "A Meta-Ethnography of Factors", "Doctorate of Clinical Psychology",
                     "Cardiff University", "Written by: Diane Patton", "Dr Heledd Lewis and Dr Christopher Hobson",
                     "21 May 2022"):
        assert expected in joined
    assert "Doctorate of Clinical Psychology" in pdf_text[0] and "Diane Patton" in pdf_text[0]


def test_each_paper_has_its_own_title_page_and_reference_list(paragraphs):
    paper1 = reference_list(paragraphs, "Paper 1", "Paper 2")
    paper2 = reference_list(paragraphs, "Paper 2", "Appendices")
    assert len(paper1) > 60 and len(paper2) > 40
    assert any(t.startswith("Arnstein") for t in paper2) and not any(t.startswith("Arnstein") for t in paper1)
    assert any(t.lstrip("*").startswith("Atkins") for t in paper1) and not any("Atkins" in t[:8] for t in paper2)
    for paper, next_part in (("Paper 1", "Paper 2"), ("Paper 2", "Appendices")):
        part = [t for _, t in section(paragraphs, paper, next_part)]
        assert any(t.startswith("Word count for abstract: ") for t in part)
        assert any(re.match(r"Word count excluding abstract, tables, figures, footnotes and references: \d", t)
                   for t in part)
        assert "Email: pattond1@cardiff.ac.uk" in part


def test_asterisks_mark_exactly_the_included_studies(paragraphs):
    paper1 = reference_list(paragraphs, "Paper 1", "Paper 2")
    starred = sorted(t[1:].split(",")[0] for t in paper1 if t.startswith("*"))
    assert starred == sorted(included_authors())
    assert len(starred) == 12
    note = section(paragraphs, "Paper 1", "Paper 2")
    assert any("marked with an asterisk" in t for _, t in note)
    paper2 = reference_list(paragraphs, "Paper 2", "Appendices")
    assert not any(t.startswith("*") for t in paper2)  # Debyser is in both lists, starred only in the review
    assert any(t.startswith("Debyser") for t in paper2)


def test_tables_restart_at_one_in_each_paper(paragraphs):
    for paper, next_part in (("Paper 1", "Paper 2"), ("Paper 2", "Appendices")):
        labels = [t for style, t in section(paragraphs, paper, next_part) if style == "Caption Label"]
        tables = [t for t in labels if t.startswith("Table")]
        assert tables[:3] == ["Table 1", "Table 2", "Table 3"], paper
        assert "Figure 1" in labels


def test_cross_references_resolved(paragraphs, pdf_text):
    body = "\n".join(t for _, t in paragraphs)
    pdf = "\n".join(pdf_text)
    for text in (body, pdf):
        assert "??" not in text
        assert not re.search(r"@(tbl|fig|sec|app):", text)
        assert not re.search(r"@[a-z]+\d{4}", text)  # no citation left unprocessed
    assert "(see Appendix B)" in body or "see Appendix B" in body
    appendix_b = next(t for style, t in paragraphs if style == "Heading 1" and t.startswith("Appendix B"))
    assert "PROSPERO" in appendix_b  # the letter follows the plan's order, not a typed letter


def test_apa_citation_forms(paragraphs):
    body = "\n".join(t for _, t in paragraphs)
    assert "(Clossey et al., 2016" in body or "Clossey et al., 2016)" in body   # parenthetical, et al.
    assert re.search(r"Mancini \(2018\)", body)                               # narrative
    assert "(Kido & Kayama, 2017)" in body                                     # ampersand in parentheses
    assert "Kido and Kayama (2017)" in body                                    # "and" when narrative (APA 8.17)
    assert not re.search(r"[A-Z]\w+ & [A-Z]\w+ \(\d{4}", body)                  # no narrative "&" left
    assert re.search(r"\([A-Z]\w+ et al\., \d{4}, p\. \d+\)", body)                # locator
    assert "van Vugt" in body and "Vugt, M. D. van" not in body                # particle kept in front


def test_docx_styles_follow_apa(thesis_docx):
    normal = thesis_docx.styles["Normal"]
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.DOUBLE
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 12
    bibliography = thesis_docx.styles["Bibliography"].paragraph_format
    assert bibliography.left_indent == Inches(0.5) and bibliography.first_line_indent == -Inches(0.5)
    assert thesis_docx.styles["Body Text"].paragraph_format.first_line_indent == Inches(0.5)
    section_ = thesis_docx.sections[0]
    assert all(getattr(section_, m) == Inches(1) for m in ("top_margin", "bottom_margin", "left_margin", "right_margin"))
    header_xml = section_.header._element.xml
    assert "PAGE" in header_xml  # page numbers
    assert thesis_docx.core_properties.author == "Diane Patton"


def test_pdf_has_the_thesis_structure(pdf_text):
    assert len(pdf_text) > 60
    pdf = "\n".join(pdf_text)
    for expected in ("Acknowledgements", "Preface", "Contents", "Paper 1", "Paper 2", "Appendix A", "Appendix R",
                     "Table 1", "Figure 1", "References"):
        assert expected in pdf, expected
    assert re.search(r"Preface word count: \d", pdf)


def test_html_is_self_contained(built_example):
    html = (built_example / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert "<svg" in html or "data:image/svg+xml" in html  # figures embedded, no external files
    assert 'class="csl-entry"' in html and "Table 1" in html


def test_prisma_diagram_is_text_in_the_pdf_and_the_web_page(built_example, pdf_text):
    """The flow diagram's words can be selected and searched: text in the PDF (not outlines), an inline
    <svg> in the HTML, each n in italics; the example's numbers as the seed gives them."""
    page = next(p for p in pdf_text if "PRISMA Flow Diagram of the Study Selection Process" in p)
    flat = " ".join(page.split())
    for words in ("Records identified from:", "Databases (n = 5,041)", "Citation searching (n = 11)",
                  "Duplicate records (n = 2,730)", "Records screened", "(n = 2,322)", "Titles (n = 2,060)",
                  "Abstracts (n = 220)", "Reports assessed for eligibility", "Studies included in review"):
        assert words in flat, words
    html = (built_example / "build/thesis/thesis.html").read_text(encoding="utf-8")
    svg = html[html.index('<svg class="diagram"'):]
    svg = svg[:svg.index("</svg>")]
    assert "Records screened" in svg and '(<tspan font-style="italic">n</tspan> = 2,322)' in svg
