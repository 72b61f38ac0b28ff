"""demographics: a study's participants, aggregated one characteristic at a time.

    ::: {#tbl:demographics .demographics title="Participant Characteristics"}
    :::

It shows the characteristics data/study.yaml declares (all, or those named by show="gender age"),
each under its label: a category's counts, a number's counts by band, or a number's range and mean
(top- or bottom-coded: "more than 20"). It never shows a participant's row and never crosses two
characteristics: with ten participants a cell of one identifies a person, and a study promises its
readers cannot link categories. Asking for either is refused with the reason, so the promise cannot
be broken by accident. The data is held to the same promise where it is read (thesiskit/data.py,
load_study): bands of at least five values that do not overlap, codes that code something; the
data-table directive refuses the participants file.

What it prints is disclosure-controlled (thesiskit/disclosure.py, read through study.aggregates, as the
{{ study.* }} values are): no count below the minimum cell size (min-cell-size in data/study.yaml,
default 3), small categories pooled, small bands merged with a neighbour, a mean left out where it
would reveal a value, and a study with fewer participants than the minimum refused with the reason.
"""
from __future__ import annotations

from ..data import format_score
from ..rounding import declared_digits, fixed
from ..anchors import data_column
from ..tables import make_table

from .options import DirectiveError

NAME = "demographics"
DATA = "study"
PRIVACY = ("the demographics directive reports one characteristic at a time and never lists or crosses "
           "participants: with a small sample a combination of traits (or a single row) can identify a person, "
           "and the ethics approval promised that readers could not link categories")


def _refuse(_text: str):
    raise ValueError(f"refused: {PRIVACY}; show characteristics one after another with show=\"gender age\"")


def _names(text: str) -> list[str]:
    return text.replace(",", " ").split()


OPTIONS = {"show": _names, "by": _refuse, "cross": _refuse, "per-participant": _refuse,
           "rows": _refuse, "list": _refuse}
REFUSED = {name for name, convert in OPTIONS.items() if convert is _refuse}  # not offered as "allowed"


def rows(study, show=None) -> list[list[str]]:
    """The table's rows, read from the study's disclosure-controlled aggregates
    (thesiskit/disclosure.py, the same numbers {{ study.* }} gives): pure, testable without pandoc.
    show names characteristics of data/study.yaml, in the order wanted; all of them by default."""
    if not study.characteristics:
        raise DirectiveError(f"{study.config_file} declares no characteristics; add characteristics: (e.g. gender: "
                             "{kind: category}, age: {kind: number, bands: ...}); see docs/data-formats.md")
    declared = [c.id for c in study.characteristics]
    show = list(show) if show else declared
    unknown = [name for name in show if name not in declared]
    if unknown:
        raise DirectiveError(f"show: '{unknown[0]}' is not one of {', '.join(declared)} (the characteristics "
                             f"{study.config_file} declares)")
    if not study.participants:
        raise DirectiveError(f"{study.config_file} lists no participants")
    agg = study.aggregates
    if agg.too_small:
        raise DirectiveError(
            f"{study.config_file} has {agg.total} participant{'s' if agg.total != 1 else ''}, fewer than the minimum "
            f"cell size of {agg.k}, so every row would describe fewer than {agg.k} people; take the table out and "
            "describe the sample without per-person characteristics (only the number of participants can be printed)")
    out = []
    for name in show:
        result = agg.results[name]
        out.append([f"**{result.characteristic.label}**", ""])
        if result.spread is None:
            out += [[cell.label, str(cell.count)] for cell in result.cells]
        else:
            out += _spread_rows(result.spread, result.characteristic.table)
    return out


def _spread_rows(spread, table: list[str]) -> list[list[str]]:
    """Range (top- and bottom-coded), then the mean unless disclosure control withheld it because it
    would reveal one person's value; then the row is left out rather than shown as a dash, which
    would only raise the question the table cannot answer."""
    low = format_score(spread.low) if spread.low_exact else f"less than {format_score(spread.bottom_code)}"
    high = format_score(spread.high) if spread.high_exact else f"more than {format_score(spread.top_code)}"
    out = [["Range", f"{low} to {high}"]] if "range" in table else []
    if "mean" in table and spread.mean is not None:
        # as {{ }} prints it: a Rounded with its decimals, a whole number (decimals: 0) as it is
        out.append(["Mean", fixed(spread.mean, declared_digits(spread.mean, 0 if isinstance(spread.mean, int) else 1))])
    return out


def render(options, study, ctx):
    if options.get("show") == []:
        raise DirectiveError("show is empty; name one or more characteristics")
    body = rows(study, options.get("show"))
    return [make_table([["Characteristic", f"*n* (total {len(study.participants)})"]], body, widths=[3, 1.5],
                       sources=_sources(study, options.get("show"), body, ctx))]


def _sources(study, show, body: list[list[str]], ctx) -> list[list]:
    """Each count, range and mean is computed from its characteristic's column of the participants."""
    out, source = [], None
    names = iter(list(show) if show else [c.id for c in study.characteristics])
    for row in body:
        if row[0].startswith("**"):  # a characteristic's heading row: the rows below are its numbers
            characteristic = study.characteristic(next(names))
            source = data_column(ctx, study.participants_file, characteristic.column)
            out.append([None, None])
        else:
            out.append([None, source])
    return out
