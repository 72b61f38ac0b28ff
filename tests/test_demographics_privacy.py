"""The demographics promise (one characteristic at a time, never a participant's row, never two crossed)
tried the ways an author or a supervisor might get around it: options, narrow or overlapping age bands,
a missing or too-high top code, the data-table directive pointed at the participants file, and values
in prose. Each route ends in one clear problem. Unit level on a copy of tests/golden/_data; two builds."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from filters import data_table, demographics
from filters.directives import parse_options
from filters.options import DirectiveError
from thesiskit import data, values
from thesiskit.problems import Problems
from thesiskit.project import Document

from .conftest import GOLDEN_DATA, ROOT, copy_project, edit, run_build

def load(root: Path) -> tuple[data.StudyData | None, list[str]]:
    problems = Problems()
    study = data.load_study(root, "data/study.yaml", problems)
    return study, [p.line() for p in problems.items]


def pseudonyms(root: Path) -> set[str]:
    return {line.split(",")[0] for line in (root / "data/participants.csv").read_text().splitlines()[1:] if line}


# ---------------------------------------------------------------- options

def options(attributes: dict) -> tuple[dict | None, list[str]]:
    ctx = SimpleNamespace(problems=Problems())
    parsed = parse_options(demographics, attributes, "chapters/paper2/20-method.md:7", ctx)
    return parsed, [p.line() for p in ctx.problems.items]


@pytest.mark.parametrize("key", ["by", "cross", "per-participant", "rows", "list"])
def test_listing_or_crossing_options_are_refused_with_the_reason(key):
    parsed, lines = options({key: "gender age"})
    assert parsed is None and len(lines) == 1
    assert lines[0].startswith(f'chapters/paper2/20-method.md:7: error: demographics: option {key}="gender age" cannot be used; '
                               "refused: the demographics directive reports one characteristic at a time")


def test_an_unknown_option_is_an_error():
    parsed, lines = options({"group": "gender"})
    assert parsed is None
    assert lines == ["chapters/paper2/20-method.md:7: error: demographics: unknown option 'group'; "
                     "allowed: show"]


@pytest.mark.parametrize("show", ["pseudonym", "gender pseudonym", "age*gender"])
def test_show_names_characteristics_only(show):
    parsed, lines = options({"show": show})
    assert parsed is None and len(lines) == 1
    assert "is not one of gender, age, experience, interview" in lines[0]


def test_show_several_characteristics_one_after_another_is_allowed(project):
    parsed, lines = options({"show": "age gender", "title": "Ages, then genders"})
    assert (parsed, lines) == ({"show": ["age", "gender"]}, [])
    study, _ = load(project)
    cells = demographics.rows(study, parsed["show"])
    assert [c[0] for c in cells if c[0].startswith("**")] == ["**Gender**", "**Age (years)**"]  # two tables' worth, not one crossed


# ---------------------------------------------------------------- the table's rows

@pytest.mark.parametrize("show", [["gender"], ["age"], ["experience"], ["interview"], list(demographics.SHOW)])
def test_rows_are_aggregates_only(project, show):
    study, problems = load(project)
    assert problems == []
    cells = demographics.rows(study, show)
    text = " ".join(c for row in cells for c in row)
    assert not any(re.search(rf"\b{name}\b", text) for name in pseudonyms(project))
    assert "25" not in text  # the most experienced participant's years are top-coded
    if "gender" in show or "age" in show:
        counts = [int(row[1]) for row in cells if row[1].isdigit()]
        assert sum(counts) == len(study.participants) * sum(s in show for s in ("gender", "age"))


# ---------------------------------------------------------------- data/study.yaml

def test_the_example_bands_and_top_code_pass():
    study, problems = load(ROOT)
    assert problems == [] and [b[0] for b in study.age_bands] == ["18-30", "31-40", "41-50", "51-60", "Over 60"]


@pytest.mark.parametrize("old, new, pattern", [
    ('"18-40": [18, 40]', '"18-40": [18, 40]\n  "47": [47, 47]',
     r"^data/study\.yaml: error: age band '47' \(\[47, 47\]\) covers fewer than 5 years, so its count could reveal "
     r"exact ages; widen it or merge it with a neighbour \(an open-ended band such as \[61, null\] is fine\)$"),
    ('"18-40": [18, 40]', '"18-21": [18, 21]\n  "22-40": [22, 40]', r"^data/study\.yaml: error: age band '18-21'"),
    ('"41-60": [41, 60]', '"41-60": [41, 60]\n  "41-61": [41, 61]',
     r"^data/study\.yaml: error: age band '41-61' overlaps '41-60'; make the bands separate, or subtracting "
     r"their counts reveals exact ages$"),
    ('"Over 60": [61, null]', '"Over 60": [61, null]\n  "Over 62": [63, null]',
     r"^data/study\.yaml: error: age band 'Over 62' overlaps 'Over 60'"),
    ("experience-top-code: 20\n", "",
     r"^data/study\.yaml: error: experience-top-code is missing; set it below the most years_experience in "
     r"data/participants\.csv \(more years are then shown as \"more than N\"\), so the most experienced "
     r"participant's exact years never appear$"),
    ("experience-top-code: 20", "experience-top-code: 25",
     r"^data/study\.yaml: error: experience-top-code: 25 is too high; set it below the most years_experience"),
    ("experience-top-code: 20", "experience-top-code: twenty",
     r"^data/study\.yaml: error: experience-top-code: 'twenty' is not a number of years; set it below"),
], ids=["one-year band", "four-year band", "overlapping bands", "overlapping open-ended bands",
        "no top code", "top code at the maximum", "top code not a number"])
def test_study_config_that_would_reveal_a_person_is_one_clear_problem(project, old, new, pattern):
    edit(project / "data/study.yaml", old, new)
    _, problems = load(project)
    assert len(problems) == 1, problems
    assert re.search(pattern, problems[0]), problems[0]


def test_five_year_bands_and_a_top_code_just_below_the_maximum_pass(project):
    edit(project / "data/study.yaml", '"18-40": [18, 40]', '"18-22": [18, 22]\n  "23-40": [23, 40]')
    edit(project / "data/study.yaml", "experience-top-code: 20", "experience-top-code: 24.5")
    study, problems = load(project)
    assert problems == [] and study.top_code == 24.5


def test_a_pseudonym_in_the_gender_column_is_refused(project):
    edit(project / "data/participants.csv", "Dai,Male", "Dai,Alys")
    _, problems = load(project)
    assert problems == ["data/participants.csv row 5, column gender: error: 'Alys' is a pseudonym; write the "
                        "participant's gender here, never a name (gender counts are printed)"]


# ---------------------------------------------------------------- data-table

def table_ctx(root: Path, study: str | None = "data/study.yaml"):
    document = Document(id="paper2", kind="paper", files=[], options={"study": study} if study else {})
    return SimpleNamespace(project=SimpleNamespace(root=root, documents=[document]), problems=Problems(),
                           where="chapters/paper2/20-method.md:3")


@pytest.mark.parametrize("src", ["data/participants.csv", "data/../data/participants.csv", "./data/participants.csv"])
def test_data_table_refuses_the_participants_file(project, src):
    with pytest.raises(DirectiveError, match=re.escape(
            f"{src} holds the participants' rows; participant data reaches the thesis only through the "
            "demographics directive (.demographics), one characteristic at a time")):
        data_table.render({"src": src}, None, table_ctx(project, study=None))


def test_data_table_refuses_the_file_a_study_config_names_as_participants(project):
    (project / "data/participants.csv").rename(project / "data/people.yaml")
    edit(project / "data/study.yaml", "participants: data/participants.csv", "participants: data/people.yaml")
    with pytest.raises(DirectiveError, match="data/people.yaml holds the participants' rows"):
        data_table.render({"src": "data/people.yaml"}, None, table_ctx(project))


def test_data_table_still_renders_other_tables(project):
    ctx = table_ctx(project)
    assert len(data_table.render({"src": "data/tables/criteria.yaml"}, None, ctx)) == 1 and ctx.problems.items == []


# ---------------------------------------------------------------- values in prose

@pytest.mark.parametrize("root", [GOLDEN_DATA, ROOT], ids=["golden", "example"])
def test_study_values_hold_aggregates_only(root):
    study, problems = load(root)
    assert problems == []
    names = {n.lower() for n in pseudonyms(root)}
    flat = values.flatten({"study": values.study_values(study)})
    for name, value in flat:
        assert not names & set(re.findall(r"\w+", f"{name} {value}".lower())), (name, value)
        assert not (isinstance(value, (list, tuple)) and len(value) == len(study.participants)), name
    assert dict(flat)["study.experience.max"] == ">20"


@pytest.mark.parametrize("template", ["{{ study }}", "{{ study.participants }}",
                                      "{{ study.participants.gender.items() | list }}", "{{ study.values() | list }}",
                                      "{% for k, v in study.items() %}{{ k }}={{ v }} {% endfor %}"])
def test_reading_the_whole_study_in_prose_shows_no_pseudonym(project, template):
    study, _ = load(project)
    problems = Problems()
    out = values.render(template, {"study": values.study_values(study)}, "chapters/paper2/20-method.md", problems)
    assert problems.items == [] and not any(name in out for name in pseudonyms(project))


@pytest.mark.parametrize("template", ["{{ study.__class__ }}", "{{ study.participants.__class__.__mro__ }}"])
def test_python_internals_of_the_study_values_are_out_of_reach(project, template):
    study, _ = load(project)
    problems = Problems()
    out = values.render(template, {"study": values.study_values(study)}, "chapters/paper2/20-method.md", problems)
    assert out == template and [p.where for p in problems.items] == ["chapters/paper2/20-method.md:1"]


# ---------------------------------------------------------------- through the real build

def error_lines(result) -> list[str]:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def test_build_refuses_a_data_table_of_the_participants(tmp_path):
    project = copy_project(tmp_path / "p")
    chapter = project / "chapters/paper2/20-method.md"
    text = chapter.read_text()
    chapter.write_text(text + '\n::: {#tbl:people .data-table src="data/participants.csv" title="Participants"}\n:::\n')
    line = len(text.splitlines()) + 2
    assert error_lines(run_build(project, "thesis")) == [
        f"chapters/paper2/20-method.md:{line}: error: data-table: data/participants.csv holds the participants' rows; "
        "participant data reaches the thesis only through the demographics directive (.demographics), one "
        "characteristic at a time"]


def test_build_refuses_an_age_band_of_one_year(tmp_path):
    project = copy_project(tmp_path / "p")
    edit(project / "data/study.yaml", '"41-50": [41, 50]', '"41-50": [41, 50]\n  "47": [47, 47]')
    lines = error_lines(run_build(project, "thesis"))
    assert len(lines) == 1 and lines[0].startswith("data/study.yaml: error: age band '47' ([47, 47]) covers fewer "
                                                   "than 5 years"), lines


def test_participant_data_cannot_be_included_verbatim(project):
    """`{% include %}` reads Markdown only: a chapter cannot paste participants.csv into the thesis."""
    from thesiskit import values
    from thesiskit.problems import Problems

    problems = Problems()
    out = values.render('Table:\n{% include "data/participants.csv" %}\n', {}, "chapters/paper2/30-results.md",
                        problems, values.environment(project))
    assert [p.line() for p in problems.items] == [
        "chapters/paper2/30-results.md:2: error: 'data/participants.csv' is not a Markdown file; include only .md "
        "files (data files reach the text through directives and {{ values }}, participant data only in aggregate)"]
    assert "Male" not in out
