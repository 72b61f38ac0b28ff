"""casp-grades: the scoring system (Table 2), from the grade bands configured for the review; the
heading names the review's appraisal tool by its short name ("Score on CASP").

    ::: {#tbl:casp-grades .casp-grades title="CASP Scoring System"}
    :::
"""
from __future__ import annotations

from ..anchors import data_line, yaml_line
from ..tables import make_table

NAME = "casp-grades"
DATA = "review"
OPTIONS = {}


def render(options, review, ctx):
    grades = review.appraisal.grades
    body = [[g.grade, g.flaws, g.label] for g in grades]
    head = ["Grade", "Likelihood of methodological flaws", f"Score on {review.appraisal.short}"]
    lines = [yaml_line(ctx, review.config_file, "appraisal", "grades", i) for i in range(len(grades))]
    sources = [[data_line(review.config_file, line)] * 3 if line else None for line in lines]
    return [make_table([head], body, widths=[1, 2, 4], sources=sources)]
