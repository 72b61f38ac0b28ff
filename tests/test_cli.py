"""The command line: `thesiskit` and `python -m thesiskit` with subcommands, the project found as git
finds its repository, build.py that refuses to build another project, `new`, and a project's own
directives in filters/ (also run by `pandoc --filter`)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from thesiskit import pandoc

from .conftest import ROOT, copy_project, run_build
from .test_bad_inputs import build_in_process

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def thesiskit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "thesiskit", *args], cwd=cwd, capture_output=True, text=True,
                          env=ENV, timeout=300)


def test_version_and_help_of_every_command(tmp_path):
    result = thesiskit("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("thesiskit ")
    for command in ("new", "build", "check", "values", "watch", "profiles"):
        result = thesiskit(command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and f"usage: thesiskit {command}" in result.stdout, command


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    outside = thesiskit("check", cwd=tmp_path)
    assert outside.returncode == 2 and "Traceback" not in outside.stderr
    assert outside.stderr.strip() == (f"thesiskit: no thesis.md in {tmp_path.resolve()} or any folder above it; run "
                                      "`thesiskit new DIR` to start a thesis, or give --project DIR")
    missing = thesiskit("check", "--project", str(tmp_path), cwd=tmp_path)
    assert missing.returncode == 2 and "no thesis.md in this folder" in missing.stderr
    unknown = thesiskit("chek", "--project", str(ROOT), cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown target 'chek'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_check_from_a_subfolder_checks_that_project(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "chapters/paper2/00-front.md").write_text(
        (project / "chapters/paper2/00-front.md").read_text().replace("kind: original", "kind: original\nkeywords: []"))
    result = thesiskit("check", cwd=project / "chapters/paper1")
    assert "paper1" in result.stdout and "paper2" in result.stdout, result.stdout + result.stderr


def test_build_py_refuses_to_build_another_project(tmp_path):
    other = copy_project(tmp_path / "other", warm=False)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "check"], cwd=other / "chapters",
                            capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 2
    assert f"this build.py builds {ROOT}, but you are in the thesis project {other.resolve()}" in result.stderr


def test_new_refuses_a_folder_that_is_not_empty_and_never_overwrites(tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    refused = thesiskit("new", str(folder), cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith(f"{folder}: error: the folder is not empty; give a new folder, or add --force")
    (folder / "thesis.md").write_text("my own plan")
    forced = thesiskit("new", str(folder), "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "kept 1 that were already there: thesis.md" in forced.stdout
    assert (folder / "thesis.md").read_text() == "my own plan" and (folder / "notes.txt").read_text() == "mine"
    assert (folder / "build.py").is_file() and (folder / ".gitignore").is_file() and (folder / "chapters").is_dir()


def test_build_json_prints_the_report(built_example):
    code, out, _err = build_in_process(built_example, "check", "--json")
    assert code == 0 and '"thesis"' in out


# ---------------------------------------------------------------- the project's own directives

STAMP = '''"""A directive of this project: a line saying how many studies the review included."""
from thesiskit.directives.options import choice
from thesiskit.inlines import para

NAME = "study-count"
OPTIONS = {"style": choice("words", "digits")}
DEFAULTS = {"style": "words"}
DATA = "review"


def render(options, review, ctx):
    count = len(review.studies)
    shown = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][count] if (
        options["style"] == "words" and count < 10) else str(count)
    return [para(f"Studies included in this review: {shown}.")]
'''


def test_a_project_directive_is_found_in_filters_and_used_in_a_chapter(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "filters/study_count.py").write_text(STAMP, encoding="utf-8")
    chapter = project / "chapters/paper1/30-results.md"
    chapter.write_text(chapter.read_text() + '\n::: {.study-count style="digits"}\n:::\n', encoding="utf-8")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    text = "\n".join(p.text for p in docx.Document(str(project / "build/thesis/thesis.docx")).paragraphs)
    assert "Studies included in this review: 12." in text
    code, _out, err = build_in_process(project, "check")  # options are checked like a built-in's
    chapter.write_text(chapter.read_text().replace('style="digits"', 'style="roman"'), encoding="utf-8")
    code, _out, err = build_in_process(project, "check")
    assert code == 1 and 'study-count: option style="roman" cannot be used; use one of words, digits' in err


def test_the_examples_project_filter_runs_under_pandoc_filter(tmp_path):
    chapter = tmp_path / "chapter.md"
    chapter.write_text('::: {.interview-schedule version="second"}\n:::\n')
    result = subprocess.run([pandoc.pandoc_path(), str(chapter), "--filter", str(ROOT / "filters/interview_schedule.py"),
                             "-t", "plain"], cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Work–life balance. How they had kept a healthy balance" in " ".join(result.stdout.split())
    chapter.write_text('::: {.interview-schedule version="third"}\n:::\n')
    result = subprocess.run([pandoc.pandoc_path(), str(chapter), "--filter", str(ROOT / "filters/interview_schedule.py"),
                             "-t", "plain"], cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode != 0 and 'option version="third" cannot be used' in result.stderr


def test_the_examples_figure_and_appendix_come_from_the_schedule_data(built_example):
    text = "\n".join(p.text for p in docx.Document(str(built_example / "build/thesis/thesis.docx")).paragraphs)
    assert "Opening. After thanking the participant" in text
    assert "How did you come to be involved in your current role? Prompt: what was it like" in text
    assert "Timing in recovery. Which factors in someone’s recovery make it a good time" in text


@pytest.mark.parametrize("argv", [["thesis", "paper1"], ["build"]])
def test_extra_or_missing_arguments_are_usage_errors(built_example, argv):
    code, _out, err = build_in_process(built_example, *argv)
    assert code == 2 and "Traceback" not in err
