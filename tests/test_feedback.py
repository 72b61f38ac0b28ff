"""The supervisor's round trip: the example's thesis.docx is reviewed where a supervisor would (a
sentence of paper 1's method, a cell of the CASP table, a reference, a heading, the abstract), as
Word writes a review, then through LibreOffice, and (when LibreOffice's Python bridge is there) by
LibreOffice itself; `feedback` must place every comment and change at its file and line, or data
row and column, and `--apply` must make exactly the prose changes, which the rebuilt thesis shows.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import docx
import pytest

from thesiskit import anchors
from thesiskit.feedback import edits, reviewed as reviewed_docx

from .conftest import ROOT, copy_project, run_build
from .review_docx import Review

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SYSTEM_PYTHON = "/usr/bin/python3"
HL, CH, DP = "Heledd Lewis", "Christopher Hobson", "Diane Patton"


def line_of(rel: str, text: str, root: Path = ROOT) -> int:
    for number, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {rel}")


def supervise(source: Path, out: Path) -> Path:
    """What a supervisor does to the thesis, as Word records it."""
    review = Review(source)
    method = review.paragraph("The databases were searched in")
    first = review.comment(method, "qualitative research on the experiences", "Say which designs counted.", HL)
    review.comment(method, "qualitative research on the experiences", "Interviews and focus groups; I will add it.",
                   DP, reply_to=first)
    review.replace(method, "capacity", "role", HL)
    review.insert(method, "takes several forms", " (see below)", HL)
    review.delete(method, " a range of", HL)
    review.replace(review.paragraph("Identification, screening and appraisal"), "2009", "2010", HL)  # a citation
    review.replace(review.paragraph("Search terms were drawn up"), "Five databases", "Six databases", HL)  # a value
    heading = review.paragraph("Systematic Literature Search", style="Heading3")
    review.replace(heading, "Literature Search", "Search of the Literature", CH)
    abstract = review.paragraph("Mental health services increasingly employ")
    review.comment(abstract, "conceptual model", "Name the three concepts here?", CH)
    review.delete(abstract, "very ", CH)
    cell = review.cell("CASP question", "4.", "7")
    review.comment(cell, "1", "Study 7 only partly meets this.", HL)
    review.replace(cell, "1", "0.5", HL)
    total = review.cell("CASP question", "Total score", "7")
    review.comment(total, review.text(total), "Check this total.", CH)
    reference = review.paragraph("Clossey, L., Gillen")
    review.comment(reference, "(2016)", "2016 or the 2015 preprint?", CH)
    review.replace(reference, "2016", "2015", CH)
    return review.save(out)


def feedback(project: Path, *args: str) -> tuple[int, str, str]:
    from thesiskit import cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["feedback", *args], root=project)
    return code, out.getvalue(), err.getvalue()


def sections(report: str) -> dict[str, str]:
    """The report's text under each file's heading."""
    parts = re.split(r"^## (.+)$", report, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "build" not in p.relative_to(folder).parts}


def libreoffice(source: Path, folder: Path) -> Path:
    """The file as LibreOffice saves it again (opened and saved as .docx)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "docx",
                    "--outdir", str(folder), str(source)], capture_output=True, timeout=300, check=True)
    return folder / source.name


@pytest.fixture(scope="module")
def reviewed(built_example, tmp_path_factory) -> dict[str, Path]:
    """The review as Word writes it, and (with soffice) the same file saved again by LibreOffice."""
    folder = tmp_path_factory.mktemp("review")
    files = {"word": supervise(built_example / "build/thesis/thesis.docx", folder / "thesis-HL.docx")}
    if SOFFICE:
        files["libreoffice"] = libreoffice(files["word"], folder / "libreoffice")
    return files


CLIENTS = ["word", pytest.param("libreoffice", marks=pytest.mark.skipif(SOFFICE is None, reason="no soffice"))]


