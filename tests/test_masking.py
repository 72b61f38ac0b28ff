"""Masked review on a real co-authored paper: the example's paper 2 with the student and both
supervisors as its authors, and every way a name was seen to slip through (issue 11): capitals, a
no-break space, a zero-width space, an email in other case, a URL slug, self-citations, a table
note, a figure title, a text figure, an SVG's metadata and text, a PNG's text chunks, image alt
and title text. Every file of both journal packages is then unzipped and every part (text,
attributes, comments, media and their metadata) searched, with this test's own patterns, for
every identity term in every variant."""
from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .conftest import copy_project, edit, run_build

COAUTHORS = """author:
  - name: Diane Patton
    email: pattond1@cardiff.ac.uk
    orcid: 0000-0002-1825-0097
    affiliations: [Cardiff University, Cardiff & Vale University Health Board]
    corresponding: true
  - name: Dr Heledd Lewis
    affiliations: [Cardiff University]
  - Christopher Hobson
"""

HOSTILE = """

As DIANE PATTON and Diane\u00a0Patton argued, and Pat\u200bton, D. wrote elsewhere [@patton2020; @lewis2019],
@patton2020 found the same; see [the project page](https://example.org/diane-patton "Diane Patton's page")
or write to PattonD1@Cardiff.ac.uk. A colleague at Cardiff University helped.

![A sketch signed by its maker](figures/signed.svg "Drawn by Heledd Lewis"){#fig:signed journal="supplementary"}

![A photograph](figures/photo.png){#fig:photo journal="supplementary"}

::: {#fig:drawn journal="supplementary" title="The Model as Christopher Hobson Drew It"}
Drawn by Diane Patton at Cardiff University.
:::

::: {#tbl:sites title="Sites" journal="keep"}
| Site | Interviews |
|---|---|
| A community centre | 3 |

*Note.* Recruited through the Cardiff University service user panel.
:::
"""

SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cc="http://creativecommons.org/ns#"
 width="200" height="60" viewBox="0 0 200 60">
  <!-- drawn by Diane Patton -->
  <metadata><rdf:RDF><cc:Work><dc:creator><cc:Agent><dc:title>Diane Patton</dc:title></cc:Agent></dc:creator>
  </cc:Work></rdf:RDF></metadata>
  <title>Sketch by Heledd Lewis</title>
  <rect x="1" y="1" width="198" height="58" fill="none" stroke="black"/>
  <text x="10" y="35" font-size="12">Diane Patton, 2021</text>
</svg>
"""

BIB = """
@article{patton2020,
  title = {Being ready},
  author = {Patton, Diane and Smith, J.},
  year = {2020},
  journal = {Journal of Mental Health},
  doi = {10.1000/x1},
}

@article{lewis2019,
  title = {Supervising co-production},
  author = {Lewis, H.},
  year = {2019},
  journal = {Journal of Mental Health},
  doi = {10.1000/x2},
}
"""

# This test's own patterns (not thesiskit's): any separator between the parts of a name.
SEP = r"[\W_]*"
VARIANTS = {
    "Diane Patton": rf"diane{SEP}patton", "Patton, D.": r"patton,\s*d\b", "D. Patton": r"\bd\.\s*patton",
    "pattond1": r"pattond1", "Heledd Lewis": rf"heledd{SEP}lewis", "Lewis, H.": r"lewis,\s*h\b",
    "Christopher Hobson": rf"christopher{SEP}hobson", "Hobson, C.": r"hobson,\s*c\b",
    "Cardiff University": rf"cardiff{SEP}university", "Laura Freeman": rf"laura{SEP}freeman",
    "Paul Brown": rf"paul{SEP}brown", "Health Board": rf"vale{SEP}university{SEP}health",
    "South Wales Doctoral Programme": rf"south{SEP}wales{SEP}doctoral", "ORCID": r"0000-0002-1825-0097",
}


def readable(data: bytes) -> str:
    """Everything a part says, in one lower-case form: entities decoded, Unicode composed, invisible
    characters and tags gone (tags removed outright, so split runs join)."""
    text = data.decode("utf-8", "replace") + "\n" + data.decode("latin-1")
    text = html.unescape(re.sub(r"<[^>]+>", "", text) + "\n" + text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub("[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", text).lower()


def parts(path: Path):
    """(name, bytes) of a file, or of every member of a DOCX (a zip)."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield f"{path.name}:{name}", archive.read(name)
                yield f"{path.name}:{name} (name)", name.encode()
    else:
        yield path.name, path.read_bytes()


def leaks(folder: Path) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name in ("title-page.docx", "checklist.md"):  # the author's own files, not the reviewers'
            continue
        for name, data in parts(path):
            text = readable(data)
            found += [f"{name}: {label}" for label, pattern in VARIANTS.items() if re.search(pattern, text)]
    return found


