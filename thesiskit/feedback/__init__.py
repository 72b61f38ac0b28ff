"""`thesiskit feedback REVIEWED.docx`: a supervisor's comments and tracked changes, traced back to
the sources.

    reviewed.py  the DOCX as Word or LibreOffice wrote it: paragraphs, comments, threads, changes
    places.py    where each paragraph comes from now: its anchor (thesiskit/anchors.py), checked
                 against the words, or the words alone
    edits.py     a tracked change made to its chapter, when the chapter still holds the text exactly

It writes build/feedback/<name>.md (every comment and change by file and line, in source order) and
prints a summary. With --apply it makes the tracked changes in prose that still match their chapter
exactly, after copying each chapter it changes to build/feedback/backup/; data files, computed
values and reference entries are never changed, only pointed at.
"""
from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import Problems
from ..project import read_project
from .edits import Block, Edit, edit_for
from .places import Place, Resolver, Sources, column_names
from .reviewed import Change, Comment, Reviewed, Unreadable, read

__all__ = ["run", "Unreadable"]


@dataclass
class Item:
    kind: str  # comment, insertion, deletion, replacement, moved text, formatting, paragraph split, ...
    author: str
    date: str
    paragraph: int
    offset: int
    place: Place
    line: int
    quote: str = ""  # the text it is attached to
    text: str = ""  # the comment, or the change in words
    status: str = ""  # a change: can be applied, applied, already in the sources, or why not
    change: Change | None = None
    edit: Edit | None = None
    replies: list[Comment] = field(default_factory=list)
    done: bool = False


def run(root: Path, docx: Path, apply: bool = False, out=print, err=None) -> int:
    """The command: 0 when the DOCX was read (its report written), 1 when it cannot be."""
    err = err or (lambda line: print(line, file=sys.stderr))
    shown = _shown(docx)
    try:
        reviewed = read(Path(docx))
    except Unreadable as exc:
        err(f"{shown}: error: {exc}")
        return 1
    problems = Problems()
    project = read_project(root, problems)
    if project is None or problems.errors:
        for problem in problems.errors:
            err(problem.line())
        return 1
    sources = Sources(project)
    resolver = Resolver(sources, reviewed)
    items = _items(reviewed, resolver)
    edits = _edits(items, reviewed, sources)
    warnings = _warnings(reviewed, resolver)
    folder = root / "build" / "feedback"
    stem = re.sub(r"[^\w.-]+", "-", Path(docx).stem).strip("-.") or "feedback"
    applied: list[Edit] = []
    backup = None
    if apply and edits:
        backup = folder / "backup" / f"{stem}-{dt.datetime.now():%Y%m%d-%H%M%S}"
        try:
            applied = _apply(edits, sources, root, backup)
        except OSError as exc:
            err(f"{shown}: error: the chapters could not be changed ({exc.strerror}: {exc.filename}); nothing was "
                "changed; check that the files are writable")
            return 1
        for item in items:
            if item.edit in applied:
                item.status = "applied"
    report = render(reviewed, items, sources, warnings, shown, apply)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}.md"
        _write(target, report)
        diff = folder / f"{stem}.diff"
        if edits and not apply:
            _write(diff, _diff(edits, sources))
        elif diff.exists():
            diff.unlink()
    except OSError as exc:
        err(f"{shown}: error: build/feedback/ cannot be written ({exc.strerror}); check the folder is writable")
        return 1
    for line in summary(reviewed, items, sources, warnings, shown, target.relative_to(root), edits, applied, apply,
                        backup.relative_to(root) if backup and applied else None):
        out(line)
    return 0


def _shown(docx: Path) -> str:
    return str(docx)  # as the author typed it


# ---------------------------------------------------------------- what the supervisor did, where

