"""The PRISMA 2020 counts of a review (data/prisma.yaml): read, validated and computed once per build.

Field names are those of the PRISMA2020 R package (Haddaway et al., 2022), so a review's counts can
go to and from its Shiny app. The flow diagram has up to three columns: studies included in a
previous version of the review (`previous_*`), identification via databases and registers (`dbr_*`
and the fields without a prefix), and identification via other methods (websites, organisations,
citation searching: `other_*`). Each column's boxes must add up, top to bottom; after a box that
does not, later checks use the value it should have had, so one mistake is one line. Every problem
names the line of the field in data/prisma.yaml.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Problems

OTHER_RESULTS = ("website_results", "organisation_results", "citations_results")
COUNTS = ("previous_studies", "previous_reports",
          "database_results", "register_results", *OTHER_RESULTS,
          "duplicates", "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
          "dbr_sought_reports", "dbr_notretrieved_reports", "dbr_assessed",
          "other_sought_reports", "other_notretrieved_reports", "other_assessed",
          "new_studies", "new_reports", "total_studies", "total_reports")
EXCLUDED = ("dbr_excluded", "other_excluded")  # a count, or a list of {reason, n}
SOURCES = {"database_specific_results": "database_results", "register_specific_results": "register_results"}
MERGED = "other_methods_screened_with_databases"  # ours: other methods' records screened in the first column
OTHER_COLUMN = (*OTHER_RESULTS, "other_sought_reports", "other_notretrieved_reports", "other_assessed",
                "other_excluded")
PREVIOUS = ("previous_studies", "previous_reports")
REPORTS = ("previous_reports", "new_reports", "total_reports")  # not written means not known, never 0
EXTRAS = ("screening_stages", "second_screener", "databases", "registers", "grey_literature", "search_date")
FIELDS = (*COUNTS, *EXCLUDED, *SOURCES, MERGED, *EXTRAS)


@dataclass
class Prisma:
    counts: dict[str, int]  # every count; 0 when not written (as the R package reads it), totals computed
    given: frozenset = frozenset()  # the fields written in the file
    reasons: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # dbr_/other_excluded -> (reason, n)
    excluded: dict[str, int] = field(default_factory=dict)  # dbr_/other_excluded -> total
    sources: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # *_specific_results -> (name, n)
    extra: dict = field(default_factory=dict)
    merged: bool = False  # other methods' records de-duplicated and screened with the database records

    def __getattr__(self, name):
        counts = self.__dict__.get("counts", {})
        if name in COUNTS:
            return counts.get(name, 0)
        if name in EXCLUDED:
            return self.__dict__.get("excluded", {}).get(name, 0)
        raise AttributeError(name)

    @property
    def other_column(self) -> bool:
        """PRISMA 2020's second column, 'Identification of studies via other methods': drawn when any of
        its fields is written, unless its records were screened with the database records."""
        return not self.merged and any(f in self.given for f in OTHER_COLUMN)

    @property
    def previous(self) -> bool:
        return any(f in self.given for f in PREVIOUS)

    @property
    def other_identified(self) -> int:
        return sum(self.counts.get(k, 0) for k in OTHER_RESULTS)

    @property
    def dbr_identified(self) -> int:
        """The records that enter the first column's screening."""
        own = self.counts.get("database_results", 0) + self.counts.get("register_results", 0)
        return own + (0 if self.other_column else self.other_identified)

    @property
    def identified(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("database_results", "register_results", *OTHER_RESULTS))

    @property
    def removed(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("duplicates", "excluded_automatic", "excluded_other"))

    @property
    def dbr_included(self) -> int:
        """Reports included via databases and registers: assessed minus excluded."""
        return self.dbr_assessed - self.dbr_excluded

    @property
    def other_included(self) -> int:
        return self.other_assessed - self.other_excluded if self.other_column else 0

    def known(self, name: str) -> bool:
        """A reports count not written is unknown (one study may have several reports), not 0."""
        if name == "total_reports":
            return any(f in self.given for f in REPORTS)
        return name not in REPORTS or name in self.given


# ---------------------------------------------------------------- reading

