"""casp-scores: the appraisal of every included study (Table 5), for any appraisal tool: questions as
rows, studies as columns, the points (or the answers) in the cells and a computed total row.

    ::: {#tbl:casp-scores .casp-scores title="CASP Scores of the Included Studies"}
    :::

Questions are labelled as the tool labels them (q10a -> 10A; see casp-checklist). A question that is
not scored shows its answers; a scored question answered with an answer that has no points ("Not
applicable") shows the answer, and that study's total is given out of its own maximum.
"""
from __future__ import annotations

from ..anchors import data_cell
from ..data import format_score
from ..tables import make_table

from .options import DirectiveError, choice, integers

NAME = "casp-scores"
DATA = "review"
OPTIONS = {"studies": integers, "cells": choice("points", "answers")}
DEFAULTS = {"cells": "points"}


def render(options, review, ctx):
    appraisal = review.appraisal
    numbers = options.get("studies") or sorted(appraisal.answers)
    unknown = [n for n in numbers if n not in appraisal.answers]
    if unknown:
        raise DirectiveError(f"study {unknown[0]} has no {appraisal.short} answers; use study numbers of "
                             f"{review.config_file}")
    head = [[f"{appraisal.short} question", *[str(n) for n in numbers]]]
    body, sources = [], []
    for q, wording in appraisal.questions.items():
        row = [f"{appraisal.label(q)}. {wording}"]
        for n in numbers:
            answer = appraisal.answers[n][q]
            points = appraisal.points.get(answer)
            scored = q in appraisal.scored and options["cells"] == "points" and points is not None
            row.append(format_score(points) if scored else answer)
        body.append(row)
        sources.append([None, *[data_cell(appraisal.rows.get(n), q, computed=q in appraisal.scored
                                          and options["cells"] == "points") for n in numbers]])
    body.append([f"**Total score (out of {format_score(appraisal.maximum)})**",
                 *[f"**{format_score(appraisal.score(n))}**" + _own_maximum(appraisal, n) for n in numbers]])
    sources.append([None, *[data_cell(appraisal.rows.get(n), *appraisal.scored, computed=True) for n in numbers]])
    widths = [5] + [1] * len(numbers)
    return [make_table(head, body, widths=widths, aligns=["l"] + ["c"] * len(numbers), sources=sources)]


def _own_maximum(appraisal, study: int) -> str:
    """' (out of 9)' when Not applicable answers lower the study's maximum below the table's."""
    maximum = appraisal.maximum_of(study)
    return f" (out of {format_score(maximum)})" if maximum != appraisal.maximum else ""