def _items(reviewed: Reviewed, resolver: Resolver) -> list[Item]:
    items: list[Item] = []
    for comment in reviewed.comments:
        if comment.paragraph < 0:
            place = Place("unplaced", note="the comment is not attached to any text")
            items.append(Item("comment", comment.author, comment.date, 10**9, 0, place, 0, "", comment.text,
                              replies=comment.replies, done=comment.done))
            continue
        place = resolver.place(comment.paragraph)
        quote = _quote(reviewed, comment)
        para = reviewed.paragraphs[comment.paragraph]
        context = quote or para.original[comment.start:comment.start + 60]
        items.append(Item("comment", comment.author, comment.date, comment.paragraph, comment.start, place,
                          resolver.line_of(place, context), quote, comment.text, replies=comment.replies,
                          done=comment.done))
    for change in reviewed.changes:
        if change.kind == "deletion" and change.replaced_by is not None:
            continue  # shown with its insertion, as one replacement
        para = reviewed.paragraphs[change.paragraph]
        place = resolver.place(change.paragraph)
        kind = change.kind
        if change.replaces is not None:
            kind = "replacement"
        if change.move:
            kind = "moved text (" + ("from here)" if change.kind == "deletion" else "to here)")
        if kind == "replacement":
            text = f"“{change.replaces.text}” → “{change.text}”"
        elif change.kind in ("insertion", "deletion"):
            text = f"“{change.text}”"
        elif change.kind == "formatting":
            text = f"formatting of “{_short(change.text)}”" if change.text else "formatting"
        else:
            text = change.kind
        start = change.replaces.start if change.replaces is not None else change.start
        context = para.original[max(0, start - 30):change.end + 30]
        items.append(Item(kind, change.author, change.date, change.paragraph, start, place,
                          resolver.line_of(place, context), _context(para.original, start, change.end), text,
                          change=change))
    return items


def _quote(reviewed: Reviewed, comment: Comment) -> str:
    paragraphs = reviewed.paragraphs
    if comment.end_paragraph == comment.paragraph:
        return paragraphs[comment.paragraph].original[comment.start:comment.end]
    parts = [paragraphs[comment.paragraph].original[comment.start:]]
    parts += [p.original for p in paragraphs[comment.paragraph + 1:comment.end_paragraph]]
    if comment.end_paragraph > comment.paragraph:
        parts.append(paragraphs[comment.end_paragraph].original[:comment.end])
    return "\n".join(parts)


def _context(text: str, start: int, end: int) -> str:
    """A few words either side of a change, for the report."""
    left = text[max(0, start - 50):start]
    right = text[end:end + 50]
    left = left.split(" ", 1)[-1] if start > 50 and " " in left else left
    right = right.rsplit(" ", 1)[0] if len(text) - end > 50 and " " in right else right
    return f"{'…' if start > 50 else ''}{left}[{text[start:end]}]{right}{'…' if len(text) - end > 50 else ''}"


def _short(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rsplit(" ", 1)[0] + "…"


def _edits(items: list[Item], reviewed: Reviewed, sources: Sources) -> list[Edit]:
    """Decide, for every change, whether it can be made in its chapter; the edits that can."""
    chapters = set(sources.chapters)
    edits: list[Edit] = []
    texts: dict[str, str] = {}
    for item in items:
        change = item.change
        if change is None:
            continue
        place = item.place
        if change.kind not in ("insertion", "deletion"):
            item.status = "not applied: only text is applied; make this change by hand"
            continue
        if place.kind != "prose" or place.file not in chapters:
            item.status = "not applied: " + describe_source(place, reviewed, item, sources, change=True)
            continue
        if place.how == "changed":
            item.status = "not applied: " + place.note
            continue
        if place.file not in texts:
            try:
                texts[place.file] = (sources.root / place.file).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                item.status = f"not applied: {place.file} cannot be read"
                continue
        text = texts[place.file]
        lines = text.split("\n")
        start = sum(len(line) + 1 for line in lines[:place.line - 1])
        end = start + sum(len(line) + 1 for line in lines[place.line - 1:place.end]) - 1
        block = Block(text, start, max(start, end))
        para = reviewed.paragraphs[change.paragraph]
        verdict, edit = edit_for(change, para, block, place.file)
        if verdict == "apply":
            clash = next((e for e in edits if e.file == edit.file and e.start < edit.end + (edit.start == edit.end)
                          and edit.start < e.end + (e.start == e.end)), None)
            if clash is not None:
                item.status = "not applied: it overlaps another change here; make it by hand"
                continue
            item.edit = edit
            item.status = "can be applied"
            edits.append(edit)
        elif verdict == "done":
            item.status = "already in the sources"
        else:
            old = change.replaces or change
            reason = block.why_not(para.original, old.start, old.end) if "{{" not in change.text else (
                "the new text holds {{ or {%, which the build would read as a value; make the change by hand")
            item.status = "not applied: " + reason
    return edits


def _apply(edits: list[Edit], sources: Sources, root: Path, backup: Path) -> list[Edit]:
    """Make the edits, a file at a time, after copying each file to backup; all or nothing per file."""
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.file, []).append(edit)
    new_texts = {}
    for rel, file_edits in by_file.items():
        raw = (root / rel).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        for edit in sorted(file_edits, key=lambda e: (e.start, e.end), reverse=True):
            text = text[:edit.start] + edit.new + text[edit.end:]
        new_texts[rel] = (("\ufeff" if bom else "") + text).encode("utf-8")
    for rel in new_texts:
        (backup / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, backup / rel)
    for rel, data in new_texts.items():
        temporary = (root / rel).with_name(f".{Path(rel).name}.feedback.tmp")
        temporary.write_bytes(data)
        shutil.copymode(root / rel, temporary)
        os.replace(temporary, root / rel)
    return edits


