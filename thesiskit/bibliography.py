"""The bibliography as the build needs it before citeproc: which keys exist, and where.

`bibliography:` names files in any of the formats pandoc's citeproc reads and Zotero exports:
BibTeX or BibLaTeX (.bib, .bibtex), CSL-JSON (.json) and CSL-YAML (.yaml, .yml). Each is read into
the same Entry (a BibTeX-like type and fields), so unknown keys, missing fields, DOIs, included
studies and self-citations are checked alike whatever the format. bibtexparser reports unparsable
entries and duplicate keys with their line, which pandoc does not; a CSL entry's line is that of its
id, and a file that is not valid JSON or YAML is one error at the line where it breaks.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
import yaml
from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

from . import yamlschema
from .data import report_control_character
from .problems import Problems


@dataclass(frozen=True)
class Entry:
    key: str
    type: str
    file: str
    line: int
    fields: dict
    raw: str = field(default="", compare=False, repr=False)  # a .bib entry's own text, when read by _fast_bibtex


BIBTEX, CSL_JSON, CSL_YAML = (".bib", ".bibtex"), (".json",), (".yaml", ".yml")
FORMATS = "BibTeX or BibLaTeX (.bib), CSL-JSON (.json) or CSL-YAML (.yaml)"


def read_entries(root: Path, paths: list[Path], problems: Problems) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for rel in paths:
        full = root / rel
        suffix = Path(rel).suffix.lower()
        if suffix not in (*BIBTEX, *CSL_JSON, *CSL_YAML):
            continue  # reported when the project was read
        try:
            text = full.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            continue  # reported when the project was read
        except UnicodeDecodeError:
            problems.error(str(rel), "is not UTF-8 text; export the library again with UTF-8 encoding")
            continue
        if report_control_character(text, rel, problems):
            continue
        if suffix in CSL_JSON:
            _add_csl(_csl_json(text, rel, problems), rel, entries, problems)
        elif suffix in CSL_YAML:
            _add_csl(_csl_yaml(text, rel, problems), rel, entries, problems)
        else:
            _read_bibtex(text, rel, entries, problems)
    return entries


_ENTRY = re.compile(r"^@([A-Za-z]+)[ \t]*\{[ \t]*([^,\s{}()\"'#%~=\\]+)[ \t]*,", re.M)
_VALUE = (r'\{(?:[^{}]++|\{(?:[^{}]++|\{(?:[^{}]++|\{[^{}]*+\})*+\})*+\})*+\}'  # possessive: no backtracking
          r'|"[^"{}]*+"|[A-Za-z0-9_.:+/-]++')
_FIELD = re.compile(r"\s*([A-Za-z][\w:.+-]*)[ \t]*=[ \t]*(" + _VALUE + r")[ \t]*(?:,|(?=\s*\}))")
_BODY = re.compile(r"(?:" + _FIELD.pattern + r")*+\s*,?\s*\}[ \t]*(?:\r?\n|$)")
_END = re.compile(r"\s*,?\s*\}[ \t]*(?:\r?\n|$)")
_SPECIAL = re.compile(r"^@(?:string|preamble|comment)\b", re.I | re.M)


def _fast_bibtex(text: str) -> list[tuple[str, str, int, dict, str]] | None:
    """(key, type, line, fields, its text) of every entry of a .bib in the regular form reference managers
    export (one entry after another, each field `name = {value}`, "value" or a bare word), read with
    a few regular expressions: a 100,000-entry library in about a second, where bibtexparser takes
    twenty. None when the file is anything else (a @string, @preamble or @comment, a field joined with
    #, braces deeper than four, an entry that does not close, a key twice, stray text with an @):
    bibtexparser reads it then, with its messages for what is wrong."""
    if _SPECIAL.search(text):
        return None
    out, seen, line, counted = [], set(), 1, 0
    position = 0
    for match in _ENTRY.finditer(text):
        if text.count("@", position, match.start()):
            return None  # an @ between entries: something bibtexparser should judge
        line += text.count("\n", counted, match.start())
        counted = match.start()
        key = match.group(2)
        if key in seen:
            return None
        seen.add(key)
        body = _BODY.match(text, match.end())  # every field and the closing brace, in one match
        if body is None:
            return None
        fields = {name.lower(): value[1:-1] if value[0] in "{\"" else value
                  for name, value in _FIELD.findall(body.group())}
        end = body
        position = end.end()
        out.append((key, match.group(1).lower(), line, fields, text[match.start():position]))
    if text.count("@", position):
        return None
    return out


_parses: dict[str, tuple] = {}
_parsing = threading.Lock()


def _parse(text: str):
    """("fast", entries) or ("slow", bibtexparser's library) for a .bib's text, parsed once per
    process: `check` builds its targets side by side, and each reads the same bibliography."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _parsing:  # one parse at a time: the second target waits for the first's result
        if digest not in _parses:
            fast = _fast_bibtex(text)
            if fast is not None:
                _parses[digest] = ("fast", fast)
            else:
                logging.disable(logging.WARNING)  # bibtexparser logs each failure to the root logger; we report it
                try:
                    _parses[digest] = ("slow", bibtexparser.parse_string(text))
                finally:
                    logging.disable(logging.NOTSET)
            while len(_parses) > 4:
                del _parses[next(iter(_parses))]
        return _parses[digest]


def _read_bibtex(text: str, rel, entries: dict[str, Entry], problems: Problems) -> None:
    how, parsed = _parse(text)
    if how == "fast":
        fast = parsed
        for key, kind, line, fields, raw in fast:
            if key in entries:
                first = entries[key]
                problems.error(f"{rel}:{line}", f"duplicate key '{key}' (also {first.file}:{first.line}); "
                               "give one of the entries another key")
                continue
            entries[key] = Entry(key, kind, str(rel), line, fields, raw)
        return
    library = parsed
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            first = entries.get(block.key)
            where = f" (first at line {first.line})" if first else ""
            problems.error(f"{rel}:{line}", f"duplicate key '{block.key}'{where}; give one of the entries another key")
        elif isinstance(block, ParsingFailedBlock):
            problems.error(f"{rel}:{line}", f"this entry cannot be parsed ({_reason(block)}); "
                           "check its braces, quotes and commas")
    for entry in library.entries:
        if entry.key in entries:
            first = entries[entry.key]
            problems.error(f"{rel}:{entry.start_line + 1}", f"duplicate key '{entry.key}' (also {first.file}:{first.line}); "
                           "give one of the entries another key")
            continue
        fields = {f.key.lower(): f.value for f in entry.fields}
        entries[entry.key] = Entry(entry.key, entry.entry_type.lower(), str(rel), entry.start_line + 1, fields)


def works(entries: dict[str, Entry], keys) -> str:
    """The digest of the entries for keys (and the entries they crossref): what a document's
    citations and reference list are made from."""
    seen, stack, out = set(), list(keys), []
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        entry = entries.get(key)
        out.append([key, entry.type, entry.fields] if entry is not None else [key, None])
        if entry is not None:
            stack += [p.strip() for name in ("crossref", "xdata")
                      for p in str(entry.fields.get(name, "")).split(",") if p.strip()]
    return hashlib.sha256(json.dumps(sorted(out, key=lambda w: w[0]), default=str).encode()).hexdigest()


def cited_only(root: Path, paths: list[Path], entries: dict[str, Entry], keys: set[str]) -> list[Path]:
    """The bibliography files to give citeproc: a .bib read in the regular form is replaced by one
    holding only the cited entries (and the entries they crossref), written to build/.cache/bib, so
    that pandoc does not parse a whole 100,000-entry library for each paper it cites; citeproc's
    output depends on the cited entries only. Other files are given as they are."""
    wanted, stack = set(), [k for k in keys if k in entries]
    while stack:  # crossref and xdata parents come along
        key = stack.pop()
        if key in wanted or key not in entries:
            continue
        wanted.add(key)
        fields = entries[key].fields
        stack += [p.strip() for name in ("crossref", "xdata") for p in str(fields.get(name, "")).split(",") if p.strip()]
    out = []
    for rel in paths:
        own = [e for e in entries.values() if e.file == str(rel)]
        if Path(rel).suffix.lower() not in BIBTEX or not own or not all(e.raw for e in own):
            out.append((Path(root) / rel).resolve())
            continue
        text = "".join(e.raw + "\n\n" for e in own if e.key in wanted)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        path = Path(root) / "build" / ".cache" / "bib" / f"cited-{digest}.bib"
        from . import cache

        cache.put(path, text.encode("utf-8"))
        out.append(path.resolve())
    return out


# ---------------------------------------------------------------- CSL-JSON and CSL-YAML

# CSL item types as the BibTeX types the checks know (REQUIRED, the DOI warning); others keep their name.
CSL_TYPES = {"article-journal": "article", "book": "book", "chapter": "incollection",
             "paper-conference": "inproceedings", "thesis": "thesis", "report": "report",
             "webpage": "online", "post-weblog": "online", "post": "online", "dataset": "dataset",
             "manuscript": "unpublished", "entry-encyclopedia": "inreference",
             "entry-dictionary": "inreference", "motion_picture": "movie", "software": "software"}


def _csl_json(text: str, rel, problems: Problems) -> list[tuple[object, int]] | None:
    """(item, line of its id) for each item of a CSL-JSON array; None when the file cannot be used."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.error(f"{rel}:{exc.lineno}", f"is not valid JSON ({exc.msg} at column {exc.colno}); check the "
                       "commas, quotes and brackets on this line or the one before, or export the library again")
        return None
    if not isinstance(data, list):
        problems.error(f"{rel}:1", "a CSL-JSON bibliography is a list of items ([{\"id\": ..., \"type\": ...}, ...]); "
                       "export it again as CSL JSON")
        return None
    decoder, spans, index = json.JSONDecoder(), [], text.index("[") + 1
    for _item in data:  # where each item starts and ends, for its line
        index = _skip(text, index)
        _value, end = decoder.raw_decode(text, index)
        spans.append((index, end))
        index = _skip(text, end)
    out = []
    for item, (begin, end) in zip(data, spans):
        found = re.compile(r'"id"\s*:').search(text, begin, end)
        out.append((item, text.count("\n", 0, found.start() if found else begin) + 1))
    return out


def _skip(text: str, index: int) -> int:
    """Past whitespace and one comma."""
    while index < len(text) and text[index] in " \t\r\n,":
        index += 1
    return index


def _csl_yaml(text: str, rel, problems: Problems) -> list[tuple[object, int]] | None:
    """(item, line of its id) for each item of a CSL-YAML file (`references:` holding the items, as
    pandoc writes it, or the list alone); None when the file cannot be used."""
    try:
        node = yamlschema.compose(text)  # aliases refused before anything is expanded
        data = yaml.load(text, Loader=yamlschema.StrictLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.error(f"{rel}:{mark.line + 1 if mark else 1}", yamlschema.refusal(exc) or f"the YAML is malformed "
                       f"({getattr(exc, 'problem', None) or exc}); check indentation, colons and quotes")
        return None
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict) and "references" in data:
        node = next(v for k, v in node.value if k.value == "references")
        data = data["references"]
    if not isinstance(node, yaml.SequenceNode) or not isinstance(data, list):
        problems.error(f"{rel}:1", "a CSL-YAML bibliography is a list of items under 'references:' "
                       "(references: [{id: ..., type: ...}]); export it again as CSL YAML")
        return None
    out = []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        if isinstance(item_node, yaml.MappingNode):
            line = next((k.start_mark.line + 1 for k, _v in item_node.value if k.value == "id"), line)
        out.append((item, line))
    return out


def _add_csl(items: list[tuple[object, int]] | None, rel, entries: dict[str, Entry], problems: Problems) -> None:
    for number, (item, line) in enumerate(items or [], start=1):
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            what = "has no id" if isinstance(item, dict) else "is not an item with fields"
            problems.error(f"{rel}:{line}", f"item {number} {what}; give every item its citation key as \"id\"")
            continue
        key = str(item["id"])
        if key in entries:
            first = entries[key]
            problems.error(f"{rel}:{line}", f"duplicate key '{key}' (also {first.file}:{first.line}); "
                           "give one of the entries another key")
            continue
        entries[key] = Entry(key, CSL_TYPES.get(str(item.get("type", "")), str(item.get("type", ""))), str(rel),
                             line, csl_fields(item))


def csl_fields(item: dict) -> dict:
    """A CSL item's fields under the names the checks read for BibTeX: title, author and editor as
    BibTeX writes them ("Family, Given and ..."), journal, doi, year."""
    fields = {str(k).lower(): v for k, v in item.items() if isinstance(v, (str, int, float))}
    for role in ("author", "editor"):
        names = [_csl_name(n) for n in item.get(role) or [] if isinstance(n, (dict, str))]
        if any(names):
            fields[role] = " and ".join(n for n in names if n)
        else:
            fields.pop(role, None)
    container = item.get("container-title")
    if isinstance(container, list):  # CSL-JSON from some exporters: a list of titles
        container = container[0] if container else ""
    if container and CSL_TYPES.get(str(item.get("type", ""))) == "article":
        fields["journal"] = str(container)
    year = _year(item.get("issued"))
    if year:
        fields["year"] = year
    else:
        fields.pop("year", None)
    return fields


def _csl_name(name) -> str:
    if isinstance(name, str):
        return "{" + name + "}"
    if name.get("literal"):
        return "{" + str(name["literal"]) + "}"  # an institution: one name, never split at "and"
    particle = " ".join(str(name[p]) for p in ("dropping-particle", "non-dropping-particle") if name.get(p))
    family = " ".join(x for x in (particle, str(name.get("family") or "")) if x)
    given = str(name.get("given") or "")
    if not family:
        return given
    return f"{family}, {given}" if given else family


def _year(issued) -> str:
    """The year of CSL's issued: {"date-parts": [[2020, 1]]}, {"raw": "2020"}, or a string (EDTF)."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return str(parts[0][0])
        issued = issued.get("raw") or issued.get("literal") or ""
    if isinstance(issued, list) and issued and isinstance(issued[0], dict):  # CSL-YAML: [{year: 2020}]
        issued = issued[0].get("year", "")
    match = re.search(r"\d{4}", str(issued or ""))
    return match.group() if match else ""


def _reason(block) -> str:
    error = getattr(block, "error", None)
    text = getattr(error, "abort_reason", None) or str(error or "") or "unknown problem"
    return text.strip().splitlines()[0][:120]


# What an APA reference cannot be written without, by entry type ("*" for every type). A missing
# year is allowed (APA prints "n.d."), but said, since it is more often an export slip.
REQUIRED = {"*": (("title",), ("author", "editor")), "article": (("journal", "journaltitle"),)}


def check_fields(keys: list[str], entries: dict[str, Entry], problems: Problems) -> None:
    """Cited entries missing a field their reference needs: one error each, at the entry's line."""
    for key in keys:
        entry = entries.get(key)
        if entry is None:
            continue  # an unknown key is reported where it is cited
        for choices in (*REQUIRED["*"], *REQUIRED.get(entry.type, ())):
            if not any(str(entry.fields.get(name, "")).strip() for name in choices):
                either = " or ".join(_named(entry, name) for name in choices)
                problems.error(f"{entry.file}:{entry.line}", f"entry '{key}' has no {either}, which its APA "
                               f"reference needs; add {how_to_add(entry, choices[0])} to the entry")
        if not any(str(entry.fields.get(name, "")).strip() for name in ("year", "date")):
            problems.warning(f"{entry.file}:{entry.line}", f"entry '{key}' has no year or date, so APA shows "
                             f"(n.d.); add {how_to_add(entry, 'date')} if the work has one", code="no-date")


CSL_NAMES = {"doi": "DOI", "journal": "container-title", "journaltitle": "container-title", "date": "issued"}


def _named(entry: Entry, field: str) -> str:
    """A field as the entry's format names it: journal in BibTeX, container-title in CSL."""
    return CSL_NAMES.get(field, field) if Path(entry.file).suffix.lower() in (*CSL_JSON, *CSL_YAML) else field


def how_to_add(entry: Entry, field: str) -> str:
    """How a missing field is written in the entry's own format: doi = {...}, "DOI": "...", DOI: ..."""
    suffix = Path(entry.file).suffix.lower()
    name = _named(entry, field)
    if suffix in CSL_JSON:
        return f'"{name}": {{"date-parts": [[...]]}}' if name == "issued" else f'"{name}": "..."'
    if suffix in CSL_YAML:
        return f"{name}: ..."
    return f"{name} = {{...}}"


# ---------------------------------------------------------------- article numbers

# An e-locator (PLOS ONE's e0248558, JMIR's e12345) is an article number wherever it is written: no
# journal numbers its pages so. A number of digits alone may be a single page or an article number
# (BMC's 80): only the author can say, with BibLaTeX's eid field (README "Citing").
ELOCATOR = re.compile(r"[eE]\d{3,}")


def _csl(entry: Entry) -> bool:
    return Path(entry.file).suffix.lower() in (*CSL_JSON, *CSL_YAML)


def _field(entry: Entry, *names: str) -> str:
    return next((str(entry.fields[n]).strip() for n in names if str(entry.fields.get(n, "") or "").strip()), "")


def article_number(entry: Entry) -> str:
    """A journal article's article number, from `eid` (CSL: `number`) or an e-locator in `pages`;
    '' when none."""
    if entry.type != "article":
        return ""
    eid = _field(entry, "number") if _csl(entry) else _field(entry, "eid")
    if eid:
        return eid
    pages = _field(entry, "page" if _csl(entry) else "pages")
    return pages if ELOCATOR.fullmatch(pages) else ""


# ---------------------------------------------------------------- the reference lint

def _journal(entry: Entry) -> str:
    name = _field(entry, "journal", "journaltitle", "container-title")
    return " ".join(re.sub(r"[{}\\]", "", name).replace("&", "and").lower().split())


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def journal_index(entries: dict[str, Entry]) -> dict[str, list[tuple[Entry, int, int]]]:
    """journal -> (entry, volume, year) of each of its articles that gives both as numbers, in the
    .bib's order: what the year-and-volume lint compares an article with, read once per build rather
    than once per pair of entries."""
    index: dict[str, list[tuple[Entry, int, int]]] = {}
    for other in entries.values():
        if other.type != "article":
            continue
        volume = _int(_field(other, "volume"))
        raw = _field(other, "year") or _field(other, "date")
        year = _int(raw[:4]) if raw else None
        if volume is not None and year is not None:
            index.setdefault(_journal(other), []).append((other, volume, year))
    return index


def reference_lint(entry: Entry, entries: dict[str, Entry],
                   journals: dict[str, list[tuple[Entry, int, int]]] | None = None) -> list[str]:
    """What a journal article's APA reference lacks or gets wrong that the .bib can put right
    (README "`python build.py check`"): no volume and no "Advance online publication"; a volume with
    neither pages nor an article number; an article number where citeproc prints it as a page or an
    issue; a year that disagrees with the volume given to the same journal elsewhere in the .bib.
    journals is journal_index(entries), made once by a caller that lints many entries."""
    if entry.type != "article":
        return []
    csl = _csl(entry)
    name = (lambda bibtex, csl_name: csl_name if csl else bibtex)
    volume = _field(entry, "volume")
    pages = _field(entry, name("pages", "page"))
    number = article_number(entry)
    status = _field(entry, name("pubstate", "status")) + " " + _field(entry, "note")
    out = []
    if not volume:
        if "advance online" not in status.lower() and "in press" not in status.lower():
            out.append(f"journal article '{entry.key}' has no volume; if it was published online before an issue, "
                       f"add {name('pubstate', 'status')} = {{Advance online publication}} (APA prints that instead), "
                       f"else add its volume, and its pages or article number")
        return out
    issue = _field(entry, "issue") if csl else _field(entry, "number")
    if not csl and ELOCATOR.fullmatch(issue):
        out.append(f"journal article '{entry.key}' has number = {{{issue}}}, which is printed as the issue; an "
                   f"article number goes in eid = {{{issue}}}")
    elif not pages and not number:
        out.append(f"journal article '{entry.key}' has a volume but neither pages nor an article number; add "
                   f"{name('pages', 'page')} = {{...}}, or {name('eid', 'number')} = {{...}} for an article number "
                   f"(printed \"Article ...\")")
    elif pages and not number and pages.isdigit():
        out.append(f"journal article '{entry.key}' gives a single page ({name('pages', 'page')} = {{{pages}}}); if "
                   f"{pages} is its article number, write {name('eid', 'number')} = {{{pages}}} instead, so that APA's "
                   f"\"Article {pages}\" is printed; an article of one page needs nothing")
    year = _int(_field(entry, "year")[:4]) if _field(entry, "year") else _int(_field(entry, "date")[:4])
    if year is not None and _int(volume) is not None:
        clash = _year_volume_clash(entry, year, _int(volume), journal_index(entries) if journals is None else journals)
        if clash:
            other, other_year = clash
            other_volume = _field(other, "volume")
            said = (f"volume {volume} of this journal is {other_year} in '{other.key}'" if _int(other_volume) == _int(volume)
                    else f"'{other.key}' has volume {other_volume} of this journal in {other_year}")
            out.append(f"journal article '{entry.key}' is dated {year}, but {said} ({other.file}:{other.line}); "
                       f"a year and volume that disagree "
                       f"usually mean the year it appeared online; give the year of the volume it was published in, "
                       f"or correct the volume")
    return out


def _year_volume_clash(entry: Entry, year: int, volume: int, journals: dict[str, list[tuple[Entry, int, int]]]):
    """(an entry, its year) that this one's year and volume cannot both agree with, when more of the
    same journal's entries disagree with this one than agree: the same volume in another year, or a
    later volume in an earlier year. The entries in the majority are not reported; two alone that
    disagree are both reported, since either may be wrong."""
    clashes, agreeing = [], 0
    for other, other_volume, other_year in journals.get(_journal(entry), ()):
        if other is entry:
            continue
        if (other_volume == volume and other_year != year) or (other_volume - volume) * (other_year - year) < 0:
            clashes.append((other, other_year))
        else:
            agreeing += 1
    return clashes[0] if len(clashes) > agreeing else None
