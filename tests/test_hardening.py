"""Hardening that needs more than one YAML file of tests/bad_inputs/ can say: a damaged cache, a named
pipe among the sources, build/ replaced by a link or a file, a full disk, and the bounds on what a
template may cost. Each failure is still one line, exit 1, nothing written outside the project."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import docx
import pytest

from thesiskit import cache, cite, values
from thesiskit.problems import Problems

from .conftest import GOLDEN_DATA, ROOT, copy_project
from .test_bad_inputs import build_in_process

BIB = "".join(f"@article{{{key},\n  author = {{{name}, A.}},\n  title = {{A study}},\n  journal = {{J}},\n"
              f"  year = {{{year}}},\n  doi = {{10.1000/{key}}}\n}}\n\n"
              for key, name, year in (("smith2012", "Smith", 2012), ("jones2015", "Jones", 2015),
                                      ("brown2020", "Brown", 2020)))
CHAPTER = """---
title: A Small Review
kind: review
keywords: [one, two, three]
---

::: abstract
A short abstract.
:::

# Introduction

Three studies were found [@smith2012; @jones2015; @brown2020].

::: {#fig:prisma .prisma-flow title="PRISMA Flow Diagram"}
:::

::: {#fig:model .concept-model title="Conceptual Model"}
:::
"""


def small_review(dest: Path) -> Path:
    """A one-paper project with a review whose figures are drawn from data: every kind of cache
    entry (pandoc's parses and citations, figures, the reference.docx, the word-count chart, the
    cited-only .bib)."""
    shutil.copytree(GOLDEN_DATA / "data", dest / "data")
    (dest / "chapters/paper1").mkdir(parents=True)
    (dest / "bib").mkdir()
    (dest / "profiles").mkdir()
    (dest / "bib/references.bib").write_text(BIB, encoding="utf-8")
    (dest / "chapters/paper1/00-paper.md").write_text(CHAPTER, encoding="utf-8")
    (dest / "profiles/thesis.yaml").write_text("extends: thesis\noutputs: [docx, html]\n", encoding="utf-8")
    shutil.copy2(ROOT / "build.py", dest / "build.py")
    (dest / "thesis.md").write_text(
        "---\ntitle: A Test Thesis\nauthor: A. Author\ndegree: DClinPsy\nuniversity: Test University\n"
        "date: 2022-05-21\nbibliography: bib/references.bib\ndocuments:\n  - id: paper1\n    kind: paper\n"
        "    source: chapters/paper1\n    review: data/review.yaml\n---\n", encoding="utf-8")
    return dest


def outputs(project: Path) -> dict:
    """What a reader gets: the DOCX's text and media, the web page, the report."""
    folder = project / "build/thesis"
    with zipfile.ZipFile(folder / "thesis.docx") as package:
        media = {n: hashlib.sha256(package.read(n)).hexdigest() for n in package.namelist() if n.startswith("word/media/")}
    report = json.loads((folder / "report.json").read_text())
    return {"docx": [p.text for p in docx.Document(str(folder / "thesis.docx")).paragraphs], "media": media,
            "html": (folder / "thesis.html").read_text(), "report": report}


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> tuple[Path, dict]:
    project = small_review(tmp_path_factory.mktemp("cache") / "p")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    return project, outputs(project)


def _pandoc(folder: Path) -> list[Path]:
    return sorted((folder / "pandoc").iterdir())


def _figures(folder: Path, suffix: str) -> list[Path]:
    return sorted((folder / "figures").glob(f"*{suffix}"))


DAMAGE = {  # kind of entry -> (which files, what is done to them)
    "pandoc truncated": (_pandoc, lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])),
    "pandoc emptied": (_pandoc, lambda p: p.write_bytes(b"")),
    "pandoc garbage": (_pandoc, lambda p: p.write_bytes(os.urandom(200))),
    "pandoc valid JSON, other content": (_pandoc, lambda p: p.write_bytes(b'{"pandoc-api-version":[1,23],"meta":{},"blocks":[]}')),
    "figure PNG garbage": (lambda f: _figures(f, ".png"), lambda p: p.write_bytes(b"not a png")),
    "figure SVG truncated": (lambda f: _figures(f, ".svg"), lambda p: p.write_text(p.read_text()[:100])),
    "figure words emptied": (lambda f: _figures(f, ".txt"), lambda p: p.write_text("")),
    "figure digest lost": (lambda f: _figures(f, ".png.sha256"), lambda p: p.unlink()),
    "reference.docx garbage": (lambda f: sorted(f.glob("reference-*.docx")), lambda p: p.write_bytes(b"PK garbage")),
    "chart garbage": (lambda f: sorted((f / "charts").glob("*.png")), lambda p: p.write_bytes(b"")),
    "cited .bib garbage": (lambda f: sorted((f / "bib").glob("*.bib")), lambda p: p.write_bytes(os.urandom(200))),
    "cited .bib other entries": (lambda f: sorted((f / "bib").glob("*.bib")), lambda p: p.write_text(BIB[:200])),
    "citations truncated": (lambda f: sorted((f / "citations").iterdir()),
                            lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])),
    "citations other content": (lambda f: sorted((f / "citations").iterdir()), lambda p: p.write_bytes(b'["{}", {}]')),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_cache_entry_is_made_again(kind, reviewed, tmp_path):
    """Each kind of cache entry, damaged in turn: the next build is correct (the same documents as
    from a whole cache) and clean (no error, no warning), and the entry is whole again."""
    built, expected = reviewed
    project = small_review(tmp_path / "p")
    shutil.copytree(built / "build/.cache", project / "build/.cache")
    which, damage = DAMAGE[kind]
    damaged = which(project / "build/.cache")
    assert damaged, kind
    for path in damaged:
        damage(path)

    cite._KNOWN.clear()  # the citations this process kept: a new process reads the damaged entry
    code, _out, err = build_in_process(project, "thesis")

    assert code == 0, err
    assert "warning" not in err and "error" not in err, err
    assert outputs(project) == expected
    for path in (project / "build/.cache").rglob("*"):  # what the build used is whole again
        if path.is_file() and path.parent.name == "citations":  # digest inside, as pandoc's answers
            assert cache.read(path) is not None, path
        elif path.is_file() and path.parent.name != "pandoc" and not path.name.endswith(".sha256"):
            assert cache.whole(path), path  # (pandoc's citation entries are keyed by the project's folder)


