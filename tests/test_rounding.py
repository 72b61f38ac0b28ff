"""Numbers as APA readers expect them: rounded half up at the declared decimals, the same digits in a
table and in the prose, percentages said rather than guessed, and a value that does not exist refused
with one clear line (never Python's TypeError text)."""
from __future__ import annotations

import docx
import pytest

from thesiskit import disclosure, rounding, values
from thesiskit.problems import Problems
from thesiskit.rounding import Rounded

from .conftest import copy_project, run_build


@pytest.mark.parametrize("value, digits, expected", [
    (4.25, 1, "4.3"), (64.5, 0, "65"), (0.125, 2, "0.13"), (2.675, 2, "2.68"), (1.005, 2, "1.01"),
    (-2.5, 0, "-3"), (-0.04, 1, "0.0"), (8, 1, "8.0"), (7.45, 1, "7.5"), (0.9117, 2, "0.91"),
])
def test_half_up_on_the_number_as_written(value, digits, expected):
    # round() and format() give 4.2, 64, 0.12, 2.67 and 1.0 for the first five
    assert rounding.fixed(value, digits) == expected


def test_trimmed_and_grouped():
    assert [rounding.trimmed(v) for v in (7.0, 7.5, 6.25, 2 / 3, 4.125)] == ["7", "7.5", "6.25", "0.67", "4.13"]
    assert rounding.grouped(5041) == "5,041" and rounding.grouped(1234.565) == "1,234.57"
    assert rounding.grouped(-1234.5) == "-1,234.5" and rounding.grouped(12.5, 1, exact=True) == "12.5"


def test_a_rounded_value_keeps_its_decimals():
    mean = Rounded(4.25, 1)
    assert (str(mean), float(mean), mean.digits) == ("4.3", 4.3, 1)
    assert str(Rounded(8, 1)) == "8.0" and values.thousands(Rounded(8, 1)) == "8.0"
    assert values.apa_number(Rounded(4.0, 1)) == "4.0"  # a mean, not a count: no "four"


def test_every_filter_rounds_half_up():
    assert values.decimals(0.125) == ".13"
    assert values.percent(0.0125) == "1.3%" and values.percent(0.625, 0) == "63%"
    assert values.thousands(1234.565) == "1,234.57" and values.thousands(4.25, 1) == "4.3"
    assert values.score(6.25) == "6.25" and values.score(7.0) == "7" and values.score(4.125) == "4.13"
    assert values.apa_number(2.5) == "2.5"


@pytest.mark.parametrize("numbers, digits, mean", [
    ([4, 4.5, 4, 4.5], 1, 4.3),  # 4.25: round() gives 4.2
    ([64, 65, 64, 65], 0, 65),  # 64.5: round() gives 64
    ([0.1, 0.2, 0.1, 0.2], 2, 0.15),  # 0.15 exactly, not 0.15000000000000002 rounded
    ([3, 12, 6, 9], 1, 7.5),
])
def test_a_mean_is_rounded_half_up_and_its_withholding_is_unchanged(numbers, digits, mean):
    spread = disclosure.spread(numbers, digits=digits)
    assert spread.mean == mean and str(spread.mean) == (f"{mean:.{digits}f}" if digits else str(mean))
    assert disclosure.spread([40, 50, 60], digits=digits).mean is None  # still withheld: it would give the third


def render(text: str, context: dict) -> tuple[str, list[str]]:
    problems = Problems()
    out = values.render(text, context, "chapters/paper1/20-method.md", problems)
    return out, [p.line() for p in problems.items]


def test_pct_takes_a_proportion_and_says_what_to_do_with_anything_else():
    agreement = {"share": 35 / 36, "agreed": 35, "pairs": 36}
    context = {"a": agreement}
    assert render("{{ a.share | pct }}; {{ a.share | pct(0) }}", context) == ("97.2%; 97%", [])
    assert render("{{ a.agreed | pct(of=a.pairs) }}; {{ 97.2 | pct(of=100) }}", context) == ("97.2%; 97.2%", [])
    out, problems = render("Line one.\nAgreed on {{ a.agreed | pct }}.", context)
    assert problems == ["chapters/paper1/20-method.md:2: error: pct was given 35, which is not a proportion "
                        "between 0 and 1; write | pct(of=100) for a value that is already a percentage, or "
                        "| pct(of=N) for a count out of N"]
    _, problems = render("{{ a.agreed | pct(of=0) }}", context)
    assert "of= is the whole that the value is a part of" in problems[0]