def _diff(edits: list[Edit], sources: Sources) -> str:
    out = []
    for rel in dict.fromkeys(e.file for e in edits):
        before = (sources.root / rel).read_text(encoding="utf-8-sig")
        after = before
        for edit in sorted([e for e in edits if e.file == rel], key=lambda e: (e.start, e.end), reverse=True):
            after = after[:edit.start] + edit.new + after[edit.end:]
        out += difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                    fromfile=f"a/{rel}", tofile=f"b/{rel}")
    return "".join(out)


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# ---------------------------------------------------------------- saying where things come from

def describe_source(place: Place, reviewed: Reviewed, item: Item, sources: Sources, change: bool = False) -> str:
    """What the text is made from, for text that is not a chapter's prose."""
    if place.kind == "reference":
        where = f"{place.file}:{place.line} (@{place.key})" if place.key else "the bibliography"
        return (f"a reference-list entry, formatted by citeproc from {where}; correct the entry there "
                "(in Zotero, then export again)")
    if place.kind in ("data", "computed"):
        cell = _cell(reviewed, item.paragraph)
        names = column_names(sources, place)
        if place.file.endswith(".csv"):
            row = "every row" if not place.line else f"row {place.line}"
            cols = (f", column {names[0]}" if len(names) == 1 else f", columns {names[0]}–{names[-1]}" if names else "")
        else:
            row, cols = ("the whole file" if not place.line else f"line {place.line}"), ""
        if place.kind == "computed":
            what = "the answers" if "casp" in place.file or "answer" in place.file else "the data"
            text = f"computed from {place.file} {row}{cols}; change {what} there"
        else:
            text = f"from {place.file} {row}{cols}; change it there"
        note = f" ({place.note})" if place.note else ""
        return f"{cell}: {text}{note}" if cell else text + note
    if place.kind == "generated":
        return (f"made by the .{place.directive} directive at {place.file}:{place.line} from its data; change the "
                "data (or the directive's options), not the text")
    if place.kind == "unplaced":
        return f"its place in the sources was not found ({place.note})"
    if place.file == "thesis.md":
        return "the title page is made from thesis.md's metadata; change it there"
    return f"{place.file} is not a chapter"


def _cell(reviewed: Reviewed, index: int) -> str:
    para = reviewed.paragraphs[index]
    if para.cell is None:
        return ""
    table_number, row, column = para.cell
    table = reviewed.tables[table_number]
    label = table.label or "the table"
    row_head = _short(table.cells.get((row, 0), ""), 50)
    column_head = _short(table.cells.get((0, column), ""), 30)
    parts = [label]
    if row and column:
        parts += [f"row “{row_head}”", f"column “{column_head}”"]
    elif row:
        parts.append(f"row “{row_head}”")
    return ", ".join(parts)


# ---------------------------------------------------------------- the report