def test_cache_writes_are_atomic_and_pruned(tmp_path):
    folder = tmp_path / "c"
    for n in range(10):
        cache.write(folder / f"e{n}", b"x" * 1000)
        os.utime(folder / f"e{n}", (n, n))  # e0 is the least recently used
    assert not [p for p in folder.iterdir() if ".tmp" in p.name]
    assert cache.prune(folder, limit=6000) == 6  # down to three quarters of the limit, oldest first
    assert sorted(p.name for p in folder.iterdir()) == ["e6", "e7", "e8", "e9"]
    assert cache.prune(folder, limit=6000) == 0


# ---------------------------------------------------------------- files the build must not wait on

@pytest.mark.parametrize("where", ["chapters/paper1/25-pipe.md", "data/tables/pipe.yaml", "profiles/pipe.yaml",
                                   "filters/pipe.py"])
def test_a_named_pipe_among_the_sources_is_refused(where, tmp_path):
    """A FIFO in a chapter folder (or anywhere the build reads) would make the build wait for ever:
    it is one error naming it."""
    project = copy_project(tmp_path / "p")
    (project / where).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(project / where)
    if where.startswith("data/"):
        chapter = project / "chapters/paper1/40-discussion.md"
        chapter.write_text(chapter.read_text() + '\n::: {#tbl:pipe .data-table src="data/tables/pipe.yaml" '
                           'title="A Pipe"}\n:::\n')
    done = subprocess.run([sys.executable, str(project / "build.py"), "thesis"], cwd=project, capture_output=True,
                          text=True, timeout=120)
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert done.returncode == 1, done.stderr
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "is not a regular file (a named pipe, device or socket)" in errors[0]
    assert errors[0].startswith(("thesis.md:", where)) or where in errors[0], errors[0]


# ---------------------------------------------------------------- where the build writes

