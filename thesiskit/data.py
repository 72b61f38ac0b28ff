"""The research data: read, validated and computed once per build.

Every problem names the file, the row and the column, the bad value and what is allowed. Scores,
grades, totals and agreements are computed here and nowhere else, so a table, a figure and a
sentence that show the same fact show the same number.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from . import yamlschema
from .disclosure import DEFAULT_MIN_CELL_SIZE, SMALLEST_MIN_CELL_SIZE, aggregate
from .paths import confine
from .problems import Problems
from . import prisma as prisma_counts
from .rounding import trimmed


class DataError(Exception):
    """Raised when a data file is too broken to go on with; the problem is already reported."""


# ---------------------------------------------------------------- files

def safe_path(root: Path, rel, where: str, problems: Problems, what: str = "data files") -> Path | None:
    """The path of a project file named in the sources; None (and an error) if it breaks the one rule
    for paths (thesiskit/paths.py): absolute, '..' or a link out, a URL, a pipe or a device."""
    return confine(root, rel, where, problems, what)


CONTROL = {"\x00": "NUL", "\x0b": "vertical tab", "\x0c": "form feed (a page break pasted from Word)",
           "\x1b": "escape"}


def control_character(text: str) -> tuple[int, int, str] | None:
    """(line, column, name) of the first invisible control character (not tab or newline), which no
    output can show and DOCX cannot even hold; None when there is none."""
    match = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    char = match.group()
    return line, column, f"U+{ord(char):04X} {CONTROL.get(char, 'control character')}"


def report_control_character(text: str, rel, problems: Problems) -> bool:
    """One error at the first control character of a source file; True when there was one."""
    found = control_character(text)
    if found:
        line, column, name = found
        problems.error(f"{rel}:{line}", f"column {column} holds an invisible {name}; delete it (retype the "
                       "characters around it if in doubt)")
    return found is not None


_reading = threading.local()  # .open: the records of data files read, open in this thread


@contextlib.contextmanager
def recording():
    """The data files read (by read_text) while the block runs, as {path from the project's root:
    digest of the bytes read}: what a document's work depended on (thesiskit/memo.py)."""
    seen: dict[str, str] = {}
    stack = _reading.__dict__.setdefault("open", [])
    stack.append(seen)
    try:
        yield seen
    finally:
        stack.remove(seen)


def noted(files: dict[str, str]) -> None:
    """Files read earlier (a data set's, loaded once per build) counted as read now."""
    for seen in getattr(_reading, "open", ()):
        seen.update(files)


