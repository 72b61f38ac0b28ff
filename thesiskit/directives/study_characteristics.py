"""study-characteristics: the included studies (Table 4). The rating column (headed with the appraisal
tool's short name, "CASP") is computed from the answers, so it cannot disagree with the appraisal
table or the synthesis grid.

    ::: {#tbl:characteristics .study-characteristics title="Characteristics of the Included Studies"}
    :::

Option columns picks and orders the columns: study, authors, title, aims, sample, role, setting,
collection, analysis, constructs, rating.
"""
from __future__ import annotations

from ..anchors import data_cell
from ..tables import make_table

from .options import DirectiveError, words_list

NAME = "study-characteristics"
DATA = "review"
COLUMNS = {  # name -> (heading, relative width)
    "study": ("Study", 0.6),
    "authors": ("Authors, year, country", 1.5),
    "title": ("Title", 2),
    "aims": ("Aims", 2.5),
    "sample": ("Sample", 1.6),
    "role": ("Role", 2),
    "setting": ("Setting", 1.6),
    "collection": ("Data collection", 1.3),
    "analysis": ("Analysis", 1.3),
    "constructs": ("Key second-order constructs", 2.4),
    "rating": ("", 0.7),  # headed with the appraisal tool's short name
}
OPTIONS = {"columns": words_list(*COLUMNS)}
DEFAULTS = {"columns": ["study", "authors", "sample", "setting", "collection", "analysis", "constructs", "rating"]}


FIELDS = {"authors": ["country"], "title": ["title"], "aims": ["aims"], "sample": ["sample_size"], "role": ["role"],
          "setting": ["setting"], "collection": ["data_collection"], "analysis": ["analysis"],
          "constructs": ["constructs"]}  # the study columns each table column shows


def gender_text(study) -> str:
    if study.females + study.males == 0:
        return "gender not reported"
    parts = [f"{study.females} female", f"{study.males} male"]
    if study.gender_other:
        parts.append(f"{study.gender_other} other or not reported")
    return ", ".join(parts)


def cell(name: str, study, review):
    row = study.row
    if name == "study":
        return str(study.number)
    if name == "authors":
        return f"@{study.key}, {row['country']}"
    if name == "sample":
        if review.lacking("females", "males"):  # no gender breakdown in the file: the size alone
            return str(study.sample_size)
        return f"{study.sample_size} ({gender_text(study)})"
    if name == "rating":
        return review.appraisal.rating(study.number) if study.number in review.appraisal.answers else ""
    if name == "constructs":
        return study.constructs
    if name == "collection":
        return row["data_collection"]
    return row[name]


SOURCE_COLUMNS = {"study": ["study"], "authors": ["key", "country"], "sample": ["sample_size", "females", "males",
                  "gender_other"], "collection": ["data_collection"]}  # the rest: the column of their name


def source(name: str, study, review):
    """Where a cell comes from: the study's row of studies.csv, or (the rating) of the answers."""
    if name == "rating":
        return data_cell(review.appraisal.rows.get(study.number), *review.appraisal.scored, computed=True)
    columns = SOURCE_COLUMNS.get(name, [name])
    return data_cell(study.row, *columns, computed=len(columns) > 1)


def render(options, review, ctx):
    columns = options["columns"]
    for name in columns:
        why = review.needs(f"the {COLUMNS[name][0] or review.appraisal.short} column", *FIELDS.get(name, []))
        if why:
            shown = " ".join(c for c in columns if not review.lacking(*FIELDS.get(c, [])))
            raise DirectiveError(f'{why}, or leave the column out (columns="{shown}")')
    studies = sorted(review.studies.values(), key=lambda s: s.number)
    body = [[cell(name, s, review) for name in columns] for s in studies]
    heads = [COLUMNS[c][0] or review.appraisal.short for c in columns]
    where = [[source(name, s, review) for name in columns] for s in studies]
    return [make_table([heads], body, widths=[COLUMNS[c][1] for c in columns], sources=where)]
