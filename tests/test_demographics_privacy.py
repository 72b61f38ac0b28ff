"""The demographics promise (one characteristic at a time, never a participant's row, never two crossed)
tried the ways an author or a supervisor might get around it: options, narrow or overlapping age bands,
a missing or too-high top code, the data-table directive pointed at the participants file, and values
in prose. Each route ends in one clear problem. Unit level on a copy of tests/golden/_data; two builds."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thesiskit.directives import data_table, demographics
from thesiskit.directives import parse_options
from thesiskit.directives.options import DirectiveError
from thesiskit import data, disclosure, values
from thesiskit.disclosure import NOT_REPORTED, Cell, pool_label

POOL = pool_label("Gender")
SHOW = ["gender", "age", "experience", "interview"]  # what the golden and example studies declare
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
def test_show_names_characteristics_only(project, show):
    parsed, lines = options({"show": show})
    assert lines == []
    study, _ = load(project)
    with pytest.raises(DirectiveError, match=r"show: '.*' is not one of gender, age, experience, interview \(the "
                                             r"characteristics data/study\.yaml declares\)"):
        demographics.rows(study, parsed["show"])


def test_show_several_characteristics_one_after_another_is_allowed(project):
    parsed, lines = options({"show": "age gender", "title": "Ages, then genders"})
    assert (parsed, lines) == ({"show": ["age", "gender"]}, [])
    study, _ = load(project)
    cells = demographics.rows(study, parsed["show"])
    assert [c[0] for c in cells if c[0].startswith("**")] == ["**Age (years)**", "**Gender**"]  # in the order asked, not crossed


# ---------------------------------------------------------------- the table's rows

@pytest.mark.parametrize("show", [["gender"], ["age"], ["experience"], ["interview"], list(SHOW)])
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
    assert problems == [] and [b[0] for b in study.characteristic("age").bands] == [
        "18-30", "31-40", "41-50", "51-60", "Over 60"]


@pytest.mark.parametrize("old, new, pattern", [
    ('"18-40": [18, 40]', '"18-40": [18, 40]\n      "47": [47, 47]',
     r"^data/study\.yaml:\d+: error: band '47' of 'age' \(\[47, 47\]\) covers fewer than 5 values, so its count could "
     r"reveal exact values; widen it or merge it with a neighbour \(an open-ended band such as \[61, null\] is fine\)$"),
    ('"18-40": [18, 40]', '"18-21": [18, 21]\n      "22-40": [22, 40]', r"^data/study\.yaml:\d+: error: band '18-21'"),
    ('"41-60": [41, 60]', '"41-60": [41, 60]\n      "41-61": [41, 61]',
     r"^data/study\.yaml:\d+: error: band '41-61' of 'age' overlaps '41-60'; make the bands separate, or subtracting "
     r"their counts reveals exact values$"),
    ('"Over 60": [61, null]', '"Over 60": [61, null]\n      "Over 62": [63, null]',
     r"^data/study\.yaml:\d+: error: band 'Over 62' of 'age' overlaps 'Over 60'"),
    ("top-code: 20", "top-code: 25",
     r"^data/study\.yaml:\d+: error: characteristic 'experience': top-code 25 is too high; set it below the highest "
     r"years_experience"),
    ("top-code: 20", "top-code: twenty",
     r"^data/study\.yaml:\d+: error: characteristic 'experience': decimals, codes and range are numbers"),
], ids=["one-year band", "four-year band", "overlapping bands", "overlapping open-ended bands",
        "top code at the maximum", "top code not a number"])
def test_study_config_that_would_reveal_a_person_is_one_clear_problem(project, old, new, pattern):
    edit(project / "data/study.yaml", old, new)
    _, problems = load(project)
    assert len(problems) == 1, problems
    assert re.search(pattern, problems[0]), problems[0]


def test_five_year_bands_and_a_top_code_just_below_the_maximum_pass(project):
    edit(project / "data/study.yaml", '"18-40": [18, 40]', '"18-22": [18, 22]\n      "23-40": [23, 40]')
    edit(project / "data/study.yaml", "top-code: 20", "top-code: 24.5")
    study, problems = load(project)
    assert problems == [] and study.characteristic("experience").top_code == 24.5


def test_without_a_top_code_the_range_is_exact(project):
    """An experience maximum of 12 printed as "more than 10" was all a study could do; a top code is
    the study's choice now."""
    edit(project / "data/study.yaml", ", top-code: 20}", "}")
    study, problems = load(project)
    assert problems == []
    cells = demographics.rows(study, ["experience"])
    assert ["Range", "1.5 to 25"] in cells


