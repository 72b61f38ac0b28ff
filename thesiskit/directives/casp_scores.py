"""casp-scores: the CASP appraisal of every included study (Table 5): questions as rows, studies as
columns, the scores (or the answers) in the cells and a computed total row.

    ::: {#tbl:casp-scores .casp-scores title="CASP Scores of the Included Studies"}
    :::
"""
from __future__ import annotations

from ..data import format_score
from ..tables import make_table

from .options import choice, integers

NAME = "casp-scores"
DATA = "review"
OPTIONS = {"studies": integers, "cells": choice("points", "answers")}
DEFAULTS = {"cells": "points"}


def render(options, review, ctx):
    appraisal = review.appraisal
    numbers = options.get("studies") or sorted(appraisal.answers)
    unknown = [n for n in numbers if n not in appraisal.answers]
    if unknown:
        from .options import DirectiveError

        raise DirectiveError(f"study {unknown[0]} has no CASP answers; use study numbers of {review.config_file}")
    head = [["CASP question", *[str(n) for n in numbers]]]
    body = []
    for q, wording in appraisal.questions.items():
        label = q.removeprefix("q").upper() if q.startswith("q10") else q.removeprefix("q")
        row = [f"{label}. {wording}"]
        for n in numbers:
            answer = appraisal.answers[n][q]
            scored = q in appraisal.scored and options["cells"] == "points"
            row.append(format_score(appraisal.points[answer]) if scored else answer)
        body.append(row)
    body.append([f"**Total score (out of {format_score(appraisal.maximum)})**",
                 *[f"**{format_score(appraisal.score(n))}**" for n in numbers]])
    widths = [5] + [1] * len(numbers)
    return [make_table(head, body, widths=widths, aligns=["l"] + ["c"] * len(numbers))]