def test_a_value_with_no_value_is_one_clear_line_for_every_filter_and_in_print():
    missing = values.NoValue("review.casp.agreement.share", "no study was rated by a second reviewer", "add them")
    context = {"a": {"share": missing}, "raw": None, "text": "many"}
    for expression in ("{{ a.share | pct }}", "{{ a.share | decimals }}", "{{ a.share | num }}", "{{ a.share }}",
                       "{{ a.share | apa }}", "{{ a.share | score }}", "{{ (a.share > 0.5) }}"):
        out, problems = render(f"x\n{expression}\n", context)
        assert problems == ["chapters/paper1/20-method.md:2: error: review.casp.agreement.share has no value: no "
                            "study was rated by a second reviewer; add them"], expression
        assert out == f"x\n{expression}\n"
    assert render("{% if a.share %}{{ a.share | pct }}{% else %}no second rater{% endif %}", context) == (
        "no second rater", [])
    _, problems = render("{{ raw | pct }}", context)
    assert problems[0].startswith("chapters/paper1/20-method.md:1: error: the value given to | pct has no value "
                                  "(None); ")
    _, problems = render("{{ raw }}", context)
    assert "has no value (None)" in problems[0] and "TypeError" not in problems[0]
    _, problems = render("{{ text | decimals }}", context)
    assert problems == ["chapters/paper1/20-method.md:1: error: decimals needs a number, but was given the text "
                        "'many'; use it on a number (`python build.py values` lists each value with its current "
                        "value)"]


def test_no_second_rater_gives_values_with_no_value(project):
    from thesiskit import data

    (project / "data/review.yaml").write_text((project / "data/review.yaml").read_text().replace(
        "  second-rater: data/casp-second.csv\n", ""))
    review = data.load_review(project, "data/review.yaml", None, Problems())
    agreement = values.review_values(review)["casp"]["agreement"]
    assert isinstance(agreement["share"], values.NoValue) and isinstance(agreement["kappa"], values.NoValue)
    assert str(agreement["share"]).startswith("(no value: no study was rated by a second reviewer")


def test_a_mean_of_4_25_and_of_64_5_print_as_readers_expect_in_table_and_prose(tmp_path):
    """End to end: the demographics table and the sentences print 4.3 and 65, not 4.2 and 64."""
    project = copy_project(tmp_path / "p")
    rows = [("Jimmy", "Male", 47, 1, 40), ("Greg", "Male", 63, 2, 48), ("Brian", "Male", 38, 1.5, 70),
            ("Steve", "Male", 55, 2, 61), ("Ffion", "Female", 52, 1, 66), ("Jane", "Female", 34, 3, 57),
            ("Clare", "Female", 44, 22, 52), ("Denise", "Female", 67, 2, 45), ("Cerys", "Female", 58, 3, 76),
            ("Bethan", "Female", 41, 5, 130)]  # years: mean 42.5 / 10 = 4.25; minutes: 645 / 10 = 64.5
    (project / "data/participants.csv").write_text(
        "pseudonym,gender,age,years_experience,interview_minutes\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    method = project / "chapters/paper2/20-method.md"
    text = method.read_text()
    assert "averaging {{ study.experience.mean | num }} years" in text
    method.write_text(text.replace("averaging {{ study.experience.mean | num }} years",
                                   "averaging {{ study.experience.mean | num }} ({{ study.experience.mean }}) years, "
                                   "in interviews of {{ study.interview.mean }} minutes on average"))
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(project / "build/thesis/thesis.docx"))
    prose = "\n".join(p.text for p in document.paragraphs)
    assert "averaging 4.3 (4.3) years, in interviews of 65 minutes on average" in prose
    table = next(t for t in document.tables if any(c.text == "Years of co-production experience"
                                                   for row in t.rows for c in row.cells))
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert ["Mean", "4.3"] in cells and ["Mean", "4.2"] not in cells