def test_a_pseudonym_in_the_gender_column_is_refused(project):
    edit(project / "data/participants.csv", "Dai,Male", "Dai,Alys")
    _, problems = load(project)
    assert problems == ["data/participants.csv row 5, column gender: error: 'Alys' is a pseudonym; write the "
                        "participant's gender here, never a name (its counts are printed)"]


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
                                      "{{ study.gender.items() | list }}", "{{ study.values() | list }}",
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
    edit(project / "data/study.yaml", '"41-50": [41, 50]', '"41-50": [41, 50]\n      "47": [47, 47]')
    lines = error_lines(run_build(project, "thesis"))
    assert len(lines) == 1 and lines[0].startswith("data/study.yaml:18: error: band '47' of 'age' ([47, 47]) covers "
                                                   "fewer than 5 values"), lines


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


# ---------------------------------------------------------------- disclosure control: the pure aggregation


CHARACTERISTICS = [
    data.Characteristic("gender", "gender", "Gender", "category"),
    data.Characteristic("age", "age", "Age (years)", "number", bands=[("18-40", 18, 40)], whole=True),
    data.Characteristic("experience", "years_experience", "Years of co-production experience", "number", top_code=3),
    data.Characteristic("interview", "interview_minutes", "Interview length (minutes)", "number", decimals=0),
]


def person(gender="Female", age=40, years=5.0, minutes=50):
    return data.Participant("P", {"gender": gender, "age": age, "experience": years, "interview": minutes})


def labels_and_counts(cells: list[Cell]) -> list[tuple[str, int]]:
    return [(c.label, c.count) for c in cells]


def test_genders_are_counted_case_insensitively_with_one_spelling():
    assert disclosure.category_counts(["female", "Female", "FEMALE", "male", "Male"]) == {"Female": 3, "Male": 2}


@pytest.mark.parametrize("counts, k, expected", [
    ({"Female": 6, "Male": 4}, 3, [("Female", 6), ("Male", 4)]),  # nothing small: as counted
    ({"Female": 5, "Male": 4, "Non-binary": 2, "Not stated": 1}, 3,  # the small ones pooled, pool last
     [("Female", 5), ("Male", 4), (POOL, 3)]),
    ({"Female": 6, "Male": 3, "Non-binary": 1}, 3,  # a pool of one joins the smallest shown category
     [("Female", 6), ("Male, another gender or not stated", 4)]),
    ({"Female": 4, "Male": 4, "Non-binary": 1}, 3,  # a tie: the first by label
     [("Female, another gender or not stated", 5), ("Male", 4)]),
    ({"Female": 2, "Male": 2, "Non-binary": 1}, 3, [(NOT_REPORTED, 5)]),  # no category reaches k
    ({"Female": 8, "Male": 2}, 3, [("Female, another gender or not stated", 10)]),
    ({"Female": 2, "Male": 2, "Non-binary": 1}, 2,  # k = 2: only the one is pooled, then joined
     [("Female, another gender or not stated", 3), ("Male", 2)]),
    ({"Female": 5, "Male": 0}, 3, [("Female", 5)]),  # an empty category is not a row
])
def test_small_categories_are_pooled_or_merged(counts, k, expected):
    assert labels_and_counts(disclosure.pool_categories(counts, k, POOL)) == expected


def test_a_joined_category_records_which_members_were_small():
    joined, = [c for c in disclosure.pool_categories({"Female": 6, "Male": 3, "Non-binary": 1}, 3, POOL) if c.combined]
    assert joined.members == ("Male", "Non-binary") and joined.small == ("Non-binary",)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["Female", "Male", "Non-binary", "Agender", "Not stated", "Other"]),
                       st.integers(min_value=0, max_value=12), min_size=1), st.integers(min_value=2, max_value=5))
