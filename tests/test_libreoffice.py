"""The DOCX as a real client opens it: LibreOffice converts it to PDF (skipped when soffice is absent;
on Debian: apt-get install -y libreoffice-writer)."""
import shutil
import subprocess

import pytest
from pypdf import PdfReader

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_docx(built_example, tmp_path):
    docx = built_example / "build/thesis/thesis.docx"
    result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                            capture_output=True, text=True, timeout=240)
    pdf = tmp_path / "thesis.pdf"
    assert pdf.exists(), result.stderr
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 60
    for expected in ("Diane Patton", "Paper 1", "Paper 2", "Table 1", "References", "Appendix R"):
        assert expected in text, expected