@pytest.mark.parametrize("case", ["build a link", "build a file", "target folder a file", "cache a link"])
def test_the_build_writes_only_into_its_own_folders(case, tmp_path):
    project = copy_project(tmp_path / "p", warm=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    if case == "build a link":
        (project / "build").symlink_to(outside, target_is_directory=True)
    elif case == "build a file":
        (project / "build").write_text("not a folder")
    elif case == "target folder a file":
        (project / "build").mkdir()
        (project / "build/thesis").write_text("not a folder")
    else:
        (project / "build").mkdir()
        (project / "build/.cache").symlink_to(outside, target_is_directory=True)

    code, _out, err = build_in_process(project, "thesis")

    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 1 and len(errors) == 1, err
    assert re.match(r"^build(/thesis|/\.cache)?: error: is a (symbolic link|file)", errors[0]), errors[0]
    assert not any(outside.iterdir()), "nothing was written through the link"


def _namespace_mount() -> list[str] | None:
    """A command prefix that runs a shell where a tmpfs can be mounted (a user and mount namespace,
    or plain root), or None."""
    for prefix in (["unshare", "-rm"], ["unshare", "-m"]):
        if shutil.which(prefix[0]):
            probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || "
                                    "mount -t tmpfs -o size=64k tmpfs \"$TMPDIR\""], capture_output=True)
            if probe.returncode == 0:
                return prefix
    return None


def test_a_full_disk_is_one_line_and_keeps_the_last_outputs(built_example, tmp_path):
    """build/thesis on a tmpfs holding the last good outputs and little more: the new outputs do not
    fit, the build says so in one line, and the last good outputs are as they were."""
    prefix = _namespace_mount()
    if prefix is None:
        pytest.skip("no mount namespace here to make a small disk in")
    project = copy_project(tmp_path / "p")
    previous = built_example / "build/thesis"
    (project / "build/thesis").mkdir(parents=True)
    size = sum(p.stat().st_size for p in previous.iterdir()) + 300_000
    chapter = project / "chapters/preface/preface.md"
    chapter.write_text(chapter.read_text() + "\nA new sentence, so that the build writes new outputs.\n")
    script = (f"mount -t tmpfs -o size={size} tmpfs build/thesis && cp {previous}/* build/thesis/ && "
              f"{sys.executable} build.py thesis; echo \"exit $?\"; sha256sum build/thesis/*")
    done = subprocess.run([*prefix, "sh", "-c", script], cwd=project, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert "exit 1" in done.stdout, done.stdout + done.stderr
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("build/thesis: error: cannot be written (No space left "
                                                          "on device); free some space"), done.stderr
    after = {Path(line.split()[1]).name: line.split()[0] for line in done.stdout.splitlines() if "  build/" in line}
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in previous.iterdir()
              if p.is_file() and not p.name.startswith(".")}  # (the shell's * leaves out the .outputs.json manifest)
    assert after == before


# ---------------------------------------------------------------- what a template may cost

def render(text: str, context: dict | None = None) -> tuple[str, list[str]]:
    problems = Problems()
    out = values.render(text, context or {}, "ch.md", problems, values.environment())
    return out, [p.line() for p in problems.items]


@pytest.mark.parametrize("text", [
    "{{ 'a' * 10**10 }}", "{{ [0] * 10**9 }}", "{{ 'x'.ljust(10**10) }}", "{{ 'x' | center(10**10) }}",
    "{{ '%99999999d' % 1 }}", "{{ '{:>99999999}'.format(1) }}", "{{ 9 ** 99999999 }}",
    "{% set s = 'a' * 900000 %}{{ s + s }}",
])
def test_values_that_would_be_too_large_are_one_line(text):
    _out, lines = render(text)
    assert len(lines) == 1 and lines[0].startswith("ch.md:1: error: this value would be too large"), lines


def test_work_that_takes_no_counted_step_is_stopped_by_the_clock(monkeypatch):
    """Loops over a list take no step of the budget; the watchdog stops them all the same."""
    monkeypatch.setattr(values, "MAX_SECONDS", 0.5)
    _out, lines = render("{% for a in xs %}{% for b in xs %}{% for c in xs %}{% endfor %}{% endfor %}{% endfor %}",
                         {"xs": list(range(2000))})
    assert lines == ["ch.md:1: error: the template does too much work (more than 0.5 s); values are numbers and "
                     "short phrases: remove the loop or the operation"]
    assert render("{{ 1 + 1 }}") == ("2", [])  # the next rendering is not hit by a stray stop