def test_every_printed_gender_count_is_at_least_k_and_they_add_up(counts, k):
    """No small count is printed, and none follows by subtracting printed counts from the total."""
    total = sum(counts.values())
    if total < k:
        return  # a study below the minimum prints no characteristic (tested below)
    cells = disclosure.pool_categories(counts, k, POOL)
    assert all(c.count >= k for c in cells), cells
    assert sum(c.count for c in cells) == total
    assert sorted(m for c in cells for m in c.members) == sorted(g for g, n in counts.items() if n)
    assert all(c.count == sum(counts[m] for m in c.members) for c in cells)  # every row is a true count


EXAMPLE_BANDS = [("18-30", 18, 30, 0), ("31-40", 31, 40, 2), ("41-50", 41, 50, 3), ("51-60", 51, 60, 3),
                 ("Over 60", 61, None, 2)]


@pytest.mark.parametrize("bands, k, expected", [
    (EXAMPLE_BANDS, 3, [("31–50", 5), ("51 and over", 5)]),  # the worked example
    (EXAMPLE_BANDS, 2, [("31-40", 2), ("41-50", 3), ("51-60", 3), ("Over 60", 2)]),  # nothing below 2: labels kept
    ([("18-30", 18, 30, 4), ("31-40", 31, 40, 1), ("41-50", 41, 50, 6)], 3,  # the smaller neighbour is chosen
     [("18–40", 5), ("41-50", 6)]),
    ([("18-30", 18, 30, 6), ("31-40", 31, 40, 1), ("41-50", 41, 50, 4)], 3, [("18-30", 6), ("31–50", 5)]),
    ([("18-30", 18, 30, 3), ("31-40", 31, 40, 1), ("41-50", 41, 50, 3)], 3,  # a tie: the younger
     [("18–40", 4), ("41-50", 3)]),
    ([("18-30", 18, 30, 1), ("31-40", 31, 40, 1), ("41-50", 41, 50, 1), ("51-60", 51, 60, 5)], 3,
     [("18–50", 3), ("51-60", 5)]),  # a merged band still below k merges again
    ([("18-30", 18, 30, 2), ("31-40", 31, 40, 0), ("41-50", 41, 50, 4)], 3,  # across an empty band
     [("18–50", 6)]),
    ([("Over 60", 61, None, 1), ("18-40", 18, 40, 5), ("41-60", 41, 60, 4)], 3,  # written out of order
     [("18-40", 5), ("41 and over", 5)]),
    ([("18-40", 18, 40, 2), ("41-60", 41, 60, 2), ("Over 60", 61, None, 1)], 3, [("18 and over", 5)]),
])
def test_small_age_bands_merge_with_a_neighbour(bands, k, expected):
    assert labels_and_counts(disclosure.merge_bands(bands, k)) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=8), min_size=1, max_size=8), st.integers(min_value=2, max_value=5))
def test_every_printed_band_holds_k_or_more_and_the_bands_stay_in_order(counts, k):
    bands = [(f"{18 + 10 * i}-{27 + 10 * i}", 18 + 10 * i, 27 + 10 * i, n) for i, n in enumerate(counts)]
    if sum(counts) < k:
        return
    cells = disclosure.merge_bands(bands, k)
    assert all(c.count >= k for c in cells) and sum(c.count for c in cells) == sum(counts)
    assert all(a.hi < b.lo for a, b in zip(cells, cells[1:]))  # separate, ascending: no overlap to subtract
    for cell in cells:
        inside = [n for label, lo, hi, n in bands if cell.lo <= lo and hi <= cell.hi]
        assert cell.count == sum(inside)  # a merged band's label tells the truth about its bounds
        assert cell.label == (cell.members[0] if not cell.combined else f"{cell.lo}–{cell.hi}")


