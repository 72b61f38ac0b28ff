"""Shared fixtures: the example thesis built once per session in a temporary copy of the project."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DATA = Path(__file__).parent / "golden" / "_data"  # a small review and study, for unit-level tests
PROJECT_PARTS = ("thesis.md", "chapters", "bib", "data", "profiles", "filters", "build.py")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the expected outputs of the golden tests (review the diff before committing)")


def copy_project(dest: Path, warm: bool = True) -> Path:
    """A copy of the example project's sources, to build or break without touching the real one.
    With warm, the real project's build cache comes along when there is one (CI builds the example
    before the tests): it is content-addressed, so it can only save time (tests/test_cache.py)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            shutil.copy2(src, dest / part)
    cache = ROOT / "build" / ".cache"
    if warm and cache.is_dir():
        shutil.copytree(cache, dest / "build" / ".cache", ignore=shutil.ignore_patterns("*.tmp*"))
    return dest


def run_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(project / "build.py"), *args], cwd=project,
                          capture_output=True, text=True, timeout=300)


def build_in_process(project: Path, *args: str) -> tuple[int, str, str]:
    """What `python build.py ...` does (build.py only calls cli.main), without starting Python and
    importing the pipeline again for each of the many cases: (exit code, stdout, stderr). An exception
    escaping main() would fail the test, as a traceback would."""
    from thesiskit import cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(args), root=project)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of tests/golden/_data to break."""
    shutil.copytree(GOLDEN_DATA, tmp_path / "p")
    return tmp_path / "p"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file, which must hold it."""
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example project, built once: tests read build/thesis/* from it."""
    project = copy_project(tmp_path_factory.mktemp("example") / "project")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    return project


def make_project(dest: Path, chapter: str, bib: str = "", extra_meta: str = "") -> Path:
    """A one-paper project for tests that need a real build of a few lines."""
    (dest / "chapters/paper1").mkdir(parents=True)
    (dest / "profiles").mkdir()
    (dest / "bib").mkdir()
    shutil.copy2(ROOT / "profiles/thesis.yaml", dest / "profiles/thesis.yaml")
    shutil.copy2(ROOT / "build.py", dest / "build.py")
    (dest / "bib/references.bib").write_text(bib, encoding="utf-8")
    (dest / "chapters/paper1/00-paper.md").write_text(chapter, encoding="utf-8")
    (dest / "thesis.md").write_text(
        "---\ntitle: A Test Thesis\nauthor: A. Author\ndegree: DClinPsy\nuniversity: Test University\n"
        "date: 2022-05-21\nbibliography: bib/references.bib\n" + extra_meta +
        "documents:\n  - id: paper1\n    kind: paper\n    source: chapters/paper1\n---\n", encoding="utf-8")
    return dest


@pytest.fixture(autouse=True)
def programs_may_start():
    """A test that sends the build a signal in this process (tests/test_interrupt.py) leaves
    thesiskit/children.py stopped, as the command line's handler does until the next command: the
    next test starts with programs allowed again, whichever worker runs it."""
    from thesiskit import children

    children.reset()
    yield
    children.reset()


def assembled_thesis(project: Path):
    """(context, the assembled thesis as pandoc JSON): the thesis target's stages run in this process
    as pipeline._build runs them, up to what the writers are given."""
    from thesiskit import cite, pandoc
    from thesiskit.pipeline import Result, Stages, _assemble, _check, _prepare, _run_stage, fill_word_counts
    from thesiskit.problems import Problems

    pandoc.use_cache(project / "build/.cache/pandoc")
    problems = Problems()
    ctx, docs, entries, _memo = _prepare(project, "thesis", True, problems, Stages(Result("thesis", problems), False, print))
    docs = cite.cite_all(docs, ctx, entries)
    _run_stage("cited", docs, ctx)
    _report, counts = _check(docs, ctx, entries)
    fill_word_counts(docs, counts)
    return ctx, json.loads(_assemble(docs, ctx, counts).json())
