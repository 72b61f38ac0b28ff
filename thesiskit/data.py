"""The research data: read, validated and computed once per build.

Every problem names the file, the row and the column, the bad value and what is allowed. Scores,
grades, totals and agreements are computed here and nowhere else, so a table, a figure and a
sentence that show the same fact show the same number.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from .disclosure import DEFAULT_MIN_CELL_SIZE, SMALLEST_MIN_CELL_SIZE, aggregate
from .problems import Problems
from .rounding import trimmed


class DataError(Exception):
    """Raised when a data file is too broken to go on with; the problem is already reported."""


# ---------------------------------------------------------------- files

def safe_path(root: Path, rel, where: str, problems: Problems, what: str = "data files") -> Path | None:
    """The path of a project file named in the sources; None (and an error) if it leaves the project:
    an absolute path, '..' or a symbolic link pointing out."""
    text = str(rel)
    if os.path.isabs(text):
        problems.error(where, f"'{text}' is an absolute path; name files relative to the project folder")
        return None
    root_real = Path(os.path.realpath(root))
    full = Path(os.path.realpath(root / text))
    if full != root_real and root_real not in full.parents:
        problems.error(where, f"'{text}' leads outside the project folder; keep {what} inside it "
                       "(a symbolic link out of the project counts as outside)")
        return None
    return full


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


def read_text(root: Path, rel, where: str, problems: Problems) -> str | None:
    path = safe_path(root, rel, where, problems)
    if path is None:
        return None
    if not path.is_file():
        named = f" (named in {where})" if where != str(rel) else ""
        problems.error(str(rel), f"data file not found{named}; create it or fix the path")
        return None
    data = path.read_bytes()
    if not data.strip():
        problems.error(str(rel), "the file is empty; add its header row and data")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(str(rel), f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 (in Excel: CSV UTF-8)")
        return None
    return None if report_control_character(text, rel, problems) else text


def read_yaml_file(root: Path, rel, where: str, problems: Problems):
    text = read_text(root, rel, where, problems)
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problems.error(f"{rel}{line}", f"the YAML is malformed ({getattr(exc, 'problem', None) or exc}); "
                       "check indentation, colons and quotes")
        return None
    if data is None:
        problems.error(str(rel), "holds no data, only comments or blank lines; fill it in (docs/data-formats.md "
                       "shows each file's fields)")
    return data


@dataclass
class Row:
    file: str
    number: int  # line of the row in the file (the header is row 1)
    values: dict[str, str]

    def where(self, column: str) -> str:
        return f"{self.file} row {self.number}, column {column}"

    def __getitem__(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


class Rows(list):
    """The usable rows of a CSV; skipped holds the first cell of each row too broken to use, so a
    caller does not report that row's study as missing on top of the row's own error."""

    def __init__(self):
        super().__init__()
        self.skipped: list[str] = []


def read_csv(root: Path, rel, where: str, required: list[str], problems: Problems) -> Rows | None:
    text = read_text(root, rel, where, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:
        problems.error(f"{rel}", f"cannot be read as CSV ({exc}); check its quotes")
        return None
    header = [h.strip() for h in rows[0]]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        problems.error(f"{rel} row 1", f"column {twice[0]} appears twice in the header; rename or remove one")
        return None
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
        out.append(Row(str(rel), number, dict(zip(header, cells))))
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


PRISMA_COUNTS = ("database_results", "register_results", "website_results", "organisation_results",
                 "citations_results", "duplicates", "excluded_automatic", "excluded_other", "records_screened",
                 "records_excluded", "dbr_sought_reports", "dbr_notretrieved_reports", "dbr_assessed",
                 "new_studies", "new_reports")


@dataclass
class Prisma:
    counts: dict[str, int]
    excluded_reasons: list[tuple[str, int]]
    extra: dict

    def __getattr__(self, name):
        if name in PRISMA_COUNTS:
            return self.counts.get(name, 0)
        raise AttributeError(name)

    @property
    def identified(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("database_results", "register_results", "website_results",
                                                   "organisation_results", "citations_results"))

    @property
    def removed(self) -> int:
        return sum(self.counts.get(k, 0) for k in ("duplicates", "excluded_automatic", "excluded_other"))

    @property
    def dbr_excluded(self) -> int:
        return sum(n for _, n in self.excluded_reasons)


@dataclass
class Review:
    config_file: str
    studies: dict[int, Study]
    appraisal: Appraisal
    concepts: list[Concept]
    prisma: Prisma | None
    links: list[tuple[str, str]] = field(default_factory=list)  # concept -> concept, for the model figure

    def by_key(self) -> dict[str, Study]:
        return {s.key: s for s in self.studies.values()}


STUDY_COLUMNS = ["study", "key", "label", "year", "country", "title", "aims", "sample_size", "females", "males",
                 "gender_other", "role", "setting", "data_collection", "analysis", "constructs"]


def load_review(root: Path, rel: str, bib_keys: set[str] | None, problems: Problems) -> Review | None:
    config = read_yaml_file(root, rel, rel, problems)
    if config is None:
        return None
    if not isinstance(config, dict):
        problems.error(rel, "must be a YAML mapping (studies:, appraisal:, synthesis:, prisma:)")
        return None
    studies = _load_studies(root, config.get("studies", "data/studies.csv"), rel, bib_keys, problems)
    if studies is None:
        return None
    appraisal = _load_appraisal(root, config.get("appraisal"), rel, studies, problems)
    links: list[tuple[str, str]] = []
    concepts = (_load_synthesis(root, config.get("synthesis"), rel, studies, links, problems)
                if config.get("synthesis") else [])
    prisma = _load_prisma(root, config["prisma"], rel, problems) if config.get("prisma") else None
    if appraisal is None or concepts is None:
        return None
    return Review(rel, studies, appraisal, concepts, prisma, links)


class StudyTable(dict):
    """Studies by number; broken when studies.csv had a row it could not use, so that files that
    refer to study numbers do not add a second error for the same mistake."""

    broken = False


def broken_studies(studies) -> bool:
    return getattr(studies, "broken", False)


def _load_studies(root, rel, where, bib_keys, problems) -> dict[int, Study] | None:
    rows = read_csv(root, rel, where, ["study", "key", "label", "year"], problems)
    if rows is None:
        return None
    studies: dict[int, Study] = StudyTable()
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
            counts = [whole_number(row, c, problems, blank=0) for c in ("sample_size", "females", "males", "gender_other")]
            if None not in counts:
                study.sample_size, study.females, study.males, study.gender_other = counts
                if study.females + study.males + study.gender_other != study.sample_size:
                    problems.error(row.where("sample_size"),
                                   f"{study.sample_size} participants but females + males + gender_other = "
                                   f"{study.females + study.males + study.gender_other}; make them add up")
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
    answers, comments = _load_answers(root, config.get("answers"), where, questions, allowed, points, groups,
                                      labels, studies, problems)
    second, second_comments = ({}, {})
    if config.get("second-rater"):
        second, second_comments = _load_answers(root, config["second-rater"], where, questions, allowed, points,
                                                groups, labels, studies, problems)
    missing = [n for n in studies if n not in answers]
    answers = {n: a for n, a in answers.items() if len(a) == len(questions)}
    second = {n: a for n, a in second.items() if len(a) == len(questions)}
    if answers and missing and not broken_studies(studies):
        problems.error(str(config.get("answers")), f"has no answers for stud{'ies' if len(missing) > 1 else 'y'} "
                       f"{', '.join(map(str, missing))}; add a row for each study in studies.csv")
    return Appraisal(questions, scored, points, grades, title, answers, comments, second, second_comments,
                     short=tool["short"], labels=labels, groups=groups)


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
        return {}, {}
    rows = read_csv(root, rel, where, ["study", *questions], problems)
    if rows is None:
        return {}, {}
    answers: dict[int, dict[str, str]] = {int(s): {} for s in rows.skipped if s.isdigit()}
    comments: dict[int, dict[str, str]] = {}
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
        comments[number_] = {target: row[column] for column, target in targets.items() if row[column]}
    return answers, comments


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


def _load_prisma(root, rel, where, problems) -> Prisma | None:
    data = read_yaml_file(root, rel, where, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.error(str(rel), "must be a YAML mapping of PRISMA 2020 field names to counts")
        return None
    counts: dict[str, int] = {}
    for name in PRISMA_COUNTS:
        value = data.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.error(str(rel), f"{name}: {value!r} is not a count; write a whole number, 0 or more")
            continue
        counts[name] = value
    reasons = data.get("dbr_excluded", 0)
    if isinstance(reasons, int):
        excluded = [("Excluded", reasons)]
    elif isinstance(reasons, list):
        excluded = []
        for item in reasons:
            if not isinstance(item, dict) or not isinstance(item.get("n"), int) or item["n"] < 0:
                problems.error(str(rel), f"dbr_excluded entry {item!r} needs reason: and a whole-number n:")
                continue
            excluded.append((str(item.get("reason", "Excluded")), item["n"]))
    else:
        problems.error(str(rel), "dbr_excluded must be a count or a list of {reason, n}")
        excluded = []
    extra = {k: v for k, v in data.items() if k not in PRISMA_COUNTS and k != "dbr_excluded"}
    prisma = Prisma(counts, excluded, extra)
    if len(counts) == len(PRISMA_COUNTS):  # arithmetic only on valid counts
        _check_prisma(prisma, str(rel), problems)
    return prisma


def _check_prisma(p: Prisma, rel: str, problems: Problems) -> None:
    """The arithmetic between the boxes of the flow diagram, top to bottom. After a box that does not
    add up, the next check uses the value it should have had, so one wrong box is one error."""
    value = dict(p.counts)
    chain = [
        ("records_screened", lambda: p.identified - p.removed,
         lambda: f"identified ({p.identified}) minus removed before screening ({p.removed})"),
        ("dbr_sought_reports", lambda: value["records_screened"] - value["records_excluded"],
         lambda: f"records_screened ({value['records_screened']}) minus records_excluded ({value['records_excluded']})"),
        ("dbr_assessed", lambda: value["dbr_sought_reports"] - value["dbr_notretrieved_reports"],
         lambda: f"dbr_sought_reports ({value['dbr_sought_reports']}) minus dbr_notretrieved_reports "
                 f"({value['dbr_notretrieved_reports']})"),
        ("new_studies", lambda: value["dbr_assessed"] - p.dbr_excluded,
         lambda: f"dbr_assessed ({value['dbr_assessed']}) minus dbr_excluded ({p.dbr_excluded})"),
    ]
    for name, expected, how in chain:
        if value[name] != expected():
            problems.error(rel, f"{name} is {value[name]} but {how()} is {expected()}; "
                           "the boxes of the flow diagram must add up")
            value[name] = expected()
    for stage in p.extra.get("screening_stages") or []:
        try:
            if stage["excluded"] > stage["screened"]:
                problems.error(rel, f"screening stage '{stage.get('stage')}' excludes {stage['excluded']} of "
                               f"{stage['screened']} records; it cannot exclude more than it screened")
        except (KeyError, TypeError):
            problems.error(rel, f"screening stage {stage!r} needs stage:, screened: and excluded:")


# ---------------------------------------------------------------- the empirical study (Paper 2)

@dataclass
class Participant:
    pseudonym: str
    gender: str
    age: int
    years_experience: float
    interview_minutes: int


@dataclass
class StudyData:
    config_file: str
    participants: list[Participant]
    age_bands: list[tuple[str, int, int | None]]
    top_code: float | None
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE

    @cached_property
    def aggregates(self):
        """What may be printed about the participants (thesiskit/disclosure.py), computed once and
        read by both the demographics directive and the {{ study.* }} values."""
        return aggregate(self.participants, self.age_bands, self.top_code, self.min_cell_size)


PARTICIPANT_COLUMNS = ["pseudonym", "gender", "age", "years_experience", "interview_minutes"]
MIN_BAND_YEARS = 5  # a narrower age band's count comes close to printing ages


def load_study(root: Path, rel: str, problems: Problems) -> StudyData | None:
    config = read_yaml_file(root, rel, rel, problems)
    if config is None:
        return None
    if not isinstance(config, dict):
        problems.error(rel, "must be a YAML mapping (participants:, age-bands:, experience-top-code:, "
                       "min-cell-size:)")
        return None
    min_cell_size = _min_cell_size(root, rel, config, problems)
    bands = []
    for label, limits in (config.get("age-bands") or {}).items():
        if not (isinstance(limits, list) and len(limits) == 2 and isinstance(limits[0], int)
                and (limits[1] is None or isinstance(limits[1], int))):
            problems.error(rel, f"age band '{label}' must be [lowest, highest] in whole years (highest may be null)")
            continue
        lo, hi = limits
        if hi is not None and hi - lo + 1 < MIN_BAND_YEARS:
            problems.error(rel, f"age band '{label}' ([{lo}, {hi}]) covers fewer than {MIN_BAND_YEARS} years, so its "
                           "count could reveal exact ages; widen it or merge it with a neighbour (an open-ended band "
                           "such as [61, null] is fine)")
            continue
        other = next((b for b in bands if (b[2] is None or lo <= b[2]) and (hi is None or b[1] <= hi)), None)
        if other:  # otherwise [18, 46] and [18, 47] would count the 47-year-olds by subtraction
            problems.error(rel, f"age band '{label}' overlaps '{other[0]}'; make the bands separate, or subtracting "
                           "their counts reveals exact ages")
            continue
        bands.append((str(label), lo, hi))
    participants_file = str(config.get("participants", "data/participants.csv"))
    rows = read_csv(root, participants_file, rel, PARTICIPANT_COLUMNS, problems)
    if rows is None:
        return None
    participants, seen = [], {}
    names = {r["pseudonym"].lower() for r in rows}
    for row in rows:
        name = row["pseudonym"]
        if not name:
            problems.error(row.where("pseudonym"), "is empty; give every participant a pseudonym")
            continue
        if name in seen:
            problems.error(row.where("pseudonym"), f"'{name}' is also row {seen[name]}; pseudonyms must be unique")
            continue
        seen[name] = row.number
        age = whole_number(row, "age", problems)
        years = number(row, "years_experience", problems)
        minutes = whole_number(row, "interview_minutes", problems)
        if not row["gender"]:
            problems.error(row.where("gender"), "is empty; write the gender as the participant described it")
            continue
        if row["gender"].lower() in names:
            problems.error(row.where("gender"), f"'{row['gender']}' is a pseudonym; write the participant's gender here, "
                           "never a name (gender counts are printed)")
            continue
        if None in (age, years, minutes):
            continue
        if bands and not any(lo <= age and (hi is None or age <= hi) for _, lo, hi in bands):
            problems.error(row.where("age"), f"{age} falls in no age band of {rel}; add a band or fix the age")
        participants.append(Participant(name, row["gender"], age, years, minutes))
    top = config.get("experience-top-code")
    if top is None:
        problem = "experience-top-code is missing"
    elif not isinstance(top, (int, float)) or isinstance(top, bool) or top < 0:
        problem, top = f"experience-top-code: {top!r} is not a number of years", None
    elif len(participants) >= (min_cell_size or DEFAULT_MIN_CELL_SIZE) and \
            top >= max(p.years_experience for p in participants):
        # (a study below the minimum cell size prints no experience at all, and says so where it is used)
        problem, top = f"experience-top-code: {top:g} is too high", None
    else:
        problem = None
    if problem:
        problems.error(rel, f"{problem}; set it below the most years_experience in {participants_file} (more "
                       "years are then shown as \"more than N\"), so the most experienced participant's exact years "
                       "never appear")
    return StudyData(rel, participants, bands, float(top) if top is not None else None,
                     min_cell_size or DEFAULT_MIN_CELL_SIZE)


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
