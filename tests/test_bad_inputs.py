"""Bad input: one clear line naming the file (and line) and the fix, exit code 1, no traceback,
sources untouched, and the previous outputs in build/ byte-for-byte as they were."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from .conftest import copy_project, run_build


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# name -> (how to break the project, what the one line must say)
CASES = {
    "missing chapter": (
        lambda p: replace(p / "thesis.md", "chapters/appendices/ethics.md", "chapters/appendices/ethic.md"),
        r"thesis\.md:\d+: error: document 'appendices': chapter 'chapters/appendices/ethic\.md' not found; create it"),
    "missing data file": (
        lambda p: (p / "data/studies.csv").unlink(),
        r"data/studies\.csv: error: data file not found \(named in data/review\.yaml\); create it or fix the path"),
    "malformed YAML in thesis.md": (
        lambda p: replace(p / "thesis.md", "author: Diane Patton", "author: [Diane Patton"),
        r"thesis\.md:\d+: error: the YAML is malformed .*check indentation"),
    "missing metadata": (
        lambda p: replace(p / "thesis.md", "degree: Doctorate of Clinical Psychology (DClinPsy)\n", ""),
        r"thesis\.md:1: error: metadata 'degree' is missing; add 'degree: \.\.\.'"),
    "unknown citation key": (
        lambda p: append(p / "chapters/paper1/10-introduction.md", "\nAs shown before [@smith2099].\n"),
        r"chapters/paper1/10-introduction\.md:\d+: error: unknown citation key @smith2099; add the entry"),
    "misspelt citation key": (
        lambda p: append(p / "chapters/paper2/10-introduction.md", "\nSee @arnstein1696.\n"),
        r"chapters/paper2/10-introduction\.md:\d+: error: unknown citation key @arnstein1696; did you mean @arnstein1969\?"),
    "unknown cross-reference": (
        lambda p: append(p / "chapters/paper1/40-discussion.md", "\nAs @tbl:casp-scroes shows.\n"),
        r"chapters/paper1/40-discussion\.md:\d+: error: unknown cross-reference @tbl:casp-scroes; did you mean @tbl:casp-scores\?"),
    "unknown appendix": (
        lambda p: append(p / "chapters/paper2/20-method.md", "\nSee @app:nowhere.\n"),
        r"chapters/paper2/20-method\.md:\d+: error: unknown cross-reference @app:nowhere"),
    "missing image": (
        lambda p: (p / "chapters/paper2/figures/readiness-model.svg").unlink(),
        r"chapters/paper2/30-results\.md: error: image 'chapters/paper2/figures/readiness-model\.svg' not found"),
    "empty chapter": (
        lambda p: (p / "chapters/preface/preface.md").write_text("\n"),
        r"chapters/preface/preface\.md:1: error: the chapter is empty"),
    "non-UTF-8 chapter": (
        lambda p: (p / "chapters/front/acknowledgements.md").write_bytes("Diolch yn fawr – café\n".encode("cp1252")),
        r"chapters/front/acknowledgements\.md: error: is not UTF-8 text .*save the file as UTF-8"),
    "unknown conditional target": (
        lambda p: append(p / "chapters/paper2/40-discussion.md", '\n::: {only="theses"}\nExtra.\n:::\n'),
        r"chapters/paper2/40-discussion\.md:\d+: error: conditional content names unknown target 'theses'"),
    "duplicate BibTeX key": (
        lambda p: append(p / "bib/references.bib", "\n@book{arnstein1969,\n  title = {Again},\n  year = {1969}\n}\n"),
        r"bib/references\.bib:\d+: error: duplicate key 'arnstein1969'"),
    "malformed profile": (
        lambda p: append(p / "profiles/thesis.yaml", "limits: [unclosed\n"),
        r"profiles/thesis\.yaml:\d+: error: the YAML is malformed"),
    "table div without a table": (
        lambda p: append(p / "chapters/paper2/30-results.md", '\n::: {#tbl:empty title="Nothing"}\nNo table here.\n:::\n'),
        r"chapters/paper2/30-results\.md:\d+: error: table div 'tbl:empty' holds 0 tables; put exactly one table in it"),
}


@pytest.fixture(scope="module")
def previous_build(built_example) -> Path:
    return built_example / "build"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_clear_line(name, tmp_path, previous_build):
    breaker, pattern = CASES[name]
    project = copy_project(tmp_path / "project")
    shutil.copytree(previous_build, project / "build", ignore=shutil.ignore_patterns(".cache"), dirs_exist_ok=True)
    breaker(project)
    sources_before = {k: v for k, v in digest(project).items() if not k.startswith("build")}
    outputs_before = digest(project / "build/thesis")

    result = run_build(project, "thesis")

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    import re

    assert any(re.search(pattern, line) for line in lines), result.stderr
    assert len(lines) == 1, result.stderr  # one mistake, one line
    assert re.search(r"^1 error; build/thesis/ was left as it was$", result.stderr, re.M)
    assert {k: v for k, v in digest(project).items() if not k.startswith("build")} == sources_before
    assert digest(project / "build/thesis") == outputs_before


def test_unknown_target_is_a_usage_error(built_example):
    result = run_build(built_example, "thesus")
    assert result.returncode == 2 and "unknown target 'thesus'" in result.stderr and "thesis" in result.stderr
    assert "Traceback" not in result.stderr
