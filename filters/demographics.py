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
"""
from __future__ import annotations

from statistics import mean

from thesiskit.data import format_score
from thesiskit.tables import make_table

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
    """The table's rows: pure aggregation, testable without pandoc."""
    people = study.participants
    if not people:
        raise DirectiveError(f"{study.config_file} lists no participants")
    out = []
    if "gender" in show:
        out.append(["**Gender**", ""])
        counts: dict[str, int] = {}
        for p in people:
            counts[p.gender.capitalize()] = counts.get(p.gender.capitalize(), 0) + 1
        out += [[f"{g}", str(n)] for g, n in sorted(counts.items())]
    if "age" in show:
        out.append(["**Age (years)**", ""])
        for label, lo, hi in study.age_bands:
            count = sum(lo <= p.age and (hi is None or p.age <= hi) for p in people)
            if count:
                out.append([label, str(count)])
    if "experience" in show:
        years = [p.years_experience for p in people]
        top = study.top_code
        high = max(years)
        shown_high = f"more than {format_score(top)}" if top is not None and high > top else format_score(high)
        out.append(["**Years of co-production experience**", ""])
        out.append(["Range", f"{format_score(min(years))} to {shown_high}"])
        out.append(["Mean", f"{mean(years):.1f}"])
    if "interview" in show:
        minutes = [p.interview_minutes for p in people]
        out.append(["**Interview length (minutes)**", ""])
        out.append(["Range", f"{min(minutes)} to {max(minutes)}"])
    return out


def render(options, study, ctx):
    if not options["show"]:
        raise DirectiveError(f"show is empty; name one or more of {', '.join(SHOW)}")
    body = rows(study, options["show"])
    return [make_table([["Characteristic", f"*n* (total {len(study.participants)})"]], body, widths=[3, 1.5])]
