"""A thesis project's own directives: the Python files in its `filters/` folder.

A file there declares a directive with the same protocol as the built-ins (thesiskit/directives):

    NAME = "interview-schedule"                    # ::: {#fig:x .interview-schedule version="initial"}
    OPTIONS = {"version": choice("initial", "second", "final")}
    DATA = None                                    # or "review" / "study": the document's data set
    def render(options, data, ctx) -> list:        # panflute blocks; raise DirectiveError to refuse

(or a list of such objects as DIRECTIVES). The build and `values` load every file; a file that fails
to import, or a directive that raises, is one error at the file's line. The same file can be a
standalone panflute filter, so that `pandoc --filter filters/x.py` runs it without thesiskit's build:

    def main(doc=None):
        return run_standalone(sys.modules[__name__], doc)

Project files are the author's own code, run as the author's build runs them: they are not sandboxed
the way values in prose are.
"""
from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

from .paths import confine
from .problems import Problems

FOLDER = "filters"


def load(root: Path, problems: Problems) -> dict[str, object]:
    """name -> directive, for every directive the project's filters/ declares."""
    found: dict[str, object] = {}
    folder = Path(root) / FOLDER
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        if path.name.startswith("_"):
            continue
        rel = f"{FOLDER}/{path.name}"
        if confine(root, rel, rel, problems, what="your filters") is None:  # a link out, a named pipe
            continue
        module = _import(path, rel, problems)
        if module is None:
            continue
        declared = list(getattr(module, "DIRECTIVES", [])) or ([module] if hasattr(module, "NAME") else [])
        for directive in declared:
            missing = [a for a in ("NAME", "render") if not hasattr(directive, a)]
            if missing:
                problems.error(rel, f"a directive needs NAME and render(options, data, ctx); {rel} has no "
                               f"{missing[0]}; add it (README, 'Your own directives')")
                continue
            if directive.NAME in found:
                problems.error(rel, f"directive '{directive.NAME}' is also declared by "
                               f"{found[directive.NAME].__file__ if hasattr(found[directive.NAME], '__file__') else 'another file'}; "
                               "give each directive its own NAME")
                continue
            directive.SOURCE = rel  # where its errors are reported
            for attribute, default in (("OPTIONS", {}), ("DATA", None)):
                if not hasattr(directive, attribute):
                    setattr(directive, attribute, default)
            found[directive.NAME] = directive
    return found


def _import(path: Path, rel: str, problems: Problems):
    name = f"thesiskit_project_filters.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        problems.error(f"{rel}:{exc.lineno or 1}", f"the filter is not valid Python ({exc.msg}); fix the line")
        return None
    except Exception as exc:  # the author's code failed as it was loaded
        problems.error(f"{rel}:{line_in(exc, path)}", f"the filter failed as it was loaded ({type(exc).__name__}: "
                       f"{exc}); fix the file, or move it out of {FOLDER}/")
        return None
    sys.modules.setdefault(name, module)
    return module


def line_in(exc: BaseException, path: Path) -> int:
    """The last line of the file that the exception passed through."""
    line = 1
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename).resolve() == Path(path).resolve():
            line = frame.lineno or line
    return line
