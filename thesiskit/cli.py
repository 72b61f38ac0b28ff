"""Command line: `python build.py <target>` builds a target; `check` checks every target without
writing; `values` lists what prose can use. Exit 0 when clean, 1 when the sources have problems
(each printed on one line), 2 for usage errors, 3 for an internal error (a bug)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from . import privacy, summary
from .pipeline import build, compute_values
from .profiles import targets
from .project import read_project
from .problems import Problems
from .values import flatten

COMMANDS = {
    "check": "check word counts, limits, citations and cross-references for every target; writes nothing",
    "values": "print every value the prose can use in {{ }}, with its current value",
    "watch": "rebuild a target (default: thesis) whenever a chapter, data file, .bib or profile changes",
}


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    root = Path(root or Path.cwd())
    known = targets(root)
    parser = argparse.ArgumentParser(prog="build.py", description="Build the thesis and its journal submissions.")
    parser.add_argument("target", help=f"a target to build ({', '.join(known) or 'see profiles/'}) or a command: "
                        + "; ".join(f"'{name}' to {text}" for name, text in COMMANDS.items()))
    parser.add_argument("watched", nargs="?", default="thesis", help="watch: the target to rebuild")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each stage with its time")
    parser.add_argument("--json", action="store_true", help="check: print the report as JSON")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks of internal errors")
    args = parser.parse_args(argv)
    if args.target not in known and args.target not in COMMANDS:
        parser.error(f"unknown target '{args.target}'; choose one of: {', '.join([*known, *COMMANDS])}")
    previous = _sigterm_as_interrupt()
    try:
        if args.target == "values":
            return print_values(root)
        if args.target == "check":
            return run_check(root, known, args)
        if args.target == "watch":
            if args.watched not in known:
                parser.error(f"unknown target '{args.watched}' to watch; choose one of: {', '.join(known)}")
            return run_watch(root, args.watched)
        return run_build(root, args)
    except KeyboardInterrupt:
        print("interrupted: build/ holds the last complete outputs, nothing half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `build.py values | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except Exception as exc:  # a bug of ours, not of the sources: say so, briefly
        if args.debug:
            raise
        message = privacy.matcher(root).mask(f"{type(exc).__name__}: {exc}")  # never a listed real name
        print(f"internal error: {message} (run again with --debug and report it)", file=sys.stderr)
        return 3
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _sigterm_as_interrupt():
    """A SIGTERM (kill, a closed IDE, systemd) stops a build the way Ctrl-C does: the staging folder
    goes, the outputs stay as they were, exit 130. Only for the command line, and only where Python
    lets a handler be set (the main thread); the previous handler, for main() to put back."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def run_build(root: Path, args) -> int:
    start = time.perf_counter()
    result = build(root, args.target, verbose=args.verbose, progress=sys.stderr.isatty())
    documents = _documents(root)
    if not result.ok:
        for problem in result.problems.items:
            print(problem.line(), file=sys.stderr)
        count = len(result.problems.errors)
        if result.outputs:  # a journal package is written with its checklist even when rules fail
            print(f"{count} error{'s' if count != 1 else ''}; wrote build/{args.target}/ with the checklists "
                  "(checklist.md in each paper's folder)", file=sys.stderr)
        else:
            print(f"{count} error{'s' if count != 1 else ''}; build/{args.target}/ was left as it was", file=sys.stderr)
        return 1
    print(f"{args.target}: built in {time.perf_counter() - start:.1f} s")
    print("\n".join(summary.table(result.report, result.problems.items, documents)))
    if result.outputs:
        folder = result.outputs[0].parent.relative_to(root)
        print(f"  wrote {folder}/: {', '.join(p.name for p in result.outputs)}")
    return 0


def run_check(root: Path, known: list[str], args) -> int:
    """Every target's profile, without writing DOCX or PDF."""
    reports, failed = {}, False
    documents = _documents(root)
    start = time.perf_counter()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:  # the targets' pandoc runs overlap on two cores
        results = list(pool.map(lambda t: build(root, t, write=False, verbose=args.verbose), known))
    for target, result in zip(known, results):
        reports[target] = result.report or {"target": target, "ok": False,
                                            "problems": [p.as_dict() for p in result.problems.items]}
        failed |= not result.ok
        if args.json:
            continue
        if not result.report:  # stopped before counting: the problems are all there is to say
            for problem in result.problems.items:
                print(problem.line(), file=sys.stderr)
            continue
        print(f"{target}: checked ({time.perf_counter() - start:.1f} s for all targets)")
        print("\n".join(summary.table(result.report, result.problems.items, documents)))
        for problem in result.problems.errors:
            print(problem.line(), file=sys.stderr)
    if args.json:
        print(json.dumps(reports, indent=2))
    return 1 if failed else 0


WATCHED = ("thesis.md", "chapters", "data", "bib", "profiles")


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


def _documents(root: Path) -> list:
    project = read_project(root, Problems())
    return project.documents if project else []
