"""`python build.py check`: limits and citations for every target, nothing written."""
from __future__ import annotations

import json
import re

from .conftest import copy_project, run_build


def test_check_on_the_example_is_clean_and_writes_nothing(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_build(project, "check")
    assert result.returncode == 0, result.stderr
    assert re.search(r"paper1\s+[\d,]+\s+8,000\s+\d+%\s+\d+/200", result.stdout)
    assert "0 errors" in result.stdout
    assert not (project / "build/thesis").exists()


def test_check_json_prints_the_report(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_build(project, "check", "--json")
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    paper2 = reports["thesis"]["documents"]["paper2"]
    assert paper2["limits"] == {"main": 8000, "abstract": 200} and paper2["counted"]["main"] > 4000
    assert reports["thesis"]["ok"] is True


def test_over_the_limit_names_the_document_the_limit_and_the_excess(tmp_path):
    project = copy_project(tmp_path / "p")
    extra = ("Padding words added here for the limit test. " * 1125).strip()  # 8 x 1,125 = 9,000 words
    discussion = project / "chapters/paper2/40-discussion.md"
    discussion.write_text(discussion.read_text(encoding="utf-8") + "\n\n" + extra + "\n", encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 1
    match = re.search(r"paper2: error: main text has ([\d,]+) words, over the 8,000-word limit of the thesis profile "
                      r"by ([\d,]+); shorten it", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    words, excess = (int(g.replace(",", "")) for g in match.groups())
    assert words - 8000 == excess and words > 15000
    assert "Traceback" not in result.stderr


def test_unknown_key_names_the_key_the_file_and_the_line(tmp_path):
    project = copy_project(tmp_path / "p")
    chapter = project / "chapters/paper1/40-discussion.md"
    lines = chapter.read_text(encoding="utf-8").splitlines()
    lines.insert(4, "As shown elsewhere [@nosuchkey2099].")
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 1
    assert ("chapters/paper1/40-discussion.md:5: error: unknown citation key @nosuchkey2099; "
            "add the entry to the .bib (export it from Zotero) or fix the key") in result.stderr


def test_included_study_must_be_cited_in_the_review(tmp_path):
    project = copy_project(tmp_path / "p")
    for chapter in (project / "chapters/paper1").glob("*.md"):
        text = chapter.read_text(encoding="utf-8").replace("@salzer2002", "@salzer2002x")
        # the characteristics table cites every included study itself: leave its authors column out here
        text = text.replace(".study-characteristics ", '.study-characteristics columns="study sample rating" ')
        chapter.write_text(text, encoding="utf-8")
    (project / "bib/references.bib").write_text(
        (project / "bib/references.bib").read_text(encoding="utf-8") +
        "\n@misc{salzer2002x,\n  title = {Stand-in},\n  author = {Other, A.},\n  year = {2002}\n}\n", encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 1
    assert "included study 'salzer2002' is not in paper1's reference list; cite it in the paper" in result.stderr