@pytest.mark.parametrize("values, top, bottom, mean", [
    ([3, 12, 6, 9], 10, None, 7.5),  # four values, the lowest exact, the highest top-coded: three unseen
    ([3, 12, 6], 10, None, 7.0),  # two unseen: the mean gives their sum, not either value
    ([3, 12], 10, None, None),  # one unseen: mean x 2 - 3 is the top-coded person's 12
    ([12], 10, None, None),  # one participant: the mean is their value and undoes the top code
    ([40, 50, 60], None, None, None),  # lowest and highest exact: the mean gives the third
    ([40, 50, 60, 70], None, None, 55.0),
    ([40, 50, 60], None, 45, 50.0),  # bottom-coded lowest: two unseen
    ([40, 50, 60], 55, 45, 50.0),
])
def test_a_mean_is_withheld_where_it_would_reveal_a_value(values, top, bottom, mean):
    assert disclosure.spread(values, top_code=top, bottom_code=bottom).mean == mean


def test_a_study_below_the_minimum_has_no_characteristics():
    agg = disclosure.aggregate([person(), person()], CHARACTERISTICS, 3)
    assert agg.too_small and agg.results == {}
    assert not disclosure.aggregate([person()] * 3, CHARACTERISTICS, 3).too_small


def test_each_aggregate_is_computed_once_and_read_by_table_and_values():
    study, _ = load(ROOT)
    assert study.aggregates is study.aggregates  # cached on the study, not recomputed per reader
    table = demographics.rows(study, SHOW)
    prose = values.study_values(study)
    assert [r for r in table if r[0] in prose["age"]] == [[k, str(v)] for k, v in prose["age"].items()]
    genders = [r for r in table if r[0] in ("Female", "Male")]
    assert genders == [[label, str(prose["gender"][label.lower()])] for label, _ in genders]
    assert ["Mean", f"{prose['experience']['mean']:.1f}"] in table


def test_the_table_and_the_values_agree_on_mixed_capitalisation(project):
    """Before, the table capitalised genders and the values lower-cased them: two counts of one fact."""
    edit(project / "data/participants.csv", "Dai,Male", "Dai,male")
    edit(project / "data/participants.csv", "Gwyn,Male", "Gwyn,MALE")
    study, problems = load(project)
    assert problems == []
    assert ["Male", "4"] in demographics.rows(study, ["gender"])
    assert values.study_values(study)["gender"]["male"] == 4


# ---------------------------------------------------------------- disclosure control: the golden study

def test_the_golden_study_table_pools_a_gender_and_merges_a_band(project):
    study, _ = load(project)
    assert demographics.rows(study, ["gender", "age"]) == [
        ["**Gender**", ""], ["Female, another gender or not stated", "5"], ["Male", "4"],
        ["**Age (years)**", ""], ["18-40", "3"], ["41 and over", "6"]]


def test_min_cell_size_is_read_from_study_yaml(project):
    edit(project / "data/study.yaml", "participants: data/participants.csv", "participants: data/participants.csv\nmin-cell-size: 2")
    study, problems = load(project)
    assert problems == [] and study.min_cell_size == 2
    assert demographics.rows(study, ["age"])[1:] == [["18-40", "3"], ["41-60", "4"], ["Over 60", "2"]]


@pytest.mark.parametrize("value, what", [
    ("1", "1 is below 2, and a count of one person identifies that person"),
    ("0", "0 is below 2"),
    ("three", "'three' is not a whole number"),
    ("2.5", "2.5 is not a whole number"),
    ("true", "True is not a whole number"),
])
def test_an_invalid_min_cell_size_is_one_error_at_its_line(project, value, what):
    edit(project / "data/study.yaml", "participants: data/participants.csv", f"participants: data/participants.csv\nmin-cell-size: {value}")
    _, problems = load(project)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"data/study.yaml:2: error: min-cell-size: {what}"), problems[0]
    assert problems[0].endswith("; write a whole number of 2 or more, the fewest participants a printed count may "
                                "describe (3 when the line is left out, as statistical disclosure guidance sets)")


# ---------------------------------------------------------------- disclosure control: a study below the minimum

def small_study(root: Path, rows: int) -> data.StudyData:
    path = root / "data/participants.csv"
    path.write_text("\n".join(path.read_text().splitlines()[:rows + 1]) + "\n")
    study, problems = load(root)
    assert problems == [], problems  # a top code above the few participants' years is no error: nothing is printed
    return study