@pytest.mark.parametrize("client", CLIENTS)
def test_every_comment_and_change_is_placed(client, reviewed, built_example):
    before = digest(built_example)
    code, out, err = feedback(built_example, str(reviewed[client]))
    assert code == 0, err
    assert "Traceback" not in out + err
    report = (built_example / "build/feedback/thesis-HL.md").read_text(encoding="utf-8")
    found = sections(report)
    method, front = "chapters/paper1/20-method.md", "chapters/paper1/00-front.md"
    assert list(found)[:4] == [front, method, "data/casp.csv", "bib/references.bib"]  # source order

    sentence = line_of(method, "The databases were searched in")
    heading = line_of(method, "## Systematic Literature Search")
    values = line_of(method, "Search terms were drawn up")
    abstract = line_of(front, "Mental health services increasingly employ")
    text = found[method]
    assert f"### line {sentence} · comment · {HL}" in text and "Say which designs counted." in text
    reply = text.index("- reply, Diane Patton")  # the reply stays with its comment
    assert text.index("Say which designs counted.") < reply < text.index("### line", text.index("Say which designs"))
    assert f"`{method}:{heading}`" in text and "“Literature Search” → “Search of the Literature”" in text
    assert "“capacity” → “role”" in text and "“ (see below)”" in text and "“ a range of”" in text
    assert text.count("*Can be applied*") == 4
    assert "Not applied: a citation (@liberati2009)" in text
    assert f"### line {values} · replacement" in text
    assert "Not applied: a computed value ({{ review.prisma.databases | length | apa | cap }})" in text
    assert f"### line {abstract} · comment · {CH}" in found[front] and "“very ”" in found[front]

    row = line_of("data/casp.csv", "7,Yes,Yes,Partial")
    casp = found["data/casp.csv"]
    assert f"row “4. Was the recruitment strategy appropriate" in casp and "column “7”" in casp
    assert f"computed from data/casp.csv row {row}, column q4; change the answers there" in casp
    assert f"row “Total score (out of 9)”, column “7”: computed from data/casp.csv row {row}, columns q1–q9" in casp
    assert "Can be applied" not in casp

    bib = found["bib/references.bib"]
    assert f"bib/references.bib:{line_of('bib/references.bib', '@article{clossey2016')} (@clossey2016)" in bib
    assert "2016 or the 2015 preprint?" in bib and "Can be applied" not in bib

    assert "5 changes can be applied" in out and "--apply" in out
    assert digest(built_example) == before  # without --apply, the sources are not touched


def test_apply_makes_exactly_the_prose_changes_and_the_rebuild_shows_them(reviewed, built_example, tmp_path):
    project = copy_project(tmp_path / "project")
    shutil.copytree(built_example / "build/thesis", project / "build/thesis")
    before = digest(project)
    code, out, err = feedback(project, str(reviewed["word"]), "--apply")
    assert code == 0, err
    assert "applied 5 changes to 2 chapters" in out
    changed = {k for k, v in digest(project).items() if before.get(k) != v}
    assert changed == {"chapters/paper1/20-method.md", "chapters/paper1/00-front.md"}  # never data or the .bib
    method = (project / "chapters/paper1/20-method.md").read_text(encoding="utf-8")
    original = (ROOT / "chapters/paper1/20-method.md").read_text(encoding="utf-8")
    expected = (original.replace("## Systematic Literature Search", "## Systematic Search of the Literature")
                .replace("in a capacity beyond", "in a role beyond")
                .replace("takes several forms, the search covered a range of role titles",
                         "takes several forms (see below), the search covered role titles"))
    assert method == expected
    front = (project / "chapters/paper1/00-front.md").read_text(encoding="utf-8")
    assert front == (ROOT / "chapters/paper1/00-front.md").read_text(encoding="utf-8").replace("describe very mixed",
                                                                                                "describe mixed")
    backups = list((project / "build/feedback/backup").glob("thesis-HL-*"))
    assert len(backups) == 1 and (backups[0] / "chapters/paper1/20-method.md").read_text(encoding="utf-8") == original

    after = digest(project)
    code, out, _ = feedback(project, str(reviewed["word"]), "--apply")  # a second run does nothing
    assert code == 0 and "nothing to apply" in out
    assert digest(project) == after

    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    text = "\n".join(p.text for p in docx.Document(str(project / "build/thesis/thesis.docx")).paragraphs)
    for new in ("Systematic Search of the Literature", "in a role beyond their own care",
                "takes several forms (see below), the search covered role titles", "describe mixed experiences"):
        assert new in text, new
    assert "Liberati et al., 2009" in text and "Five databases were searched" in text  # not applied


