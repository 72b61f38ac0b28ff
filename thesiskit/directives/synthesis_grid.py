"""synthesis-grid: which studies endorse which third-order construct (Table 6). Concepts span their
constructs in the head; each study's row carries its computed CASP rating.

    ::: {#tbl:synthesis-grid .synthesis-grid title="Third-Order Constructs Endorsed by Each Study"}
    :::
"""
from __future__ import annotations

from ..anchors import data_cell, data_line, yaml_line
from ..tables import make_table

from .options import text

NAME = "synthesis-grid"
DATA = "review"
OPTIONS = {"mark": text}
DEFAULTS = {"mark": "✓"}


def render(options, review, ctx):
    concepts = review.concepts
    constructs = [k for c in concepts for k in c.constructs]
    # "Study" and "Quality rating" stand beside both heading rows (no empty heading cell above them)
    top = ["Study", "Quality rating", *[c.name for c in concepts]]
    spans = [[1, 1, *[len(c.constructs) for c in concepts]], [1] * len(constructs)]
    rowspans = [[2, 2, *[1] * len(concepts)], [1] * len(constructs)]
    second = [k.name for k in constructs]
    body, sources = [], []
    grid = review.synthesis_file
    lines = [yaml_line(ctx, grid, "concepts", i, "constructs", j, "studies") if grid else 0
             for i, c in enumerate(concepts) for j, _k in enumerate(c.constructs)]
    for study in sorted(review.studies.values(), key=lambda s: s.number):
        rating = review.appraisal.rating(study.number) if study.number in review.appraisal.answers else ""
        body.append([str(study.number), rating,
                     *[options["mark"] if study.number in k.studies else "" for k in constructs]])
        sources.append([data_cell(study.row, "study"),
                        data_cell(review.appraisal.rows.get(study.number), *review.appraisal.scored, computed=True),
                        *[data_line(grid, line) if grid else None for line in lines]])
    return [make_table([top, second], body, widths=[0.8, 1.2] + [1] * len(constructs),
                       aligns=["l", "l"] + ["c"] * len(constructs), spans=spans, rowspans=rowspans, sources=sources)]
