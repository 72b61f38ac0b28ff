"""The scaffold `thesiskit new` copies (thesiskit/builtin/scaffold): copied as the copier copies it
(dot-x becomes .x), it builds at once with the thesis and journal targets and passes the check with
no error and no warning, every directive shows its table or figure, and nothing of the worked
example (its author, places, topic, studies or participants) is in its sources or its outputs.

One build per target for the module: check, thesis, jmh-submission (about 10 s of CPU)."""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pypdfium2
import pytest
import yaml

from .conftest import ROOT

SCAFFOLD = ROOT / "thesiskit" / "builtin" / "scaffold"
TARGETS = ("check", "thesis", "jmh-submission")

# What identifies the worked example: its author, supervisors, advisers, places, programme, topic,
# included studies and participants. None of it may reach a new author's thesis.
EXAMPLE_WORDS = ("Cardiff", "Patton", "Diane", "Heledd", "Lewis", "Hobson", "Freeman", "Paul Brown", "Wales",
                 "Welsh", "DClinPsy", "Clinical Psychology", "peer support", "peer worker", "peer specialist",
                 "co-production", "coproduction", "service user", "Clossey", "Mancini", "Kido", "Debyser",
                 "Jimmy", "Ffion", "Bethan")
PATTERN = re.compile("|".join(rf"\b{re.escape(w)}\b" for w in EXAMPLE_WORDS), re.IGNORECASE)


def copy_scaffold(dest: Path) -> Path:
    """As `thesiskit new` copies it: every file, with a leading 'dot-' in any part of its path made '.'."""
    for path in sorted(SCAFFOLD.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        parts = ["." + part[4:] if part.startswith("dot-") else part for part in path.relative_to(SCAFFOLD).parts]
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return dest


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory):
    project = copy_scaffold(tmp_path_factory.mktemp("scaffold") / "my-thesis")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {target: subprocess.run([sys.executable, "build.py", target], cwd=project, env=env,
                                   capture_output=True, text=True, timeout=300)
            for target in TARGETS}
    return project, runs


def docx_text(path: Path) -> str:
    """Every text of a DOCX, as Word keeps it: body, tables, notes, headers, properties."""
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                 if name.endswith(".xml")]
    return re.sub(r"<[^>]+>", " ", " ".join(parts))


def pdf_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def output_texts(project: Path) -> dict[str, str]:
    texts = {}
    for path in sorted((project / "build").rglob("*")):
        rel = str(path.relative_to(project))
        if ".cache" in path.parts or not path.is_file():
            continue
        if path.suffix == ".docx":
            texts[rel] = docx_text(path)
        elif path.suffix == ".pdf":
            texts[rel] = pdf_text(path)
        elif path.suffix in (".html", ".md", ".json", ".svg"):
            texts[rel] = path.read_text(encoding="utf-8")
    return texts


def test_copied_with_its_dotfiles():
    names = {p.name for p in SCAFFOLD.rglob("*")}
    assert {"dot-gitignore", "dot-pre-commit-config.yaml", "dot-github"} <= names
    assert not any(n.startswith(".") for n in names), "dotfiles are stored as dot-x (package data skips hidden files)"


def test_every_target_builds_clean(scaffold):
    _project, runs = scaffold
    for target, run in runs.items():
        assert run.returncode == 0, (target, run.stdout, run.stderr)
        assert "warning:" not in run.stdout + run.stderr, (target, run.stdout)
    assert runs["check"].stdout.count("0 errors, 0 warnings") == 3, runs["check"].stdout  # thesis, jmh, apa-masked
    for target in ("thesis", "jmh-submission"):
        assert "0 errors, 0 warnings" in runs[target].stdout, runs[target].stdout


def test_nothing_of_the_worked_example(scaffold):
    project, _runs = scaffold
    sources = {str(p.relative_to(SCAFFOLD)): p.read_text(encoding="utf-8") for p in SCAFFOLD.rglob("*") if p.is_file()}
    outputs = output_texts(project)
    assert any(name.endswith("thesis.pdf") for name in outputs) and any("manuscript.docx" in n for n in outputs)
    found = {name: sorted({m.group(0) for m in PATTERN.finditer(text)})
             for name, text in {**sources, **outputs}.items() if PATTERN.search(text)}
    assert not found, found


