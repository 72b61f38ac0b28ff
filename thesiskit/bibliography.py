"""The .bib files as the build needs them before citeproc: which keys exist, and where.

bibtexparser reports unparsable entries and duplicate keys with their line, which pandoc does not.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, ParsingFailedBlock

from .data import report_control_character
from .problems import Problems


@dataclass(frozen=True)
class Entry:
    key: str
    type: str
    file: str
    line: int
    fields: dict


def read_entries(root: Path, paths: list[Path], problems: Problems) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for rel in paths:
        full = root / rel
        try:
            text = full.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            continue  # reported when the project was read
        except UnicodeDecodeError:
            problems.error(str(rel), "is not UTF-8 text; export the library again with UTF-8 encoding")
            continue
        if report_control_character(text, rel, problems):
            continue
        logging.disable(logging.WARNING)  # bibtexparser logs each failure to the root logger; we report it
        try:
            library = bibtexparser.parse_string(text)
        finally:
            logging.disable(logging.NOTSET)
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
    return entries


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
                either = " or ".join(choices)
                problems.error(f"{entry.file}:{entry.line}", f"entry '{key}' has no {either}, which its APA "
                               f"reference needs; add {choices[0]} = {{...}} to the entry")
        if not any(str(entry.fields.get(name, "")).strip() for name in ("year", "date")):
            problems.warning(f"{entry.file}:{entry.line}", f"entry '{key}' has no year or date, so APA shows "
                             "(n.d.); add date = {...} if the work has one")
