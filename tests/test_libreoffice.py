"""The DOCX as a real client opens it: LibreOffice converts it to PDF (skipped when soffice is absent;
on Debian: apt-get install -y libreoffice-writer)."""
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


@pytest.fixture(scope="module")
def libreoffice_pdf(built_example, tmp_path_factory):
    folder = tmp_path_factory.mktemp("libreoffice")
    docx = built_example / "build/thesis/thesis.docx"
    result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{folder}/profile",
                             "--convert-to", "pdf", "--outdir", str(folder), str(docx)],
                            capture_output=True, text=True, timeout=240)
    pdf = folder / "thesis.pdf"
    assert pdf.exists(), result.stderr
    return PdfReader(str(pdf))


def test_libreoffice_opens_the_docx(libreoffice_pdf):
    text = "\n".join(page.extract_text() for page in libreoffice_pdf.pages)
    assert len(libreoffice_pdf.pages) > 60
    for expected in ("Diane Patton", "Paper 1", "Paper 2", "Table 1", "References", "Appendix R"):
        assert expected in text, expected


def test_libreoffice_shows_every_figure(libreoffice_pdf, built_example):
    """Each picture of the DOCX is an image drawn on LibreOffice's pages: an SVG shows its PNG. Counted
    with pdfium's page objects, since LibreOffice shares one resource dictionary across all pages
    (pypdf's page.images would list every image on every page)."""
    import zipfile

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    with zipfile.ZipFile(built_example / "build/thesis/thesis.docx") as archive:
        pictures = archive.read("word/document.xml").decode().count("<pic:pic")
    pdf = pdfium.PdfDocument(libreoffice_pdf.stream.getvalue())
    try:
        drawn = {i: len(list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=5)))
                 for i, page in enumerate(pdf)}
        texts = {i: page.get_textpage().get_text_range() for i, page in enumerate(pdf)}
    finally:
        pdf.close()
    assert pictures >= 3 and sum(drawn.values()) == pictures
    page = next(i for i, t in texts.items() if "Conceptual Model of Service User Readiness" in t)
    assert drawn[page] == 1  # paper 2's Figure 2, an authored SVG


def test_libreoffice_contents_show_page_numbers(libreoffice_pdf):
    pages = [p.extract_text() for p in libreoffice_pdf.pages[:12]]
    start = next(i for i, t in enumerate(pages) if re.search(r"^\s*Contents\s*$", t, re.M))
    lines = [line for t in pages[start:start + 4] for line in t.splitlines()]
    numbered = [line for line in lines if re.search(r"(\.\s*){3,}\d+\s*$", line)]
    assert len(numbered) > 60
    assert not any("Reference source not found" in line for line in lines)
    assert any(re.search(r"Rationale for the Current Review.*\d+$", line) for line in numbered)
