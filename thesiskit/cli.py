"""Command line: `python build.py <target>` builds a target; exit 0 when clean, 1 when the sources
have problems (each printed on one line), 2 for usage errors."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .pipeline import build, compute_values
from .profiles import targets
from .values import flatten

COMMANDS = {"values": "print every value the prose can use in {{ }}, with its current value"}


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    root = Path(root or Path.cwd())
    known = sorted(targets(root)) if (root / "profiles").is_dir() else []
    parser = argparse.ArgumentParser(prog="build.py", description="Build the thesis and its journal submissions.")
    choices = ", ".join([*known, *COMMANDS]) or "a profile in profiles/"
    parser.add_argument("target", help=f"what to build ({choices}); "
                        + "; ".join(f"'{name}': {text}" for name, text in COMMANDS.items()))
    parser.add_argument("-v", "--verbose", action="store_true", help="print each stage with its time")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks of internal errors")
    args = parser.parse_args(argv)
    if args.target == "values":
        return print_values(root)
    if args.target not in known:
        parser.error(f"unknown target '{args.target}'; choose one of: {', '.join(known) or 'none (profiles/ is empty)'}")

    start = time.perf_counter()
    try:
        result = build(root, args.target, verbose=args.verbose)
    except KeyboardInterrupt:
        print("interrupted: the previous outputs in build/ are unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours, not of the sources: say so, briefly
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run again with --debug and report it)", file=sys.stderr)
        return 3
    for problem in result.problems.items:
        print(problem.line(), file=sys.stderr)
    if not result.ok:
        count = len(result.problems.errors)
        print(f"{count} error{'s' if count != 1 else ''}; build/{args.target}/ was left as it was", file=sys.stderr)
        return 1
    print(summary(result, time.perf_counter() - start))
    return 0


def print_values(root: Path) -> int:
    """`python build.py values`: name = value, one per line, for writing {{ name }} in a chapter."""
    computed, problems = compute_values(root)
    for problem in problems.items:
        print(problem.line(), file=sys.stderr)
    if problems.errors:
        return 1
    for name, value in flatten(computed):
        if not name.startswith("thesis."):
            print(f"{name} = {value}")
    return 0


def summary(result, seconds: float) -> str:
    lines = [f"{result.target}: built in {seconds:.1f} s"]
    docs = result.report.get("documents", {})
    lines.append(f"  {'document':<12} {'words':>7} {'limit':>7} {'used':>6}  abstract")
    for doc_id, info in docs.items():
        main, limit = info["words"]["main"], info["limits"].get("main")
        used = f"{main / limit:.0%}" if limit else ""
        abstract = info["words"]["abstract"]
        abstract_limit = info["limits"].get("abstract")
        abstract_text = f"{abstract}/{abstract_limit}" if abstract_limit else (str(abstract) if abstract else "")
        lines.append(f"  {doc_id:<12} {main:>7,} {limit or '':>7} {used:>6}  {abstract_text}")
    uncited = result.report.get("citations", {}).get("uncited", [])
    if uncited:
        lines.append(f"  {len(uncited)} .bib entries are not cited (see report.json)")
    for path in result.outputs:
        lines.append(f"  wrote {path.relative_to(path.parents[2])}")
    return "\n".join(lines)