def _warnings(reviewed: Reviewed, resolver: Resolver) -> list[str]:
    warnings = []
    if not reviewed.anchored:
        warnings.append("This DOCX carries no source anchors (it was not built from this project, or with "
                        "source-anchors: false): every place below was found by its words alone, and text made from "
                        "data or the bibliography is not recognised as such.")
    moved = len({p for p, _place in resolver.moved})
    if moved:
        warnings.append(f"The DOCX was built from an older version of the sources: {moved} paragraph"
                        f"{'s have' if moved != 1 else ' has'} moved since, and their places follow the text "
                        "(marked “moved”).")
    return warnings


def _order(sources: Sources, items: list[Item]) -> list[tuple[str, list[Item]]]:
    files: dict[str, list[Item]] = {}
    for item in items:
        key = item.place.file if item.place.kind != "unplaced" and item.place.file else ""
        files.setdefault(key, []).append(item)
    rank = {f: i for i, f in enumerate([*sources.chapters, "thesis.md"])}

    def file_key(name: str):
        if not name:
            return (3, "")
        if name in rank:
            return (0, rank[name])
        return (1 if name.startswith("data/") else 2, name)

    out = []
    for name in sorted(files, key=file_key):
        out.append((name, sorted(files[name], key=lambda i: (i.line, i.paragraph, i.offset, i.kind != "comment"))))
    return out


def _where(item: Item) -> str:
    place = item.place
    if place.kind == "unplaced":
        return "not placed"
    if place.kind in ("data", "computed"):
        if place.file.endswith(".csv"):
            return "every row" if not place.line else f"row {place.line}"
        return f"line {place.line}" if place.line else "the whole file"
    return f"line {item.line}"


def _dated(author: str, date: str) -> str:
    return f"{author or 'unknown author'}, {date[:10]}" if date else (author or "unknown author")


def render(reviewed: Reviewed, items: list[Item], sources: Sources, warnings: list[str], shown: str,
           apply: bool) -> str:
    lines = [f"# Feedback: {shown}", ""]
    comments = [i for i in items if i.kind == "comment"]
    changes = [i for i in items if i.change is not None]
    replies = sum(len(i.replies) for i in comments)
    lines.append(f"{len(comments)} comment{'s' * (len(comments) != 1)}"
                 + (f" (and {replies} repl{'ies' if replies != 1 else 'y'})" if replies else "")
                 + f" and {len(changes)} tracked change{'s' * (len(changes) != 1)}, by "
                 + (", ".join(sorted({i.author or "unknown author" for i in items} |
                                     {r.author or "unknown author" for i in comments for r in i.replies})) or "nobody")
                 + ". Places are `file:line` in the sources as they are now; data and references say where the "
                   "text is made from.")
    lines.append("")
    for warning in warnings:
        lines += [f"> **Warning.** {warning}", ""]
    for name, group in _order(sources, items):
        lines += [f"## {name or 'Not placed'}", ""]
        for item in group:
            lines += _item_lines(item, name, reviewed, sources)
    return "\n".join(lines).rstrip() + "\n"


def _item_lines(item: Item, name: str, reviewed: Reviewed, sources: Sources) -> list[str]:
    place = item.place
    where = _where(item)
    head = f"### {where} · {item.kind} · {_dated(item.author, item.date)}"
    if item.done:
        head += " · resolved"
    out = [head, ""]
    if place.kind == "prose" and name:
        out.append(f"`{name}:{item.line}`" + (f" ({_how(place)})" if _how(place) else ""))
    elif place.kind != "unplaced":
        out.append(describe_source(place, reviewed, item, sources))
    else:
        out.append(describe_source(place, reviewed, item, sources))
    out.append("")
    if item.kind == "comment":
        if item.quote:
            out += [f"> {line}" if line else ">" for line in _short(item.quote, 300).split("\n")] + [""]
        out += [item.text or "(empty comment)", ""]
        for reply in item.replies:
            out += [f"- reply, {_dated(reply.author, reply.date)}: {reply.text}"]
        if item.replies:
            out.append("")
    else:
        out += [f"{item.text}, in: {item.quote}", ""]
        if item.status:
            out += [f"*{item.status[0].upper() + item.status[1:]}*" + ("." if not item.status.endswith(".") else ""), ""]
        if item.edit is not None and item.status in ("can be applied", "applied"):
            out += _edit_lines(item.edit, sources)
    return out


