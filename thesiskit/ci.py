"""What CI and git hooks need from `check` and `build`: GitHub annotations (one per problem, at its file
and line), the job summary (word counts as a table and a chart), and the documents a set of changed
files concerns (`thesiskit check FILES...`, as the pre-commit hook calls it).

GitHub reads workflow commands from a step's output: `::error file=F,line=N,title=T::message` puts
the message on line N of F in the pull request's "Files changed" and in the run's summary;
`::warning` likewise. Values are escaped as the runner expects (% CR LF, and in properties : and ,).
"""
from __future__ import annotations

import re
from pathlib import Path

# Where a problem is: "file:line", "file row N[, column C]" (row N is the file's line N: the header
# is row 1), "file", a document's id ("paper1", a limit), or nothing.
_LINE = re.compile(r"(?P<file>[^:]+?):(?P<line>\d+)")
_ROW = re.compile(r"(?P<file>.+?) row (?P<line>\d+)(?:, column (?P<column>.+))?")

# Sources that belong to the whole project rather than one document: a change to any of them can
# change every document (the plan, the bibliography, data, profiles, the project's directives).
PROJECT_WIDE = ("thesis.md", "bib/", "data/", "profiles/", "filters/", "chapters/")


def location(where: str, documents: list) -> tuple[str, int | None, str]:
    """(file, line or None, what else the place says) of a problem's `where`, for an annotation."""
    match = _LINE.fullmatch(where)
    if match:
        return match.group("file"), int(match.group("line")), ""
    match = _ROW.fullmatch(where)
    if match:
        column = match.group("column")
        return match.group("file"), int(match.group("line")), f"column {column}" if column else ""
    for document in documents:  # a document's limit: its first file, where its title and abstract are
        if where == document.id and document.files:
            return Path(document.files[0]).as_posix(), None, document.id
    return where, None, ""


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(found: list[tuple[str, object]], documents: list, root: Path | None = None) -> list[str]:
    """One workflow command per distinct problem, from (target, problem) pairs: a problem every target
    finds (an unknown citation key) is one annotation naming the targets."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for target, problem in found:
        targets = merged.setdefault((problem.severity, problem.where, problem.message), [])
        if target and target not in targets:
            targets.append(target)
    lines = []
    for (severity, where, message), targets in merged.items():
        file, line, extra = location(where, documents)
        props = []
        if file and (root is None or (Path(root) / file).exists()):
            props.append(f"file={_property(file)}")
            if line is not None:
                props.append(f"line={line}")
        elif where:
            message = f"{where}: {message}"
        title = "thesiskit" + (f" ({', '.join(targets)})" if targets else "") + (f": {extra}" if extra else "")
        props.append(f"title={_property(title)}")
        command = "error" if severity == "error" else "warning"
        lines.append(f"::{command} {','.join(props)}::{_data(message)}")
    return lines


# ---------------------------------------------------------------- the job summary

def summary(reports: dict[str, dict], documents: list) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: per target, a table of words against limits with a bar each,
    the same as a chart (Mermaid, which GitHub draws), and the problems with their places."""
    out = ["## Thesis check", ""]
    failed = [t for t, r in reports.items() if r.get("ok") is False]
    out.append("**" + (f"{len(failed)} of {len(reports)} targets have errors: {', '.join(failed)}" if failed else
                       f"All {len(reports)} targets pass their limits and checks") + "**")
    out.append("")
    for target, report in sorted(reports.items(), key=lambda item: item[0] != "thesis"):  # the thesis first
        docs = report.get("documents") or {}
        out.append(f"### {target}")
        out.append("")
        if not docs:
            out += ["Stopped before counting: see the problems below.", ""]
        else:
            out += ["| Document | Words | Limit | Used | Abstract | |", "|---|--:|--:|--:|--:|---|"]
            for doc_id, info in docs.items():
                main = info["counted"].get("main", info["words"]["main"])
                limit = info["limits"].get("main")
                abstract, abstract_limit = info["counted"].get("abstract", 0), info["limits"].get("abstract")
                used = f"{main / limit:.0%}" if limit else ""
                flag = "" if info.get("ok", True) else " **over**"
                out.append(f"| {doc_id} | {main:,} | {f'{limit:,}' if limit else ''} | {used}{flag} | "
                           f"{f'{abstract}/{abstract_limit}' if abstract_limit else (abstract or '')} | "
                           f"{f'`{bar(main, limit)}`' if limit else ''} |")
            out += ["", *chart(target, docs), ""]
        problems = report.get("problems") or []
        if problems:
            out.append(f"<details><summary>{_counted(problems)}</summary>")
            out.append("")
            for p in problems:
                out.append(f"- **{p['severity']}** `{p['where'] or target}`: {_escape(p['message'])}")
            out += ["", "</details>", ""]
    return "\n".join(out) + "\n"


