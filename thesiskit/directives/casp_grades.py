"""casp-grades: the scoring system (Table 2), from the grade bands configured for the review.

    ::: {#tbl:casp-grades .casp-grades title="CASP Scoring System"}
    :::
"""
from __future__ import annotations

from ..tables import make_table

NAME = "casp-grades"
DATA = "review"
OPTIONS = {}


def render(options, review, ctx):
    grades = review.appraisal.grades
    body = [[g.grade, g.flaws, g.label] for g in grades]
    return [make_table([["Grade", "Likelihood of methodological flaws", "Score on CASP"]], body, widths=[1, 2, 4])]
