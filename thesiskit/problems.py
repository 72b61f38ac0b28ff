"""Problems found in the sources: collected, printed one line each, never a traceback.

A problem names where it is (file, line, or data row and column), what is wrong and what to do.
The build collects every problem it can before stopping, so an author fixes them in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    where: str  # "chapters/paper1/20-method.md:42" or "data/casp.csv row 7, column q8"
    message: str  # what is wrong, then what to do
    document: str = ""  # the plan's document it belongs to, when known (for the summary)
    code: str = ""  # what kind of rule, for the stages that treat some rules apart ("limit")

    def line(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}" if self.where else f"{self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {"severity": self.severity, "where": self.where, "message": self.message}


class BuildStopped(Exception):
    """Raised to stop the pipeline once problems make going on pointless."""


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)
    deferred: set[str] = field(default_factory=set)  # codes that do not stop the build (a checklist restates them)
    mask: object = None  # a terms.Matcher of private/redact.txt: no message ever prints a listed term
    _seen: set = field(default_factory=set, repr=False)  # the items, for a constant-time "said already?"

    def redact(self, text: str) -> str:
        return self.mask.mask(text) if self.mask else text

    def error(self, where: str, message: str, document: str = "", code: str = "") -> None:
        self._add(Problem("error", where, message, document, code))

    def warning(self, where: str, message: str, document: str = "", code: str = "") -> None:
        self._add(Problem("warning", where, message, document, code))

    def _add(self, problem: Problem) -> None:
        if self.mask:  # messages quote sources; CI logs can be public
            problem = Problem(problem.severity, self.redact(problem.where), self.redact(problem.message),
                              problem.document, problem.code)
        if len(self._seen) != len(self.items):  # items was replaced (drop_deferred)
            self._seen = set(self.items)
        if problem not in self._seen:  # a set: 100,000 warnings of a large .bib in a blink, not hours
            self._seen.add(problem)
            self.items.append(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def stop_if_errors(self) -> None:
        if any(p.code not in self.deferred for p in self.errors):
            raise BuildStopped()

    def drop_deferred(self) -> None:
        self.items = [p for p in self.items if p.code not in self.deferred]
        self._seen = set(self.items)


SHOWN = 10  # of many warnings of one kind, how many are printed before the rest are counted
KINDS = {"uncited": "entries never cited", "no-doi": "journal articles without a DOI",
         "no-date": "entries without a year or date"}


def condensed(problems: list[Problem], every: bool = False) -> list[Problem]:
    """The problems as printed: of more than SHOWN + 1 warnings of one kind (KINDS), the first SHOWN
    and one line counting the rest ("9,990 more entries never cited; `--all` lists them"); all of
    them with every."""
    if every:
        return list(problems)
    counts: dict[str, int] = {}
    for problem in problems:
        if problem.severity == "warning" and problem.code in KINDS:
            counts[problem.code] = counts.get(problem.code, 0) + 1
    out, seen = [], {}
    for problem in problems:
        code = problem.code if problem.severity == "warning" else ""
        if counts.get(code, 0) <= SHOWN + 1:
            out.append(problem)
            continue
        seen[code] = seen.get(code, 0) + 1
        if seen[code] <= SHOWN:
            out.append(problem)
        elif seen[code] == SHOWN + 1:
            rest = counts[code] - SHOWN
            out.append(Problem("warning", problem.where.split(":")[0], f"{rest:,} more {KINDS[code]}; `--all` lists "
                               "them", problem.document, code))
    return out