def test_every_directive_shows(scaffold):
    project, _runs = scaffold
    thesis = docx.Document(str(project / "build/thesis/thesis.docx"))
    headers = [tuple(cell.text for cell in table.rows[0].cells) for table in thesis.tables]
    first = {h[0] for h in headers}
    assert ("Inclusion criteria", "Exclusion criteria") in headers                   # data-table
    assert any("Likelihood of methodological flaws" in h for h in headers)           # casp-grades
    assert any("Key second-order constructs" in h for h in headers)                  # study-characteristics
    assert "CASP question" in first                                                   # casp-scores
    assert sum(h == ("Question", "Answer", "Reviewer’s comment") for h in headers) == 2  # casp-checklist, lead and second
    assert any("Personal readiness" in h for h in headers)                           # synthesis-grid
    assert any(h[0] == "Characteristic" and h[1].startswith("n (total 12)") for h in headers)  # demographics
    demographics = next(t for t in thesis.tables if t.rows[0].cells[0].text == "Characteristic")
    rows = [row.cells[0].text for row in demographics.rows]
    assert {"Gender", "Age (years)", "Female", "Male", "18–34"} <= set(rows), rows
    # prisma-flow and concept-model: two pictures in the thesis, each under its caption; the
    # journal package keeps each as a 300 dpi PNG and an SVG
    text = "\n".join(p.text for p in thesis.paragraphs)
    assert "PRISMA Flow Diagram of the Study Selection" in text
    assert "Conceptual Model of Returning to Work After a Long-Term Illness" in text
    assert len(thesis.inline_shapes) == 2
    page = (project / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert page.count("data:image/svg+xml") == 1  # the concept model; the PRISMA diagram is inline SVG,
    assert "Identification of studies via other methods" in page  # its text selectable in the page
    figures = project / "build/jmh-submission/paper1/figures"
    assert sorted(p.name for p in figures.iterdir()) == ["figure-1.png", "figure-1.svg", "figure-2.png", "figure-2.svg"]


def test_values_citations_and_cross_references_resolve(scaffold):
    project, _runs = scaffold
    pdf = " ".join(pdf_text(project / "build/thesis/thesis.pdf").split())
    page = re.sub(r"<[^>]+>", "", (project / "build/thesis/thesis.html").read_text(encoding="utf-8"))
    for text in (pdf, " ".join(html.unescape(page).split())):
        assert re.search(r"Preface word count: \d{3}", text)                       # words.preface.main
        assert "Seven studies, with 92 participants in all" in text                # review values
        assert "interview study with 12 people" in text                            # study values
        assert "CASP scores ranged from 6 to 9" in text
        assert "(Braun & Clarke, 2006, 2019)" in text and "Braun and Clarke (2006)" in text
        assert "Appendix B" in text and "(Table 1)" in text and "(Figure 1)" in text
        assert "“I went in for a coffee" in text and "(Esther)" in text             # quotation, pseudonym
        assert "trainee health psychologist" in text                               # the {% include %}d passage
        for leftover in ("{{", "{%", "@tbl:", "@fig:", "@sec:", "@app:", "only=", "<!--", "??"):
            assert leftover not in text, leftover
    assert "*Okafor, A., Price, S., & Whitlow, H. (2019)" in pdf                  # included study, asterisked


def test_journal_packages_are_masked_and_pass(scaffold):
    project, _runs = scaffold
    for paper in ("paper1", "paper2"):
        folder = project / "build/jmh-submission" / paper
        checklist = (folder / "checklist.md").read_text(encoding="utf-8")
        assert "**FAIL**" not in checklist and ", 0 fail," in checklist, checklist
        manuscript = docx_text(folder / "manuscript.docx")
        for term in ("Your Full Name", "Your University", "your.name@university.example", "First Supervisor"):
            assert term not in manuscript, (paper, term)
        assert "Your Full Name" in docx_text(folder / "title-page.docx")
    assert (project / "build/jmh-submission/paper1/supplementary.docx").is_file()  # journal="supplementary"
    thesis_only = "full search strategy is in Appendix A"
    assert thesis_only in pdf_text(project / "build/thesis/thesis.pdf").replace("\n", " ").replace("\r", "")
    assert thesis_only not in docx_text(project / "build/jmh-submission/paper1/manuscript.docx")


def test_project_files_for_git_and_ci(scaffold):
    project, _runs = scaffold
    ignored = (project / ".gitignore").read_text().split()
    assert {"build/", "private/"} <= set(ignored)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    repo = config["repos"][0]  # thesiskit's own hook (.pre-commit-hooks.yaml), at the tag CI installs
    assert (repo["repo"], repo["rev"], repo["hooks"][0]["id"]) == ("https://github.com/OWNER/thesiskit", "v0.1.0",
                                                                   "thesiskit-check")
    assert config["default_install_hook_types"] == ["pre-commit", "pre-push"]
    workflow = (project / ".github/workflows/thesis.yml").read_text()  # tests/test_ci.py runs its steps
    assert workflow == (ROOT / ".github/workflows/thesis.yml").read_text()
    assert (project / ".github/constraints.txt").read_text() == (ROOT / ".github/constraints.txt").read_text()