def load(root: Path, rel, data, problems: Problems, studies: tuple[str, int] | None = None) -> Prisma | None:
    """The counts of data/prisma.yaml (data: its YAML, as thesiskit/data.py read it; None when it
    could not be read), checked; studies is (file, number of included studies) when the review's
    studies file was read without problems, to compare with the studies included."""
    if data is None:
        return None
    rel = str(rel)
    if not isinstance(data, dict):
        problems.error(rel, "must be a YAML mapping of PRISMA 2020 field names to counts; see docs/data-formats.md")
        return None
    lines, twice = key_lines((root / rel).read_text(encoding="utf-8-sig"))
    at = Locator(rel, lines)
    before = len(problems.errors)
    for key, line, first in twice:
        problems.error(f"{rel}:{line}", f"{key} is written twice (also line {first}); keep one")
    prisma = parse(data, at, problems)
    if prisma is not None and len(problems.errors) == before:  # arithmetic only on counts that are all valid
        check(prisma, at, problems, studies)
    return prisma


class Locator:
    """'data/prisma.yaml:12' for a field, or for item i of a list field; the file alone if unknown."""

    def __init__(self, rel: str, lines: dict | None = None):
        self.rel, self.lines = rel, lines or {}

    def __call__(self, name: str, item: int | None = None) -> str:
        line = self.lines.get((name, item) if item is not None else name) or self.lines.get(name)
        return f"{self.rel}:{line}" if line else self.rel


