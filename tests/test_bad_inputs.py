"""Bad input, one case per file in tests/bad_inputs/: each breaks a copy of the example project the
way an author might, builds it, and expects one clear line naming the file (and line, row or column)
and the fix, exit code 1, no traceback, sources untouched, and the previous outputs in build/
byte-for-byte as they were.

A case file is YAML:

    # what the author did (the comment is the case's description)
    break:                      # applied in order to the copy of the example
      - replace: data/casp.csv  # a file, relative to the project
        old: "2,Yes,Yes"
        new: "2,Yes,Maybe"
    expect: 'data/casp\\.csv row 3, column q2: error: "Maybe" is not an answer; use '   # a regex
    readme: 'is not an answer'  # what README's "When the build says no" shows for this mistake

Steps: replace (old, new), append (text), write (text, encoding: any Python codec, default utf-8),
encode (re-save the file's text with encoding, e.g. utf-8-sig for a byte-order mark), delete,
move_out (the file moves outside the project and a symbolic link to it takes its place),
private (text: the git-ignored private/redact.txt).
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import build_in_process, copy_project, run_build

CASES = Path(__file__).parent / "bad_inputs"


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def apply(step: dict, project: Path) -> None:
    (op, rel), = [(k, v) for k, v in step.items() if k in STEPS]
    if op == "move_out":  # beside the project, not in it
        outside = project.parent / "outside" / Path(rel).name
        outside.parent.mkdir(exist_ok=True)
        shutil.move(project / rel, outside)
        (project / rel).symlink_to(outside)
        return
    STEPS[op](project / rel, step)


def _replace(path: Path, step: dict) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert step["old"] in text, f"{step['old']!r} not in {path}"
    path.write_text(text.replace(step["old"], step["new"], 1), encoding="utf-8")


STEPS = {
    "replace": _replace,
    "append": lambda path, step: path.write_text(path.read_text(encoding="utf-8") + step["text"], encoding="utf-8"),
    "write": lambda path, step: (path.parent.mkdir(parents=True, exist_ok=True),
                                 path.write_bytes(step["text"].encode(step.get("encoding", "utf-8")))),
    "encode": lambda path, step: path.write_bytes(path.read_text(encoding="utf-8").encode(step["encoding"])),
    "delete": lambda path, _step: path.unlink(),
    "move_out": None,  # in apply(): it needs the project's folder
    "private": lambda path, step: (path.mkdir(exist_ok=True), (path / "redact.txt").write_text(step["text"])),
}


def load_cases() -> dict[str, dict]:
    return {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(CASES.glob("*.yaml"))}


@pytest.fixture(scope="module")
def previous_build(built_example) -> Path:
    return built_example / "build"


@pytest.mark.parametrize("name", list(load_cases()))
def test_bad_input_is_one_clear_line(name, tmp_path, previous_build):
    case = load_cases()[name]
    project = copy_project(tmp_path / "project")
    shutil.copytree(previous_build, project / "build", ignore=shutil.ignore_patterns(".cache"), dirs_exist_ok=True)
    for step in case["break"]:
        apply(step, project)
    sources_before = {k: v for k, v in digest(project).items() if not k.startswith("build")}
    outputs_before = digest(project / "build/thesis")

    code, stdout, stderr = build_in_process(project, case.get("command", "thesis"))

    assert code == 1, stdout + stderr
    assert "Traceback" not in stderr + stdout
    errors = [line for line in stderr.splitlines() if ": error: " in line or line.startswith("error: ")]
    assert len(errors) == 1, stderr  # one mistake, one line
    assert re.search(case["expect"], errors[0]), f"{errors[0]!r} does not match {case['expect']!r}"
    assert re.match(r"^[\w./-]+[^ ]*(:\d+| row \d+)?", errors[0]), "the line starts with the file"
    assert ";" in errors[0].split(": error: ", 1)[-1], "the message says what to do after a ';'"
    assert re.search(r"^1 error; build/thesis/ was left as it was$", stderr, re.M)
    for step in case["break"]:  # the private list is never printed, not even in part
        for term in [t for t in step.get("text", "").splitlines() if "private" in step and not t.startswith("#")]:
            assert term not in stdout + stderr
    assert {k: v for k, v in digest(project).items() if not k.startswith("build")} == sources_before
    assert digest(project / "build/thesis") == outputs_before


def test_there_are_enough_cases_and_readme_explains_each():
    cases = load_cases()
    assert len(cases) >= 40
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## When the build says no"):readme.index("## For developers")]
    for name, case in cases.items():
        assert set(case) == {"break", "expect", "readme"} or set(case) == {"break", "expect", "readme", "command"}, name
        assert all(any(k in STEPS for k in step) for step in case["break"]), name
        assert case["readme"] in section, f"{name}: README's 'When the build says no' does not show {case['readme']!r}"


def test_unknown_target_is_a_usage_error(built_example):
    result = run_build(built_example, "thesus")
    assert result.returncode == 2 and "unknown target 'thesus'" in result.stderr and "thesis" in result.stderr
    assert "Traceback" not in result.stderr
