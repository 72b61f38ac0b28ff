"""Appraisal tools as data: any question ids, any subset scored, labels from the tool, comments on a
question or a group of questions shown wherever the tool has them, and the built-in tools (CASP
qualitative, JBI qualitative) named in the tables by their own short names."""
from __future__ import annotations

from pathlib import Path

import docx
import panflute as pf
import pytest

from thesiskit import data
from thesiskit.directives import casp_checklist, casp_grades, casp_scores, study_characteristics
from thesiskit.problems import Problems


def load(project: Path) -> tuple[data.Review | None, list[str]]:
    problems = Problems()
    review = data.load_review(project, "data/review.yaml", None, problems)
    return review, [p.line() for p in problems.items]


def cells(table: pf.Table) -> list[list[str]]:
    return [[pf.stringify(c).strip() for c in row.content] for part in (table.head, *table.content)
            for row in part.content]


def review_file(project: Path, appraisal: str) -> None:
    (project / "data/review.yaml").write_text(
        "studies: data/studies.csv\nappraisal:\n" + appraisal +
        "  grades:\n    - {grade: A, min: 3, flaws: Low}\n    - {grade: B, min: 0, flaws: High}\n", encoding="utf-8")


def answers(project: Path, name: str, text: str) -> None:
    (project / "data" / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- free question ids

TOOL = """title: Our Own Checklist
questions:
  aims: Were the aims stated?
  congruity: Did the method fit the aims?
  reflexivity: {text: "Did the researchers reflect on their position?", label: R}
  q10a: {text: "Is the study of value?", answers: ["Yes", "No"]}
  q10b: {text: "Are new questions named?", answers: ["Yes", "No"]}
points: {"Yes": 1, "Partly": 0.5, "No": 0}
scored: [congruity, reflexivity]
"""


def test_any_question_id_any_subset_scored_labels_from_the_tool(project):
    (project / "data/tools").mkdir()
    (project / "data/tools/ours.yaml").write_text(TOOL, encoding="utf-8")
    review_file(project, "  tool: data/tools/ours.yaml\n  answers: data/ours.csv\n")
    answers(project, "ours.csv", "study,aims,congruity,reflexivity,q10a,q10b,aims_comment,q10_comment\n"
                                 "1,Yes,Partly,Yes,Yes,No,Stated on page 2,Useful to services\n"
                                 "2,No,Yes,No,No,No,,\n3,Yes,Yes,Yes,Yes,Yes,,\n")
    review, problems = load(project)
    assert problems == []
    appraisal = review.appraisal
    # the tool's label, else the number in the id (q10a -> 10A), else the position (aims is first)
    assert appraisal.labels == {"aims": "1", "congruity": "2", "reflexivity": "R", "q10a": "10A", "q10b": "10B"}
    assert appraisal.short == "Our Own Checklist" and appraisal.maximum == 2
    assert [appraisal.score(n) for n in (1, 2, 3)] == [1.5, 1, 2]
    table = cells(casp_scores.render({"cells": "points"}, review, None)[0])
    assert table[0] == ["Our Own Checklist question", "1", "2", "3"]
    assert table[1] == ["1. Were the aims stated?", "Yes", "No", "Yes"]  # not scored: the answers
    assert table[2] == ["2. Did the method fit the aims?", "0.5", "1", "1"]
    assert table[3][0] == "R. Did the researchers reflect on their position?"
    assert table[-1] == ["Total score (out of 2)", "1.5", "1", "2"]
    # the q10 comment belongs to the questions its id continues (q10a, q10b): shown once, above them
    rows = casp_checklist.rows(appraisal, appraisal.answers[1], appraisal.comments[1])
    assert rows == [["1. Were the aims stated?", "Yes", "Stated on page 2"],
                    ["2. Did the method fit the aims?", "Partly", "—"],
                    ["R. Did the researchers reflect on their position?", "Yes", "—"],
                    ["10A–10B", "", "Useful to services"],
                    ["10A. Is the study of value?", "Yes", "—"],
                    ["10B. Are new questions named?", "No", "—"]]
    checklist = cells(casp_checklist.render({"study": 2, "rater": "lead"}, review, None)[0])
    assert checklist[0] == ["Question", "Answer"]  # no comment on study 2 at all: no column of dashes


def test_the_casp_tool_shows_question_10_and_its_comment_above_its_parts(project):
    review_file(project, "  tool: casp-qualitative\n  answers: data/full.csv\n")
    header = "study,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10a,q10b,q10c,q3_comment,q10_comment\n"
    answers(project, "full.csv", header + "".join(f"{n},Yes,Yes,Partial,Yes,Yes,No,Yes,Yes,Can't tell,Yes,No,No,"
                                                  f"Brief,Of local value\n" for n in (1, 2, 3)))
    review, problems = load(project)
    assert problems == []
    appraisal = review.appraisal
    rows = casp_checklist.rows(appraisal, appraisal.answers[1], appraisal.comments[1])
    assert rows[2] == ["3. Was the research design appropriate to address the aims of the research?", "Partial",
                       "Brief"]
    assert rows[9] == ["10. How valuable is the research?", "", "Of local value"]
    assert [r[0][:4] for r in rows[10:]] == ["10A.", "10B.", "10C."] and all(r[2] == "—" for r in rows[10:])
    assert cells(casp_grades.render({}, review, None)[0])[0][2] == "Score on CASP"


def test_the_jbi_tool_scores_not_applicable_out_of_the_studys_own_maximum(project):
    review_file(project, "  tool: jbi-qualitative\n  answers: data/jbi.csv\n")
    header = "study,philosophy,question,collection,analysis,interpretation,culture,influence,voices,ethics," \
             "conclusions,culture_comment\n"
    answers(project, "jbi.csv", header +
            "1,Yes,Yes,Yes,Yes,Yes,No,Unclear,Yes,Not applicable,Yes,No statement locating the researcher\n"
            "2,Yes,Yes,Yes,Yes,Yes,Yes,Yes,Yes,Yes,Yes,\n"
            "3,yes,yes,yes,yes,yes,yes,yes,yes,yes,unclear,\n")
    review, problems = load(project)
    assert problems == []
    appraisal = review.appraisal
    assert appraisal.tool == "JBI Critical Appraisal Checklist for Qualitative Research" and appraisal.short == "JBI"
    assert list(appraisal.labels.values()) == [str(n) for n in range(1, 11)]
    assert (appraisal.maximum, appraisal.maximum_of(1), appraisal.score(1)) == (10, 9, 7)
    assert appraisal.answers[3]["conclusions"] == "Unclear"  # answers compare without regard to case
    table = cells(casp_scores.render({"cells": "points"}, review, None)[0])
    assert table[0][0] == "JBI question"
    assert table[9][1] == "Not applicable" and table[-1] == ["Total score (out of 10)", "7 (out of 9)", "10", "9"]
    checklist = cells(casp_checklist.render({"study": 1, "rater": "lead"}, review, None)[0])
    assert checklist[6] == ["6. Is the researcher located culturally or theoretically?", "No",
                            "No statement locating the researcher"]
    assert checklist[-1][1] == "7 out of 9 (A)"
    grades = cells(casp_grades.render({}, review, None)[0])
    assert grades[0] == ["Grade", "Likelihood of methodological flaws", "Score on JBI"]
    options = {"columns": ["study", "rating"]}
    assert cells(study_characteristics.render(options, review, None)[0])[0] == ["Study", "JBI"]


@pytest.mark.parametrize("tool, csv_header, expected", [
    ("  tool: jbi-qualitativ\n", None,
     r"data/review.yaml:3: appraisal tool 'jbi-qualitativ' is not a built-in tool or a .yaml file; "
     r"did you mean jbi-qualitative? (built-in: casp-qualitative, jbi-qualitative; "),
    ("  tool: casp-qualitative\n", "study,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10a,q10b,q10c,q11_comment",
     "data/answers.csv row 1: column q11_comment comments on no question of the tool; name it after a question "
     "(q1_comment) or after a group of questions (q10_comment for q10a, q10b, ...)"),
    ("  tool: casp-qualitative\n  points: {\"Yes\": 1, \"No\": lots}\n", None,
     "data/review.yaml:4: points: 'No' is given 'lots'; give each answer a number of points, or null"),
    ("  tool: casp-qualitative\n  questions:\n    aims: {text: \"Aims?\", label: \"1\"}\n", None,
     "data/review.yaml:5: questions 'q1' and 'aims' would both be labelled 1 in tables; give one of them a "
     "label:"),
])
def test_tool_mistakes_are_one_line_each(project, tool, csv_header, expected):
    review_file(project, tool + "  answers: data/answers.csv\n")
    header = csv_header or "study,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10a,q10b,q10c"
    width = header.count(",")
    answers(project, "answers.csv", header + "\n" + "".join(f"{n}" + ",Yes" * 12 + "," * (width - 12) + "\n"
                                                            for n in (1, 2, 3)))
    _, problems = load(project)
    assert len(problems) == 1 and problems[0].replace(": error:", ":").startswith(expected), problems


def test_the_examples_appendix_f_shows_the_q10_comments_and_its_dashes(built_example):
    document = docx.Document(str(built_example / "build/thesis/thesis.docx"))
    tables = {}
    for table in document.tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows and rows[0] == ["Question", "Answer", "Reviewer’s comment"]:
            tables[len(tables)] = rows
    lead, second = tables[0], tables[1]
    assert ["10. How valuable is the research?", "", "Given the particular population, the results are likely to "
            "be most useful to local clinical practice."] in lead
    assert ["10. How valuable is the research?", "", "The study adds to existing knowledge and spells out "
            "implications for practice."] in second
    # every question without a comment shows the dash the notes speak of; no comment cell is blank
    for rows in (lead, second):
        assert all(row[2] for row in rows[1:-1])
    assert [row[2] for row in second[1:5]] == ["—", "—", "—", "—"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert text.count("Dashes mark questions on which the reviewer left no comment.") == 2
