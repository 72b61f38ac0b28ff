"""Directives: a fenced div whose class names a directive expands into a computed table or figure.

    ::: {#tbl:casp-scores .casp-scores title="CASP Scores of the Included Studies"}
    *Note.* Paper numbers as in @tbl:characteristics.
    :::

The directive's output goes first in the div; what the author wrote inside (a note) stays after it,
and the tables-and-figures transform then numbers and lays it out like any other table or figure.

Each directive is one module registered in DIRECTIVES: NAME, OPTIONS (name -> converter that raises
ValueError with a reason), DATA ("review", "study" or None: which data it needs) and
render(options, data, ctx) -> list of blocks. Options are checked before any work; an unknown
option is reported with the allowed list.
"""
from __future__ import annotations

import panflute as pf

from . import conditional
from .options import DirectiveError
from . import (casp_checklist, casp_grades, casp_scores, concept_model, data_table, demographics, prisma_flow,
               study_characteristics, synthesis_grid)

NAME = "directives"
STAGE = "expand"
DIRECTIVES = {m.NAME: m for m in (casp_scores, casp_grades, casp_checklist, study_characteristics, synthesis_grid,
                                   prisma_flow, concept_model, demographics, data_table)}
RESERVED = {"title", "only", "except", "custom-style", "journal"}  # attributes that belong to other transforms


def run(doc: pf.Doc, ctx, document) -> None:
    def action(elem, _doc):
        if not isinstance(elem, pf.Div):
            return None
        names = [c for c in elem.classes if c in DIRECTIVES]
        if not names:
            return None
        module = DIRECTIVES[names[0]]
        where = ctx.locate(document, "#" + elem.identifier) if elem.identifier else ctx.locate(document, "." + module.NAME)
        options = parse_options(module, elem.attributes, where, ctx)
        data = _data_for(module, ctx, where) if options is not None else None
        blocks = None
        if options is not None and (data is not None or not module.DATA):
            ctx.where = where  # for problems a directive finds in the files it reads
            try:
                blocks = module.render(options, data, ctx)
            except DirectiveError as exc:
                ctx.problems.error(where, f"{module.NAME}: {exc}")
        if not blocks:
            elem.classes.append("directive-failed")  # reported once, here; later transforms leave it be
            return None
        generated = pf.Doc(*blocks)  # data cells may hold conditional text ([...]{only="thesis"})
        conditional.run(generated, ctx, document)
        blocks = list(generated.content)
        elem.content = [*blocks, *elem.content]
        elem.classes.remove(module.NAME)
        for key in list(elem.attributes):
            if key not in RESERVED:
                del elem.attributes[key]
        return None

    doc.walk(action)


def parse_options(module, attributes: dict, where: str, ctx) -> dict | None:
    options, ok = {}, True
    for key, text in attributes.items():
        if key in RESERVED:
            continue
        if key not in module.OPTIONS:
            allowed = ", ".join(sorted(module.OPTIONS)) or "none"
            ctx.problems.error(where, f"{module.NAME}: unknown option '{key}'; allowed: {allowed}")
            ok = False
            continue
        try:
            options[key] = module.OPTIONS[key](text)
        except ValueError as exc:
            ctx.problems.error(where, f"{module.NAME}: option {key}=\"{text}\": {exc}")
            ok = False
    for key, default in getattr(module, "DEFAULTS", {}).items():
        options.setdefault(key, default)
    for key in getattr(module, "REQUIRED", ()):
        if key not in options:
            ctx.problems.error(where, f"{module.NAME}: option '{key}' is required")
            ok = False
    return options if ok else None


def _data_for(module, ctx, where):
    if not module.DATA:
        return None
    data = getattr(ctx, module.DATA, None)
    if data is None:
        config = {"review": "review: data/review.yaml", "study": "study: data/study.yaml"}[module.DATA]
        if module.DATA not in ctx.data_failed:
            ctx.problems.error(where, f"{module.NAME} needs the {module.DATA}'s data; add '{config}' to this "
                               f"document's entry in thesis.md")
    return data
