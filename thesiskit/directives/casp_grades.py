"""casp-grades: the scoring system (Table 2), from the grade bands configured for the review; the
heading names the review's appraisal tool by its short name ("Score on CASP").

    ::: {#tbl:casp-grades .casp-grades title="CASP Scoring System"}
    :::

The column "Likelihood of methodological flaws" is shown when a band gives `flaws:`; bands that say
only their score (a JBI review's "8 or more Yes answers") make a table of two columns.
"""
from __future__ import annotations

from ..anchors import data_line, yaml_line
from ..tables import make_table

NAME = "casp-grades"
DATA = "review"
OPTIONS = {}


def render(options, review, ctx):
    grades = review.appraisal.grades
    score = f"Score on {review.appraisal.short}"
    lines = [yaml_line(ctx, review.config_file, "appraisal", "grades", i) for i in range(len(grades))]
    if not any(g.flaws for g in grades):  # a column of empty cells would say nothing
        sources = [[data_line(review.config_file, line)] * 2 if line else None for line in lines]
        return [make_table([["Grade", score]], [[g.grade, g.label] for g in grades], widths=[1, 4], sources=sources)]
    body = [[g.grade, g.flaws, g.label] for g in grades]
    head = ["Grade", "Likelihood of methodological flaws", score]
    sources = [[data_line(review.config_file, line)] * 3 if line else None for line in lines]
    return [make_table([head], body, widths=[1, 2, 4], sources=sources)]
