"""Reproducible builds and the loose ends of the CI review: the same sources give the same DOCX, HTML
and PDF bytes (dates from the sources or SOURCE_DATE_EPOCH, never the clock), report.json names the
versions that made them, a target's stale outputs go, `build --json` prints the report, checklist
counts have their nouns, every spelling pair is checked, and the DOI warning says what it means."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

from thesiskit import lints, pandoc, reproducible
from thesiskit.write.checklist import plural

from .conftest import copy_project, make_project, run_build
from .test_bad_inputs import build_in_process


def test_two_builds_of_the_same_sources_are_the_same_bytes(built_example, tmp_path):
    again = copy_project(tmp_path / "again")  # another folder, another time, the same sources
    result = run_build(again, "thesis")
    assert result.returncode == 0, result.stderr
    for name in ("thesis.docx", "thesis.html", "thesis.pdf"):
        first, second = (p / "build/thesis" / name for p in (built_example, again))
        assert first.read_bytes() == second.read_bytes(), name
    with zipfile.ZipFile(again / "build/thesis/thesis.docx") as docx:
        core = docx.read("docProps/core.xml").decode()
        assert {i.date_time for i in docx.infolist()} == {(2022, 5, 21, 0, 0, 0)}  # the plan's date
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2022-05-21T00:00:00Z</dcterms:created>' in core


def test_report_json_names_the_versions(built_example):
    versions = json.loads((built_example / "build/thesis/report.json").read_text())["versions"]
    assert set(versions) == {"thesiskit", "pandoc", "typst", "csl", "python"}
    assert versions["pandoc"][0].isdigit() and versions["typst"][0].isdigit() and versions["python"].startswith("3.")
    assert versions["csl"]["style"] == "apa" and versions["csl"]["updated"][:2] == "20"


def test_the_doi_warning_says_it_is_only_a_warning(built_example):
    problems = json.loads((built_example / "build/thesis/report.json").read_text())["problems"]
    dois = [p for p in problems if "has no DOI" in p["message"]]
    assert [p["where"] for p in dois] == ["bib/references.bib:841", "bib/references.bib:1183"]
    assert all(p["severity"] == "warning" and "A warning, not an error: nothing failed" in p["message"] for p in dois)


def test_source_date_epoch_wins_then_the_plans_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert reproducible.source_date({"date": "2022-05-21"}).isoformat() == "2023-11-14T22:13:20+00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert reproducible.source_date({"date": "2022-05-21"}).isoformat() == "2022-05-21T00:00:00+00:00"
    assert reproducible.source_date({"date": "May 2022"}) == reproducible.EARLIEST  # no day: the fixed date


CHAPTER = """---
title: A Paper
kind: original
---

::: abstract
A short abstract.
:::

# Introduction

Some text with a table.

::: {#tbl:one title="One Table"}
| A | B |
|---|---|
| 1 | 2 |
:::
"""


def test_stale_outputs_go_when_the_profile_changes_and_json_prints_the_report(tmp_path, monkeypatch):
    project = make_project(tmp_path / "p", CHAPTER)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    code, out, err = build_in_process(project, "thesis", "--json")
    assert code == 0, err
    assert json.loads(out)["target"] == "thesis" and "built in" not in out  # the report alone, for a program
    folder = project / "build/thesis"
    with zipfile.ZipFile(folder / "thesis.docx") as docx:
        assert "2023-11-14T22:13:20Z" in docx.read("docProps/core.xml").decode()
        assert {i.date_time for i in docx.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    (folder / "notes.txt").write_text("mine")  # not the build's: it stays
    with open(project / "profiles/thesis.yaml", "a", encoding="utf-8") as profile:
        profile.write("outputs: [pdf]\n")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == [".outputs.json", "notes.txt", "report.json", "thesis.pdf",
                                                        "wordcount.png"]
    assert json.loads((folder / ".outputs.json").read_text())["outputs"] == ["thesis.pdf", "report.json",
                                                                               "wordcount.png"]


def test_checklist_counts_have_their_nouns():
    assert [plural(n, "table") for n in (0, 1, 4, 1200)] == ["0 tables", "1 table", "4 tables", "1,200 tables"]


def _spelling(text: str) -> list[str]:
    doc = pandoc.parse_markdown(text)
    ctx = SimpleNamespace(project=SimpleNamespace(root=Path(".")), locate=lambda _doc, _word: "x.md:1")
    return [f.text for f in lints.mixed_spelling(doc, ctx, SimpleNamespace(id="paper1", files=[]))]


def test_every_spelling_pair_is_checked():
    for british, american in (("behaviour", "behavior"), ("colours", "colors"), ("favourably", "favorably"),
                              ("honour", "honor"), ("labour", "labor"), ("centred", "centered"),
                              ("programmes", "programs"), ("organise", "organize")):
        found = _spelling(f"The {british} and the {american}.")
        assert len(found) == 1 and british in found[0] and american in found[0], (british, found)
    assert _spelling("Their labour in the laboratory, and a programme of work.") == []