def test_a_docx_built_from_an_older_version_follows_the_text(reviewed, built_example, tmp_path):
    project = copy_project(tmp_path / "project", warm=False)
    path = project / "chapters/paper1/20-method.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(lines[:2] + ["A paragraph written after the draft went out.", ""] + lines[2:]),
                    encoding="utf-8")
    code, out, err = feedback(project, str(reviewed["word"]))
    assert code == 0, err
    assert "built from an older version of the sources" in out
    report = (project / "build/feedback/thesis-HL.md").read_text(encoding="utf-8")
    heading = line_of("chapters/paper1/20-method.md", "## Systematic Literature Search", project)
    assert f"`chapters/paper1/20-method.md:{heading}` (moved: was line {heading - 2} when the DOCX was built" in report


def test_a_docx_not_built_from_the_project_is_matched_by_its_words(built_example, tmp_path):
    from thesiskit import pandoc

    method = (ROOT / "chapters/paper1/20-method.md").read_text(encoding="utf-8").split("\n")
    paragraph = method[line_of("chapters/paper1/20-method.md", "The databases were searched in") - 1]
    paragraph = paragraph.replace("{{ review.prisma.search_date }}", "November 2021")
    source = f"{paragraph}\n\nA paragraph that is in no chapter of this thesis.\n"
    pandoc.run(["-f", "markdown", "-t", "docx", "-o", str(tmp_path / "other.docx")], source.encode())
    review = Review(tmp_path / "other.docx")
    review.comment(review.paragraph("The databases"), "in a capacity", "Odd phrase.", HL)
    review.comment(review.paragraph("A paragraph that"), "no chapter", "Where is this from?", HL)
    review.save(tmp_path / "other-reviewed.docx")
    code, out, err = feedback(built_example, str(tmp_path / "other-reviewed.docx"))
    assert code == 0, err
    assert "warning: This DOCX carries no source anchors" in out
    report = (built_example / "build/feedback/other-reviewed.md").read_text(encoding="utf-8")
    assert report.index("**Warning.**") < report.index("## ")  # at the top
    line = line_of("chapters/paper1/20-method.md", "The databases were searched in")
    assert re.search(rf"`chapters/paper1/20-method\.md:{line}` \(fuzzy match by its words, confidence \d+%\)", report)
    assert "## Not placed" in report and "Where is this from?" in report