@pytest.mark.parametrize("rows", [1, 2])
def test_the_directive_refuses_a_study_below_the_minimum(project, rows):
    study = small_study(project, rows)
    people = "participant" if rows == 1 else "participants"
    with pytest.raises(DirectiveError, match=re.escape(
            f"data/study.yaml has {rows} {people}, fewer than the minimum cell size of 3, so every row would describe "
            "fewer than 3 people; take the table out and describe the sample without per-person characteristics")):
        demographics.rows(study, ["interview"])


def render_study(template: str, study) -> tuple[str, list[str]]:
    problems = Problems()
    out = values.render(template, {"study": values.study_values(study)}, "chapters/paper2/20-method.md", problems)
    return out, [p.line() for p in problems.items]


@pytest.mark.parametrize("name", ['study.gender', 'study.age', 'study.experience', 'study.interview'])
def test_a_study_below_the_minimum_withholds_every_characteristic_in_prose(project, name):
    study = small_study(project, 2)
    out, lines = render_study(f"Ten words.\nWe spoke to {{{{ {name} }}}} people.\n", study)
    assert lines == [f"chapters/paper2/20-method.md:2: error: {name} is withheld: data/study.yaml has 2 participants, "
                     "fewer than the minimum cell size of 3, so no characteristic of the sample can be printed; describe "
                     "the sample without it (only the number of participants, {{ study.participants.total }}, can be "
                     "printed)"]


def test_a_study_below_the_minimum_still_gives_its_total(project):
    out, lines = render_study("{{ study.participants.total | apa | cap }} took part (at least {{ study.min_cell_size }} "
                              "would be needed for more).", small_study(project, 2))
    assert (out, lines) == ("Two took part (at least 3 would be needed for more).", [])


# ---------------------------------------------------------------- disclosure control: withheld values in prose

@pytest.mark.parametrize("template, message", [
    ('{{ study.age["31-40"] | apa | cap }} were aged 31–40.',
     'study.age["31-40"] is withheld: \'31-40\' has fewer than 3 participants, so it is counted in \'31–50\' '
     '(minimum cell size 3, data/study.yaml); write {{ study.age["31–50"] }} instead'),
    ('{{ study.age["41-50"] }}',  # three on its own, but merged with the small band beside it
     'study.age["41-50"] is withheld: \'41-50\' is printed together with values of fewer than 3 participants, as '
     '\'31–50\', so that their count cannot be found by subtraction (minimum cell size 3, data/study.yaml); write '
     '{{ study.age["31–50"] }} instead'),
    ('{{ study.age["Over 60"] }}', "study.age[\"Over 60\"] is withheld: 'Over 60' has fewer than"),
])
def test_a_merged_age_band_asked_for_by_its_old_label_is_one_error(template, message):
    study, _ = load(ROOT)
    out, lines = render_study("The sample.\n\n" + template, study)
    assert len(lines) == 1 and lines[0].startswith(f"chapters/paper2/20-method.md:3: error: {message}"), lines


@pytest.mark.parametrize("template, out", [
    ('{{ study.age["31–50"] }} {{ study.age["31-50"] }} {{ study.age["51 and over"] }}', "5 5 5"),
    ("{{ study.age['18-30'] }}", "0"),  # an empty band is a true 0, though the table leaves it out
    ("{% for band, n in study.age.items() %}{{ band }}: {{ n }}; {% endfor %}", "31–50: 5; 51 and over: 5; "),
    ("{{ study.gender.Female }} {{ study.gender.female }}", "6 6"),
])
def test_the_printed_bands_and_genders_are_there_by_any_spelling(template, out):
    study, _ = load(ROOT)
    assert render_study(template, study) == (out, [])


