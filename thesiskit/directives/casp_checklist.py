"""casp-checklist: one reviewer's CASP checklist for one study (Appendix F), from the same answers
that Table 5 totals.

    ::: {#tbl:casp-kido .casp-checklist study="3" title="CASP Checklist for Kido and Kayama (2017)"}
    :::
"""
from __future__ import annotations

from ..data import format_score
from ..tables import make_table

from .options import DirectiveError, choice, positive_int

NAME = "casp-checklist"
DATA = "review"
OPTIONS = {"study": positive_int, "rater": choice("lead", "second")}
DEFAULTS = {"rater": "lead"}
REQUIRED = ("study",)


def render(options, review, ctx):
    appraisal = review.appraisal
    number = options["study"]
    answers = appraisal.answers if options["rater"] == "lead" else appraisal.second
    comments = appraisal.comments if options["rater"] == "lead" else appraisal.second_comments
    if number not in answers:
        rated = ", ".join(map(str, sorted(answers))) or "none"
        raise DirectiveError(f"the {options['rater']} reviewer did not rate study {number}; rated: {rated}")
    body = []
    for q, wording in appraisal.questions.items():
        answer = answers[number][q]
        comment = comments.get(number, {}).get(q, "")
        body.append([f"{q.removeprefix('q').upper()}. {wording}", answer, comment])
    total = appraisal.score(number, answers[number])
    body.append(["**Total score**", f"**{format_score(total)} ({appraisal.grade(total).grade})**", ""])
    return [make_table([["Question", "Answer", "Reviewer's comment"]], body, widths=[4, 1.3, 4])]