def _encrypted(path: Path) -> Path:
    """An encrypted OOXML file as Word writes one ([MS-OFFCRYPTO]): an OLE compound file holding an
    EncryptedPackage stream; what the check looks at."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
                     + bytes(64))
    return path


BAD = {
    "a PDF": (lambda p: (p / "thesis.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n") and p / "thesis.pdf",
              r"thesis\.pdf: error: is a PDF, not a DOCX; .*ask for the Word file"),
    "a corrupt DOCX": (lambda p: (p / "broken.docx").write_bytes(b"PK\x03\x04 cut short") and p / "broken.docx",
                       r"broken\.docx: error: is damaged \(.*\); ask for the file again"),
    "a password-protected DOCX": (lambda p: _encrypted(p / "locked.docx"),
                                  r"locked\.docx: error: is password-protected; open it in Word, remove the password"),
    "a Word 97 document": (lambda p: (p / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
                           and p / "old.doc", r"old\.doc: error: is a Word 97-2003 document \(\.doc\); .*save it as \.docx"),
    "a missing file": (lambda p: p / "nowhere.docx", r"nowhere\.docx: error: not found; give the path"),
    "a zip that is no DOCX": (lambda p: _zip(p / "photos.docx"), r"photos\.docx: error: is a zip file but not a DOCX"),
    "a folder": (lambda p: p, r": error: is a folder; give the path of the DOCX"),
    "a text file": (lambda p: (p / "notes.txt").write_text("Comments: fine.") and p / "notes.txt",
                    r"notes\.txt: error: is not a DOCX \(not a Word file at all\)"),
    "malformed XML": (lambda p: _zip(p / "mangled.docx", {"word/document.xml": "<w:document><w:body>"}),
                      r"mangled\.docx: error: is damaged \(word/document\.xml is not well-formed XML"),
}


def _zip(path: Path, parts: dict | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in (parts or {"photo.jpg": "x"}).items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("case", list(BAD))
def test_a_file_that_cannot_be_read_is_one_line(case, built_example, tmp_path):
    make, expected = BAD[case]
    path = make(tmp_path)
    before = digest(built_example)
    code, out, err = feedback(built_example, str(path))
    assert code == 1
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and re.search(expected, lines[0]), err
    assert ";" in lines[0].split(": error: ", 1)[1]
    assert digest(built_example) == before


def test_readme_lists_each_feedback_message():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## When the build says no"):readme.index("## For developers")]
    for phrase in ("is a PDF, not a DOCX", "is damaged", "is password-protected", "is a Word 97-2003 document",
                   "is a zip file but not a DOCX", "not found; give the path", "is a folder", "not a Word file at all",
                   "cannot be read", "the chapters could not be changed", "build/feedback/ cannot be written"):
        assert phrase in section, phrase
    assert "## Working with your supervisor" in readme


# ---------------------------------------------------------------- the anchors themselves

def _text(path: Path) -> list[str]:
    document = docx.Document(str(path))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        out += [cell.text for row in table.rows for cell in row.cells]
    return out


def test_anchors_change_no_visible_text_and_no_count(built_example, tmp_path):
    project = copy_project(tmp_path / "project")
    with open(project / "profiles/thesis.yaml", "a", encoding="utf-8") as profile:
        profile.write("source-anchors: false\n")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    with_anchors, without = built_example / "build/thesis", project / "build/thesis"
    assert _text(with_anchors / "thesis.docx") == _text(without / "thesis.docx")
    assert json.loads((with_anchors / "report.json").read_text()) == json.loads((without / "report.json").read_text())
    assert (with_anchors / "thesis.html").read_bytes() == (without / "thesis.html").read_bytes()
    xml = zipfile.ZipFile(with_anchors / "thesis.docx").read("word/document.xml").decode()
    names = re.findall(r'w:bookmarkStart [^>]*w:name="(_?tk[^"]*)"', xml)
    assert len(names) > 1000 and all(n.startswith("_tk") for n in names)  # hidden bookmarks, Word's '_' names
    assert len(set(names)) == len(names)
    assert "_tk" not in zipfile.ZipFile(without / "thesis.docx").read("word/document.xml").decode()


@pytest.mark.skipif(SOFFICE is None, reason="no soffice")
def test_libreoffice_keeps_every_anchor(reviewed):
    def names(path):
        xml = zipfile.ZipFile(path).read("word/document.xml").decode()
        return sorted(re.findall(r'w:name="(_tk[^"]*)"', xml))

    assert names(reviewed["libreoffice"]) == names(reviewed["word"])


def _has_uno() -> bool:
    if SOFFICE is None or not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_uno(), reason="LibreOffice's Python bridge (uno) is not installed")
def test_a_review_made_in_libreoffice(built_example, tmp_path):
    edits_file = tmp_path / "edits.json"
    edits_file.write_text(json.dumps([
        {"op": "comment", "find": "Because such involvement takes several forms", "text": "Which forms?",
         "author": HL},
        {"op": "replace", "find": "in a capacity beyond", "new": "in a role beyond"},
        {"op": "replace", "find": "Systematic Literature Search", "new": "Systematic Search"}]))
    out = tmp_path / "thesis-lo.docx"
    subprocess.run([SYSTEM_PYTHON, str(Path(__file__).parent / "lo_review.py"),
                    str(built_example / "build/thesis/thesis.docx"), str(out), str(tmp_path / "profile"),
                    str(edits_file)], check=True, capture_output=True, timeout=300)
    project = copy_project(tmp_path / "project", warm=False)
    code, stdout, err = feedback(project, str(out), "--apply")
    assert code == 0, err
    report = (project / "build/feedback/thesis-lo.md").read_text(encoding="utf-8")
    sentence = line_of("chapters/paper1/20-method.md", "The databases were searched in")
    assert f"### line {sentence} · comment · {HL}" in report and "Which forms?" in report
    assert f"· replacement · {HL}" in report  # LibreOffice records the change under the user's name
    method = (project / "chapters/paper1/20-method.md").read_text(encoding="utf-8")
    assert "in a role beyond" in method and "## Systematic Search\n" in method
    assert "applied 2 changes to 1 chapter" in stdout


# ---------------------------------------------------------------- pieces

def _docx(tmp_path: Path, body: str, name: str = "t.docx") -> Path:
    """A minimal DOCX whose body is the given WordprocessingML."""
    path = tmp_path / name
    document = (f'<w:document xmlns:w="{reviewed_docx.W}"><w:body>{body}</w:body></w:document>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document)
    return path


def test_moves_marks_and_nested_changes_are_read(tmp_path):
    body = ('<w:p><w:bookmarkStart w:id="1" w:name="_tkp_0123abcd_7"/><w:bookmarkEnd w:id="1"/>'
            '<w:moveFromRangeStart w:id="2" w:name="move9" w:author="A" w:date="2026-01-02T03:04:05Z"/>'
            '<w:moveFrom w:id="3" w:author="A" w:date="2026-01-02T03:04:05Z"><w:r><w:delText>Second. </w:delText>'
            '</w:r></w:moveFrom><w:moveFromRangeEnd w:id="2"/><w:r><w:t>First.</w:t></w:r>'
            '<w:moveToRangeStart w:id="4" w:name="move9" w:author="A" w:date="2026-01-02T03:04:05Z"/>'
            '<w:moveTo w:id="5" w:author="A" w:date="2026-01-02T03:04:05Z"><w:r><w:t xml:space="preserve"> Second.</w:t>'
            '</w:r></w:moveTo><w:moveToRangeEnd w:id="4"/>'
            '<w:ins w:id="6" w:author="B" w:date="0-00-00T00:00:00Z"><w:r><w:t>x</w:t></w:r>'
            '<w:del w:id="7" w:author="B"><w:r><w:delText>gone</w:delText></w:r></w:del></w:ins></w:p>'
            '<w:p><w:pPr><w:rPr><w:ins w:id="8" w:author="A" w:date="2026-01-02T03:04:05Z"/></w:rPr></w:pPr>'
            '<w:r><w:rPr><w:b/><w:rPrChange w:id="9" w:author="A"><w:rPr/></w:rPrChange></w:rPr><w:t>Bold</w:t></w:r></w:p>')
    result = reviewed_docx.read(_docx(tmp_path, body))
    first, second = result.paragraphs
    assert first.anchors == ["_tkp_0123abcd_7"]
    assert first.original == "Second. First." and first.final == "First. Second.x"
    kinds = [(c.kind, c.text, c.move, c.author, c.date) for c in result.changes]
    assert kinds[:3] == [("deletion", "Second. ", "move9", "A", "2026-01-02T03:04:05Z"),
                         ("insertion", " Second.", "move9", "A", "2026-01-02T03:04:05Z"),
                         ("insertion", "x", "", "B", "")]  # LibreOffice's 0-00-00 is no date
    assert [c.kind for c in second.changes] == ["formatting", "paragraph split"]


def test_anchor_names_fit_word():
    for name in ("tkp_0123abcd_12345", "tkd_0123abcd_12345_999_999_12", "tkr_0123abcd"):
        assert len(name) + 1 <= 40 and re.fullmatch(r"[A-Za-z]\w*", name)  # + the underscore that hides it
    found = anchors.parse("_tkc_0123abcd_8_2_10_3")  # a name used three times
    assert (found.kind, found.line, found.columns) == ("c", 8, (2, 10))
    assert anchors.parse("_tkp_0123abcd_55_2").numbers == (55,)
    assert anchors.parse("_Toc12345") is None


def test_a_change_is_made_only_where_the_source_says_the_same():
    text = "Intro.\n\nWe searched *five* data--bases in 2021 [@smith2020].\n"
    block = edits.Block(text, 8, len(text) - 1)
    shown = "We searched five data–bases in 2021 (Smith, 2020)."
    at = shown.index("five")
    assert block.locate(shown, at, at + 4) == (text.index("five"), text.index("five") + 4)
    at = shown.index("2020")
    assert block.locate(shown, at, at + 4) is None
    assert block.why_not(shown, at, at + 4).startswith("a citation (@smith2020)")
    assert edits.markdown_text("it’s *new* @x") == "it's \\*new\\* \\@x"


def test_letters_of_plain_ascii_are_those_of_the_unicode_pattern():
    from thesiskit import sourcemap

    every = "".join(chr(i) for i in range(128))
    for text in (every, every.upper(), "Five databases (n = 1,204) were searched_in 2021.", ""):
        assert sourcemap.letters(text) == sourcemap._NOT_LETTERS.sub("", text.casefold())
    assert sourcemap.letters("Ærøskøbing’s STRASSE") == "ærøskøbingsstrasse"


def test_a_masked_manuscript_carries_no_anchor_that_names_the_authors():
    """An anchor whose chapter file or .bib key holds an identifying term is left out (the others
    stay); a reference entry that is not in the bibliography (a masked self-citation's stand-in) too."""
    from thesiskit import pandoc, sourcemap
    from thesiskit.sourcemap import Place, SourceMap

    md = ("Peer workers were interviewed in three services.\n\nThe second paragraph names nobody at all.\n\n"
          "::: {#refs .references}\n::: {#ref-patton2020}\nAuthor (2020).\n:::\n\n"
          "::: {#ref-smith2019}\nSmith, J. (2019). A study.\n:::\n\n::: {#ref-author2021}\nAuthor (2021).\n:::\n:::\n")
    data = json.loads(pandoc.run(["-f", "markdown", "-t", "json"], md.encode())[0])
    fps = [sourcemap.fingerprint(b["c"]) for b in data["blocks"][:2]]
    found = SourceMap(entries=[(fps[0], Place("chapters/paper1/patton-interviews.md", 3)),
                               (fps[1], Place("chapters/paper1/20-method.md", 5))])
    keys = frozenset({"patton2020", "smith2019"})

    def names(matcher):
        copy = json.loads(json.dumps(data))
        anchors.add(copy, {"paper1": found}, ["paper1"], matcher, keys=keys)
        return re.findall(r'"(tk[^"]+)"', json.dumps(copy))

    everything = names(None)
    assert {anchors.parse(n).kind for n in everything} == {"p", "r"} and len(everything) == 4
    masked = names(re.compile("patton", re.I))
    assert masked == [anchors.prose(Place("chapters/paper1/20-method.md", 5)), f"tkr_{anchors.digest('smith2019')}"]
