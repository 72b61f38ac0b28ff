"""data-table: a written (not computed) table kept as data, e.g. inclusion criteria or the stages of
a method, from data/tables/<name>.yaml. Cells are Markdown; a list in a cell becomes a bullet list.
Cells are the text the author wrote (thesiskit/yamlschema.py's TextLoader): `Yes`, `1.10`, `0123` and
`2020-01-01` print as written, not as YAML 1.1's True, 1.1, 83 and a date; `~`, `null` or nothing is an
empty cell.

    ::: {#tbl:criteria .data-table src="data/tables/paper1-criteria.yaml" title="Inclusion and Exclusion Criteria"}
    :::

It refuses the participants file (data/participants.csv, or whatever a `study:` config names): participant
data reaches the thesis only through the demographics directive, aggregated.
"""
from __future__ import annotations

import os

from ..anchors import data_line, yaml_line
from ..data import read_yaml_file
from ..yamlschema import TextLoader
from ..problems import Problems
from ..tables import cell_value, make_table

from .options import DirectiveError, text

NAME = "data-table"
DATA = None
OPTIONS = {"src": text}
REQUIRED = ("src",)


def render(options, _data, ctx):
    rel = options["src"]
    if os.path.realpath(ctx.project.root / rel) in _participant_files(ctx):
        raise DirectiveError(f"{rel} holds the participants' rows; participant data reaches the thesis only through "
                             "the demographics directive (.demographics), one characteristic at a time")
    before = len(ctx.problems.errors)
    table = read_yaml_file(ctx.project.root, rel, ctx.where or rel, ctx.problems, TextLoader)
    if table is None:
        if len(ctx.problems.errors) > before:
            return []  # the file's own problem is reported already: one mistake, one line
        raise DirectiveError(f"{rel} is empty")
    if not isinstance(table, dict) or not isinstance(table.get("columns"), list) or not isinstance(table.get("rows"), list):
        raise DirectiveError(f"{rel} needs 'columns:' (a list of headings) and 'rows:' (a list of rows); "
                             "see docs/data-formats.md")
    columns = [cell_value(c) for c in table["columns"]]
    body = []
    for number, row in enumerate(table["rows"], start=1):
        if not isinstance(row, list) or len(row) != len(columns):
            raise DirectiveError(f"{rel}: row {number} has {len(row) if isinstance(row, list) else 1} cells "
                                 f"but there are {len(columns)} columns; give one value per column")
        body.append([cell_value(v) for v in row])
    lines = [yaml_line(ctx, rel, "rows", i) for i in range(len(body))]
    sources = [[data_line(rel, line, column=c) if line else None for c in range(1, len(columns) + 1)] for line in lines]
    return [make_table([columns], body, widths=_widths(table.get("widths"), len(columns), rel), sources=sources)]


def _widths(given, columns: int, rel: str) -> list[float] | None:
    """The relative column widths, read as text like every value of the file, as numbers."""
    if given is None:
        return None
    if not isinstance(given, list) or len(given) != columns:
        raise DirectiveError(f"{rel}: widths must list one number per column")
    widths = []
    for value in given:
        try:
            width = float(value) if isinstance(value, str) else None
        except ValueError:
            width = None
        if width is None or not width > 0 or width == float("inf"):
            raise DirectiveError(f"{rel}: widths must list one number per column, and {value!r} is not a positive "
                                 "number; write e.g. widths: [1, 2]")
        widths.append(width)
    return widths


def _participant_files(ctx) -> set[str]:
    """The real paths of the participants files: the default and the one each `study:` config names."""
    root, names = ctx.project.root, {"data/participants.csv"}
    for document in ctx.project.documents:
        if document.options.get("study"):  # its own problems are reported where the study is loaded
            config = read_yaml_file(root, document.options["study"], "", Problems())
            if isinstance(config, dict):
                names.add(str(config.get("participants", "data/participants.csv")))
    return {os.path.realpath(root / name) for name in names}