def test_ordinary_values_render_as_before():
    assert render("{% for i in range(3) %}{{ i }}{% endfor %} {{ 'ab' * 2 }} {{ 'x' | center(5) }}")[0] == "012 abab   x  "


def test_bounds_hold_in_a_worker_thread():
    results = []
    thread = threading.Thread(target=lambda: results.append(render("{{ 'a' * 10**10 }}")[1]))
    thread.start()
    thread.join(30)
    assert results and "too large" in results[0][0]


# ---------------------------------------------------------------- scale and noise

def test_check_on_a_large_bibliography_is_quick_and_short(tmp_path):
    """A whole library exported (here 20,000 entries; bench/large_bib.py does 100,000): `check`
    takes seconds, prints ten of the never-cited entries and counts the rest, and --all lists all."""
    import time

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import large_bib
    finally:
        sys.path.remove(str(ROOT / "bench"))
    project = large_bib.project(tmp_path / "p", 20_000)
    start = time.perf_counter()
    code, out, err = build_in_process(project, "check")
    seconds = time.perf_counter() - start
    assert code == 0, err
    assert seconds < 60, seconds  # about 2 s on an idle machine; it used to never finish
    uncited = [line for line in out.splitlines() if "is never cited" in line]
    assert len(uncited) == 10
    assert "bib/references.bib: warning: 19,987 more entries never cited; `--all` lists them" in out
    code, out, _err = build_in_process(project, "check", "--all")
    assert len([line for line in out.splitlines() if "is never cited" in line]) == 19_997


def test_check_prints_a_data_error_once_not_once_per_target(tmp_path):
    project = copy_project(tmp_path / "p")
    casp = project / "data/casp.csv"
    casp.write_text(casp.read_text().replace("2,Yes,Yes", "2,Yes,Maybe", 1))
    code, out, err = build_in_process(project, "check")
    assert code == 1
    lines = [line for line in (out + err).splitlines() if '"Maybe" is not an answer' in line]
    assert len(lines) == 1, out + err


# ---------------------------------------------------------------- what runs in the web page

def test_script_links_from_data_are_not_live_and_html_sanitize_removes_what_runs(tmp_path):
    """A javascript: URL in a data cell or a .bib field is shown as text, never a live link; with
    html-sanitize the chapter's own <script> and onclick go too, and the page is otherwise whole."""
    project = small_review(tmp_path / "p")
    (project / "profiles/thesis.yaml").write_text("extends: thesis\noutputs: [html]\nhtml-sanitize: true\n")
    with (project / "bib/references.bib").open("a") as bib:
        bib.write("@misc{evil2021,\n  author = {Evil, E.},\n  title = {A page},\n  year = {2021},\n"
                  "  url = {javascript:alert(1)}\n}\n")
    (project / "data/tables/links.yaml").write_text(
        'columns: ["Source"]\nrows:\n  - ["[a page](javascript:alert(2)) and [a site](https://example.org)"]\n')
    chapter = project / "chapters/paper1/00-paper.md"
    chapter.write_text(chapter.read_text() + "\nSee @evil2021.\n\n"
                       '::: {#tbl:links .data-table src="data/tables/links.yaml" title="Links"}\n:::\n\n'
                       '<script>alert(3)</script>\n\n<p onclick="alert(4)">Raw HTML kept, its handler gone.</p>\n')
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    page = (project / "build/thesis/thesis.html").read_text()
    assert not re.search(r'(href|src)="\s*javascript:', page, re.I)  # shown as text at most, never a link
    assert "<script" not in page and "onclick" not in page
    assert "a page" in page and 'href="https://example.org"' in page and "Raw HTML kept, its handler gone." in page
    assert "<svg" in page  # the diagrams stay inline


def test_a_page_with_nothing_to_remove_is_unchanged_by_the_sanitizer(built_example):
    from thesiskit import sanitize

    page = (built_example / "build/thesis/thesis.html").read_text()
    assert sanitize.clean(page) == (page, 0)


