"""casp-checklist: one reviewer's appraisal of one study (Appendix F) with their comments, from the
same answers that the casp-scores table totals, for any appraisal tool (CASP, JBI, a tool of your own).

    ::: {#tbl:casp-kido .casp-checklist study="3" title="CASP Checklist for Kido and Kayama (2017)"}
    :::

Each question is labelled as the tool labels it (its label:, else the number in its id: q10a -> 10A,
else its position). A comment column named after a group of questions (q10_comment for q10a to q10c)
is shown once, on a row of the group's own question when the tool words it ("10. How valuable is the
research?") or else on a row for the group ("10A–10C"), above its parts. A question without a comment
shows a dash, as APA does for an empty cell (say so in the table's note); when the reviewer left no
comment on the study at all, the comment column is left out.
"""
from __future__ import annotations

from ..anchors import data_cell
from ..data import format_score
from ..tables import make_table

from .options import DirectiveError, choice, positive_int

NAME = "casp-checklist"
DATA = "review"
OPTIONS = {"study": positive_int, "rater": choice("lead", "second")}
DEFAULTS = {"rater": "lead"}
REQUIRED = ("study",)
NO_COMMENT = "—"  # APA: a dash in a cell that has nothing to report


def rows(appraisal, answers: dict[str, str], comments: dict[str, str]) -> list[list[str]]:
    """Question, answer and comment for each question, with a group's row (and its comment) above the
    group's first part; pure, testable without pandoc."""
    body = []
    for q, wording in appraisal.questions.items():
        group = appraisal.group_of(q)
        if group and group.members[0] == q and (group.text or comments.get(group.id)):
            first, last = appraisal.label(group.members[0]), appraisal.label(group.members[-1])
            text = f"{group.label}. {group.text}" if group.text else first if first == last else f"{first}–{last}"
            body.append([text, "", comments.get(group.id) or NO_COMMENT])
        body.append([f"{appraisal.label(q)}. {wording}", answers[q], comments.get(q) or NO_COMMENT])
    return body


def sources(appraisal, comments: dict[str, str], row) -> list[list]:
    """Where each cell of rows() comes from: the answer and comment columns of the reviewer's row."""
    out = []
    for q in appraisal.questions:
        group = appraisal.group_of(q)
        if group and group.members[0] == q and (group.text or comments.get(group.id)):
            out.append([None, None, data_cell(row, f"{group.id}_comment")])
        out.append([None, data_cell(row, q), data_cell(row, f"{q}_comment")])
    return out


def render(options, review, ctx):
    appraisal = review.appraisal
    number = options["study"]
    answers = appraisal.answers if options["rater"] == "lead" else appraisal.second
    comments = appraisal.comments if options["rater"] == "lead" else appraisal.second_comments
    if number not in answers:
        rated = ", ".join(map(str, sorted(answers))) or "none"
        raise DirectiveError(f"the {options['rater']} reviewer did not rate study {number}; rated: {rated}")
    own = comments.get(number, {})
    body = rows(appraisal, answers[number], own)
    total = appraisal.score(number, answers[number])
    maximum = appraisal.maximum_of(number, answers[number])
    out_of = f" out of {format_score(maximum)}" if maximum != appraisal.maximum else ""
    body.append(["**Total score**", f"**{format_score(total)}{out_of} ({appraisal.grade(total).grade})**", ""])
    row = (appraisal.rows if options["rater"] == "lead" else appraisal.second_rows).get(number)
    where = [*sources(appraisal, own, row), [None, data_cell(row, *appraisal.scored, computed=True), None]]
    if not own:  # no comment at all: a column of dashes would say nothing
        return [make_table([["Question", "Answer"]], [row[:2] for row in body], widths=[4, 1.3], sources=where)]
    return [make_table([["Question", "Answer", "Reviewer's comment"]], body, widths=[4, 1.3, 4], sources=where)]
