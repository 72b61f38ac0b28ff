"""Targets as data: a profile says what a target builds and which rules it checks.

The `thesis`, `jmh-submission` and `apa-masked` profiles ship inside the package
(thesiskit/builtin/profiles/). A project's `profiles/NAME.yaml` overrides the built-in of the same
target or adds a new one; `extends: jmh-submission` starts from another profile and changes only
what differs (mappings are merged key by key, lists and values replaced), so a new journal is a few
lines. A project profile that extends its own target's name extends the built-in it replaces.

Every key is declared once, below, with its type, default and help (in the manner of MyST-Parser's
MdParserConfig): a profile is validated when it is loaded, so an unknown key, a misspelt lint, a
wrong type or an invalid regular expression is one error with the profile's file, line and the
closest valid name, and `check` and the build accept exactly the same profiles. README's profile
reference is generated from this schema (`reference()`, tested).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import regex
import yaml

from . import yamlschema
from .paths import confine, plain_name, regular
from .problems import Problems
from .wordcount import PARTS

OUTPUT_FORMATS = ("docx", "pdf", "html")
PDF_STANDARDS = ("1.7", "2.0", "a-1b", "a-2b", "a-2u", "a-3b", "a-3u", "a-4", "ua-1")  # what typst writes
DOCUMENT_KINDS = ("front", "preface", "paper", "appendices")
BUILTIN = Path(__file__).parent / "builtin" / "profiles"
MAIN_COUNT_LABEL = "Word count excluding abstract, tables, figures, footnotes and references"
REQUIRED = object()


def option(default=None, help: str = "", choices: tuple = (), minimum: int | None = None, regex: bool = False):
    """A declared key: its default, what it is for, and the values it may take."""
    value = dict(default=default) if not isinstance(default, (list, dict)) else dict(default_factory=lambda: default.copy())
    if default is REQUIRED:
        value = {}
    return field(**value, metadata={"help": help, "choices": choices, "minimum": minimum, "regex": regex})


# ---------------------------------------------------------------- the schema

@dataclass
class Floats:
    tables: int | None = option(None, "tables that stay with the article; the rest become supplementary material "
                                      "(an author marks which with journal=\"keep\" or \"supplementary\")", minimum=0)
    figures: int | None = option(None, "figures that stay with the article", minimum=0)


@dataclass
class Keywords:
    min: int = option(0, "fewest keywords a paper may have", minimum=0)
    max: int | None = option(None, "most keywords a paper may have", minimum=1)


@dataclass
class Statement:
    rule: str = option(REQUIRED, "what the checklist calls the rule")
    pattern: str = option(REQUIRED, "a regular expression the manuscript's text must match", regex=True)
    fix: str = option("add it", "what to do when it is not found")

    source: str = field(default="", metadata={"internal": True})  # 'profiles/x.yaml:12', for messages

    def search(self, text: str):
        """The pattern's first match in text (dot matching newlines), by the `regex` module with a
        time limit: a pattern that backtracks without end (nested repeats) is StatementTimeout, not a
        build that hangs."""
        try:
            return regex.search(self.pattern, text, flags=regex.S, timeout=PATTERN_SECONDS)
        except TimeoutError:
            raise StatementTimeout(self) from None


PATTERN_SECONDS = 2.0  # a statement's pattern over a paper's text: milliseconds when it is sound


class StatementTimeout(Exception):
    def __init__(self, statement: Statement):
        super().__init__(statement.pattern)
        self.statement = statement


@dataclass
class ParticipantsLanguage:
    error: list[str] = option([], "words for study participants that are an error (\"subjects\")")
    review: list[str] = option([], "words the author should look at (\"patients\")")


@dataclass
class Lints:
    participants_language: ParticipantsLanguage | None = option(None, "words for study participants the journal refuses or queries")
    double_quotes: bool = option(False, "quotations in double quotation marks, not single")
    consistent_spelling: bool = option(False, "one spelling style (British or American) throughout")


@dataclass
class Profile:
    target: str = option("", "the target's name (`python build.py NAME`); the file's name when left out")
    description: str = option("", "one line saying what the target is for")
    extends: str | None = option(None, "a profile to start from (built-in or the project's); only what differs is written")
    documents: list[str] = option([], "the kinds of document the target takes (paper, ...); all when left out",
                                  choices=DOCUMENT_KINDS)
    outputs: list[str] = option(["docx", "pdf", "html"], "the formats written", choices=OUTPUT_FORMATS)
    html_sanitize: bool = option(False, "the web page without scripts, iframes, objects or event handlers from the "
                                        "chapters' raw HTML (for HTML that is published)")
    basename: str | None = option(None, "the outputs' file name (thesis -> thesis.docx); the target's name when left out")
    references_title: str = option("References", "the heading of each reference list")
    limits: dict[str, dict[str, int]] = option({}, "word limits per document kind or paper kind (review, original): "
                                                  "counted name (main, abstract) -> words", minimum=1)
    wordcount: dict[str, list[str]] = option({"main": ["main"], "abstract": ["abstract"]},
                                             "which parts make up each counted figure", choices=PARTS)
    main_count_label: str = option(MAIN_COUNT_LABEL, "the title page's line stating the main-text count")
    package: str | None = option(None, "per-paper: one journal submission package per paper", choices=("per-paper",))
    mask: bool = option(False, "masked (blind) review: nothing for reviewers names the authors")
    self_citations: str = option("mask", "masked review: the authors' own works cited as Author and listed with "
                                         "details omitted (mask), or left out of the list (omit)", choices=("mask", "omit"))
    blinded_terms: list[str] = option([], "more words that identify the authors, masked with their names")
    floats: Floats = option(None, "caps on the tables and figures that stay with the article")
    running_head: bool = option(False, "a running head in the page header: each paper's short-title (the thesis's "
                                       "short-title elsewhere), in capitals, flush left (APA 7 asks for it in "
                                       "professional papers, not in student papers)")
    contents_depth: int = option(3, "the headings the contents list: 1 the parts (preface, papers, appendices), 2 also "
                                    "their sections (APA level 1), 3 also APA level 2, 4 also level 3",
                                 choices=(1, 2, 3, 4))
    contents_page_numbers: str = option("libreoffice", "the DOCX contents' page numbers: written by the build from "
                                        "LibreOffice's layout when LibreOffice is installed (libreoffice), or left "
                                        "for the reader to compute: LibreOffice as it opens the file, Word as it "
                                        "updates fields (word)", choices=("libreoffice", "word"))
    figure_dpi: int = option(300, "the resolution of figures written as pictures: a journal's figure files, and the "
                                  "PNG a DOCX holds beside each SVG", minimum=72)
    pdf_standard: list[str] = option([], "PDF standards the PDF must meet, checked by typst as it writes: a-2b "
                                         "(PDF/A-2b, for a university repository), ua-1, ...",
                                     choices=PDF_STANDARDS)
    keywords: Keywords | None = option(None, "how many keywords a paper must have")
    statements: dict[str, list[Statement]] = option({}, "statements each paper kind (original, review) must contain")
    lints: Lints = option(None, "checks of the authors' own prose")
    confirm: list[str] = option([], "rules the build cannot check: listed for the author to confirm")
    source_anchors: bool = option(True, "invisible bookmarks in each DOCX naming the chapter line, data row or .bib "
                                        "key each block comes from, for `thesiskit feedback`")

    name: str = field(default="", metadata={"internal": True})  # the file it came from, for messages
    path: str = field(default="", metadata={"internal": True})

    def __post_init__(self):
        self.floats = self.floats or Floats()
        self.lints = self.lints or Lints()

    def counted_limits(self, *kinds: str) -> dict[str, int]:
        """The limits of the first of these kinds (a paper's own kind first, then 'paper') that has any."""
        for kind in kinds:
            if kind and self.limits.get(kind):
                return dict(self.limits[kind])
        return {}


def _key(name: str) -> str:
    return name.replace("_", "-")


def _fields(cls) -> dict[str, dataclasses.Field]:
    return {_key(f.name): f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}


# ---------------------------------------------------------------- validation

class _Invalid(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


MAX_NODES = 20_000  # a profile is a page of YAML; anything larger is an alias bomb or a mistake


def _check(node, hint, where: str, seen: list[int]):
    """The value a YAML node holds, checked against a type from the schema; _Invalid at its line."""
    seen[0] += 1
    if seen[0] > MAX_NODES:
        raise _Invalid(node.start_mark.line + 1, "the profile is far too large (aliases repeating themselves?); "
                                                 "write it out plainly")
    line = node.start_mark.line + 1
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if _is_null(node):
            return None
        hint = next(a for a in args if a is not type(None))
        return _check(node, hint, where, seen)
    if dataclasses.is_dataclass(hint):
        return _mapping(node, hint, where, seen)
    if origin is list:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node] if isinstance(node, yaml.ScalarNode) else None
        if items is None:
            raise _Invalid(line, f"{where} must be a list; write [a, b], or one item per line starting with '- '")
        return [_check(item, args[0], f"{where} item {i}", seen) for i, item in enumerate(items, start=1)]
    if origin is dict:
        if not isinstance(node, yaml.MappingNode):
            raise _Invalid(line, f"{where} must be a mapping; write key: value, one per line, indented under it")
        return {str(k.value): _check(v, args[1], f"{where}.{k.value}", seen) for k, v in node.value}
    if not isinstance(node, yaml.ScalarNode):
        raise _Invalid(line, f"{where} must be a single value, not a list or a mapping; write it on the key's line")
    value = yaml.safe_load(yaml.serialize(node))
    if hint is bool:
        if not isinstance(value, bool):
            raise _Invalid(line, f"{where} is '{node.value}'; write true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(line, f"{where} is '{node.value}'; write a whole number")
    elif hint is str:
        value = "" if value is None else str(value)
    return value


def _is_null(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _mapping(node, cls, where: str, seen: list[int]) -> dict:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise _Invalid(line, f"{where or 'a profile'} must be a mapping of keys to values; write key: value, one per line")
    declared = _fields(cls)
    hints = typing.get_type_hints(cls)
    out = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        name = f"{where}.{key}" if where else key
        if key not in declared:
            close = difflib.get_close_matches(key.replace("_", "-"), list(declared), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"the keys are: {', '.join(declared)}"
            raise _Invalid(key_node.start_mark.line + 1, f"unknown key '{name}'; {hint}")
        spec = declared[key]
        value = _check(value_node, hints[spec.name], name, seen)
        _constrain(value, spec, name, value_node)
        out[spec.name] = value
    missing = [k for k, f in declared.items() if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
               and f.name not in out]
    if missing:
        raise _Invalid(line, f"{where or 'the profile'} needs '{missing[0]}'; add {missing[0]}: ...")
    if cls is Statement:
        out["line"] = line  # made the rule's source (file:line) once the file is known
    return out


def _constrain(value, spec: dataclasses.Field, name: str, node) -> None:
    """choices, minimum and regex, on a value or on the values inside it."""
    line = node.start_mark.line + 1
    choices, minimum = spec.metadata.get("choices"), spec.metadata.get("minimum")
    leaves = list(_leaves(value))
    for leaf in leaves:
        if choices and leaf not in choices:
            close = difflib.get_close_matches(str(leaf), list(map(str, choices)), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(map(str, choices))}"
            raise _Invalid(line, f"{name}: '{leaf}' is not allowed; {hint}")
        if minimum is not None and isinstance(leaf, int) and leaf < minimum:
            raise _Invalid(line, f"{name} is {leaf}; it must be at least {minimum}")
    if spec.metadata.get("regex") and isinstance(value, str):
        try:
            re.compile(value)  # Python's own message, which authors find explained everywhere
            regex.compile(value)  # the engine that runs it (with a time limit: Statement.search)
        except (re.error, regex.error) as exc:
            raise _Invalid(line, f"{name} is not a valid regular expression ({exc}); correct it (a backslash makes "
                                 "( ) [ ] . * + ? stand for themselves)") from None


def _leaves(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif value is not None and not isinstance(value, bool):
        yield value


def _build(cls, data: dict):
    """A dataclass from validated data (nested mappings become their dataclasses)."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        kwargs[f.name] = _typed(hints[f.name], data[f.name])
    return cls(**kwargs)


def _typed(hint, value):
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return _typed(next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if origin is list:
        return [_typed(args[0], v) for v in value]
    if origin is dict:
        return {k: _typed(args[1], v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- finding and loading

@dataclass
class Source:
    target: str
    path: Path
    builtin: bool
    shown: str  # 'profiles/jmh.yaml' or 'built-in profile jmh-submission'


def _compose(text: str):
    return yamlschema.compose(text)  # aliases refused: a profile has no need of them


def _declared_target(path: Path) -> tuple[str, int]:
    """The `target:` a profile file names (and its line), read without validating it; its file name
    otherwise (line 1)."""
    try:
        node = _compose(path.read_text(encoding="utf-8-sig")) if regular(path) else None
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return path.stem, 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "target" and isinstance(value, yaml.ScalarNode) and value.value:
                return str(value.value), key.start_mark.line + 1
    return path.stem, 1


def sources(root: Path, problems: Problems | None = None) -> dict[str, list[Source]]:
    """target -> its profiles, the project's first, then the built-in it overrides (if any)."""
    found: dict[str, list[Source]] = {}
    folder = Path(root) / "profiles"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        rel = f"profiles/{path.name}"
        if confine(root, rel, rel, problems if problems is not None else Problems(), what="profiles") is None:
            continue  # a link out of the project, or a named pipe that would hang the build
        target, line = _declared_target(path)
        if not plain_name(target):  # it names the folder the target's outputs go to: build/<target>/
            if problems is not None:
                problems.error(f"{rel}:{line}", f"target '{target}' is not a plain name; use letters, digits, '-' and "
                               "'_' (it names the folder build/<target>/)")
            continue
        if target in found and problems is not None:
            problems.error(rel, f"target '{target}' is also the target of {found[target][0].shown}; give each "
                           "profile its own target: (or make one extend the other)")
            continue
        found.setdefault(target, []).append(Source(target, path, False, rel))
    for path in sorted(BUILTIN.glob("*.yaml")):
        found.setdefault(path.stem, []).append(Source(path.stem, path, True, f"built-in profile {path.stem}"))
    return found


def targets(root: Path) -> list[str]:
    return sorted(sources(root))


def load_profile(root: Path, target: str, problems: Problems) -> Profile | None:
    known = sources(root, problems)
    if target not in known:
        close = difflib.get_close_matches(target, list(known), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"targets: {', '.join(sorted(known))}"
        problems.error("", f"unknown target '{target}'; {hint}")
        return None
    chain: list[Source] = []
    data = _resolve(known, known[target][0], chain, problems)
    if data is None:
        return None
    data.pop("extends", None)
    profile = _build(Profile, data)
    profile.target, profile.name, profile.path = target, known[target][0].path.stem, known[target][0].shown
    return profile


def _resolve(known: dict[str, list[Source]], source: Source, chain: list[Source], problems: Problems) -> dict | None:
    """The profile's validated data, merged over what it extends."""
    if source in chain:
        names = " -> ".join(s.shown for s in [*chain, source])
        problems.error(_shown(chain[-1]), f"the profiles extend each other in a circle ({names}); "
                       "one of them must stand on its own or extend a built-in")
        return None
    chain = [*chain, source]
    data = _validate(source, problems)
    if data is None:
        return None
    parent_name = data.get("extends")
    if not parent_name:
        return data
    candidates = known.get(parent_name, [])
    if parent_name == source.target:  # extends the built-in it overrides
        candidates = [c for c in candidates if c.builtin]
        if not candidates:
            problems.error(_shown(source), f"the profile extends itself ('{parent_name}') and there is no built-in "
                           f"profile of that name; extend another profile ({', '.join(sorted(known))})")
            return None
    if not candidates:
        close = difflib.get_close_matches(parent_name, list(known), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"profiles: {', '.join(sorted(known))}"
        problems.error(f"{_shown(source)}:{_line_of(source, 'extends')}", f"extends unknown profile '{parent_name}'; {hint}")
        return None
    parent = _resolve(known, candidates[0], chain, problems)
    if parent is None:
        return None
    return _merge(parent, data)


def _shown(source: Source) -> str:
    return source.shown if not source.builtin else f"thesiskit/builtin/profiles/{source.path.name}"


def _line_of(source: Source, key: str) -> int:
    for number, line in enumerate(source.path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _validate(source: Source, problems: Problems) -> dict | None:
    where = _shown(source)
    try:
        text = source.path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.error(where, "is not UTF-8 text; save it as UTF-8")
        return None
    try:
        node = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.error(f"{where}:{mark.line + 1 if mark else 1}", yamlschema.refusal(exc) or f"the YAML is malformed "
                       f"({reason}); check indentation, colons and quotes on this line or the one before it")
        return None
    if node is None:
        return {}
    try:
        data = _mapping(node, Profile, "", [0])
    except _Invalid as exc:
        problems.error(f"{where}:{exc.line}", exc.message)
        return None
    for items in data.get("statements", {}).values():  # each rule knows where it was written
        for item in items:
            item["source"] = f"{where}:{item.pop('line', 1)}"
    return data


def _merge(base: dict, over: dict) -> dict:
    """over on top of base: mappings merged key by key, anything else replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def parse(data: dict, target: str = "test") -> Profile:
    """A profile from a plain mapping, validated as a file would be (for tests and tools)."""
    problems = Problems()
    node = _compose(yaml.safe_dump(data))
    try:
        validated = _mapping(node, Profile, "", [0]) if node is not None else {}
    except _Invalid as exc:
        raise ValueError(exc.message) from None
    profile = _build(Profile, validated)
    profile.target = profile.target or target
    assert not problems.items
    return profile


# ---------------------------------------------------------------- the reference

def reference() -> str:
    """README's profile reference: every key with its type, default and help, from the schema."""
    lines = ["| Key | Type | Default | What it does |", "|---|---|---|---|"]

    def rows(cls, prefix: str):
        hints = typing.get_type_hints(cls)
        for key, spec in _fields(cls).items():
            hint = hints[spec.name]
            inner = next((a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)), hint)
            if dataclasses.is_dataclass(inner):
                lines.append(f"| `{prefix}{key}` | mapping | | {spec.metadata['help']} |")
                rows(inner, f"{prefix}{key}.")
                continue
            choices = spec.metadata.get("choices")
            kind = _type_name(hint) + (f" ({', '.join(map(str, choices))})" if choices and len(choices) < 10 else "")
            lines.append(f"| `{prefix}{key}` | {kind} | {_default(spec)} | {spec.metadata['help']} |")

    rows(Profile, "")
    return "\n".join(lines) + "\n"


def _type_name(hint) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return _type_name(next(a for a in args if a is not type(None)))
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping to {_type_name(args[1])}"
    if dataclasses.is_dataclass(hint):
        return "mapping"
    return {str: "text", int: "whole number", bool: "true/false"}.get(hint, str(hint))


def _default(spec: dataclasses.Field) -> str:
    if spec.default_factory is not dataclasses.MISSING:
        value = spec.default_factory()
    elif spec.default is dataclasses.MISSING:
        return "required"
    else:
        value = spec.default
    if value in (None, "", [], {}):
        return ""
    text = yaml.safe_dump(value, default_flow_style=True).strip()
    return f"`{text}`".replace("|", "\\|")