def test_profile_patterns_run_with_a_time_limit(monkeypatch):
    from thesiskit import profiles

    quick = profiles.Statement(rule="r", pattern=r"(\w+\s?)+$QQQ", source="profiles/x.yaml:3")
    assert quick.search("word " * 5000) is None  # hangs Python's re; the regex module answers at once
    monkeypatch.setattr(profiles, "PATTERN_SECONDS", 0.2)
    slow = profiles.Statement(rule="r", pattern=r"(.{1,30}){1,30}\d$", source="profiles/x.yaml:3")
    with pytest.raises(profiles.StatementTimeout):
        slow.search("x" * 300)


def test_a_statement_knows_the_line_it_was_written_on(tmp_path):
    project = copy_project(tmp_path / "p", warm=False)
    (project / "profiles/j.yaml").write_text("extends: jmh-submission\nstatements:\n  original:\n"
                                            "    - rule: Ethics\n      pattern: 'ethics'\n")
    profile = __import__("thesiskit.profiles", fromlist=["load_profile"]).load_profile(project, "j", Problems())
    assert profile.statements["original"][0].source == "profiles/j.yaml:4"


def test_unlink_scripts_keeps_the_text_and_the_web_links():
    import panflute as pf

    from thesiskit.links import unlink_scripts

    doc = pf.Doc(pf.Para(pf.Link(pf.Str("bad"), url="java\tscript:alert(1)"), pf.Space(),
                         pf.Link(pf.Str("good"), url="https://example.org"), pf.Space(),
                         pf.Emph(pf.Link(pf.Str("data"), url="data:text/html,<script>"))))
    assert unlink_scripts(doc) == 2
    assert pf.stringify(doc) == "bad good data\n\n"
    assert [e.url for e in doc.content[0].content if isinstance(e, pf.Link)] == ["https://example.org"]


# ---------------------------------------------------------------- signals stop every worker

def test_stop_ends_the_programs_of_every_worker_thread():
    """What the command line's SIGINT and SIGTERM handlers call: the programs that worker threads
    wait on are killed at once, and a worker that starts one afterwards stops instead."""
    import time

    from thesiskit import children

    children.reset()
    results = []

    def work():
        try:
            children.run(["sleep", "30"])
            results.append("finished")
        except children.Interrupted:
            results.append("interrupted")

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 10
    while len(children._running) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    children.stop()
    for worker in workers:
        worker.join(10)
    try:
        assert results == ["interrupted", "interrupted"] and time.monotonic() - start < 5
        with pytest.raises(children.Interrupted):
            children.run(["true"])
    finally:
        children.reset()
    assert children.run(["true"]).returncode == 0


def test_pandoc_at_its_limit_names_the_document(monkeypatch, tmp_path):
    """A text that keeps pandoc busy past its time limit (here a limit of a millisecond) is one
    error per document, naming its chapters' folder, not a line without a file."""
    from thesiskit import pandoc

    monkeypatch.setattr(pandoc, "limits", lambda stdin: (0.001, 4096))
    project = copy_project(tmp_path / "p", warm=False)
    code, _out, err = build_in_process(project, "thesis")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 1 and errors and "Traceback" not in err, err
    for line in errors:
        assert re.match(r"^chapters/[\w/.-]+: error: document '[\w-]+': pandoc took longer than 0 s on an input of "
                        r"[\d,]+ bytes; .*\(look for what is nested", line), line


def test_a_bounded_template_returns_under_a_profiler():
    """The watchdog of a template's time (thesiskit/values.py _bounded) once cleared an asynchronous
    exception that was never set, which leaves CPython's eval breaker set: under cProfile (the bench's
    profiles) or a tracer (coverage), the next Python call never returned."""
    code = ("import cProfile\nfrom thesiskit import values\nfrom thesiskit.problems import Problems\n"
            "profiler = cProfile.Profile()\nprofiler.enable()\n"
            "out = values.render('A {{ x }} and `{{ y }}`.', {'x': 1}, 't.md', Problems(), values.environment())\n"
            "profiler.disable()\nprint(out)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and done.stdout.strip() == "A 1 and `{{ y }}`.", done.stderr
