"""Journal submission packages built from the thesis's sources, read back file by file."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from PIL import Image

from .conftest import ROOT, copy_project, run_build

IDENTITY = ["Diane Patton", "Patton", "pattond1@cardiff.ac.uk", "Cardiff University", "Heledd Lewis",
            "Christopher Hobson", "Laura Freeman", "Paul Brown", "Cardiff & Vale University Health Board",
            "South Wales Doctoral Programme"]


@pytest.fixture(scope="module")
def jmh(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("jmh") / "project")
    result = run_build(project, "jmh-submission")
    assert result.returncode == 0, result.stderr
    return project / "build/jmh-submission"


def xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                         if n.endswith((".xml", ".rels")))


@pytest.mark.parametrize("paper", ["paper1", "paper2"])
def test_manuscript_is_masked_everywhere(jmh, paper):
    folder = jmh / paper
    xml = xml_text(folder / "manuscript.docx")
    plain = re.sub(r"<[^>]+>", "", xml).replace("&amp;", "&")
    for term in IDENTITY:
        assert term not in xml and term not in plain, term
    if paper == "paper2":  # its ethics sentence names the university: blinded, with the reference kept
        assert re.search(r"\[blinded for review\][^.]*Ethics Committee[^.]*EC\.21\.01\.12\.6221", plain)
    for path in folder.rglob("*"):
        assert not any(part.lower() in path.name.lower() for part in ("patton", "diane", "cardiff"))
    title_page = "\n".join(p.text for p in docx.Document(str(folder / "title-page.docx")).paragraphs)
    assert "Diane Patton" in title_page and "Cardiff University" in title_page  # the real wording stays here
    assert "pattond1@cardiff.ac.uk" in title_page


@pytest.mark.parametrize("paper", ["paper1", "paper2"])
def test_tables_and_figures_leave_the_manuscript(jmh, paper):
    folder = jmh / paper
    manuscript = docx.Document(str(folder / "manuscript.docx"))
    assert len(manuscript.tables) == 0
    callouts = [p.text for p in manuscript.paragraphs if p.text.startswith("[Insert ")]
    tables = docx.Document(str(folder / "tables.docx"))
    assert 0 < len(tables.tables) <= 4
    assert [c for c in callouts if "Table" in c] == [f"[Insert Table {n} about here]"
                                                     for n in range(1, len(tables.tables) + 1)]
    breaks = xml_text(folder / "tables.docx").count('w:type="page"')
    assert breaks == len(tables.tables) - 1  # one table per page
    figures = sorted((folder / "figures").glob("figure-*.png"))
    assert [c for c in callouts if "Figure" in c] == [f"[Insert Figure {n} about here]"
                                                      for n in range(1, len(figures) + 1)]
    for png in figures:
        with Image.open(png) as image:
            assert round(image.info["dpi"][0]) >= 300 and image.width >= 1800
        assert png.with_suffix(".svg").exists()
    captions = "\n".join(p.text for p in docx.Document(str(folder / "figure-captions.docx")).paragraphs)
    assert all(f"Figure {n}." in captions for n in range(1, len(figures) + 1))


def test_supplementary_tables_are_numbered_and_referred_to(jmh):
    for paper in ("paper1", "paper2"):
        folder = jmh / paper
        if not (folder / "supplementary.docx").exists():
            continue
        supplementary = docx.Document(str(folder / "supplementary.docx"))
        labels = [p.text for p in supplementary.paragraphs if p.style.name == "Caption Label"]
        assert labels and labels[0] == "Supplementary Table S1"
        text = "\n".join(p.text for p in docx.Document(str(folder / "manuscript.docx")).paragraphs)
        assert "Supplementary Table S1" in text  # the manuscript's references follow the move


@pytest.mark.parametrize("paper, kind, limit", [("paper1", "review", 6000), ("paper2", "original", 4000)])
def test_limits_keywords_abstract_and_checklist(jmh, paper, kind, limit):
    import json

    report = json.loads((jmh / "report.json").read_text())
    info = report["documents"][paper]
    assert info["article"] == kind and info["limits"]["main"] == limit
    assert info["counted"]["main"] <= limit and info["counted"]["abstract"] <= 200
    keywords = [p.text for p in docx.Document(str(jmh / paper / "manuscript.docx")).paragraphs
                if p.text.startswith("Keywords:")][0]
    assert 3 <= len(keywords.removeprefix("Keywords:").split(",")) <= 7
    checklist = (jmh / paper / "checklist.md").read_text()
    profile = yaml.safe_load((ROOT / "thesiskit/builtin/profiles/jmh-submission.yaml").read_text())
    for statement in profile["statements"][kind]:
        assert f"| {statement['rule']} | pass |" in checklist
    for rule in ("Main text at most", "Abstract at most 200 words", "Between 3 and 7 keywords",
                 "At most 4 tables", "At most 2 figures", "Figures at 300 dpi", '"participants"',
                 "Double quotation marks", "One spelling style", "Nothing in the files for reviewers names the authors",
                 "Self-citations masked", "Word files, not PDF"):
        assert rule in checklist, rule
    for item in profile["confirm"]:
        assert f"| {item} | author to confirm |" in checklist
    assert "**FAIL**" not in checklist


def test_second_journal_profile_from_the_same_sources(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_build(project, "apa-masked")
    assert result.returncode == 0, result.stderr
    for paper in ("paper1", "paper2"):
        folder = project / "build/apa-masked" / paper
        assert (folder / "manuscript.docx").exists() and (folder / "checklist.md").exists()
        assert "Abstract at most 250 words" in (folder / "checklist.md").read_text()
        tables = docx.Document(str(folder / "tables.docx")).tables
        assert len(tables) >= 5  # no cap on tables in this profile: all stay with the article
        assert not (folder / "supplementary.docx").exists()


def mutate(project: Path, name: str) -> None:
    if name == "over the limit":
        chapter = project / "chapters/paper2/40-discussion.md"
        chapter.write_text(chapter.read_text() + "\n\n" + "Words added to pass the journal's limit. " * 300)
    elif name == "fifth table kept":
        for chapter in (project / "chapters/paper1").glob("*.md"):
            chapter.write_text(re.sub(r"::: \{#tbl:", '::: {journal="keep" #tbl:', chapter.read_text()))
    elif name == "missing ethics statement":
        chapter = project / "chapters/paper2/20-method.md"
        text = chapter.read_text()
        text = re.sub(r"[^.\n]*[Ee]thics [Cc]ommittee[^.\n]*\.", "", text)
        chapter.write_text(text)
    elif name == "subjects":
        chapter = project / "chapters/paper2/30-results.md"
        lines = chapter.read_text().splitlines()
        lines.insert(2, "The subjects described their journeys in detail.")
        chapter.write_text("\n".join(lines) + "\n")


MUTATIONS = {
    "over the limit": ("paper2", r"Main text at most 4,000 words \(original\)"),
    "fifth table kept": ("paper1", r"At most 4 tables with the article"),
    "missing ethics statement": ("paper2", r"Ethics committee named, with the approval's reference number"),
    "subjects": ("paper2", r'Study participants called "participants", not "subjects"'),
}


def test_mutations_fail_loudly(tmp_path):
    """All four mistakes in one build (the example itself passes every rule: see the jmh fixture): each
    is reported on its own line and FAILs its own checklist rule, and the package is still written."""
    project = copy_project(tmp_path / "p")
    for name in MUTATIONS:
        mutate(project, name)
    result = run_build(project, "jmh-submission")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    for name, (paper, pattern) in MUTATIONS.items():
        assert re.search(pattern, result.stderr), (name, result.stderr)
        checklist = project / "build/jmh-submission" / paper / "checklist.md"
        assert re.search(pattern + r".*\| \*\*FAIL\*\* \|", checklist.read_text()), name


@pytest.mark.parametrize("paper", ["paper1", "paper2"])
def test_every_file_has_the_running_head(jmh, paper):
    """The journal profile asks for APA 7's running head: the paper's short-title on every page."""
    heads = {"paper1": "POSITIVE EXPERIENCES IN PEER SUPPORT ROLES", "paper2": None}
    for path in sorted((jmh / paper).glob("*.docx")):
        with zipfile.ZipFile(path) as archive:
            headers = [archive.read(n).decode() for n in archive.namelist() if re.match(r"word/header\d*\.xml", n)]
            body = archive.read("word/document.xml").decode()
        texts = [re.sub(r"<[^>]+>", "", h).strip() for h in headers]
        expected = heads[paper] or re.search(r'short-title: "([^"]+)"',
                                             (ROOT / "chapters" / paper / "00-front.md").read_text()).group(1)
        assert any(t.startswith(expected) for t in texts), (path.name, texts)
        assert "RunningHeadMark" not in body


def test_journal_tables_fit_and_no_svg_stands_alone(jmh):
    """The journal's DOCX files as the thesis's: no table column narrower than its longest word (the
    tables file held Table 4 over five portrait pages, words broken mid-word), no SVG without its PNG."""
    from .test_layout import pictures, words_too_wide

    checked = 0
    for path in sorted(jmh.rglob("*.docx")):
        count, wide = words_too_wide(path)
        assert not wide, (path.name, wide)
        checked += count
        assert all(target.endswith((".png", ".jpeg", ".jpg")) for target, _svg, _data in pictures(path)), path.name
    assert checked > 2000
