"""Values in prose: `{{ review.studies.count }}` in a chapter becomes 12, computed from data/.

Chapters are rendered by Jinja2 in a sandbox before pandoc parses them: templates can read values
and apply number filters, nothing else (no imports, no Python internals). An undefined name is an
error with the chapter's file and line. Jinja's comment syntax `{# #}` would swallow pandoc's
`{#id}` attributes, so comments are `{%# ... #%}` here.

A chapter may pull in a shared passage with `{% include "chapters/shared/reflexivity.md" %}` (paths
from the project folder). Includes are read only from inside the project, and a file that includes
itself, directly or through others, is an error before anything is rendered.

Word counts are only known after citeproc, yet the preface states its own: `{{ words.preface.main }}`
renders as a placeholder (one word, as the number will be) that the pipeline fills in after counting.

Values are rendered in prose only: code (fenced blocks, indented blocks where they can be told from a
list's paragraphs, and inline code spans) is shown as written, so a YAML example holding
`{{ matrix.os }}` stays what it is. Every "{" inside code stands in as SHIELD while Jinja renders,
which keeps every line where it was, so errors keep their line numbers.
"""
from __future__ import annotations

import ctypes
import posixpath
import re
import threading
import traceback
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.sandbox
from jinja2.sandbox import SandboxedEnvironment

from .data import Review, StudyData, control_character, format_score, safe_path
from .disclosure import NOT_REPORTED, pool_label
from .prisma import prose_values
from .problems import Problems
from .rounding import Rounded, decimal, fixed, grouped as grouped_number
from .wordcount import PARTS

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
PLACEHOLDER = re.compile(r"⟦words\.([\w-]+)\.(\w+)⟧")  # no Markdown syntax inside: pandoc keeps it one Str


# ---------------------------------------------------------------- APA 7 number filters
# Every number is rounded half up, as written (thesiskit/rounding.py): 4.25 to one decimal is 4.3.

def apa_number(value, grouped: bool = False) -> str:
    """APA 7 (6.32-6.33): words for whole numbers below ten, unless grouped with larger numbers;
    numerals with thousands separators from 10 up; other numbers as numerals (a mean rounded to one
    decimal keeps it: 4.0)."""
    if isinstance(value, float) and value.is_integer() and not isinstance(value, Rounded):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 and not grouped:
        return NUMBER_WORDS[value]
    return thousands(value)


def thousands(value, digits: int | None = None) -> str:
    """Thousands separators: 5041 -> '5,041'. Other numbers to at most two decimals (7.25, 7.5, 7),
    or to exactly `digits` (num(1): 7.0), or to the decimals they were rounded to (a mean: 4.3)."""
    _number("num", value)
    if digits is None and isinstance(value, Rounded):
        digits = value.digits
    if digits is not None:
        return grouped_number(value, digits, exact=True)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return grouped_number(value)


def percent(value, digits: int = 1, of=1) -> str:
    """A proportion (0 to 1) as a percentage: 35/36 -> '97.2%'. The base is said, never guessed:
    pct(of=100) for a value that is already a percentage, pct(of=36) for a count out of 36."""
    _number("pct", value)
    base = _number("pct's of=", of)
    if base <= 0:
        raise Refused(f"pct(of={of}) cannot be used; of= is the whole that the value is a part of, a number "
                      "above 0 (pct(of=100) for a value that is already a percentage)")
    if of == 1 and not 0 <= value <= 1:
        raise Refused(f"pct was given {thousands(value)}, which is not a proportion between 0 and 1; write "
                      f"| pct(of=100) for a value that is already a percentage, or | pct(of=N) for a count out of N")
    share = decimal(value) * 100 / decimal(base)
    return f"{fixed(share, digits)}%"


def decimals(value, digits: int = 2) -> str:
    """APA: no leading zero for values that cannot exceed 1 (kappa, correlations): '.83'."""
    _number("decimals", value)
    text = fixed(value, digits)
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


def score(value, digits: int = 2) -> str:
    """A score as written: 7.0 as 7, 7.5 as 7.5 (at most two decimals, rounded half up)."""
    _number("score", value)
    return format_score(value, digits)


def _number(filter_name: str, value):
    """value, when it is a number; otherwise one clear refusal (never Python's TypeError text)."""
    if isinstance(value, (int, float, Decimal, Fraction)) and not isinstance(value, bool):
        return value
    raise Refused(f"{filter_name} needs a number, but was given {_shown(value)}; use it on a number "
                  "(`python build.py values` lists each value with its current value)")


def _shown(value) -> str:
    text = str(value)
    return f"the text '{text[:40]}'" if isinstance(value, str) else f"{text[:40]!r}"


