"""Data files validated when read: each mistake is one problem naming the file, row and column, the
bad value and what is allowed. Runs the loaders directly on a copy of tests/golden/_data."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from thesiskit import data
from thesiskit.problems import Problems

from .conftest import edit

def load(project: Path, bib_keys=None) -> Problems:
    problems = Problems()
    data.load_review(project, "data/review.yaml", bib_keys, problems)
    data.load_study(project, "data/study.yaml", problems)
    return problems


CASES = {
    "unknown answer": (lambda p: edit(p / "data/casp.csv", "2,Yes,Can't tell,No", "2,Yes,Maybe,No"),
                       r'^data/casp\.csv row 3, column q2: "Maybe" is not an answer; use Yes, Partial, Can\'t tell or No$'),
    "unknown q10 answer": (lambda p: edit(p / "data/casp.csv", "3,Yes,Yes,Yes,Yes", "3,Yes,Yes,Yes,Partial"),
                           r"^data/casp\.csv row 4, column q10a: \"Partial\" is not an answer; use Yes or No$"),
    "answers for an unknown study": (lambda p: edit(p / "data/casp-second.csv", "3,Yes", "7,Yes"),
                                     r"^data/casp-second\.csv row 3, column study: study 7 is not in studies\.csv; use one of 1, 2, 3$"),
    "missing answers": (lambda p: edit(p / "data/casp.csv", "3,Yes,Yes,Yes,Yes,\n", ""),
                        r"^data/casp\.csv: has no answers for study 3; add a row"),
    "missing column": (lambda p: edit(p / "data/casp.csv", "study,q1,q2,q3,q10a", "study,q1,q2,q4,q10a"),
                       r"^data/casp\.csv row 1: missing column q3; the file needs: study, q1, q2, q3, q10a$"),
    "ragged row": (lambda p: edit(p / "data/casp.csv", "3,Yes,Yes,Yes,Yes,", "3,Yes,Yes,Yes,Yes,,extra"),
                   r"^data/casp\.csv row 4: has 7 cells but the header has 6; check for a missing or extra comma"),
    "duplicate study": (lambda p: edit(p / "data/studies.csv", "3,brown2020", "2,brown2020"),
                        r"^data/studies\.csv row 4, column study: study 2 appears twice \(also row 3\)"),
    "duplicate key": (lambda p: edit(p / "data/studies.csv", "3,brown2020", "3,jones2015"),
                      r"^data/studies\.csv row 4, column key: 'jones2015' is also study 2"),
    "negative count": (lambda p: edit(p / "data/studies.csv", "A First Study,To explore *peer* work.,10,6,4",
                                      "A First Study,To explore *peer* work.,-10,6,4"),
                       r"^data/studies\.csv row 2, column sample_size: -10 is negative; counts cannot be below 0$"),
    "not a number": (lambda p: edit(p / "data/studies.csv", ",10,6,4,", ",ten,6,4,"),
                     r'^data/studies\.csv row 2, column sample_size: "ten" is not a whole number'),
    "genders do not add up": (lambda p: edit(p / "data/studies.csv", ",12,5,6,1,", ",12,5,6,2,"),
                              r"^data/studies\.csv row 4, column sample_size: 12 participants but females \+ males \+ gender_other = 13"),
    "grid names an unknown study": (lambda p: edit(p / "data/synthesis.yaml", "studies: [1, 3]", "studies: [1, 9]"),
                                    r"^data/synthesis\.yaml: construct 'Connection with peers' names study 9, which is not in studies\.csv"),
    "construct named twice": (lambda p: edit(p / "data/synthesis.yaml", "construct: Connection with peers", "construct: Role clarity"),
                              r"^data/synthesis\.yaml: construct 'Role clarity' appears twice"),
    "link to an unknown concept": (lambda p: edit(p / "data/synthesis.yaml", "[Organisational practices, Relational factors]",
                                                  "[Organisational practices, Internal processes]"),
                                   r"^data/synthesis\.yaml: link .*: 'Internal processes' is not a concept of the grid; name two of"),
    "PRISMA boxes do not add up": (lambda p: edit(p / "data/prisma.yaml", "records_screened: 80", "records_screened: 81"),
                                   r"^data/prisma\.yaml:5: records_screened is 81 but identified \(105\) minus removed before screening \(25\) is 80"),
    "PRISMA inclusion does not add up": (lambda p: edit(p / "data/prisma.yaml", "new_reports: 3", "new_reports: 4"),
                                         r"^data/prisma\.yaml:17: new_reports is 4 but dbr_assessed \(9\) minus dbr_excluded \(6\) is 3"),
    "PRISMA studies more than reports": (lambda p: edit(p / "data/prisma.yaml", "new_studies: 3", "new_studies: 4"),
                                         r"^data/prisma\.yaml:16: new_studies is 4 but new_reports is 3; every study has at least one report"),
    "PRISMA studies not those of studies.csv": (lambda p: edit(p / "data/prisma.yaml", "new_studies: 3", "new_studies: 2"),
                                                r"^data/prisma\.yaml:16: new_studies is 2 but data/studies\.csv lists 3 included studies; fix the count or the file"),
    "negative PRISMA count": (lambda p: edit(p / "data/prisma.yaml", "duplicates: 25", "duplicates: -25"),
                              r"^data/prisma\.yaml:4: duplicates: -25 is not a count"),
    "malformed YAML": (lambda p: edit(p / "data/prisma.yaml", "duplicates: 25", "duplicates: [25"),
                       r"^data/prisma\.yaml:\d+: the YAML is malformed"),
    "non-UTF-8 CSV": (lambda p: (p / "data/participants.csv").write_bytes(
        (p / "data/participants.csv").read_text().replace("Eira", "Efa Ŵ").encode("utf-16")),
        r"^data/participants\.csv: is not UTF-8 text .*save it as UTF-8"),
    "empty CSV": (lambda p: (p / "data/casp-second.csv").write_text(""),
                  r"^data/casp-second\.csv: the file is empty"),
    "participant age outside every band": (lambda p: edit(p / "data/participants.csv", "Eira,Non-binary,29", "Eira,Non-binary,16"),
                                           r"^data/participants\.csv row 6, column age: 16 falls in no band of 'age'"),
    "duplicate pseudonym": (lambda p: edit(p / "data/participants.csv", "Dai,", "Alys,"),
                            r"^data/participants\.csv row 5, column pseudonym: 'Alys' is also row 2"),
    "data path outside the project": (lambda p: edit(p / "data/review.yaml", "prisma: data/prisma.yaml", "prisma: ../../prisma.yaml"),
                                      r"^data/review\.yaml: '\.\./\.\./prisma\.yaml' leads outside the project folder"),
    "absolute data path": (lambda p: edit(p / "data/review.yaml", "prisma: data/prisma.yaml", "prisma: /etc/passwd"),
                           r"^data/review\.yaml: '/etc/passwd' is an absolute path"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_clear_problem(name, project):
    breaker, pattern = CASES[name]
    breaker(project)
    problems = load(project)
    lines = [f"{p.where}: {p.message}" for p in problems.errors]
    assert len(lines) == 1, lines
    assert re.search(pattern, lines[0]), lines[0]


def test_symlink_out_of_the_project_is_refused(project, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text((project / "data/participants.csv").read_text())
    (project / "data/participants.csv").unlink()
    (project / "data/participants.csv").symlink_to(outside)
    problems = load(project)
    assert [p.message for p in problems.errors] == [
        "'data/participants.csv' leads outside the project folder; keep data files inside it "
        "(a symbolic link out of the project counts as outside)"]


def test_clean_data_and_bom_load_without_problems(project):
    text = (project / "data/studies.csv").read_text()
    (project / "data/studies.csv").write_text("\ufeff" + text)  # Excel's "CSV UTF-8" writes a BOM
    problems = load(project, bib_keys={"smith2012", "jones2015", "brown2020"})
    assert problems.items == []


def test_study_key_must_exist_in_the_bibliography(project):
    problems = load(project, bib_keys={"smith2012", "jones2015", "brown2021"})
    assert [f"{p.where}: {p.message}" for p in problems.errors] == [
        "data/studies.csv row 4, column key: 'brown2020' is not a key of the bibliography; did you mean brown2021?"]


def test_scores_grades_and_agreement_are_computed(project):
    problems = Problems()
    review = data.load_review(project, "data/review.yaml", None, problems)
    appraisal = review.appraisal
    assert [appraisal.score(n) for n in (1, 2, 3)] == [2.5, 1.5, 3.0]
    assert [appraisal.rating(n) for n in (1, 2, 3)] == ["2.5 (A)", "1.5 (B)", "3 (A)"]
    agreed, items, kappa = appraisal.agreement()
    assert (agreed, items) == (5, 6)
    assert kappa == pytest.approx(0.0, abs=1e-9) or kappa < 1  # one Partial vs Yes among Yes answers


def test_cohens_kappa_textbook_example():
    # 50 items: both Yes 20, both No 15, Yes/No 5, No/Yes 10 -> p_o = .70, p_e = .50, kappa = .40
    pairs = [("Yes", "Yes")] * 20 + [("No", "No")] * 15 + [("Yes", "No")] * 5 + [("No", "Yes")] * 10
    assert data.cohens_kappa(pairs) == pytest.approx(0.4)