def bar(words: int, limit: int | None, width: int = 20) -> str:
    """A text bar of the share of the limit used (full at the limit; beyond it, marked with !)."""
    if not limit:
        return ""
    filled = min(round(width * words / limit), width)
    return "█" * filled + "░" * (width - filled) + (" !" if words > limit else "")


def chart(target: str, docs: dict) -> list[str]:
    """A Mermaid bar chart: each document's limit (grey) with its words over it."""
    names = list(docs)
    words = [info["counted"].get("main", info["words"]["main"]) for info in docs.values()]
    limits = [info["limits"].get("main") or 0 for info in docs.values()]
    top = max(words + limits + [1])
    palette = "#c8c8c8, #4a6fa5" if any(limits) else "#4a6fa5"
    lines = ["```mermaid", "---", "config:", "  themeVariables:", "    xyChart:",
             f'      plotColorPalette: "{palette}"', "---", "xychart-beta horizontal",
             f'  title "Main-text words: {target}"',
             "  x-axis [" + ", ".join(f'"{n}"' for n in names) + "]",
             f'  y-axis "words" 0 --> {int(top * 1.1)}']
    if any(limits):
        lines.append(f"  bar [{', '.join(map(str, limits))}]")
    lines += [f"  bar [{', '.join(map(str, words))}]", "```"]
    return lines


def _counted(problems: list[dict]) -> str:
    errors = sum(p["severity"] == "error" for p in problems)
    warnings = len(problems) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace("|", "\\|")


# ---------------------------------------------------------------- changed files to documents

def documents_of(files: list[str], root: Path, documents: list, cwd: Path | None = None) -> set[str] | None:
    """The plan's documents that changed files concern: a chapter of the plan is its document's; any
    other file of the project's sources (thesis.md, bib/, data/, profiles/, filters/, a chapter that
    is only included) can change every document, so None (check them all). Files outside the sources
    (README.md, .github/) concern none."""
    root = Path(root).resolve()
    owner = {Path(f).as_posix(): d.id for d in documents for f in d.files}
    folders: dict[str, set[str]] = {}  # a folder holding a document's chapters (its figures are its own)
    for document in documents:
        for f in document.files:
            folders.setdefault(Path(f).parent.as_posix(), set()).add(document.id)
    selected: set[str] = set()
    for name in files:
        path = Path(name)
        here = Path(cwd or Path.cwd()) / path
        full = (here if path.is_absolute() or here.exists() or not (root / path).exists() else root / path).resolve()
        try:
            rel = full.relative_to(root).as_posix()
        except ValueError:
            continue  # not in the project
        inside = [f for f in folders if f not in (".", "chapters") and rel.startswith(f + "/")]
        if rel in owner:
            selected.add(owner[rel])
        elif inside:  # chapters/paper2/figures/x.svg
            selected |= folders[max(inside, key=len)]
        elif rel == "thesis.md" or rel.startswith(tuple(p for p in PROJECT_WIDE if p.endswith("/"))):
            return None
    return selected