def capitalize(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def join_and(items) -> str:
    items = [str(i) for i in items]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cite(keys, narrative: bool = False) -> str:
    """Citation keys as pandoc citations: ['a', 'b'] -> '[@a; @b]', or '@a and @b' when narrative."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    if narrative:
        return join_and(f"@{k}" for k in keys)
    return "[" + "; ".join(f"@{k}" for k in keys) + "]"


def stat(value, symbol: str) -> str:
    """A statistic with its symbol, as APA 7 (6.45) sets it: `{{ n | stat("n") }}` -> *n* = 12 (Latin
    letters in italics), `{{ kappa | decimals | stat("κ") }}` -> κ = .91 (Greek letters upright). A
    number is written as `num` writes it; text (a number already formatted) is kept as it is."""
    symbol = str(symbol).strip()
    if not symbol or any(c in symbol for c in "*_`[]{}<>\\"):
        raise Refused(f"stat needs a statistical symbol such as \"n\", \"M\" or \"SD\", but was given "
                      f"{_shown(symbol)}")
    shown = value if isinstance(value, str) else thousands(_number("stat", value))
    latin = all(c.isascii() for c in symbol)
    return f"{'*' + symbol + '*' if latin else symbol} = {shown}"


class NoValue:
    """A value that does not exist in this thesis (the agreement of two raters when there was no
    second rater): it can be tested ({% if ... %} is false) but not printed or formatted, which is
    one error at the chapter's line saying why it has no value and what to write instead."""

    def __init__(self, name: str, reason: str, instead: str):
        self.name, self.reason, self.instead = name, reason, instead

    def refuse(self, *_args):
        raise Refused(f"{self.name} has no value: {self.reason}; {self.instead}")

    def __bool__(self):
        return False

    def __str__(self):  # `python build.py values` lists it so
        return f"(no value: {self.reason})"

    __repr__ = __str__
    __lt__ = __le__ = __gt__ = __ge__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = refuse
    __truediv__ = __rtruediv__ = __float__ = __int__ = __round__ = __iter__ = __len__ = refuse

    def __eq__(self, other):
        return other is None or isinstance(other, NoValue)

    __hash__ = None


def _finalize(value):
    """What {{ }} prints: a value that does not exist is refused, never printed as 'None'."""
    if isinstance(value, NoValue):
        value.refuse()
    if value is None:
        raise Refused("this {{ }} has no value (None); check its name with `python build.py values`, or print it "
                      "only when it exists: {% if name %}{{ name }}{% endif %}")
    return value


class Missing:
    """Stands for a data set that failed to load: its error is reported once, where the data is
    read, and every {{ }} that uses it renders quietly instead of adding an error per sentence."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, _key):
        return self

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __str__(self):
        return "[missing data]"

    def __sub__(self, _other):
        return self

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__


def _tolerant(name: str, filter_):
    """The filter, quiet on a data set that failed to load (its error is already reported) and one
    clear refusal for a value that does not exist: 'x has no value: why; what to do'."""
    def apply(value, *args, **kwargs):
        if isinstance(value, Missing):
            return value
        if isinstance(value, NoValue):
            value.refuse()
        if value is None:
            raise Refused(f"the value given to | {name} has no value (None); check its name with `python build.py "
                          "values`, or use it only when it exists: {% if name %}...{% endif %}")
        return filter_(value, *args, **kwargs)
    apply.__name__ = filter_.__name__
    return apply


FILTERS = {name: _tolerant(name, f) for name, f in {
    "apa": apa_number, "num": thousands, "pct": percent, "decimals": decimals, "cap": capitalize,
    "join_and": join_and, "score": score, "cite": cite, "stat": stat}.items()}


# ---------------------------------------------------------------- the values

class Words:
    """`words.<document>.<part>`: a placeholder now, the count after the check stage."""

    def __init__(self, documents: list[str]):
        self._documents = documents

    def __getattr__(self, document: str):
        if document.startswith("_") or document not in self._documents:
            raise AttributeError(document)
        return _DocumentWords(document)

    def __getitem__(self, document):
        try:
            return self.__getattr__(document)
        except AttributeError:
            raise KeyError(document) from None  # Jinja falls back to [] and expects a KeyError there


class _DocumentWords:
    def __init__(self, document: str):
        self._document = document

    def __getattr__(self, part: str):
        if part.startswith("_") or part not in PARTS:
            raise AttributeError(part)
        return f"⟦words.{self._document}.{part}⟧"

    def __getitem__(self, part):
        try:
            return self.__getattr__(part)
        except AttributeError:
            raise KeyError(part) from None


# review values and the study columns each is computed from: without the column, the value is
# unavailable (an error where it is used), never a 0
REVIEW_NEEDS = {"participants": {"total": ["sample_size"], "female": ["females"], "male": ["males"],
                                 "not_reported": ["gender_other"], "*": ["sample_size", "females", "males"]},
                "sample": {"*": ["sample_size"]}}


def _needing_columns(values: dict, review: Review) -> None:
    for group, needs in REVIEW_NEEDS.items():
        for name in list(values.get(group, {})):
            why = review.needs(f"review.{group}.{name}", *needs.get(name, needs["*"]))
            if why:
                values[group][name] = Unavailable(why)


def review_values(review: Review) -> dict:
    studies = sorted(review.studies.values(), key=lambda s: s.number)
    appraisal = review.appraisal
    scores = {s.number: appraisal.score(s.number) for s in studies if s.number in appraisal.answers}
    answers = review.config_file
    unrated = f"no study has answers in the appraisal.answers of {answers}"
    low = min(scores.values()) if scores else NoValue("review.casp.min", unrated, "add the answers first")
    high = max(scores.values()) if scores else NoValue("review.casp.max", unrated, "add the answers first")
    sizes = [s.sample_size for s in studies]
    smallest = [s for s in studies if s.sample_size == min(sizes)] if sizes else []
    largest = [s for s in studies if s.sample_size == max(sizes)] if sizes else []
    agreed, compared, kappa = appraisal.agreement() if appraisal.second else (0, 0, None)
    share = agreed / compared if compared else None
    if not compared:  # no second rater: no agreement to report
        why = (f"no study was rated by a second reviewer ({answers} names no appraisal.second-rater)"
               if not appraisal.second else "the two reviewers rated no scored question in common")
        instead = ("add the second reviewer's answers (appraisal.second-rater), or leave the agreement out of the "
                   "text")
        share = NoValue("review.casp.agreement.share", why, instead)
        kappa = NoValue("review.casp.agreement.kappa", why, instead)
    elif kappa is None:
        kappa = NoValue("review.casp.agreement.kappa", "Cohen's kappa is undefined when chance agreement is total "
                        "(both reviewers gave one and the same answer throughout)",
                        "report the percentage agreement instead, {{ review.casp.agreement.share | pct }}")
    not_reported = [s for s in studies if s.females + s.males == 0 and s.sample_size]
    values = {
        "studies": {"count": len(studies), "citations": [s.citation for s in studies]},
        "participants": {
            "total": sum(sizes), "female": sum(s.females for s in studies), "male": sum(s.males for s in studies),
            "not_reported": sum(s.gender_other for s in studies),
            "gender_not_reported_in": [s.citation for s in not_reported],
            "gender_not_reported_keys": [s.key for s in not_reported],
            "gender_reported_studies": len(studies) - len(not_reported),
        },
        "sample": {"min": min(sizes, default=0), "max": max(sizes, default=0),
                   "smallest": [s.citation for s in smallest], "smallest_keys": [s.key for s in smallest],
                   "largest": [s.citation for s in largest], "largest_keys": [s.key for s in largest]},
        "casp": {
            "min": low, "max": high, "maximum": appraisal.maximum,
            "lowest": [s.citation for s in studies if scores.get(s.number) == low],
            "lowest_keys": [s.key for s in studies if scores.get(s.number) == low],
            "by_score": [{"key": s.key, "citation": s.citation, "score": scores[s.number]}
                         for s in sorted(studies, key=lambda s: (scores.get(s.number, 0), s.number)) if s.number in scores],
            "highest": [s.citation for s in studies if scores.get(s.number) == high],
            "scores": {s.key: scores.get(s.number, NoValue(f"review.casp.scores.{s.key}",
                                                           f"study {s.number} has no appraisal answers",
                                                           "add its row to the answers")) for s in studies},
            "grades": {s.key: appraisal.grade(scores[s.number]).grade for s in studies if s.number in scores},
            "grade_counts": {g.grade: sum(appraisal.grade(v).grade == g.grade for v in scores.values())
                             for g in appraisal.grades},
            "grade_keys": {g.grade: [s.key for s in studies if s.number in scores
                                     and appraisal.grade(scores[s.number]).grade == g.grade]
                           for g in appraisal.grades},
            "rated_by_two": len(appraisal.second),
            # "pairs", not "items": {{ x.items }} would name the mapping's own method
            "agreement": {"agreed": agreed, "pairs": compared, "share": share, "kappa": kappa},
        },
        "constructs": {"count": sum(len(c.constructs) for c in review.concepts), "concepts": len(review.concepts),
                       "endorsed_by": {k.name: len(k.studies) for c in review.concepts for k in c.constructs}},
    }
    if review.prisma:
        p = review.prisma
        values["prisma"] = prisma_values(p)
        values["screening"] = {_name(s.get("stage", "")): {k: v for k, v in s.items() if k != "stage"}
                               for s in p.extra.get("screening_stages") or [] if isinstance(s, dict)}
        values["second_screener"] = {
            _name(s.get("stage", "")): {**{k: v for k, v in s.items() if k != "stage"},
                                        "share": s["agreed"] / s["sample"] if s.get("sample") else NoValue(
                                            f"review.second_screener.{_name(s.get('stage', ''))}.share",
                                            f"second_screener stage '{s.get('stage')}' of the PRISMA data "
                                            "has no sample",
                                            "give its sample: (the number of records screened twice)")}
            for s in p.extra.get("second_screener") or [] if isinstance(s, dict) and "agreed" in s}
    _needing_columns(values, review)
    return values


def _name(text: str) -> str:
    """'full texts' -> 'full_texts': a name that {{ }} can write after a dot."""
    return re.sub(r"\W+", "_", str(text).strip().lower())


class Refused(Exception):
    """A value that exists but cannot be given here; the message says why and what to write instead.
    Not a LookupError, TypeError or AttributeError, which Jinja's sandbox would turn into 'undefined'."""


class Ambiguous:
    """A bare data-set name (`review`) in a document that has none of its own, while several documents
    of the thesis have one: which is meant must be said (`paper1.review...`)."""

    def __init__(self, name: str, holders: list[str]):
        self._name, self._holders = name, holders

    def _refuse(self, *_args):
        choices = " or ".join(f"{{{{ {h}.{self._name}... }}}}" for h in self._holders)
        raise Refused(f"'{self._name}' is ambiguous here: {' and '.join(self._holders)} each have a {self._name}; "
                      f"write {choices}")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._refuse()

    __getitem__ = __str__ = __iter__ = _refuse


class Unavailable:
    """A value the data cannot give (its data set lacks a column it is computed from): printing or
    using it is one error at the line saying why, never a 0 or a blank."""

    def __init__(self, message: str):
        self._message = message

    def _refuse(self, *_args, **_kwargs):
        raise Refused(self._message)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._refuse()

    __str__ = __format__ = __iter__ = __len__ = __getitem__ = __bool__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __lt__ = __gt__ = _refuse


class Withheld(Refused):
    """A `{{ study.* }}` value that disclosure control keeps out of the thesis (thesiskit/disclosure.py):
    render() reports it at the chapter's line with why and what to write instead. Deliberately not a
    LookupError, TypeError or AttributeError, which Jinja's sandbox would turn into 'undefined'."""

    def __init__(self, name: str, reason: str, instead: str):
        super().__init__(f"{name} is withheld: {reason}; {instead}")
        self.name, self.reason, self.instead = name, reason, instead


def _key(name) -> str:
    """Names compare without regard to case, dashes or spaces: "31-40", "31–40" and "31_40" are one."""
    return re.sub(r"\W+", "_", str(name).strip().casefold()).strip("_") if isinstance(name, str) else name


def _accessor(key: str) -> str:
    return f".{key}" if re.fullmatch(r"[A-Za-z_]\w*", key) else f'["{key}"]'


def prisma_values(p) -> dict:
    """`review.prisma.*` (thesiskit/prisma.py prose_values), with the reasons by name released as
    value names are: compared as _key() does, and a reason not given an error, never a silent 0."""
    out = prose_values(p)
    for name, by_reason in out.items():
        if name.endswith("_by_reason"):
            out[name] = Released(f"review.prisma.{name}", by_reason)
    return out


class Released(dict):
    """Values that may be printed, as a dict (iterating it shows only those). Asking for a withheld
    one raises Withheld; hidden ones (an empty age band: 0) can be asked for but are not listed;
    names compare as _key() does."""

    def __init__(self, path: str, shown: dict, withheld: dict | None = None, hidden: dict | None = None):
        super().__init__(shown)
        self._path = path
        self._withheld = dict(withheld or {})  # name -> (reason, instead)
        self._hidden = dict(hidden or {})
        self._names = {_key(k): k for k in [*self._withheld, *self._hidden, *shown]}

    def __missing__(self, key):
        name = self._names.get(_key(key))
        if name in self._withheld:
            reason, instead = self._withheld[name]
            raise Withheld(f"{self._path}{_accessor(str(key))}", reason, instead)
        if name in self._hidden:
            return self._hidden[name]
        if name is not None:
            return self[name]
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


def _cell_key(cell, result) -> str:
    """How prose names a printed row: its label, or for a pooled row `another` (joined to a shown
    category: `male_or_another`), or `not_reported`."""
    if cell.label == NOT_REPORTED:
        return "not_reported"
    if cell.label == pool_label(result.characteristic.label):
        return "another"
    if result.characteristic.kind == "category" and cell.combined:
        return f"{_name(cell.members[0])}_or_another"
    return cell.label if result.characteristic.bands else _name(cell.label)


def study_values(study: StudyData) -> dict:
    """`study.*`: the disclosure-controlled aggregates of thesiskit/disclosure.py, the same numbers
    the demographics table prints, one entry per declared characteristic (`study.gender.female`,
    `study.age["31–50"]`, `study.experience.mean`). A count below the minimum cell size, a merged
    band under its old label or a mean that would reveal a value is withheld (Withheld, reported
    at the line where prose asks for it)."""
    agg = study.aggregates
    k, source = agg.k, study.config_file
    rule = f"minimum cell size {k}, {source}"
    base = {"participants": {"total": agg.total}, "min_cell_size": k}
    if agg.too_small:
        people = f"participant{'s' if agg.total != 1 else ''}"
        why = (f"{source} has {agg.total} {people}, fewer than the minimum cell size of {k}, so no characteristic "
               "of the sample can be printed")
        instead = ("describe the sample without it (only the number of participants, "
                   "{{ study.participants.total }}, can be printed)")
        return Released("study", base, {c.id: (why, instead) for c in study.characteristics})
    out = dict(base)
    for characteristic in study.characteristics:
        result = agg.results[characteristic.id]
        path = f"study.{characteristic.id}"
        if result.spread is not None:
            what = re.sub(r"\s*\(.*\)$", "", characteristic.label).lower()  # "interview length (minutes)"
            out[characteristic.id] = _spread_values(path, result.spread, what)
            continue
        shown, withheld = {}, {}
        for cell in result.cells:
            key = _cell_key(cell, result)
            shown[key] = cell.count
            for member in cell.members if cell.combined else ():
                if cell.label == NOT_REPORTED:
                    reason = (f"no {characteristic.label.lower()} has {k} or more participants, so it is not reported "
                              f"({rule})")
                    instead = f"leave {characteristic.label.lower()} out of the text, as the table does"
                elif member in cell.small:
                    reason = (f"'{member}' has fewer than {k} participants, so it is counted in '{cell.label}' ({rule})")
                    instead = f"write {{{{ {path}{_accessor(key)} }}}} instead"
                else:
                    reason = (f"'{member}' is printed together with values of fewer than {k} participants, as "
                              f"'{cell.label}', so that their count cannot be found by subtraction ({rule})")
                    instead = f"write {{{{ {path}{_accessor(key)} }}}} instead"
                withheld[member if characteristic.bands else _name(member)] = (reason, instead)
        hidden = {b: 0 for b in result.empty}  # an empty band, or a declared category nobody has: 0
        present = {m.casefold() for cell in result.cells for m in cell.members}
        hidden.update({_name(c): 0 for c in characteristic.categories if c.casefold() not in present})
        out[characteristic.id] = Released(path, shown, withheld, hidden)
    return Released("study", out)


def _spread_values(path: str, spread, what: str) -> Released:
    high = spread.high if spread.high_exact else f">{spread.top_code:g}"
    low = spread.low if spread.low_exact else f"<{spread.bottom_code:g}"
    shown = {"min": low, "max": high}
    withheld = {}
    if spread.mean is None:
        exact = " and ".join(w for w, on in (("the lowest", spread.low_exact), ("the highest", spread.high_exact)) if on)
        withheld["mean"] = (f"with {spread.n} participants and {exact or 'no extreme'} printed exactly, the mean "
                            f"would reveal one participant's {what}",
                            "leave the mean out (the range can be printed)")
    else:
        shown["mean"] = spread.mean
    return Released(path, shown, withheld)


# ---------------------------------------------------------------- rendering

class ProjectLoader(jinja2.BaseLoader):
    """`{% include %}` reads Markdown files from inside the project folder, and nothing else."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def get_source(self, _environment, name: str):
        refused = Problems()
        path = safe_path(self.root, name, "", refused, what="included files")
        if path is None:
            raise IncludeError(refused.items[0].message)
        if not path.is_file():
            raise jinja2.TemplateNotFound(name)
        if path.suffix != ".md":  # data reaches the text through directives and values, never verbatim
            raise IncludeError(f"'{name}' is not a Markdown file; include only .md files (data files reach the "
                               "text through directives and {{ values }}, participant data only in aggregate)")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise IncludeError(f"'{name}' is not UTF-8 text; save it as UTF-8") from None
        found = control_character(text)
        if found:
            raise IncludeError(f"'{name}' line {found[0]}, column {found[1]} holds an invisible {found[2]}; delete it")
        mtime = path.stat().st_mtime
        return shield_code(text), str(path), lambda: path.stat().st_mtime == mtime


# ---------------------------------------------------------------- code is not a template

SHIELD = "\ufdd0"  # a Unicode noncharacter: stands for "{" inside code while the template renders
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})(.*)$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+:~]|\d+[.)]|#[.)]|\(?(?:[A-Za-z]|[ivxlcdmIVXLCDM]+)[.)]|\[\^[^\]]*\]:)(?:[ \t]|$)")
_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))


def code_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) of each piece of code in Markdown text, as pandoc reads it: fenced code blocks
    (``` or ~~~, closed by a fence of the same kind at least as long; an unclosed fence is text),
    indented code blocks (4 spaces after a blank line, unless the paragraph before belongs to a list,
    a footnote or a definition, or is itself indented: there the indent continues the item, and the
    text is treated as prose), and inline code spans. YAML front matter is never an indented block."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    blocks: list[tuple[int, int]] = []
    after_blank, listish, in_code, i = True, False, False, 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            after_blank = True
            i += 1
            continue
        indent = _indent(line)
        if in_code and indent >= 4:
            blocks.append((starts[i], starts[i + 1]))
            after_blank, i = False, i + 1
            continue
        in_code = False
        if line.rstrip() == "---" and after_blank and i + 1 < len(lines) and lines[i + 1].strip():
            end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() in ("---", "...")), None)
            if end is not None:  # YAML front matter: its indented lines are YAML, not code
                after_blank, listish, i = False, False, end + 1
                continue
        fence = _FENCE.match(line)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            mark = fence.group(1)
            closing = re.compile(r"^[ \t>]*" + re.escape(mark[0]) + "{" + str(len(mark)) + r",}[ \t]*$")
            end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j].rstrip("\r\n"))), None)
            if end is not None:
                blocks.append((starts[i], starts[end + 1]))
                after_blank, listish, i = False, indent > 0, end + 1
                continue
        if indent >= 4 and after_blank and not listish:
            blocks.append((starts[i], starts[i + 1]))
            in_code, after_blank, i = True, False, i + 1
            continue
        starts_item = indent > 0 or bool(_LIST_ITEM.match(line))
        listish = starts_item if after_blank else (listish or starts_item)
        after_blank, i = False, i + 1
    spans, position = [], 0
    for start, end in [*blocks, (len(text), len(text))]:
        spans += [m.span() for m in _SPAN.finditer(text, position, start)]
        position = end
    return sorted(blocks + spans)


def shield_code(text: str) -> str:
    """The text with every "{" inside code replaced by SHIELD, so that Jinja sees no {{ }} or {% %}
    there; the same length and lines."""
    if "{" not in text or ("`" not in text and "~~~" not in text and "    " not in text and "\t" not in text):
        return text
    pieces, position = [], 0
    for start, end in code_ranges(text):
        pieces += [text[position:start], text[start:end].replace("{", SHIELD)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def unshield(text: str) -> str:
    return text.replace(SHIELD, "{")


class IncludeError(jinja2.TemplateError):
    """An include the build refuses to read; the message says why and what to do."""


# ---------------------------------------------------------------- bounds
# A value is a number or a short phrase. What a template may cost is bounded three ways, so that
# `{{ 'a' * 10**10 }}`, loops inside loops or a macro calling itself are one error at their line
# instead of a build that eats the memory or never ends: the size of what is written (each value and
# the whole file), the steps taken (loop turns, calls, lookups, operators), and the time (a watchdog
# that stops the rendering thread, for work that takes no counted step).

MAX_VALUE = 1_000_000  # characters one {{ }} may write, and the largest count an operator or call may be given
MAX_OUTPUT = 5_000_000  # characters one file may render to, besides its own length
MAX_STEPS = 2_000_000  # loop turns, calls, lookups and operators of one file's rendering
MAX_SECONDS = 10.0  # wall-clock time of one file's rendering
MAX_INCLUDE_DEPTH = 20  # files included (or imported, or extended) inside each other
WHAT_TO_DO = "values are numbers and short phrases: remove the loop or the operation"
_BIG_NUMBER = re.compile(r"\d{7,}")


class TooLarge(Refused):
    def __init__(self, what: str):
        super().__init__(f"this value would be too large ({what}); {WHAT_TO_DO}")


class TooMuchWork(Exception):
    """Raised in the rendering thread when it has taken too many steps or too long."""


_budget = threading.local()


def _charge(steps: int = 1) -> None:
    left = getattr(_budget, "steps", None)
    if left is None:
        return
    left -= steps
    _budget.steps = left
    if left < 0:
        raise TooMuchWork(f"more than {MAX_STEPS:,} steps")


def _check_count(value) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE:
        raise TooLarge(f"it asks for {value:,}")


def _sized(value) -> bool:
    return isinstance(value, (str, list, tuple, bytes))


def _counted_range(*args):
    """range(), each turn a step of the budget (the sandbox already refuses ranges over 100,000)."""
    for value in jinja2.sandbox.safe_range(*args):
        _charge()
        yield value


class Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, with every operator, call and lookup counted and checked for size."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

    def call_binop(self, context, operator, left, right):
        _charge()
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if _sized(sized) and isinstance(count, int) and len(sized) * count > MAX_VALUE:
                    raise TooLarge(f"{len(sized):,} characters or items times {count:,}")
        elif operator == "**":
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) and abs(right) > 64 \
                    and abs(left) not in (0, 1):
                raise TooLarge(f"{left} to the power {right}")
        elif operator == "+":
            if _sized(left) and _sized(right) and len(left) + len(right) > MAX_VALUE:
                raise TooLarge(f"{len(left) + len(right):,} characters or items")
        elif operator == "%" and isinstance(left, str) and _BIG_NUMBER.search(left):
            raise TooLarge("a format with a width of millions")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        _charge()
        for value in (*args, *kwargs.values()):
            _check_count(value)
        if getattr(__obj, "__name__", "") in ("format", "format_map") and isinstance(getattr(__obj, "__self__", None), str) \
                and _BIG_NUMBER.search(__obj.__self__):
            raise TooLarge("a format with a width of millions")
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        _charge()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        _charge()
        return super().getitem(obj, argument)


def _bounded_filter(name: str, filter_):
    """A filter whose numeric arguments are checked (center(10**10) would allocate gigabytes) and
    whose every use is a step; what it returns is checked for size."""
    def apply(*args, **kwargs):
        _charge()
        for value in (*args[1:], *kwargs.values()):
            _check_count(value)
        if name == "format" and args and isinstance(args[0], str) and _BIG_NUMBER.search(args[0]):
            raise TooLarge("a format with a width of millions")
        result = filter_(*args, **kwargs)
        if _sized(result) and len(result) > MAX_VALUE:
            raise TooLarge(f"{len(result):,} characters or items")
        return result
    for attribute in ("jinja_pass_arg", "__name__"):  # Jinja passes the context or environment on this mark
        if hasattr(filter_, attribute):
            setattr(apply, attribute, getattr(filter_, attribute))
    return apply


def _bounded_finalize(value):
    value = _finalize(value)
    _charge()
    if _sized(value) and len(value) > MAX_VALUE:
        raise TooLarge(f"{len(value):,} characters")
    return value


def environment(root: Path | None = None) -> SandboxedEnvironment:
    env = Sandbox(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                  finalize=_bounded_finalize,
                  comment_start_string="{%#", comment_end_string="#%}",
                  loader=ProjectLoader(root) if root is not None else None)
    env.filters.update(FILTERS)
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    env.globals["range"] = _counted_range
    return env


@contextmanager
def _bounded(seconds: float):
    """Steps counted, and a watchdog that raises TooMuchWork in this thread after seconds: the
    rendering is Python code, which an exception set from another thread stops at its next step."""
    thread, lock, state = threading.get_ident(), threading.Lock(), {"active": True, "fired": False}

    def stop():
        with lock:
            if state["active"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(TooMuchWork))

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    previous = getattr(_budget, "steps", None)
    _budget.steps = MAX_STEPS
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["active"] = False
            if state["fired"]:  # one not yet raised: cleared. Only then: clearing when none was set leaves
                # CPython's eval breaker set, and under a profiler or tracer (cProfile, coverage) the
                # next Python call never returns
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), None)
        _budget.steps = previous


def include_cycle(env: SandboxedEnvironment, text: str, name: str) -> tuple[int, list[str]] | None:
    """(line, [name, ..., name]) when the file includes itself, directly or through other files; the
    line is that of the include in this file. Only includes naming a file literally are followed:
    they are the only kind a chapter needs."""
    from jinja2 import nodes

    def visit(source: str, chain: list[str]) -> tuple[int, list[str]] | None:
        try:
            tree = env.parse(source)
        except jinja2.TemplateSyntaxError:
            return None  # reported when the file is rendered
        for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            if not (isinstance(node.template, nodes.Const) and isinstance(node.template.value, str)):
                continue
            child = posixpath.normpath(node.template.value)
            if child in chain or len(chain) > MAX_INCLUDE_DEPTH:
                return node.lineno, [*chain, child]
            try:
                child_text, _path, _fresh = env.loader.get_source(env, child)
            except jinja2.TemplateError:
                continue  # reported when the file is rendered
            found = visit(child_text, [*chain, child])
            if found:
                return node.lineno, found[1]
        return None

    if env.loader is None or not re.search(r"\b(include|import|extends)\b", text):  # most chapters: no parse needed
        return None
    return visit(text, [posixpath.normpath(name)])


def _template(env: SandboxedEnvironment, text: str):
    """env.from_string(text), compiled once per text in this process (every environment() compiles
    alike; the preview renders every chapter on every save)."""
    return env.template_class.from_code(env, _compiled(text), env.make_globals(None), None)


@lru_cache(maxsize=256)
def _compiled(text: str):
    return environment().compile(text)


def needs_rendering(text: str) -> bool:
    return "{{" in text or "{%" in text


def render(text: str, values: dict, where: str, problems: Problems, env: SandboxedEnvironment | None = None) -> str:
    """The chapter with its values filled in, in prose only (code is left as written); on error, one
    problem with the file and line."""
    if not needs_rendering(text):
        return text
    template = shield_code(text)
    if not needs_rendering(template):
        return text  # every {{ }} is inside code
    env = env or environment()
    cycle = include_cycle(env, template, where)
    if cycle:
        line, chain = cycle
        if chain[-1] in chain[:-1]:
            problems.error(f"{where}:{line}", f"the file includes itself ({' -> '.join(chain)}); remove this "
                           "{% include %} or the one that leads back here")
        else:
            problems.error(f"{where}:{line}", f"includes are nested more than {MAX_INCLUDE_DEPTH} deep "
                           f"({' -> '.join(chain[:4])} -> ... -> {chain[-1]}); include the files one after another "
                           "from the chapter instead")
        return text
    try:
        with _bounded(MAX_SECONDS):
            out, size, limit = [], 0, MAX_OUTPUT + len(template)
            for chunk in _template(env, template).generate(values):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file would render to more than {limit:,} characters")
                out.append(chunk)
        return unshield("".join(out))
    except TooMuchWork as exc:
        reason = str(exc) or f"more than {MAX_SECONDS:g} s"
        problems.error(f"{where}:{_template_line(exc)}", f"the template does too much work ({reason}); {WHAT_TO_DO}")
    except RecursionError as exc:
        problems.error(f"{where}:{_template_line(exc)}", "the template calls itself without end (a macro or an include); "
                       "remove the call that leads back to where it started")
    except jinja2.TemplateSyntaxError as exc:
        problems.error(f"{where}:{exc.lineno}", f"template error: {str(exc.message).rstrip('.')}; check the {{{{ }}}} or {{% %}} here")
    except jinja2.exceptions.SecurityError as exc:
        problems.error(f"{where}:{_template_line(exc)}", f"not allowed in a value: {str(exc).rstrip('.')}; "
                       "values can only be read and formatted (see `python build.py values`)")
    except jinja2.TemplateNotFound as exc:
        problems.error(f"{where}:{_template_line(exc)}", f"file '{exc.name}' (from {{% include %}} or {{% import %}}) "
                       "not found; such paths start from the project folder (e.g. \"chapters/shared/note.md\")")
    except IncludeError as exc:
        problems.error(f"{where}:{_template_line(exc)}", str(exc))
    except Refused as exc:  # withheld by disclosure control, or ambiguous: exists, but not to be printed here
        problems.error(f"{where}:{_template_line(exc)}", str(exc))
    except jinja2.UndefinedError as exc:
        line = _template_line(exc)
        match = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
        name = next(g for g in match.groups() if g) if match else str(exc)
        problems.error(f"{where}:{line}", f"undefined value '{name}'{_expression(text, line, name)}; "
                       "run `python build.py values` to list the values you can use")
    except (TypeError, ValueError, ArithmeticError, jinja2.TemplateError) as exc:
        problems.error(f"{where}:{_template_line(exc)}", f"cannot compute this value ({exc}); check the expression")
    return text


def _expression(text: str, line: int, name: str) -> str:
    """' in {{ review.studies.cout }}': the expression on that line that names the undefined value."""
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    for expression in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source):
        if name in expression:
            return f" in {expression}"
    return ""


def _template_line(exc: BaseException) -> int:
    line = 1
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>":
            line = frame.lineno
    return line


def flatten(values, prefix: str = "") -> list[tuple[str, object]]:
    """('review.casp.min', 5.5), ... for `python build.py values`."""
    out = []
    if isinstance(values, dict):
        for key, value in values.items():
            out += flatten(value, f"{prefix}{_accessor(str(key))}" if prefix else str(key))
        if isinstance(values, Released):  # for the author: what exists but is not printed, and why
            out += [(f"{prefix}{_accessor(str(key))}", value) for key, value in values._hidden.items()]
            out += [(f"{prefix}{_accessor(str(key))}", f"(withheld; {instead})")
                    for key, (_r, instead) in values._withheld.items()]
    elif isinstance(values, Unavailable):  # printing it is an error in prose; here it says why
        out.append((prefix, f"(no value: {values._message})"))
    elif isinstance(values, Words):
        for document in values._documents:
            for part in PARTS:
                out.append((f"{prefix}.{document}.{part}", "(counted after citeproc)"))
    else:
        out.append((prefix, values))
    return out