def _how(place: Place) -> str:
    if place.how == "moved":
        return "moved: " + place.note
    if place.how == "words":
        return f"fuzzy match by its words, confidence {place.confidence:.0%}" if place.fuzzy else "matched by its words"
    if place.how == "changed":
        return place.note
    return place.note


def _edit_lines(edit: Edit, sources: Sources) -> list[str]:
    """The changed line before and after (long lines: the words around the change)."""
    text = edit.text
    start = max(text.rfind("\n", 0, edit.start) + 1, edit.start - 120)
    end = text.find("\n", edit.end)
    end = min(len(text) if end < 0 else end, edit.end + 120)
    if start > text.rfind("\n", 0, edit.start) + 1:
        start = text.find(" ", start) + 1 or start
    if end < (len(text) if text.find("\n", edit.end) < 0 else text.find("\n", edit.end)):
        end = text.rfind(" ", edit.end, end) if text.rfind(" ", edit.end, end) > edit.end else end
    line_start = text.rfind("\n", 0, edit.start) + 1
    line_end = text.find("\n", edit.end)
    before = "…" if start > line_start else ""
    after = "…" if end < (len(text) if line_end < 0 else line_end) else ""
    old = before + text[start:end] + after
    new = before + text[start:edit.start] + edit.new + text[edit.end:end] + after
    return ["```diff", f"-{old}", f"+{new}", "```", ""]


def summary(reviewed: Reviewed, items: list[Item], sources: Sources, warnings: list[str], shown: str, report: Path,
            edits: list[Edit], applied: list[Edit], apply: bool, backup: Path | None) -> list[str]:
    comments = [i for i in items if i.kind == "comment"]
    changes = [i for i in items if i.change is not None]
    authors = sorted({i.author or "unknown author" for i in items}
                     | {r.author or "unknown author" for i in comments for r in i.replies})
    replies = sum(len(c.replies) for c in comments)
    lines = [f"feedback: {shown}: {len(comments)} comment{'s' * (len(comments) != 1)}"
             + (f" (+{replies} repl{'ies' if replies != 1 else 'y'})" if replies else "")
             + f", {len(changes)} tracked change{'s' * (len(changes) != 1)}"
             + (f" by {', '.join(authors)}" if authors else "")]
    for warning in warnings:
        lines.append(f"  warning: {warning}")
    for name, group in _order(sources, items):
        n_comments = sum(1 for i in group if i.kind == "comment")
        n_changes = sum(1 for i in group if i.change is not None)
        ready = sum(1 for i in group if i.status in ("can be applied", "applied"))
        done = sum(1 for i in group if i.status == "already in the sources")
        parts = []
        if n_comments:
            parts.append(f"{n_comments} comment{'s' * (n_comments != 1)}")
        if n_changes:
            parts.append(f"{n_changes} change{'s' * (n_changes != 1)}")
        extra = []
        if ready:
            extra.append(f"{ready} {'applied' if apply else 'can be applied'}")
        if done:
            extra.append(f"{done} already in the sources")
        kinds = {i.place.kind for i in group}
        if n_changes and kinds & {"data", "computed"}:
            extra.append("change the data")
        if n_changes and "reference" in kinds:
            extra.append("change the entry")
        lines.append(f"  {name or 'not placed':<36} {', '.join(parts)}" + (f" ({'; '.join(extra)})" if extra else ""))
    lines.append(f"  wrote {report}")
    if apply:
        if applied:
            files = len({e.file for e in applied})
            lines.append(f"  applied {len(applied)} change{'s' * (len(applied) != 1)} to {files} chapter"
                         f"{'s' * (files != 1)} (the originals are in {backup}/); rebuild to see them")
        else:
            lines.append("  nothing to apply" + (": every change that can be made is already in the sources"
                                                  if any(i.status == "already in the sources" for i in items) else ""))
    elif edits:
        lines.append(f"  {len(edits)} change{'s' * (len(edits) != 1)} can be applied to the chapters (see "
                     f"{report.with_suffix('.diff')}); run again with --apply to make them")
    return lines