def key_lines(text: str) -> tuple[dict, list[tuple[str, int, int]]]:
    """{field: line, (field, i): line of its item i} of a YAML mapping's top level, and the keys
    written twice as (key, line, first line): PyYAML keeps the last of two silently."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}, []
    lines, twice = {}, []
    if not isinstance(node, yaml.MappingNode):
        return lines, twice
    for key, value in node.value:
        name, line = str(key.value), key.start_mark.line + 1
        if name in lines:
            twice.append((name, line, lines[name]))
            continue
        lines[name] = line
        if isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value):
                lines[(name, i)] = item.start_mark.line + 1
    return lines, twice


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _items(data, name, keys, at, problems) -> list[tuple[str, int]] | None:
    """A list of {label, n} (keys = (label key, what the label is)); None after an error."""
    label, what = keys
    value = data[name]
    if not isinstance(value, list):
        problems.error(at(name), f"{name} must be a whole number or a list of {{{label}: ..., n: ...}}; "
                       f"write e.g. '- {{{label}: {what}, n: 4}}'")
        return None
    out, seen = [], {}
    for i, item in enumerate(value):
        if not (isinstance(item, dict) and isinstance(item.get(label), (str, int, float))
                and str(item.get(label)).strip() and _count(item.get("n"))):
            problems.error(at(name, i), f"{name} item {i + 1} ({_show(item)}) needs {label}: and n: (a whole number, "
                           f"0 or more); write it as {{{label}: {what}, n: 4}}")
            return None
        text = str(item[label]).strip()
        key = name_key(text)
        if key in seen:
            problems.error(at(name, i), f"{name}: '{text}' is listed twice (also item {seen[key] + 1}); "
                           "give each its own name, or add their counts up in one item")
            return None
        seen[key] = i
        out.append((text, item["n"]))
    return out


def name_key(text: str) -> str:
    """'Not a qualitative study' -> 'not_a_qualitative_study': how {{ }} names a reason after a dot."""
    return re.sub(r"\W+", "_", text.casefold()).strip("_")


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse(data: dict, at, problems: Problems) -> Prisma | None:
    """The fields of the file, each checked on its own (types, names); the arithmetic is check()."""
    ok = True
    for name in data:
        if str(name) not in FIELDS:
            close = difflib.get_close_matches(str(name), FIELDS, n=1, cutoff=0.6)
            hint = (f"did you mean {close[0]}?" if close else
                    "use the PRISMA2020 R package's field names (docs/data-formats.md lists them all)")
            problems.error(at(str(name)), f"'{name}' is not a field of a PRISMA 2020 flow diagram; {hint}")
            ok = False
    counts: dict[str, int] = {}
    for name in COUNTS:
        if name not in data:
            continue
        value = data[name]
        if not _count(value):
            problems.error(at(name), f"{name}: {value!r} is not a count; write a whole number, 0 or more"
                           + (" (leave the line out if the count is not known)" if value is None else ""))
            ok = False
            continue
        counts[name] = value
    reasons, excluded = {}, {}
    for name in EXCLUDED:
        if name not in data:
            continue
        if _count(data[name]):
            reasons[name], excluded[name] = [], data[name]
            continue
        items = _items(data, name, ("reason", "Not a qualitative study"), at, problems)
        if items is None:
            ok = False
            continue
        reasons[name], excluded[name] = items, sum(n for _, n in items)
    sources = {}
    for name in SOURCES:
        if name in data:
            items = _items(data, name, ("name", "PsycINFO"), at, problems)
            if items is None:
                ok = False
            else:
                sources[name] = items
    merged = data.get(MERGED, False)
    if not isinstance(merged, bool):
        problems.error(at(MERGED), f"{MERGED}: {merged!r} must be true or false; write true if the records found "
                       "by other methods were de-duplicated and screened with the database records")
        ok, merged = False, False
    written = [f for f in OTHER_COLUMN[len(OTHER_RESULTS):] if f in data]
    if merged and written:
        problems.error(at(written[0]), f"{written[0]} belongs to the column of other methods, but {MERGED} is true "
                       f"(line {at.lines.get(MERGED, '?')}): their records went through the databases' screening; "
                       f"remove {written[0]} or set {MERGED} to false")
        ok = False
    ok = _check_lists(data, at, problems) and ok
    if not ok:
        return None
    counts = {name: counts.get(name, 0) for name in COUNTS}
    given = frozenset(str(k) for k in data)
    prisma = Prisma(counts, given, reasons, excluded, sources,
                    {k: v for k, v in data.items() if k in EXTRAS}, merged)
    if "total_studies" not in given:
        counts["total_studies"] = counts["previous_studies"] + counts["new_studies"]
    if "total_reports" not in given:
        counts["total_reports"] = counts["previous_reports"] + counts["new_reports"]
    return prisma


def _check_lists(data: dict, at, problems: Problems) -> bool:
    """screening_stages and second_screener: each item has its whole numbers."""
    ok = True
    for name, keys in (("screening_stages", ("screened", "excluded")), ("second_screener", ("sample", "agreed"))):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            problems.error(at(name), f"{name} must be a list of {{stage, {', '.join(keys)}}}; see docs/data-formats.md")
            ok = False
            continue
        for i, item in enumerate(value):
            if not (isinstance(item, dict) and item.get("stage") and all(_count(item.get(k)) for k in keys)):
                problems.error(at(name, i), f"{name} item {i + 1} ({_show(item)}) needs stage: and "
                               f"{' and '.join(k + ':' for k in keys)} (whole numbers); write it as "
                               f"{{stage: abstracts, {', '.join(f'{k}: 20' for k in keys)}}}")
                ok = False
            elif item[keys[1]] > item[keys[0]]:
                problems.error(at(name, i), f"{name} '{item['stage']}': {keys[1]} {item[keys[1]]} is more than "
                               f"{keys[0]} {item[keys[0]]}; fix one of the two")
                ok = False
    return ok


# ---------------------------------------------------------------- the arithmetic

ADD_UP = "correct whichever count is wrong (the boxes of the flow diagram must add up)"


def check(p: Prisma, at, problems: Problems, studies: tuple[str, int] | None = None) -> None:
    """The arithmetic of the flow diagram, column by column, top to bottom: one wrong count is one
    line. A box that does not add up is reported; later checks then go on with the value it should
    have had, unless the box as written agrees with the box below it, in which case the mistake is
    in a count above it and the box keeps its value. A check whose counts were reported as possibly
    wrong, in a way no arithmetic can settle, is skipped."""
    v = dict(p.counts)
    doubt: set[str] = set()
    stages = p.extra.get("screening_stages") or []
    target = "new_reports" if "new_reports" in p.given else "new_studies"

    def expect(name: str, expected: int, how: str, then=None, hint: str = "") -> None:
        if v[name] == expected:
            return
        written = v[name] if name in p.given or name in ("total_studies", "total_reports") else "not written (0)"
        problems.error(at(name), f"{name} is {written} but {how} is {expected}; {hint or ADD_UP}")
        if then is None or not then(v[name]):
            v[name] = expected

    def included(dbr_assessed: int, other_assessed: int) -> int:
        return (dbr_assessed - p.dbr_excluded) + ((other_assessed - p.other_excluded) if p.other_column else 0)

    def target_agrees(value: int) -> bool:
        """Does the included count agree with what the studies file and the totals say?"""
        if target == "new_studies" and studies:
            return studies[1] == v["previous_studies"] + value
        if "total_studies" in p.given and target == "new_studies":
            return v["total_studies"] == v["previous_studies"] + value
        if "total_reports" in p.given and target == "new_reports":
            return v["total_reports"] == v["previous_reports"] + value
        return False

    # identification via databases and registers: the sources named one by one add up to their total
    other = p.other_identified if p.other_column else 0
    removed = v["duplicates"] + v["excluded_automatic"] + v["excluded_other"]
    merged = 0 if p.other_column else p.other_identified
    for name, total in SOURCES.items():
        if p.sources.get(name):
            parts = [k for _, k in p.sources[name]]
            rest = v["database_results"] + v["register_results"] - v[total] + merged
            expect(total, sum(parts), f"the sum of {name} ({' + '.join(map(str, parts))})",
                   lambda value, rest=rest: v["records_screened"] == value + rest - removed)
    identified = v["database_results"] + v["register_results"] + merged
    hint = ""
    if other and v["records_screened"] == identified - removed + other:
        hint = (f"the {other} records found by other methods have their own column in PRISMA 2020 and are not "
                f"screened here; if they were de-duplicated and screened with the database records, write "
                f"'{MERGED}: true', otherwise {ADD_UP}")
    source = "identified from databases and registers" if p.other_column else "identified"
    expect("records_screened", identified - removed, f"{source} ({identified}) minus removed before screening "
           f"({removed})", lambda value: (stages[0]["screened"] == value if stages
                                          else v["dbr_sought_reports"] == value - v["records_excluded"]), hint)

    # screening in stages (titles, then abstracts): each stage screens what the one before kept
    if stages:
        kept, label = v["records_screened"], "records_screened"
        for i, stage in enumerate(stages):
            if stage["screened"] != kept:
                problems.error(at("screening_stages", i), f"screening stage '{stage['stage']}' screened "
                               f"{stage['screened']} records but {label} is {kept}; {ADD_UP}")
                break
            kept, label = stage["screened"] - stage["excluded"], f"what stage '{stage['stage']}' kept"
        else:
            parts = [s["excluded"] for s in stages]
            expect("records_excluded", sum(parts),
                   f"the records excluded at the screening stages ({' + '.join(map(str, parts))})",
                   lambda value: v["dbr_sought_reports"] == v["records_screened"] - value)
    expect("dbr_sought_reports", v["records_screened"] - v["records_excluded"],
           f"records_screened ({v['records_screened']}) minus records_excluded ({v['records_excluded']})",
           lambda value: v["dbr_assessed"] == value - v["dbr_notretrieved_reports"])
    expect("dbr_assessed", v["dbr_sought_reports"] - v["dbr_notretrieved_reports"],
           f"dbr_sought_reports ({v['dbr_sought_reports']}) minus dbr_notretrieved_reports "
           f"({v['dbr_notretrieved_reports']})",
           lambda value: v[target] == included(value, v["other_assessed"]))
    if p.dbr_excluded > v["dbr_assessed"]:
        problems.error(at("dbr_excluded"), f"dbr_excluded is {p.dbr_excluded} but only {v['dbr_assessed']} reports "
                       "were assessed (dbr_assessed); a report is excluded only after it was assessed, so fix one of "
                       "the two")
        return

    # identification via other methods: its own reports, from retrieval on
    if p.other_column:
        expect("other_assessed", v["other_sought_reports"] - v["other_notretrieved_reports"],
               f"other_sought_reports ({v['other_sought_reports']}) minus other_notretrieved_reports "
               f"({v['other_notretrieved_reports']})",
               lambda value: v[target] == included(v["dbr_assessed"], value))
        if p.other_excluded > v["other_assessed"]:
            problems.error(at("other_excluded"), f"other_excluded is {p.other_excluded} but only "
                           f"{v['other_assessed']} reports were assessed (other_assessed); fix one of the two")
            return

    # included: reports assessed and not excluded, from both columns (a study may have several reports)
    dbr_in = v["dbr_assessed"] - p.dbr_excluded
    other_in = v["other_assessed"] - p.other_excluded if p.other_column else 0
    if p.other_column:
        how = (f"the reports included via databases and registers (dbr_assessed {v['dbr_assessed']} minus "
               f"dbr_excluded {p.dbr_excluded}) plus via other methods (other_assessed {v['other_assessed']} minus "
               f"other_excluded {p.other_excluded}), {dbr_in} + {other_in},")
    else:
        how = f"dbr_assessed ({v['dbr_assessed']}) minus dbr_excluded ({p.dbr_excluded})"
    expect(target, dbr_in + other_in, how, target_agrees)
    for studies_, reports in (("new_studies", "new_reports"), ("previous_studies", "previous_reports")):
        if reports in p.given and v[studies_] > v[reports]:
            problems.error(at(studies_), f"{studies_} is {v[studies_]} but {reports} is {v[reports]}; every study "
                           "has at least one report, so fix one of the two")
            doubt |= {studies_, reports}

    # totals, with the studies of the previous version of the review
    if "total_studies" in p.given and not doubt & {"new_studies", "previous_studies"}:
        expect("total_studies", v["previous_studies"] + v["new_studies"],
               f"previous_studies ({v['previous_studies']}) plus new_studies ({v['new_studies']})",
               lambda value: studies is not None and studies[1] == value)
    if "total_reports" in p.given and p.known("new_reports") and not doubt & {"new_reports", "previous_reports"}:
        expect("total_reports", v["previous_reports"] + v["new_reports"],
               f"previous_reports ({v['previous_reports']}) plus new_reports ({v['new_reports']})")
    if studies and not doubt & {"new_studies", "previous_studies"}:
        file, count = studies
        name = "total_studies" if "total_studies" in p.given else "new_studies"
        total = v["total_studies"] if name == "total_studies" else v["previous_studies"] + v["new_studies"]
        if total != count:
            how = f"previous_studies plus new_studies is {total}" if p.previous and name == "new_studies" else \
                f"{name} is {total}"
            problems.error(at(name), f"{how} but {file} lists {count} included stud{'y' if count == 1 else 'ies'}; "
                           "fix the count or the file (the flow diagram and the table of included studies must agree)")


# ---------------------------------------------------------------- values for prose

def prose_values(p: Prisma) -> dict:
    """`review.prisma.*`: every count written (reports counts only when known), the project's own
    fields, and what the diagram computes: totals per column, included reports per column, and the
    reasons for excluding reports as a list and by name (`dbr_excluded_by_reason.not_qualitative`;
    thesiskit/values.py releases these mappings to prose)."""
    out = {name: value for name, value in p.counts.items() if p.known(name)}
    out.update(p.extra)
    for name in EXCLUDED:
        reasons = p.reasons.get(name, [])
        out[name] = p.excluded.get(name, 0)
        out[f"{name}_reasons"] = [{"reason": reason, "n": n} for reason, n in reasons]
        out[f"{name}_by_reason"] = {name_key(reason): n for reason, n in reasons}
    for name in SOURCES:
        out[name] = [{"name": label, "n": n} for label, n in p.sources.get(name, [])]
    out.update(identified=p.identified, dbr_identified=p.dbr_identified, other_identified=p.other_identified,
               removed=p.removed, dbr_included=p.dbr_included, other_included=p.other_included,
               other_column=p.other_column, previous=p.previous)
    return out
