"""demographics: Paper 2's participants, aggregated one characteristic at a time.

    ::: {#tbl:demographics .demographics title="Participant Characteristics"}
    :::

It shows counts by gender, counts by age band (bands configured in data/study.yaml), the range and
mean of years of experience (top-coded: "more than 20") and the range of interview length. It never
shows a participant's row and never crosses two characteristics: with ten participants a cell of
one identifies a person, and the study promised its readers could not link categories. Asking for
either is refused with the reason, so the promise cannot be broken by accident. The data is held to
the same promise where it is read (thesiskit/data.py, load_study): age bands of at least five years
that do not overlap, and a top code below the most years of experience, so no count or range
prints one person's age or years; the data-table directive refuses the participants file.

What it prints is disclosure-controlled (thesiskit/disclosure.py, read through study.aggregates, as the
{{ study.* }} values are): no count below the minimum cell size (min-cell-size in data/study.yaml,
default 3), small genders pooled, small age bands merged with a neighbour, a mean left out where it
would reveal a value, and a study with fewer participants than the minimum refused with the reason.
"""
from __future__ import annotations

from ..data import format_score
from ..rounding import declared_digits, fixed
from ..tables import make_table

from .options import DirectiveError, words_list

NAME = "demographics"
DATA = "study"
PRIVACY = ("the demographics directive reports one characteristic at a time and never lists or crosses "
           "participants: with a small sample a combination of traits (or a single row) can identify a person, "
           "and the ethics approval promised that readers could not link categories")


def _refuse(_text: str):
    raise ValueError(f"refused: {PRIVACY}; show characteristics one after another with show=\"gender age\"")


SHOW = ("gender", "age", "experience", "interview")
OPTIONS = {"show": words_list(*SHOW), "by": _refuse, "cross": _refuse, "per-participant": _refuse,
           "rows": _refuse, "list": _refuse}
REFUSED = {name for name, convert in OPTIONS.items() if convert is _refuse}  # not offered as "allowed"
DEFAULTS = {"show": list(SHOW)}


def rows(study, show) -> list[list[str]]:
    """The table's rows, read from the study's disclosure-controlled aggregates
    (thesiskit/disclosure.py, the same numbers {{ study.* }} gives): pure, testable without pandoc."""
    people = study.participants
    if not people:
        raise DirectiveError(f"{study.config_file} lists no participants")
    agg = study.aggregates
    if agg.too_small:
        raise DirectiveError(
            f"{study.config_file} has {agg.total} participant{'s' if agg.total != 1 else ''}, fewer than the minimum "
            f"cell size of {agg.k}, so every row would describe fewer than {agg.k} people; take the table out and "
            "describe the sample without per-person characteristics (only the number of participants can be printed)")
    out = []
    if "gender" in show:
        out.append(["**Gender**", ""])
        out += [[cell.label, str(cell.count)] for cell in agg.genders]
    if "age" in show:
        out.append(["**Age (years)**", ""])
        out += [[cell.label, str(cell.count)] for cell in agg.age_bands]
    if "experience" in show:
        out.append(["**Years of co-production experience**", ""])
        out += _spread_rows(agg.experience, with_mean=True)
    if "interview" in show:
        out.append(["**Interview length (minutes)**", ""])
        out += _spread_rows(agg.interview, with_mean=False)  # its mean is for prose only, as before
    return out


def _spread_rows(spread, with_mean: bool) -> list[list[str]]:
    """Range (top- and bottom-coded), then the mean unless disclosure control withheld it because it
    would reveal one person's value; then the row is left out rather than shown as a dash, which
    would only raise the question the table cannot answer."""
    low = format_score(spread.low) if spread.low_exact else f"less than {format_score(spread.bottom_code)}"
    high = format_score(spread.high) if spread.high_exact else f"more than {format_score(spread.top_code)}"
    out = [["Range", f"{low} to {high}"]]
    if with_mean and spread.mean is not None:
        out.append(["Mean", fixed(spread.mean, declared_digits(spread.mean, 1))])  # as {{ }} prints it
    return out


def render(options, study, ctx):
    if not options["show"]:
        raise DirectiveError(f"show is empty; name one or more of {', '.join(SHOW)}")
    body = rows(study, options["show"])
    return [make_table([["Characteristic", f"*n* (total {len(study.participants)})"]], body, widths=[3, 1.5])]