@pytest.mark.parametrize("template, message", [
    ("{{ study.gender.non_binary }}",
     "study.gender.non_binary is withheld: 'Non-binary' has fewer than 3 participants, so it is counted in 'Female, "
     "another gender or not stated' (minimum cell size 3, data/study.yaml); write {{ study.gender.female_or_another }} "
     "instead"),
    ("{{ study.gender.female }}",
     "study.gender.female is withheld: 'Female' is printed together with values of fewer than 3 participants, "
     "as 'Female, another gender or not stated', so that their count cannot be found by subtraction"),
    ('{{ study.gender["Non-binary"] }}', 'study.gender["Non-binary"] is withheld'),
    ("{% if study.gender.non_binary is defined %}x{% endif %}", "study.gender.non_binary is withheld"),
    ("{{ study.gender.non_binary | default(0) }}", "study.gender.non_binary is withheld"),
])
def test_a_pooled_gender_is_one_error_and_the_sandbox_does_not_swallow_it(project, template, message):
    """Jinja's sandbox turns a LookupError or TypeError from [] into 'undefined', which `is defined`
    and `default` would hide; Withheld is neither, so the author hears about it."""
    study, _ = load(project)
    assert values.study_values(study)["gender"]["female_or_another"] == 5
    out, lines = render_study(template, study)
    assert len(lines) == 1 and lines[0].startswith(f"chapters/paper2/20-method.md:1: error: {message}"), lines


def test_a_mean_that_would_reveal_a_value_is_withheld_in_the_table_and_in_prose(project):
    small_study(project, 3)  # three interviews: lowest and highest printed, the mean would give the third
    study, _ = load(project)
    assert ["Range", "38 to 60"] in demographics.rows(study, ["interview"])
    assert values.study_values(study)["experience"]["mean"] == 11.0  # one exact extreme: two unseen, printed
    out, lines = render_study("{{ study.interview.min }} to {{ study.interview.max }}, mean {{ study.interview.mean }}",
                              study)
    assert lines == ["chapters/paper2/20-method.md:1: error: study.interview.mean is withheld: with 3 participants and "
                     "the lowest and the highest printed exactly, the mean would reveal one participant's interview "
                     "length; leave the mean out (the range can be printed)"]


def test_the_experience_mean_row_is_left_out_when_withheld(project):
    edit(project / "data/study.yaml", "participants: data/participants.csv", "participants: data/participants.csv\nmin-cell-size: 2")
    study = small_study(project, 2)  # k = 2, two participants: the lowest exact, the other top-coded
    assert demographics.rows(study, ["experience"]) == [["**Years of co-production experience**", ""],
                                                         ["Range", "2 to more than 20"]]
    _, lines = render_study("{{ study.experience.mean }}", study)
    assert lines and "study.experience.mean is withheld" in lines[0]


def test_the_values_command_says_what_is_withheld_and_what_to_write():
    study, _ = load(ROOT)
    flat = dict(values.flatten({"study": values.study_values(study)}))
    assert flat['study.age["31-40"]'] == '(withheld; write {{ study.age["31–50"] }} instead)'
    assert flat['study.age["31–50"]'] == 5 and flat["study.min_cell_size"] == 3


# ---------------------------------------------------------------- disclosure control: through the real build

def one_participant_project(dest: Path, chapter: str) -> Path:
    from .conftest import make_project

    project = make_project(dest, chapter)
    edit(project / "thesis.md", "    source: chapters/paper1\n", "    source: chapters/paper1\n    study: data/study.yaml\n")
    (project / "data").mkdir()
    shutil.copy2(GOLDEN_DATA / "data/study.yaml", project / "data/study.yaml")
    (project / "data/participants.csv").write_text("pseudonym,gender,age,years_experience,interview_minutes\n"
                                                   "Alys,Female,34,24,45\n")
    return project


def test_a_one_participant_study_builds_no_demographics_table(tmp_path):
    """Before, this built a table that was Alys's row, and its mean (24) undid the top code of 20."""
    chapter = ("::: abstract\nA short abstract.\n:::\n\n# Method\n\n{{ study.participants.total | apa | cap }} person "
               "took part.\n\n::: {#tbl:demo .demographics title=\"Participant Characteristics\"}\n:::\n")
    project = one_participant_project(tmp_path / "p", chapter)
    result = run_build(project, "thesis")
    assert error_lines(result) == [
        "chapters/paper1/00-paper.md:9: error: demographics: data/study.yaml has 1 participant, fewer than the minimum "
        "cell size of 3, so every row would describe fewer than 3 people; take the table out and describe the sample "
        "without per-person characteristics (only the number of participants can be printed)"]
    assert not (project / "build/thesis").exists() or not any((project / "build/thesis").iterdir())
