"""Directives: computed tables and figures, one module each, registered by name in DIRECTIVES.

A directive is a module (or any object) with
  NAME       the div class that calls it: ::: {#tbl:x .casp-scores}
  OPTIONS    option name -> converter, which returns the value or raises ValueError with a reason
  DATA       which data set it needs ("review", "study"), or None
  render(options, data, ctx) -> list of panflute blocks (raise DirectiveError to refuse, with why)
and optionally DEFAULTS, REQUIRED and REFUSED (options it names only to refuse them). Options are
checked before any work; an unknown option is reported with the allowed list. A thesis project adds
its own in its filters/ folder with the same protocol (thesiskit/extensions.py).
"""
from __future__ import annotations

from . import (casp_checklist, casp_grades, casp_scores, concept_model, data_table, demographics, prisma_flow,
               study_characteristics, synthesis_grid)
from .options import DirectiveError

DIRECTIVES = {m.NAME: m for m in (casp_scores, casp_grades, casp_checklist, study_characteristics, synthesis_grid,
                                   prisma_flow, concept_model, demographics, data_table)}
RESERVED = {"title", "only", "except", "custom-style", "journal", "from",  # attributes that belong to other
            "orientation", "font-size"}  # transforms (from="paper2": the document whose data a directive shows,
# thesiskit/transforms/directives.py; orientation and font-size: the table's page, thesiskit/layout.py)

__all__ = ["DIRECTIVES", "RESERVED", "DirectiveError", "parse_options", "run_standalone"]


def parse_options(module, attributes: dict, where: str, ctx) -> dict | None:
    options, ok = {}, True
    for key, text in attributes.items():
        if key in RESERVED:
            continue
        if key not in module.OPTIONS:
            allowed = ", ".join(sorted(set(module.OPTIONS) - getattr(module, "REFUSED", set()))) or "none"
            ctx.problems.error(where, f"{module.NAME}: unknown option '{key}'; allowed: {allowed}")
            ok = False
            continue
        try:
            options[key] = module.OPTIONS[key](text)
        except ValueError as exc:
            ctx.problems.error(where, f"{module.NAME}: option {key}=\"{text}\" cannot be used; {exc}")
            options[key], ok = None, False  # given, if wrongly: not also "required"
    for key, default in getattr(module, "DEFAULTS", {}).items():
        options.setdefault(key, default)
    for key in getattr(module, "REQUIRED", ()):
        if key not in options:
            ctx.problems.error(where, f"{module.NAME}: option '{key}' is required; add {key}=\"...\" to the div")
            ok = False
    return options if ok else None


def run_standalone(directive, doc=None):
    """Run one directive as a panflute filter (`pandoc --filter filters/x.py`): its divs are expanded
    in place, with no thesis build around them (no data set; files are read from the working folder);
    problems go to stderr, one line each."""
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    import panflute as pf

    from ..problems import Problems
    from ..project import Project

    ctx = SimpleNamespace(problems=Problems(), where=directive.NAME, target="",
                          project=Project(root=Path.cwd(), metadata={}, documents=[], bibliography=[]))

    def action(elem, _doc):
        if not (isinstance(elem, pf.Div) and directive.NAME in elem.classes):
            return None
        options = parse_options(directive, elem.attributes, f"div .{directive.NAME}", ctx)
        if options is None:
            return None
        try:
            blocks = directive.render(options, None, ctx)
        except DirectiveError as exc:
            ctx.problems.error(f"div .{directive.NAME}", f"{directive.NAME}: {exc}")
            return None
        elem.content = [*blocks, *elem.content]
        return None

    result = pf.run_filter(action, doc=doc)
    for problem in ctx.problems.items:
        print(problem.line(), file=sys.stderr)
    if doc is None and ctx.problems.errors:
        sys.exit(1)  # pandoc then stops with the filter's error
    return result
