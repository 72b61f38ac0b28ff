"""Profiles: built-ins inside the package, a project's profiles overriding or extending them, and
one declared schema that validates every key (thesiskit/profiles.py)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from thesiskit import profiles
from thesiskit.problems import Problems

from .conftest import ROOT, copy_project
from .test_bad_inputs import build_in_process


def load(root: Path, target: str) -> tuple[profiles.Profile | None, list[str]]:
    problems = Problems()
    profile = profiles.load_profile(root, target, problems)
    return profile, [p.line() for p in problems.items]


def test_built_in_targets_need_no_project_profiles(tmp_path):
    assert profiles.targets(tmp_path) == ["apa-masked", "jmh-submission", "thesis"]
    profile, lines = load(tmp_path, "jmh-submission")
    assert lines == [] and profile.mask and profile.limits["original"] == {"main": 4000, "abstract": 200}
    assert profile.lints.participants_language.error == ["subjects"] and profile.floats.tables == 4


def test_a_journal_in_a_few_lines_changes_only_what_differs(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "profiles/short-journal.yaml").write_text(
        "# a journal with a shorter limit for original research\nextends: jmh-submission\n"
        "limits:\n  original:\n    main: 3500\n", encoding="utf-8")
    profile, lines = load(project, "short-journal")
    assert lines == []
    assert profile.limits == {"review": {"main": 6000, "abstract": 200}, "original": {"main": 3500, "abstract": 200}}
    assert profile.mask and profile.lints.double_quotes  # the rest comes from jmh-submission
    code, _out, err = build_in_process(project, "short-journal")
    assert code == 1  # paper 2's main text is over 3,500 words: the package is written, its checklist says so
    assert re.search(r"short-journal: Main text at most 3,500 words \(original\): 3,\d{3} words, \d+ over", err), err
    report = json.loads((project / "build/short-journal/report.json").read_text(encoding="utf-8"))
    assert report["documents"]["paper2"]["limits"] == {"main": 3500, "abstract": 200}


def test_a_misspelt_key_names_the_file_the_line_and_the_closest_key(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles/journal.yaml").write_text("extends: jmh-submission\n\nmask: true\nkeyword: {min: 4}\n")
    profile, lines = load(tmp_path, "journal")
    assert profile is None
    assert lines == ["profiles/journal.yaml:4: error: unknown key 'keyword'; did you mean 'keywords'?"]


@pytest.mark.parametrize("text, message", [
    ("outputs: [docx, odt]\n", "profiles/p.yaml:1: error: outputs: 'odt' is not allowed; use one of docx, pdf, html"),
    ("mask: yes please\n", "profiles/p.yaml:1: error: mask is 'yes please'; write true or false"),
    ("figure-dpi: 50\n", "profiles/p.yaml:1: error: figure-dpi is 50; it must be at least 72"),
    ("wordcount: {main: [main, tabels]}\n", "profiles/p.yaml:1: error: wordcount: 'tabels' is not allowed; did you mean 'tables'?"),
    ("limits: {paper: 8000}\n", "profiles/p.yaml:1: error: limits.paper must be a mapping; write key: value"),
    ("statements:\n  review:\n    - {pattern: PRISMA}\n", "profiles/p.yaml:3: error: statements.review item 1 needs 'rule'; add rule: ..."),
    ("self-citations: hide\n", "profiles/p.yaml:1: error: self-citations: 'hide' is not allowed; use one of mask, omit"),
    ("extends: p\n", "profiles/p.yaml: error: the profile extends itself ('p') and there is no built-in profile of that name"),
    ("- a list\n", "profiles/p.yaml:1: error: a profile must be a mapping of keys to values"),
])
def test_every_key_is_checked_where_it_is_written(tmp_path, text, message):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles/p.yaml").write_text(text)
    profile, lines = load(tmp_path, "p")
    assert profile is None and len(lines) == 1 and lines[0].startswith(message), lines


def test_a_project_profile_of_a_built_in_name_replaces_it_or_extends_it(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles/jmh-submission.yaml").write_text("description: ours\noutputs: [docx]\n")
    profile, _ = load(tmp_path, "jmh-submission")
    assert profile.description == "ours" and not profile.mask  # replaced: nothing of the built-in
    (tmp_path / "profiles/jmh-submission.yaml").write_text("extends: jmh-submission\ndescription: ours\n")
    profile, _ = load(tmp_path, "jmh-submission")
    assert profile.description == "ours" and profile.mask  # extended: the built-in underneath


def test_readme_profile_reference_is_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- profile-reference -->\n(.*?)<!-- /profile-reference -->", readme, re.S)
    assert block, "README has no generated profile reference"
    assert block.group(1) == profiles.reference(), ("README's profile reference is out of date: "
                                                    "run `thesiskit profiles --reference` and paste it")