def read_text(root: Path, rel, where: str, problems: Problems) -> str | None:
    path = safe_path(root, rel, where, problems)
    if path is None:
        return None
    if not path.is_file():
        named = f" (named in {where})" if where != str(rel) else ""
        problems.error(str(rel), f"data file not found{named}; create it or fix the path")
        return None
    data = path.read_bytes()
    if getattr(_reading, "open", None):
        noted({_relative(path, root): hashlib.sha256(data).hexdigest()})
    if not data.strip():
        problems.error(str(rel), "the file is empty; add its header row and data")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(str(rel), f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 (in Excel: CSV UTF-8)")
        return None
    return None if report_control_character(text, rel, problems) else text


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return path.as_posix()


def read_yaml_file(root: Path, rel, where: str, problems: Problems, loader: type = yamlschema.CoreLoader):
    """A data file's YAML, read as YAML 1.2 (thesiskit/yamlschema.py: `Yes` stays text), or with loader."""
    text = read_text(root, rel, where, problems)
    if text is None:
        return None
    try:
        data = yamlschema.load(text, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problems.error(f"{rel}{line}", yamlschema.refusal(exc) or f"the YAML is malformed "
                       f"({getattr(exc, 'problem', None) or exc}); check indentation, colons and quotes")
        return None
    if data is None:
        problems.error(str(rel), "holds no data, only comments or blank lines; fill it in (docs/data-formats.md "
                       "shows each file's fields)")
    return data


@dataclass
class Row:
    file: str
    number: int  # line of the row in the file (the header is row 1)
    values: dict[str, str]  # by the names the build uses (a data set's columns: mapping applied)
    headers: dict[str, str] = field(default_factory=dict)  # name the build uses -> the file's own heading
    positions: dict[str, int] = field(default_factory=dict)  # name the build uses -> its column (1 is the first)

    def where(self, column: str) -> str:
        return f"{self.file} row {self.number}, column {self.headers.get(column, column)}"

    def __getitem__(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


class Rows(list):
    """The usable rows of a CSV; skipped holds the first cell of each row too broken to use, so a
    caller does not report that row's study as missing on top of the row's own error."""

    def __init__(self):
        super().__init__()
        self.skipped: list[str] = []


def read_csv(root: Path, rel, where: str, required: list[str], problems: Problems,
             rename: dict[str, str] | None = None) -> Rows | None:
    """The usable rows of a CSV, each cell under its column's name; rename maps the file's own
    headings to the names the build uses (a data set's `columns:`), None for a column to ignore."""
    text = read_text(root, rel, where, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        problems.error(f"{rel}", f"cannot be read as CSV ({exc}); check its quotes")
        return None
    original = [h.strip() for h in rows[0]]
    twice = sorted({h for h in original if h and original.count(h) > 1})
    if twice:
        problems.error(f"{rel} row 1", f"column {twice[0]} appears twice in the header; rename or remove one")
        return None
    rename = rename or {}
    header = [rename.get(h, h) if h in rename else h for h in original]
    headers = {name: heading for name, heading in zip(header, original) if name}
    positions = {name: i for i, name in enumerate(header, start=1) if name}
    missing = [c for c in required if c not in header]
    if missing:
        problems.error(f"{rel} row 1", f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                       f"the file needs: {', '.join(required)}")
        return None
    widths = {len(cells) for cells in rows[1:] if any(c.strip() for c in cells)}
    if len(widths) == 1 and widths != {len(header)}:  # every row disagrees with the header: the header is wrong
        problems.error(f"{rel} row 1", f"the header has {len(header)} columns but every row has {widths.pop()} cells; "
                       "add or remove a column name in the header")
        return None
    out = Rows()
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.error(f"{rel} row {number}", f"has {len(cells)} cells but the header has {len(header)}; "
                           "check for a missing or extra comma (quote cells that contain commas)")
            out.skipped.append(cells[0].strip() if cells else "")
            continue
        out.append(Row(str(rel), number, {h: c for h, c in zip(header, cells) if h}, headers, positions))
    return out


def whole_number(row: Row, column: str, problems: Problems, blank: int | None = None) -> int | None:
    text = row[column]
    if text == "" and blank is not None:
        return blank
    try:
        value = int(text)
    except ValueError:
        problems.error(row.where(column), f'"{text}" is not a whole number; write digits only, e.g. 12')
        return None
    if value < 0:
        problems.error(row.where(column), f"{value} is negative; counts cannot be below 0")
        return None
    return value


def number(row: Row, column: str, problems: Problems) -> float | None:
    text = row[column]
    try:
        value = float(text)
    except ValueError:
        problems.error(row.where(column), f'"{text}" is not a number; write digits, e.g. 7.5')
        return None
    if value < 0:
        problems.error(row.where(column), f"{value:g} is negative; use 0 or more")
        return None
    return value


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


# ---------------------------------------------------------------- the review (Paper 1)

@dataclass
class Study:
    number: int
    key: str
    label: str
    year: str
    row: Row
    sample_size: int = 0
    females: int = 0
    males: int = 0
    gender_other: int = 0
    constructs: list[str] = field(default_factory=list)

    @property
    def citation(self) -> str:
        return f"{self.label}, {self.year}"


@dataclass
class Grade:
    grade: str
    min: float
    flaws: str
    label: str


@dataclass
class Group:
    """Questions asked as parts of one (CASP's question 10 as q10a to q10c): a comment column named
    after the group (q10_comment) comments on all of them; text, when the tool gives it, is the
    question they are parts of."""

    id: str
    members: list[str]
    text: str = ""
    label: str = ""


@dataclass
class Appraisal:
    questions: dict[str, str]
    scored: list[str]
    points: dict[str, float | None]  # None: "Not applicable", counted in neither the score nor its maximum
    grades: list[Grade]
    tool: str  # the tool's title
    answers: dict[int, dict[str, str]]  # study -> question -> answer
    comments: dict[int, dict[str, str]]  # study -> question or group id -> comment
    second: dict[int, dict[str, str]]
    second_comments: dict[int, dict[str, str]]
    short: str = ""  # the tool's name in table headings ("CASP")
    labels: dict[str, str] = field(default_factory=dict)  # question id -> its label in tables ("10A")
    groups: dict[str, Group] = field(default_factory=dict)
    rows: dict[int, Row] = field(default_factory=dict)  # study -> its row of answers (for anchors: file, row)
    second_rows: dict[int, Row] = field(default_factory=dict)

    @property
    def top(self) -> float:
        return max(v for v in self.points.values() if v is not None)

    @property
    def maximum(self) -> float:
        """The most a study can score: every scored question at the highest points."""
        return len(self.scored) * self.top

    def maximum_of(self, study: int, answers: dict | None = None) -> float:
        """A study's own maximum: a scored question answered "Not applicable" (points null) leaves it."""
        answers = answers if answers is not None else self.answers[study]
        return sum(self.top for q in self.scored if self.points[answers[q]] is not None)

    def score(self, study: int, answers: dict | None = None) -> float:
        answers = answers if answers is not None else self.answers[study]
        return sum(self.points[answers[q]] or 0 for q in self.scored)

    def points_of(self, study: int, question: str) -> float | None:
        return self.points[self.answers[study][question]]

    def grade(self, score: float) -> Grade:
        return next(g for g in self.grades if score >= g.min)

    def rating(self, study: int) -> str:
        score = self.score(study)
        return f"{format_score(score)} ({self.grade(score).grade})"

    def label(self, question: str) -> str:
        return self.labels.get(question) or question

    def group_of(self, question: str) -> Group | None:
        return next((g for g in self.groups.values() if question in g.members), None)

    def agreement(self) -> tuple[int, int, float | None]:
        """(items agreed, items compared, Cohen's kappa) over the scored items both reviewers rated."""
        pairs = [(self.answers[s][q], self.second[s][q]) for s in self.second if s in self.answers
                 for q in self.scored]
        agreed = sum(a == b for a, b in pairs)
        return agreed, len(pairs), cohens_kappa(pairs)


def format_score(score: float, digits: int = 2) -> str:
    """A score or count as a reader writes it: 7.0 as 7, 7.5 as 7.5, at most two decimals, rounded
    half up (thesiskit/rounding.py), in tables and prose alike."""
    return trimmed(score, digits)


def cohens_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa for two raters' categorical answers; None when chance agreement is total."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    categories = {a for a, _ in pairs} | {b for _, b in pairs}
    expected = sum((sum(a == c for a, _ in pairs) / n) * (sum(b == c for _, b in pairs) / n) for c in categories)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class Construct:
    name: str
    studies: list[int]


@dataclass
class Concept:
    name: str
    constructs: list[Construct]


STUDY_COLUMNS = ["study", "key", "label", "year", "country", "title", "aims", "sample_size", "females", "males",
                 "gender_other", "role", "setting", "data_collection", "analysis", "constructs"]
REQUIRED_STUDY_COLUMNS = ["study", "key", "label", "year"]
STUDY_SYNONYMS = {"n": "sample_size", "sample": "sample_size", "participants": "sample_size", "size": "sample_size",
                  "female": "females", "women": "females", "male": "males", "men": "males", "other": "gender_other",
                  "unreported": "gender_other", "not_reported": "gender_other", "collection": "data_collection",
                  "method": "data_collection", "authors": "label", "citation": "label"}


@dataclass
class Review:
    config_file: str
    studies: dict[int, Study]
    appraisal: Appraisal
    concepts: list[Concept]
    prisma: prisma_counts.Prisma | None
    links: list[tuple[str, str]] = field(default_factory=list)  # concept -> concept, for the model figure
    studies_file: str = "data/studies.csv"
    columns: frozenset = frozenset(STUDY_COLUMNS)  # the study columns the file has (after its columns: mapping)
    synthesis_file: str = ""  # the synthesis grid's file, when there is one

    def by_key(self) -> dict[str, Study]:
        return {s.key: s for s in self.studies.values()}

    def lacking(self, *names: str) -> list[str]:
        return [n for n in names if n not in self.columns]

    def needs(self, who: str, *names: str) -> str | None:
        """Why `who` (a directive's column, a value) cannot be given, when the studies file lacks a
        column it is computed from; None when it can."""
        missing = self.lacking(*names)
        if not missing:
            return None
        them = "it" if len(missing) == 1 else "them"
        return (f"{who} needs the study column{'s' * (len(missing) > 1)} {', '.join(missing)}, which {self.studies_file} "
                f"does not have; add {them}, or say which of your columns holds {them} in {self.config_file} "
                f"(studies: {{file: {self.studies_file}, columns: {{your heading: {missing[0]}}}}})")




def load_review(root: Path, rel: str, bib_keys: set[str] | None, problems: Problems) -> Review | None:
    config = read_yaml_file(root, rel, rel, problems)
    if config is None:
        return None
    if not isinstance(config, dict):
        problems.error(rel, "must be a YAML mapping (studies:, appraisal:, synthesis:, prisma:)")
        return None
    studies_file, rename = _studies_config(config.get("studies", "data/studies.csv"), rel, problems)
    if studies_file is None:
        return None
    errors = len(problems.errors)
    studies = _load_studies(root, studies_file, rel, bib_keys, problems, rename)
    if studies is None:
        return None
    # PRISMA's included studies are compared with the studies file only when that file read cleanly
    included = (studies_file, len(studies)) if len(problems.errors) == errors and not broken_studies(studies) else None
    appraisal = _load_appraisal(root, config.get("appraisal"), rel, studies, problems)
    links: list[tuple[str, str]] = []
    concepts = (_load_synthesis(root, config.get("synthesis"), rel, studies, links, problems)
                if config.get("synthesis") else [])
    prisma = prisma_counts.load(root, config["prisma"], read_yaml_file(root, config["prisma"], rel, problems), problems,
                                included) if config.get("prisma") else None
    if appraisal is None or concepts is None:
        return None
    return Review(rel, studies, appraisal, concepts, prisma, links, studies_file, frozenset(studies.columns),
                  str(config.get("synthesis") or ""))


def _studies_config(value, where: str, problems: Problems) -> tuple[str | None, dict]:
    """studies: data/studies.csv, or {file: ..., columns: {the file's heading: a study column, or null
    to ignore it}}: (the file, the mapping)."""
    if isinstance(value, str):
        return value, {}
    if not isinstance(value, dict) or not isinstance(value.get("file"), str):
        problems.error(where, "studies: is the studies file (data/studies.csv), or {file: ..., columns: {your heading: "
                       "study column}}; see docs/data-formats.md")
        return None, {}
    columns = value.get("columns") or {}
    if not isinstance(columns, dict):
        problems.error(where, "studies: columns: maps your file's headings to study columns, e.g. {n: sample_size}")
        return None, {}
    rename = {}
    for heading, name in columns.items():
        if name is not None and str(name) not in STUDY_COLUMNS:
            import difflib

            close = difflib.get_close_matches(str(name), STUDY_COLUMNS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"the study columns are {', '.join(STUDY_COLUMNS)}"
            problems.error(where, f"studies: columns: maps '{heading}' to '{name}', which is not a study column; {hint}")
            return None, {}
        rename[str(heading)] = None if name is None else str(name)
    return value["file"], rename

class StudyTable(dict):
    """Studies by number; broken when studies.csv had a row it could not use, so that files that
    refer to study numbers do not add a second error for the same mistake; columns: the study
    columns the file has."""

    broken = False
    columns: set = set(STUDY_COLUMNS)


def _header(root: Path, rel: str) -> list[str]:
    """The file's own headings (first row), already known readable."""
    text = (Path(root) / rel).read_text(encoding="utf-8-sig")
    first = next(csv.reader(io.StringIO(text)), [])
    return [h.strip() for h in first if h.strip()]


def broken_studies(studies) -> bool:
    return getattr(studies, "broken", False)


def _load_studies(root, rel, where, bib_keys, problems, rename=None) -> dict[int, Study] | None:
    rename = rename or {}
    rows = read_csv(root, rel, where, REQUIRED_STUDY_COLUMNS, problems, rename)
    if rows is None:
        return None
    studies: dict[int, Study] = StudyTable()
    headers = _header(root, rel)
    unknown_headers = [h for h in headers if h not in rename and h not in STUDY_COLUMNS]
    for heading in [h for h in rename if h not in headers]:
        problems.error(where, f"studies: columns: names '{heading}', which is not a column of {rel}; use the file's "
                       f"own heading ({', '.join(headers)})")
    for heading in unknown_headers:  # never a silent 0: an unknown heading is most often a known one renamed
        import difflib

        close = ([STUDY_SYNONYMS[heading.casefold()]] if heading.casefold() in STUDY_SYNONYMS else
                 difflib.get_close_matches(heading, STUDY_COLUMNS, n=1, cutoff=0.5))
        hint = (f"did you mean {close[0]}? If it holds that, map it in {where} (studies: {{file: {rel}, columns: "
                f"{{{heading}: {close[0]}}}}})" if close else
                f"map it to a study column in {where} (studies: columns:), or to null to ignore it")
        problems.warning(f"{rel} row 1", f"column '{heading}' is not a study column the build knows; {hint}")
    studies.columns = {rename.get(h, h) for h in headers if rename.get(h, h) in STUDY_COLUMNS}
    keys: dict[str, int] = {}
    for row in rows:
        number_ = whole_number(row, "study", problems)
        if number_ is None:
            studies.broken = True
            continue
        if number_ in studies:
            problems.error(row.where("study"), f"study {number_} appears twice (also row {studies[number_].row.number}); "
                           "give each study its own number")
            studies.broken = True
            continue
        key = row["key"]
        if not key:
            problems.error(row.where("key"), "is empty; give the study's BibTeX key")
        elif key in keys:
            problems.error(row.where("key"), f"'{key}' is also study {keys[key]}; each study has its own key")
        elif bib_keys is not None and key not in bib_keys:
            import difflib

            close = difflib.get_close_matches(key, sorted(bib_keys), n=1)
            hint = f"did you mean {close[0]}?" if close else "add the entry to the .bib or fix the key"
            problems.error(row.where("key"), f"'{key}' is not a key of the bibliography; {hint}")
        keys[key] = number_
        study = Study(number_, key, row["label"], row["year"], row, constructs=split_list(row["constructs"]))
        if "sample_size" in row.values:
            parts = [c for c in ("females", "males", "gender_other") if c in row.values]
            counts = [whole_number(row, c, problems, blank=0) for c in ("sample_size", *parts)]
            if None not in counts:
                study.sample_size = counts[0]
                for name, count in zip(parts, counts[1:]):
                    setattr(study, name, count)
                if parts and sum(counts[1:]) != study.sample_size:
                    listed = " + ".join(row.headers.get(c, c) for c in parts)
                    problems.error(row.where("sample_size"),
                                   f"{study.sample_size} participants but {listed} = {sum(counts[1:])}; make them add up")
        studies[number_] = study
    return studies


def _load_appraisal(root, config, where, studies, problems) -> Appraisal | None:
    if not isinstance(config, dict):
        problems.error(where, "needs an 'appraisal:' mapping (tool, answers, grades); see docs/data-formats.md")
        return None
    tool = appraisal_tool(root, config, where, problems)
    if tool is None:
        return None
    questions, allowed, title = tool["questions"], tool["allowed"], tool["title"]
    source = tool["source"]  # the file that gave the questions, for messages
    scored = [str(q) for q in config.get("scored") or tool.get("scored") or []]
    points: dict[str, float | None] = {}
    raw_points = config.get("points") or tool.get("points") or {}
    if not isinstance(raw_points, dict):
        raw_points = {"": raw_points}
    for answer, value in raw_points.items():
        if value is None:  # "Not applicable": counted in neither the score nor its maximum
            points[str(answer)] = None
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            points[str(answer)] = float(value)
        else:
            origin = where if config.get("points") else source
            problems.error(f"{origin}{_line_of(root, origin, 'points')}",
                           f"points: {answer!r} is given {value!r}; give each answer a number of points, or null "
                           "for an answer that counts towards neither the score nor its maximum (e.g. {Yes: 1, No: 0, "
                           "Not applicable: null})")
            return None
    grades = []
    for entry in config.get("grades") or []:
        try:
            grades.append(Grade(str(entry["grade"]), float(entry["min"]), str(entry.get("flaws", "")),
                                str(entry.get("label", ""))))
        except (KeyError, TypeError, ValueError):
            problems.error(f"{where}{_line_of(root, where, 'grades')}",
                           f"appraisal grade {entry!r} needs grade: and a numeric min:; e.g. {{grade: A, min: 8.5}}")
    grades.sort(key=lambda g: -g.min)
    for q in scored:
        if q not in questions:
            origin = where if config.get("scored") else source
            problems.error(f"{origin}{_line_of(root, origin, 'scored')}",
                           f"scored names '{q}', which is not a question of the tool; use "
                           f"{_some(list(questions))}")
    if not questions or not scored or not points or not grades or all(v is None for v in points.values()):
        missing = [name for name, value in (("questions", questions), ("scored", scored), ("grades", grades))
                   if not value] or ["points"]
        problems.error(where, f"appraisal needs {' and '.join(missing)}; name a tool (tool: casp-qualitative) and "
                       "give the review's grades (docs/data-formats.md)")
        return None
    if grades[-1].min > 0:
        problems.error(where, f"the lowest grade band starts at {grades[-1].min:g}; give the last band min: 0")
    labels = _question_labels(questions, tool["labels"], source, root, problems)
    groups = _groups(tool["groups"], questions, labels, source, root, problems)
    if labels is None or groups is None:
        return None
    answers, comments, rows = _load_answers(root, config.get("answers"), where, questions, allowed, points, groups,
                                            labels, studies, problems)
    second, second_comments, second_rows = ({}, {}, {})
    if config.get("second-rater"):
        second, second_comments, second_rows = _load_answers(root, config["second-rater"], where, questions, allowed,
                                                             points, groups, labels, studies, problems)
    missing = [n for n in studies if n not in answers]
    answers = {n: a for n, a in answers.items() if len(a) == len(questions)}
    second = {n: a for n, a in second.items() if len(a) == len(questions)}
    if answers and missing and not broken_studies(studies):
        problems.error(str(config.get("answers")), f"has no answers for stud{'ies' if len(missing) > 1 else 'y'} "
                       f"{', '.join(map(str, missing))}; add a row for each study in studies.csv")
    return Appraisal(questions, scored, points, grades, title, answers, comments, second, second_comments,
                     short=tool["short"], labels=labels, groups=groups, rows=rows, second_rows=second_rows)


def _some(names: list[str]) -> str:
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")


NUMBERED = re.compile(r"^\D*?(\d+)[\W_]*([A-Za-z]?)$")  # q10a -> 10A, item_3 -> 3, aims -> (its position)


def default_label(question: str, position: int) -> str:
    """A question's label in tables when the tool gives none: the number in its id with a letter
    after it capitalised (q1 -> 1, q10a -> 10A), or its position (aims, the first question -> 1)."""
    match = NUMBERED.match(question)
    return match.group(1) + match.group(2).upper() if match else str(position)


def _question_labels(questions, given, source, root, problems) -> dict[str, str] | None:
    labels = {q: str(given.get(q) or default_label(q, i)) for i, q in enumerate(questions, start=1)}
    seen: dict[str, str] = {}
    for q, label in labels.items():
        if label in seen:
            problems.error(f"{source}{_line_of(root, source, q)}",
                           f"questions '{seen[label]}' and '{q}' would both be labelled {label} in tables; give one "
                           f"of them a label: ({q}: {{text: ..., label: ...}})")
            return None
        seen[label] = q
    return labels


def group_members(group: str, questions) -> list[str]:
    """The questions whose ids continue a group's id: q10 -> q10a, q10b (not q100); aims -> aims_1, aims-2."""
    def continues(rest: str) -> bool:
        return bool(rest) and (not rest[0].isdigit() if group[-1:].isdigit() else not rest[0].isalnum())
    return [q for q in questions if q != group and q.startswith(group) and continues(q[len(group):])]


def _group(group: str, members: list[str], text: str, labels: dict[str, str], label: str = "") -> Group:
    match = NUMBERED.match(group)
    if not label:
        label = match.group(1) + match.group(2).upper() if match else \
            f"{labels[members[0]]}–{labels[members[-1]]}" if len(members) > 1 else labels[members[0]]
    return Group(group, members, text, label)


def _groups(given, questions, labels, source, root, problems) -> dict[str, Group] | None:
    groups = {}
    for gid, spec in (given or {}).items():
        gid = str(gid)
        spec = spec if isinstance(spec, dict) else {"text": spec}
        members = [str(m) for m in spec.get("questions") or []] or group_members(gid, questions)
        unknown = [m for m in members if m not in questions]
        if not members or unknown:
            what = f"names '{unknown[0]}', which is not a question" if unknown else "holds no question"
            problems.error(f"{source}{_line_of(root, source, gid)}",
                           f"group '{gid}' {what}; list its questions (questions: [...]) or give it an id its "
                           "questions' ids continue (q10 for q10a, q10b)")
            return None
        groups[gid] = _group(gid, members, str(spec.get("text") or ""), labels, str(spec.get("label") or ""))
    return groups


TOOLS = Path(__file__).parent / "builtin" / "tools"


def tool_names() -> list[str]:
    return sorted(p.stem for p in TOOLS.glob("*.yaml"))


def appraisal_tool(root: Path, config: dict, where: str, problems: Problems) -> dict | None:
    """The appraisal tool: its title and short name, its questions (id -> wording), the answers each
    question allows, their labels, groups, points and scored questions. A built-in tool by name
    (`tool: casp-qualitative`), a project's tool file (`tool: data/tools/mine.yaml`), or questions
    written in the review itself; questions, points and scored given in the review replace the tool's."""
    name = config.get("tool")
    tool: dict = {}
    source = where
    if name and str(name).endswith((".yaml", ".yml")):
        tool = read_yaml_file(root, str(name), where, problems)
        if not isinstance(tool, dict):
            if tool is not None:
                problems.error(str(name), "an appraisal tool is a mapping: title, questions, points, scored")
            return None
        source = str(name)
    elif name and (TOOLS / f"{name}.yaml").is_file():
        tool = yaml.safe_load((TOOLS / f"{name}.yaml").read_text(encoding="utf-8"))
        source = f"{where} (tool {name})"
    elif name and not config.get("questions"):
        import difflib

        close = difflib.get_close_matches(str(name), tool_names(), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]}?" if close else f"use a built-in tool ({', '.join(tool_names())})"
        problems.error(f"{where}{_line_of(root, where, 'tool')}",
                       f"appraisal tool '{name}' is not a built-in tool or a .yaml file; {hint} (built-in: "
                       f"{', '.join(tool_names())}; or name a tool file of your own, tool: data/tools/mine.yaml)")
        return None
    title = str(tool.get("title") or name or "appraisal")
    questions, allowed, labels = {}, {}, {}
    for origin, questions_ in ((source, tool.get("questions") or {}), (where, config.get("questions") or {})):
        if not isinstance(questions_, dict):
            problems.error(f"{origin}{_line_of(root, origin, 'questions')}",
                           "questions are a mapping of question id to wording (q1: Was there ...?), or to "
                           "{text: ..., answers: [...], label: ...}")
            return None
        for qid, value in questions_.items():
            if isinstance(value, dict):
                questions[str(qid)] = str(value.get("text", ""))
                if value.get("answers"):
                    allowed[str(qid)] = [str(a) for a in value["answers"]]
                if value.get("label") is not None:
                    labels[str(qid)] = str(value["label"])
            else:
                questions[str(qid)] = str(value)
    groups = {**(tool.get("groups") or {}), **(config.get("groups") or {})}
    return {"title": title, "short": str(tool.get("short") or short_name(title)), "questions": questions,
            "allowed": allowed, "labels": labels, "groups": groups, "scored": tool.get("scored"),
            "points": tool.get("points"), "source": source if source.endswith((".yaml", ".yml")) else where}


def short_name(title: str) -> str:
    """A tool's name in table headings when it gives no `short:`: the acronym its title starts with
    ("CASP Qualitative Checklist" -> CASP), else the whole title."""
    first = title.split()[0] if title.split() else title
    return first if len(first) > 1 and first.isupper() and first.isalpha() else title


def _line_of(root: Path, rel, key: str) -> str:
    """':7' for the first line of a YAML file that sets key (at any depth); '' if there is none."""
    try:
        path = root / str(rel)
        lines = path.read_text(encoding="utf-8-sig").splitlines() if path.is_file() else []
    except (OSError, UnicodeDecodeError):
        return ""
    pattern = re.compile(rf"^\s*(-\s*)?['\"]?{re.escape(key)}['\"]?\s*:")
    return next((f":{number}" for number, line in enumerate(lines, start=1) if pattern.match(line)), "")


def _comment_targets(rel, header, questions, groups, labels, problems) -> dict[str, str]:
    """Comment column -> the question or group it comments on: q3_comment -> q3; q10_comment -> the
    group q10 (q10a to q10c), declared by the tool or found from the ids. A comment column that names
    neither is an error: its comments would be lost."""
    targets = {}
    for column in header:
        if not column.endswith("_comment"):
            continue
        target = column.removesuffix("_comment")
        if target in questions or target in groups:
            targets[column] = target
            continue
        members = group_members(target, questions)
        if members:
            groups[target] = _group(target, members, "", labels)
            targets[column] = target
            continue
        problems.error(f"{rel} row 1", f"column {column} comments on no question of the tool; name it after a "
                       f"question (q1_comment) or after a group of questions (q10_comment for q10a, q10b, ...): "
                       f"{_some(list(questions))}")
    return targets


def _load_answers(root, rel, where, questions, allowed_answers, points, groups, labels, studies, problems):
    if not rel:
        problems.error(where, "appraisal.answers is missing; name the CSV of answers (e.g. data/casp.csv)")
        return {}, {}, {}
    rows = read_csv(root, rel, where, ["study", *questions], problems)
    if rows is None:
        return {}, {}, {}
    answers: dict[int, dict[str, str]] = {int(s): {} for s in rows.skipped if s.isdigit()}
    comments: dict[int, dict[str, str]] = {}
    by_study: dict[int, Row] = {}
    header = list(rows[0].values) if rows else []
    targets = _comment_targets(rel, header, questions, groups, labels, problems)
    scored_answers = list(points)
    for row in rows:
        number_ = whole_number(row, "study", problems)
        if number_ is None:
            continue
        answers.setdefault(number_, {})  # a row with a bad answer is reported there, not as missing
        if number_ not in studies:
            if not broken_studies(studies):  # when studies.csv itself is broken, its own error says enough
                problems.error(row.where("study"), f"study {number_} is not in studies.csv; "
                               f"use one of {', '.join(map(str, sorted(studies)))}")
            answers.pop(number_, None)
            continue
        if answers[number_]:
            problems.error(row.where("study"), f"study {number_} is answered twice; keep one row")
            continue
        given = {}
        for q in questions:
            value = row[q]
            allowed = allowed_answers.get(q, scored_answers)
            match = next((a for a in allowed if a.lower() == value.lower()), None)
            if match is None:
                problems.error(row.where(q), f'"{value}" is not an answer; use {", ".join(allowed[:-1])} or {allowed[-1]}')
                continue
            given[q] = match
        answers[number_] = given
        by_study[number_] = row
        comments[number_] = {target: row[column] for column, target in targets.items() if row[column]}
    return answers, comments, by_study


def _load_synthesis(root, rel, where, studies, links, problems) -> list[Concept] | None:
    data = read_yaml_file(root, rel, where, problems)
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        problems.error(str(rel), "needs 'concepts:', a list of {concept, constructs}; see docs/data-formats.md")
        return None
    concepts, seen = [], set()
    for i, entry in enumerate(data["concepts"], start=1):
        if not isinstance(entry, dict) or "concept" not in entry:
            problems.error(str(rel), f"concept {i} needs 'concept:' (its name) and 'constructs:'")
            continue
        constructs = []
        for j, c in enumerate(entry.get("constructs") or [], start=1):
            if not isinstance(c, dict) or "construct" not in c:
                problems.error(str(rel), f"construct {j} of '{entry['concept']}' needs 'construct:' and 'studies:'")
                continue
            name = str(c["construct"])
            if name in seen:
                problems.error(str(rel), f"construct '{name}' appears twice; name each construct once")
            seen.add(name)
            numbers = []
            for s in c.get("studies") or []:
                if not isinstance(s, int) or s not in studies:
                    if not broken_studies(studies):
                        problems.error(str(rel), f"construct '{name}' names study {s!r}, which is not in studies.csv; "
                                       f"use one of {', '.join(map(str, sorted(studies)))}")
                else:
                    numbers.append(s)
            constructs.append(Construct(name, sorted(set(numbers))))
        concepts.append(Concept(str(entry["concept"]), constructs))
    names = {c.name for c in concepts}
    for link in data.get("links") or []:
        unknown = [str(x) for x in link if str(x) not in names] if isinstance(link, list) else []
        if not (isinstance(link, list) and len(link) == 2) or unknown:
            what = f"'{unknown[0]}' is not a concept of the grid" if unknown else "a link is [concept, concept]"
            problems.error(str(rel), f"link {link!r}: {what}; name two of: {', '.join(sorted(names))}")
            continue
        links.append((str(link[0]), str(link[1])))
    return concepts


# ---------------------------------------------------------------- the empirical study (Paper 2)

@dataclass
class Characteristic:
    """One characteristic of the participants, as data/study.yaml declares it."""

    id: str  # how prose and the demographics directive name it: {{ study.age }}, show="age"
    column: str  # its column in the participants file
    label: str  # the table's row heading
    kind: str  # "category" (counted by value) or "number" (a range and mean, or counted in bands)
    categories: list[str] = field(default_factory=list)  # a category's values in table order (all allowed if empty)
    bands: list[tuple[str, float, float | None]] = field(default_factory=list)  # a number counted in bands
    decimals: int = 1  # of a number's mean
    top_code: float | None = None  # values above it are printed as "more than N"
    bottom_code: float | None = None  # values below it as "less than N"
    whole: bool = False  # a number must be a whole number (ages, minutes)
    limits: tuple[float, float] | None = None  # the plausible values: anything outside is a typing slip
    table: list[str] = field(default_factory=lambda: ["range", "mean"])  # a number's rows in the table


@dataclass
class Participant:
    pseudonym: str
    values: dict[str, object]  # characteristic id -> its value (text for a category, a number otherwise)
    row: int = 0


@dataclass
class StudyData:
    config_file: str
    participants: list[Participant]
    characteristics: list[Characteristic]
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE
    participants_file: str = "data/participants.csv"

    def characteristic(self, id_: str) -> Characteristic | None:
        return next((c for c in self.characteristics if c.id == id_), None)

    @cached_property
    def aggregates(self):
        """What may be printed about the participants (thesiskit/disclosure.py), computed once and
        read by both the demographics directive and the {{ study.* }} values."""
        return aggregate(self.participants, self.characteristics, self.min_cell_size)


MIN_BAND_WIDTH = 5  # a narrower band's count comes close to printing exact values (ages)
STUDY_KEYS = ("participants", "min-cell-size", "characteristics")
CHARACTERISTIC_KEYS = ("column", "label", "kind", "categories", "bands", "decimals", "top-code", "bottom-code",
                       "whole", "range", "table", "min-band")


def load_study(root: Path, rel: str, problems: Problems) -> StudyData | None:
    config = read_yaml_file(root, rel, rel, problems)
    if config is None:
        return None
    if not isinstance(config, dict):
        problems.error(rel, "must be a YAML mapping (participants:, characteristics:, min-cell-size:)")
        return None
    for key in config:
        if key not in STUDY_KEYS:
            import difflib

            old = key in ("age-bands", "experience-top-code")
            close = difflib.get_close_matches(str(key), STUDY_KEYS, n=1)
            hint = ("bands and top codes are now declared on each characteristic (characteristics: age: {kind: number, "
                    "bands: ...}); see docs/data-formats.md" if old else
                    f"did you mean {close[0]}?" if close else f"the keys are {', '.join(STUDY_KEYS)}")
            problems.error(f"{rel}{_key_line(root, rel, str(key))}", f"unknown key '{key}'; {hint}")
            return None
    min_cell_size = _min_cell_size(root, rel, config, problems)
    characteristics = _characteristics(root, rel, config.get("characteristics"), problems)
    if characteristics is None:
        return None
    participants_file = str(config.get("participants", "data/participants.csv"))
    columns = ["pseudonym", *dict.fromkeys(c.column for c in characteristics)]
    rows = read_csv(root, participants_file, rel, columns, problems)
    if rows is None:
        return None
    participants, seen = [], {}
    names = {r["pseudonym"].strip().casefold() for r in rows}
    for row in rows:
        name = row["pseudonym"]
        if not name:
            problems.error(row.where("pseudonym"), "is empty; give every participant a pseudonym")
            continue
        folded = " ".join(name.split()).casefold()  # 'Jimmy' and 'jimmy ' are one person
        if folded in seen:
            problems.error(row.where("pseudonym"), f"'{name}' is also row {seen[folded]}; pseudonyms must be unique")
            continue
        seen[folded] = row.number
        values = {}
        for characteristic in characteristics:
            value = _participant_value(row, characteristic, names, rel, problems)
            if value is not None:
                values[characteristic.id] = value
        if len(values) == len(characteristics):
            participants.append(Participant(name, values, row.number))
    k = min_cell_size or DEFAULT_MIN_CELL_SIZE
    if len(participants) >= k:  # a study below the minimum prints no characteristic, and says so where used
        for characteristic in characteristics:
            _check_codes(root, rel, characteristic, [p.values[characteristic.id] for p in participants],
                         participants_file, problems)
    return StudyData(rel, participants, characteristics, k, participants_file)


def _characteristics(root: Path, rel: str, declared, problems: Problems) -> list[Characteristic] | None:
    """The declared characteristics, each checked: a kind, bands of at least MIN_BAND_WIDTH that do
    not overlap, codes that are numbers; None when one is wrong (reported at its line)."""
    if declared is None:
        return []
    if not isinstance(declared, dict):
        problems.error(f"{rel}{_key_line(root, rel, 'characteristics')}", "characteristics: maps each characteristic's "
                       "name to what it is, e.g. age: {kind: number, bands: ...}; see docs/data-formats.md")
        return None
    out, ok = [], True
    for id_, spec in declared.items():
        where = f"{rel}{_nested_line(root, rel, str(id_))}"
        spec = {"kind": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict):
            problems.error(where, f"characteristic '{id_}' must be a mapping (kind:, label:, ...)")
            ok = False
            continue
        unknown = [k for k in spec if k not in CHARACTERISTIC_KEYS]
        if unknown:
            import difflib

            close = difflib.get_close_matches(str(unknown[0]), CHARACTERISTIC_KEYS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"the keys are {', '.join(CHARACTERISTIC_KEYS)}"
            problems.error(where, f"characteristic '{id_}': unknown key '{unknown[0]}'; {hint}")
            ok = False
            continue
        kind = spec.get("kind")
        if kind not in ("category", "number"):
            problems.error(where, f"characteristic '{id_}': kind is {kind!r}; write kind: category (counted by value, "
                           "e.g. gender) or kind: number (a range and mean, or counts in bands, e.g. age)")
            ok = False
            continue
        characteristic = Characteristic(
            id=str(id_), column=str(spec.get("column", id_)), label=str(spec.get("label", str(id_).replace("_", " ").capitalize())),
            kind=kind, categories=[str(c) for c in spec.get("categories") or []], whole=bool(spec.get("whole", False)))
        try:
            characteristic.decimals = int(spec.get("decimals", 1))
            for key, name in (("top-code", "top_code"), ("bottom-code", "bottom_code")):
                if spec.get(key) is not None:
                    setattr(characteristic, name, _finite(spec[key]))
            if spec.get("range") is not None:
                lo, hi = spec["range"]
                characteristic.limits = (_finite(lo), _finite(hi))
            table = spec.get("table", ["range", "mean"])
            characteristic.table = [str(t) for t in (table if isinstance(table, list) else [table])]
            if any(t not in ("range", "mean") for t in characteristic.table):
                raise ValueError("table: lists what the table shows of a number: range, mean, or both")
        except (TypeError, ValueError) as exc:
            reason = str(exc) if "table:" in str(exc) else "decimals, codes and range are numbers (range: [lowest, highest])"
            problems.error(where, f"characteristic '{id_}': {reason}")
            ok = False
            continue
        if spec.get("bands") is not None:
            if kind != "number":
                problems.error(where, f"characteristic '{id_}': bands count a number's values; make it kind: number")
                ok = False
                continue
            bands = _bands(where, str(id_), spec["bands"], int(spec.get("min-band", MIN_BAND_WIDTH)), problems,
                           lambda label: f"{rel}{_nested_line(root, rel, label) or where[len(rel):]}")
            if bands is None:
                ok = False
                continue
            characteristic.bands = bands
        out.append(characteristic)
    return out if ok else None


def _finite(value) -> float:
    import math

    if isinstance(value, bool):
        raise TypeError(value)
    number_ = float(value)
    if not math.isfinite(number_):
        raise ValueError(value)
    return number_


def _bands(where: str, id_: str, declared, width: int, problems: Problems, at=None):
    """The bands of a number, checked; at(label) gives a band's file and line."""
    if not isinstance(declared, dict):
        problems.error(where, f"characteristic '{id_}': bands: maps each band's label to [lowest, highest] "
                       "(highest may be null for an open-ended band)")
        return None
    bands = []
    for label, limits in declared.items():
        here = at(str(label)) if at else where
        if not (isinstance(limits, list) and len(limits) == 2 and isinstance(limits[0], (int, float))
                and not isinstance(limits[0], bool) and (limits[1] is None or isinstance(limits[1], (int, float)))):
            problems.error(here, f"band '{label}' of '{id_}' must be [lowest, highest] (highest may be null)")
            return None
        lo, hi = limits
        if hi is not None and hi - lo + 1 < width:
            problems.error(here, f"band '{label}' of '{id_}' ([{lo:g}, {hi:g}]) covers fewer than {width} values, so "
                           "its count could reveal exact values; widen it or merge it with a neighbour (an open-ended "
                           "band such as [61, null] is fine)")
            return None
        other = next((b for b in bands if (b[2] is None or lo <= b[2]) and (hi is None or b[1] <= hi)), None)
        if other:  # otherwise [18, 46] and [18, 47] would count the 47-year-olds by subtraction
            problems.error(here, f"band '{label}' of '{id_}' overlaps '{other[0]}'; make the bands separate, or "
                           "subtracting their counts reveals exact values")
            return None
        bands.append((str(label), lo, hi))
    return bands


def _participant_value(row: Row, characteristic: Characteristic, pseudonyms: set[str], rel: str,
                       problems: Problems):
    """A participant's value of one characteristic, checked; None (with an error) when it is wrong."""
    column = characteristic.column
    text = row[column]
    if characteristic.kind == "category":
        if not text:
            problems.error(row.where(column), f"is empty; write the participant's {characteristic.label.lower()}")
            return None
        if text.casefold() in pseudonyms:
            problems.error(row.where(column), f"'{text}' is a pseudonym; write the participant's "
                           f"{characteristic.label.lower()} here, never a name (its counts are printed)")
            return None
        if characteristic.categories:
            match = next((c for c in characteristic.categories if c.casefold() == text.casefold()), None)
            if match is None:
                problems.error(row.where(column), f'"{text}" is not one of the categories of \'{characteristic.id}\' '
                               f"({', '.join(characteristic.categories)}); fix it or add it to categories: in {rel}")
                return None
            return match
        return text
    value = number(row, column, problems)
    if value is None:
        return None
    import math

    if not math.isfinite(value):
        problems.error(row.where(column), f'"{text}" is not a number; write digits, e.g. 7.5')
        return None
    if characteristic.whole and not float(value).is_integer():
        problems.error(row.where(column), f"{value:g} is not a whole number; {characteristic.label} is counted in whole units")
        return None
    if characteristic.limits and not characteristic.limits[0] <= value <= characteristic.limits[1]:
        lo, hi = characteristic.limits
        problems.error(row.where(column), f"{value:g} is outside {lo:g} to {hi:g}, the range {rel} gives for "
                       f"'{characteristic.id}'; fix the value (or the range:)")
        return None
    if characteristic.bands and not any(lo <= value and (hi is None or value <= hi) for _, lo, hi in characteristic.bands):
        problems.error(row.where(column), f"{value:g} falls in no band of '{characteristic.id}' in {rel}; add a band "
                       "or fix the value")
        return None
    return int(value) if characteristic.whole else value


def _check_codes(root: Path, rel: str, characteristic: Characteristic, values: list, participants_file: str,
                 problems: Problems) -> None:
    """A top code must lie below the highest value (and a bottom code above the lowest), or it
    codes nothing and the extreme person's exact value is printed after all."""
    if characteristic.kind != "number" or not values:
        return
    where = f"{rel}{_nested_line(root, rel, characteristic.id)}"
    if characteristic.top_code is not None and characteristic.top_code >= max(values):
        problems.error(where, f"characteristic '{characteristic.id}': top-code {characteristic.top_code:g} is too high; "
                       f"set it below the highest {characteristic.column} in {participants_file} (more is then shown "
                       "as \"more than N\"), so that the highest exact value never appears")
    if characteristic.bottom_code is not None and characteristic.bottom_code <= min(values):
        problems.error(where, f"characteristic '{characteristic.id}': bottom-code {characteristic.bottom_code:g} is too "
                       f"low; set it above the lowest {characteristic.column} in {participants_file}")


def _nested_line(root: Path, rel: str, key: str) -> str:
    """':12' for the line of an indented key in a YAML file (a characteristic), '' if not found."""
    try:
        lines = (root / rel).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    pattern = re.compile(rf"^\s+['\"]?{re.escape(key)}['\"]?\s*:")
    return next((f":{n}" for n, line in enumerate(lines, start=1) if pattern.match(line)), "")


def _min_cell_size(root: Path, rel: str, config: dict, problems: Problems) -> int | None:
    """`min-cell-size:` of data/study.yaml: the fewest participants a printed count may describe (3
    when not set); None, with an error at its line, when it is not a whole number of 2 or more."""
    value = config.get("min-cell-size", DEFAULT_MIN_CELL_SIZE)
    if isinstance(value, int) and not isinstance(value, bool) and value >= SMALLEST_MIN_CELL_SIZE:
        return value
    what = (f"{value} is below {SMALLEST_MIN_CELL_SIZE}, and a count of one person identifies that person"
            if isinstance(value, int) and not isinstance(value, bool) else f"{value!r} is not a whole number")
    problems.error(f"{rel}{_key_line(root, rel, 'min-cell-size')}",
                   f"min-cell-size: {what}; write a whole number of {SMALLEST_MIN_CELL_SIZE} or more, the fewest "
                   f"participants a printed count may describe ({DEFAULT_MIN_CELL_SIZE} when the line is left out, "
                   "as statistical disclosure guidance sets)")
    return None


def _key_line(root: Path, rel: str, key: str) -> str:
    """':7' for the line of a YAML file where a top-level key is set; '' if it cannot be found."""
    try:
        lines = (root / rel).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    pattern = re.compile(rf"^['\"]?{re.escape(key)}['\"]?\s*:")
    return next((f":{number}" for number, line in enumerate(lines, start=1) if pattern.match(line)), "")
