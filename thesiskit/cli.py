"""Command line: `thesiskit COMMAND` (or `python -m thesiskit`), and the thesis project's own
`python build.py TARGET`.

    thesiskit new DIR          start a thesis project in DIR (it builds at once)
    thesiskit build TARGET     build a target (thesis, jmh-submission, ...); `thesiskit TARGET` too
    thesiskit check [FILE...]  every target's limits, citations and cross-references (or the documents of
                               the files given); writes nothing; --format github annotates each problem
    thesiskit values           every value the prose can use in {{ }}, with its current value
    thesiskit watch [TARGET]   rebuild whenever a source changes
    thesiskit profiles         the targets and where each profile comes from
    thesiskit feedback DOCX    a supervisor's comments and tracked changes, traced back to the sources

The project is found as git finds its repository: the nearest folder at or above the working
directory holding thesis.md, or --project DIR. build.py passes its own folder instead, and refuses
when run from inside another thesis project, which it would otherwise build instead of that one.
Exit 0 when clean, 1 when the sources have problems (each printed on one line), 2 for usage errors,
3 for an internal error (a bug), 130 when interrupted.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from . import children, ci, privacy, summary
from .pipeline import build, compute_values
from .reproducible import version
from .profiles import targets
from .project import read_project
from .problems import Problems, condensed
from .values import flatten

COMMANDS = {
    "new": "start a thesis project in a new folder; it builds at once with every target",
    "build": "build a target: the thesis, or a journal's submission packages",
    "check": "check word counts, limits, citations and cross-references for every target; writes nothing",
    "values": "print every value the prose can use in {{ }}, with its current value",
    "watch": "rebuild a target (default: thesis) whenever a chapter, data file, .bib or profile changes",
    "preview": "serve the thesis as a web page on localhost that follows every save, with problems shown in it",
    "profiles": "list the targets and where each profile comes from (--reference: every key a profile can set)",
    "feedback": "trace a reviewed DOCX's comments and tracked changes back to the chapter lines, data rows and .bib "
                "entries; --apply makes the tracked changes that still match their chapter",
}


class UsageError(Exception):
    """The command was wrong (exit 2): the message says what to do."""


def parser(known: list[str]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", metavar="DIR", help="the thesis project (default: the folder holding "
                        "thesis.md, here or above)")
    common.add_argument("-v", "--verbose", action="store_true", help="print each stage with its time")
    common.add_argument("--debug", action="store_true", help="show Python tracebacks of internal errors")
    top = argparse.ArgumentParser(prog="thesiskit", epilog="Options go after the command: thesiskit check --project DIR.",
                                  description="Build a thesis and its journal submissions from Markdown, data and BibTeX.")
    top.add_argument("--version", action="version", version=f"thesiskit {version()}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    new = sub.add_parser("new", parents=[common], help=COMMANDS["new"], description=COMMANDS["new"])
    new.add_argument("folder", metavar="DIR", help="the new project's folder (created if needed)")
    new.add_argument("--force", action="store_true", help="write into a folder that is not empty (existing files "
                     "are kept, never overwritten)")
    built = sub.add_parser("build", parents=[common], help=COMMANDS["build"], description=COMMANDS["build"])
    built.add_argument("target", help=f"the target: {', '.join(known) or 'see thesiskit profiles'}")
    built.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")
    built.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    built.add_argument("--all", action="store_true", help="print every warning (many of one kind are otherwise counted)")
    check = sub.add_parser("check", parents=[common], help=COMMANDS["check"], description=COMMANDS["check"])
    check.add_argument("files", nargs="*", metavar="FILE", help="check only the documents these files belong to "
                       "(a chapter is its document's; thesis.md, bib/, data/, profiles/ or filters/ mean every "
                       "document; other files none), as the pre-commit hook does with the staged files")
    check.add_argument("--json", action="store_true", help="print the reports as JSON")
    check.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    check.add_argument("--summary", metavar="FILE", help="append the word counts, a chart and the problems to FILE "
                       "as Markdown (in GitHub Actions: --summary \"$GITHUB_STEP_SUMMARY\")")
    check.add_argument("--all", action="store_true", help="print every warning (many of one kind are otherwise counted)")
    sub.add_parser("values", parents=[common], help=COMMANDS["values"], description=COMMANDS["values"])
    watch = sub.add_parser("watch", parents=[common], help=COMMANDS["watch"], description=COMMANDS["watch"])
    watch.add_argument("target", nargs="?", default="thesis", help="the target to rebuild (default: thesis)")
    preview = sub.add_parser("preview", parents=[common], help=COMMANDS["preview"], description=COMMANDS["preview"])
    preview.add_argument("target", nargs="?", default="thesis", help="the target to preview (default: thesis)")
    preview.add_argument("--port", type=int, default=8000, help="the port to try first (default 8000; the next free "
                         "one if it is taken)")
    preview.add_argument("--no-open", action="store_true", help="do not open the browser ($BROWSER is respected)")
    preview.add_argument("--formats", default="", help="also write these formats after each page, e.g. docx,pdf")
    listing = sub.add_parser("profiles", parents=[common], help=COMMANDS["profiles"], description=COMMANDS["profiles"])
    listing.add_argument("--reference", action="store_true", help="print the reference of profile keys (README's)")
    feedback = sub.add_parser("feedback", parents=[common], help=COMMANDS["feedback"], description=COMMANDS["feedback"])
    feedback.add_argument("docx", metavar="REVIEWED.docx", help="the DOCX your supervisor sent back (built by "
                          "thesiskit or not)")
    feedback.add_argument("--apply", action="store_true", help="make the tracked changes in prose whose text still "
                          "matches the chapter (the chapters changed are copied to build/feedback/backup/ first); "
                          "without it, nothing in the sources changes and build/feedback/NAME.diff shows what would")
    return top


FORMATS = ("text", "github", "json")
FORMAT_HELP = ("text (default); github: also one GitHub Actions annotation per problem, at its file and line; "
               "json: the report as JSON (--json)")
VALUED = ("--project", "--format", "--summary")  # options followed by their value


def _command_first(argv: list[str]) -> list[str]:
    """The command moved to the front, so options may come before it (`thesiskit -v check`); a bare
    target, as build.py takes it (`thesis`), is the build command's."""
    words = [i for i, a in enumerate(argv) if not a.startswith("-") and not (i and argv[i - 1] in VALUED)]
    if not words:
        return argv
    first = argv[words[0]]
    rest = argv[:words[0]] + argv[words[0] + 1:]
    return [first, *rest] if first in COMMANDS else ["build", first, *rest]


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above start that holds thesis.md."""
    start = Path(start).resolve()
    return next((folder for folder in (start, *start.parents) if (folder / "thesis.md").is_file()), None)


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """Run a command. root is the project when a thesis's build.py (or a test) says which; otherwise
    it is found from --project or the working directory. A bare target (`build.py thesis`) means
    `build thesis`, so a project's build.py and `thesiskit` take the same words."""
    from_command_line = argv is None
    argv = _command_first(list(sys.argv[1:] if argv is None else argv))
    known = targets(root) if root is not None else []
    try:
        args = parser(known).parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    children.reset()
    previous = _signals_stop_everything()
    try:
        if args.command == "new":
            from .scaffold import new

            return new(Path(args.folder), args.force)
        root = project_root(args, root, from_command_line)
        known = targets(root)
        if args.command == "profiles":
            return print_profiles(root, args.reference)
        if args.command in ("build", "watch", "preview") and args.target not in known:
            raise UsageError(f"unknown target '{args.target}'; choose one of: {', '.join(known)} "
                             "(a target is a profile: see `thesiskit profiles`)")
        if args.command == "values":
            return print_values(root)
        if args.command == "check":
            return run_check(root, known, args)
        if args.command == "feedback":
            from . import feedback

            return feedback.run(root, Path(args.docx), apply=args.apply)
        if args.command == "watch":
            return run_watch(root, args.target)
        if args.command == "preview":
            from .preview import serve

            formats = [f for f in args.formats.replace(",", " ").split() if f]
            unknown = [f for f in formats if f not in ("docx", "pdf", "html")]
            if unknown:
                raise UsageError(f"--formats: '{unknown[0]}' is not a format; use docx, pdf or both (docx,pdf)")
            return serve(root, args.target, args.port, not args.no_open, formats, echo=lambda line: print(line, flush=True))
        return run_build(root, args)
    except UsageError as exc:
        print(f"thesiskit: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: build/ holds the last complete outputs, nothing half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `build.py values | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except Exception as exc:  # a bug of ours, not of the sources: say so, briefly
        if args.debug:
            raise
        message = privacy.matcher(root or Path.cwd()).mask(f"{type(exc).__name__}: {exc}")  # never a listed real name
        print(f"internal error: {message} (a bug in thesiskit {version()}, not in your sources: run again with --debug "
              "and report it with the traceback it prints)", file=sys.stderr)
        return 3
    finally:
        for signum, handler in (previous or {}).items():
            signal.signal(signum, handler)


def run() -> None:
    """The `thesiskit` console command."""
    sys.exit(main())


def project_root(args, root: Path | None, from_command_line: bool) -> Path:
    """The project a command works on (see the module's docstring); UsageError when there is none."""
    if args.project:
        folder = Path(args.project)
        if not (folder / "thesis.md").is_file():
            raise UsageError(f"{args.project}: no thesis.md in this folder; give the folder of a thesis project, "
                             "or start one with `thesiskit new DIR`")
        return folder.resolve()
    here = find_project(Path.cwd())
    if root is not None:
        if from_command_line and here is not None and here != Path(root).resolve():
            raise UsageError(f"this build.py builds {Path(root).resolve()}, but you are in the thesis project {here}; "
                             "run that project's own build.py, or `thesiskit`, there")
        return Path(root)
    if here is None:
        raise UsageError(f"no thesis.md in {Path.cwd()} or any folder above it; run `thesiskit new DIR` to start a "
                         "thesis, or give --project DIR")
    return here


def print_profiles(root: Path, reference: bool) -> int:
    from . import profiles

    if reference:
        print(profiles.reference(), end="")
        return 0
    problems = Problems()
    for target, found in sorted(profiles.sources(root, problems).items()):
        chain = " over ".join(s.shown for s in found)
        print(f"{target:<18} {chain}")
    for problem in problems.items:
        print(problem.line(), file=sys.stderr)
    return 1 if problems.errors else 0


def _raise_interrupt(_signum, _frame):
    children.stop()  # the workers' pandoc and typst are killed, and a worker starting one stops instead
    raise KeyboardInterrupt


def _signals_stop_everything() -> dict | None:
    """Ctrl-C and SIGTERM (kill, a closed IDE, systemd) stop a build as a whole: the programs its
    worker threads run are killed (thesiskit/children.py), the staging folder goes, the outputs stay
    as they were, exit 130. Only where Python lets a handler be set (the main thread); the previous
    handlers, for main() to put back."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return {signum: signal.signal(signum, _raise_interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}


def run_build(root: Path, args) -> int:
    start = time.perf_counter()
    args.json = args.json or args.format == "json"
    result = build(root, args.target, verbose=args.verbose, progress=sys.stderr.isatty() and not args.json)
    documents = _documents(root)
    if args.format == "github":  # before anything else, so that a failed step still has them
        _print_lines(ci.annotations([(args.target, p) for p in result.problems.items], documents, root))
    if args.json:  # the report on stdout, for a program to read; problems still on stderr
        print(json.dumps(result.report or {"target": args.target, "ok": False,
                                           "problems": [p.as_dict() for p in result.problems.items]}, indent=2))
    shown = condensed(result.problems.items, args.all)
    if not result.ok:
        for problem in shown:
            print(problem.line(), file=sys.stderr)
        count = len(result.problems.errors)
        if result.outputs:  # a journal package is written with its checklist even when rules fail
            print(f"{count} error{'s' if count != 1 else ''}; wrote build/{args.target}/ with the checklists "
                  "(checklist.md in each paper's folder)", file=sys.stderr)
        else:
            print(f"{count} error{'s' if count != 1 else ''}; build/{args.target}/ was left as it was", file=sys.stderr)
        return 1
    if args.json:
        return 0
    print(f"{args.target}: built in {time.perf_counter() - start:.1f} s")
    print("\n".join(summary.table(result.report, shown, documents, len(result.problems.warnings))))
    if result.outputs:
        folder = result.outputs[0].parent.relative_to(root)
        print(f"  wrote {folder}/: {', '.join(p.name for p in result.outputs)}")
    return 0


def run_check(root: Path, known: list[str], args) -> int:
    """Every target's profile, without writing DOCX or PDF; with FILES, only the documents they concern."""
    reports, failed = {}, False
    documents = _documents(root)
    args.json = args.json or args.format == "json"
    only = None
    if args.files:
        only = ci.documents_of(args.files, root, documents)
        if only is not None and not only:
            print("{}" if args.json else "nothing to check: none of the files is a source of the thesis")
            return 0
        if only is not None and not args.json:
            print(f"checking {', '.join(d.id for d in documents if d.id in only)} (the documents of the files given)")
    start = time.perf_counter()
    from .fanout import build_each

    results = build_each(root, known, verbose=args.verbose, write=False, only=only)  # side by side, a process each
    checked = [(target, result) for target, result in zip(known, results) if not result.skipped]
    if args.format == "github":
        _print_lines(ci.annotations([(t, p) for t, r in checked for p in r.problems.items], documents, root))
    printed: set = set()  # a problem of the sources (a data file's) is the same for every target: said once
    for target, result in checked:
        reports[target] = result.report or {"target": target, "ok": False,
                                            "problems": [p.as_dict() for p in result.problems.items]}
        failed |= not result.ok
        if args.json:
            continue
        new = [p for p in result.problems.items if p.line() not in printed]
        printed.update(p.line() for p in new)
        if not result.report:  # stopped before counting: the problems are all there is to say
            for problem in condensed(new, args.all):
                print(problem.line(), file=sys.stderr)
            continue
        print(f"{target}: checked ({time.perf_counter() - start:.1f} s for all targets)")
        print("\n".join(summary.table(result.report, condensed(new, args.all), documents, len(result.problems.warnings),
                                       len(result.problems.errors))))
        for problem in (p for p in new if p.severity == "error"):
            print(problem.line(), file=sys.stderr)
    if args.json:
        print(json.dumps(reports, indent=2))
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as out:
            out.write(ci.summary(reports, documents))
    return 1 if failed else 0


WATCHED = ("thesis.md", "chapters", "data", "bib", "profiles", "filters")


def run_watch(root: Path, target: str) -> int:
    """Rebuild on every change of the sources; one line per rebuild. A failed rebuild keeps the last
    good outputs (every build writes to temporary names and renames only on success)."""
    from watchfiles import watch

    def once(reason: str) -> None:
        start = time.perf_counter()
        result = build(root, target)
        stamp = time.strftime("%H:%M:%S")
        seconds = time.perf_counter() - start
        errors, warnings = len(result.problems.errors), len(result.problems.warnings)
        if result.ok:
            print(f"{stamp} {reason}: built {target} in {seconds:.1f} s ({warnings} warning{'s' * (warnings != 1)})",
                  flush=True)
        else:
            kept = "wrote the package with its checklist" if result.outputs else "kept the last good outputs"
            print(f"{stamp} {reason}: {errors} error{'s' * (errors != 1)} in {seconds:.1f} s; {kept}", flush=True)
            for problem in result.problems.errors:
                print(f"    {problem.line()}", flush=True)

    paths = [root / p for p in WATCHED if (root / p).exists()]
    once("start")
    print(f"watching {', '.join(p.name for p in paths)} (Ctrl-C to stop)", flush=True)
    try:
        for changes in watch(*paths, debounce=400, step=100,
                             watch_filter=lambda _change, path: not Path(path).name.startswith((".", "~"))):
            names = sorted({Path(p).relative_to(root).as_posix() for _c, p in changes})
            once(", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
    except KeyboardInterrupt:
        pass
    print("stopped watching")
    return 0


def print_values(root: Path) -> int:
    """`python build.py values`: name = value, one per line, for writing {{ name }} in a chapter."""
    computed, problems = compute_values(root)
    for problem in problems.items:
        print(problem.line(), file=sys.stderr)
    if problems.errors:
        return 1
    mask = privacy.matcher(root).mask
    project = read_project(root, Problems())
    for document in project.documents if project else []:
        own = computed.get(document.id)
        if not isinstance(own, dict):
            continue
        sets = ", ".join(f"{name} from {document.options[name]}" for name in own)
        print(f"# {document.id}: {sets} (from another document: {document.id}.{next(iter(own))}...)")
        for name, value in flatten(own):
            print(mask(f"{name} = {value}"))
    print("# every document")
    for name, value in flatten({k: v for k, v in computed.items() if k == "words"}):
        print(mask(f"{name} = {value}"))
    return 0


def _print_lines(lines: list[str]) -> None:
    if lines:
        print("\n".join(lines), flush=True)


def _documents(root: Path) -> list:
    project = read_project(root, Problems())
    return project.documents if project else []