@pytest.fixture(scope="module")
def coauthored(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("coauthored") / "project")
    # the other forms people write: one supervisor as a plain string, advisers as names and a mapping
    edit(project / "thesis.md", "supervisors: [Dr Heledd Lewis, Dr Christopher Hobson]", "supervisors: Dr Heledd Lewis")
    edit(project / "thesis.md", "  - Field Supervisor: Dr Laura Freeman\n  - Service User Consultant: Mr Paul Brown",
         "  - Dr Laura Freeman\n  - {name: Mr Paul Brown, role: Service User Consultant}")
    edit(project / "chapters/paper2/00-front.md", "kind: original\n", "kind: original\n" + COAUTHORS)
    chapter = project / "chapters/paper2/30-results.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + HOSTILE, encoding="utf-8")
    (project / "chapters/paper2/figures/signed.svg").write_text(SVG, encoding="utf-8")
    info = PngInfo()
    info.add_text("Author", "Diane Patton")
    info.add_itxt("Description", "Photograph by Heledd Lewis, Cardiff University")
    Image.new("RGB", (300, 200), "white").save(project / "chapters/paper2/figures/photo.png", pnginfo=info)
    bib = project / "bib/references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + BIB, encoding="utf-8")
    result = run_build(project, "jmh-submission")
    assert result.returncode == 0, result.stderr
    return project


def test_no_identity_term_in_any_part_of_either_package(coauthored):
    for paper in ("paper1", "paper2"):
        folder = coauthored / "build/jmh-submission" / paper
        assert (folder / "manuscript.docx").exists()
        assert leaks(folder) == [], paper
    folder = coauthored / "build/jmh-submission/paper2"
    supplementary = "\n".join(p.text for p in docx.Document(str(folder / "supplementary.docx")).paragraphs)
    assert "The Model as [blinded for review] Drew It" in supplementary  # the hostile figures went there
    tables = docx.Document(str(folder / "tables.docx"))
    assert any("Recruited through the [blinded for review] service user panel." in p.text for p in tables.paragraphs)


def test_the_test_finds_what_it_looks_for(coauthored, tmp_path):
    """The search above would see a name if one were there: the title page has them all."""
    title_page = coauthored / "build/jmh-submission/paper2/title-page.docx"
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "manuscript.docx").write_bytes(title_page.read_bytes())
    found = {line.split(": ")[-1] for line in leaks(probe)}
    assert {"Diane Patton", "Heledd Lewis", "Christopher Hobson", "Cardiff University", "ORCID"} <= found


def test_title_page_names_every_author_with_affiliations(coauthored):
    text = "\n".join(p.text for p in docx.Document(str(coauthored / "build/jmh-submission/paper2/title-page.docx")).paragraphs)
    assert re.search(r"Diane Patton1,2, Heledd Lewis1, and Christopher Hobson\n", text), text
    assert "1Cardiff University" in text and "2Cardiff & Vale University Health Board" in text
    assert "Corresponding author. Diane Patton" in text and "pattond1@cardiff.ac.uk" in text
    assert "https://orcid.org/0000-0002-1825-0097" in text
    assert "[" not in text.split("Word count")[0]  # no Python list printed


def test_initials_of_other_authors_are_left_alone(coauthored):
    """A supervisor given as a string was once read letter by letter, and every initial blinded."""
    text = "\n".join(p.text for p in docx.Document(
        str(coauthored / "build/jmh-submission/paper1/manuscript.docx")).paragraphs)
    assert "Aakerblom, K. B., & Ness, O. (2021)" in text and "Adams, W. E." in text


def test_self_citations_are_cited_as_author(coauthored):
    folder = coauthored / "build/jmh-submission/paper2"
    text = "\n".join(p.text for p in docx.Document(str(folder / "manuscript.docx")).paragraphs)
    assert "(Author, 2019, 2020)" in text and "Author (2020) found" in text
    assert "Author. (2020). [Details omitted for masked review]." in text
    assert "Author. (2019). [Details omitted for masked review]." in text
    assert "Being ready" not in text and "Supervising co-production" not in text
    checklist = (folder / "checklist.md").read_text(encoding="utf-8")
    assert "| Self-citations masked" in checklist and "lewis2019, patton2020" in checklist
    assert "Works by supervisors or advisers who are not authors of this paper | author to confirm" in checklist
    assert "freeman2016 (Laura Freeman)" in checklist  # the field supervisor is not an author here


def test_blinded_in_place_and_the_thesis_keeps_the_names(coauthored):
    folder = coauthored / "build/jmh-submission/paper2"
    text = "\n".join(p.text for p in docx.Document(str(folder / "manuscript.docx")).paragraphs)
    assert "As [blinded for review] and [blinded for review] argued" in text
    assert "write to [blinded for review]." in text
    result = run_build(coauthored, "thesis")  # the thesis is not masked: its paper 2 names its three authors
    assert result.returncode == 0, result.stderr
    thesis = "\n".join(p.text for p in docx.Document(str(coauthored / "build/thesis/thesis.docx")).paragraphs)
    assert "Diane Patton1,2, Heledd Lewis1, and Christopher Hobson" in thesis
    assert "Supervised by: Dr Heledd Lewis\nDr Laura Freeman\nService User Consultant: Mr Paul Brown" in thesis
    assert "(Patton & Smith, 2020; Lewis, 2019)" in thesis or "(Lewis, 2019; Patton & Smith, 2020)" in thesis


def test_self_citations_omitted_when_the_profile_says_so(coauthored, tmp_path):
    profile = coauthored / "profiles/jmh.yaml"
    try:
        profile.write_text("target: jmh-submission\nextends: jmh-submission\nself-citations: omit\n", encoding="utf-8")
        result = run_build(coauthored, "jmh-submission")
        assert result.returncode == 0, result.stderr
        text = "\n".join(p.text for p in docx.Document(
            str(coauthored / "build/jmh-submission/paper2/manuscript.docx")).paragraphs)
        assert "(Author, 2019, 2020)" in text and "Details omitted" not in text
    finally:
        profile.unlink()
