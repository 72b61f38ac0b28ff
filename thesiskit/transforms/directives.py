"""Directives: a fenced div whose class names a directive expands into a computed table or figure.

    ::: {#tbl:casp-scores .casp-scores title="CASP Scores of the Included Studies"}
    *Note.* Paper numbers as in @tbl:characteristics.
    :::

The directive's output goes first in the div; what the author wrote inside (a note) stays after it,
and the tables-and-figures transform then numbers and lays it out like any other table or figure.

The directives themselves, and the protocol each follows, are in thesiskit/directives/.
"""
from __future__ import annotations

import panflute as pf

from .. import sourcemap
from ..anchors import take_cell_sources
from ..datasets import DATASETS, missing_message
from ..directives import RESERVED, DirectiveError, parse_options
from ..extensions import line_in
from ..links import unlink_scripts
from ..paths import confine
from ..tree import elements
from . import conditional

NAME = "directives"
STAGE = "expand"
# Classes an author may put on a fenced div that are not directives (read when the thesis is assembled:
# the paper's abstract, a note on its title page, a page break).
AUTHOR_CLASSES = ("abstract", "title-note", "pagebreak")


def run(doc: pf.Doc, ctx, document) -> None:
    def action(elem, _doc):
        if not isinstance(elem, pf.Div):
            return None
        names = [c for c in elem.classes if c in ctx.directives]
        if not names:
            _unknown_classes(elem, ctx, document)
            return None
        module = ctx.directives[names[0]]
        where = ctx.locate(document, "#" + elem.identifier) if elem.identifier else ctx.locate(document, "." + module.NAME)
        options = parse_options(module, elem.attributes, where, ctx)
        data = _data_for(module, ctx, where, document, elem.attributes.pop("from", None)) \
            if options is not None else None
        blocks = None
        if options is not None and (data is not None or not module.DATA):
            ctx.where = where  # for problems a directive finds in the files it reads
            try:
                blocks = module.render(options, data, ctx)
            except DirectiveError as exc:
                ctx.problems.error(where, f"{module.NAME}: {exc}")
            except Exception as exc:  # noqa: BLE001 - a project's own directive failed: its author's bug, at its line
                source = getattr(module, "SOURCE", None)
                if source is None:
                    raise  # a built-in directive: ours, an internal error
                path = ctx.project.root / source
                ctx.problems.error(f"{source}:{line_in(exc, path)}", f"{module.NAME} failed while rendering {where} "
                                   f"({type(exc).__name__}: {exc}); fix the directive in {source}")
        if not blocks:
            elem.classes.append("directive-failed")  # reported once, here; later transforms leave it be
            return None
        generated = pf.Doc(*blocks)  # data cells may hold conditional text ([...]{only="thesis"})
        if not _safe_cells(generated, ctx, where, module.NAME):
            elem.classes.append("directive-failed")
            return None
        conditional.run(generated, ctx, document)
        blocks = list(generated.content)
        _take_sources(blocks, elem.identifier, module.NAME, where, ctx, document)
        elem.content = [*blocks, *elem.content]
        elem.classes.remove(module.NAME)
        for key in list(elem.attributes):
            if key not in RESERVED:
                del elem.attributes[key]
        return None

    for div in [e for e in elements(doc) if isinstance(e, pf.Div)]:  # listed first: no output is revisited
        action(div, doc)


def _safe_cells(generated: pf.Doc, ctx, where: str, name: str) -> bool:
    """What data cells put into a table follows the rules of the chapters' own text: an image is a
    file inside the project (paths from the project folder), never a URL; and a link from data
    (a cell, a .bib field) is never a live javascript: or other script link. False, with an error
    at the directive's line, for an image that breaks the rule."""
    ok = True
    for elem in list(elements(generated)):
        if isinstance(elem, pf.Image) and not elem.url.startswith("data:"):
            if confine(ctx.project.root, elem.url, where, ctx.problems, what="images", label=f"{name}: image ") is None:
                ok = False
            elif not (ctx.project.root / elem.url).is_file():
                ctx.problems.error(where, f"{name}: image '{elem.url}' not found; put the file there or fix the path "
                                   "(paths in data files start from the project folder)")
                ok = False
    unlink_scripts(generated)
    return ok


def _take_sources(blocks: list, label: str, name: str, where: str, ctx, document) -> None:
    """The data each generated cell comes from (make_table's sources) leaves the tree here, so that no
    output carries it; the DOCX writer gets it from ctx.sources to anchor the cells (thesiskit/anchors.py),
    and the rest of the output to the directive's line."""
    found = ctx.sources.get(document.id)
    if found is not None:
        place = found.ids.get(label) if label else found.fence(name)  # `where` is the first div of its kind
        if place is None and where.rsplit(":", 1)[-1].isdigit():
            file, line = where.rsplit(":", 1)
            place = sourcemap.Place(file, int(line))
        if place is not None:
            sourcemap.add_generated(found, place, [b.to_json() for b in blocks], [str(f) for f in document.files])
    for block in blocks:
        for table in [e for e in elements(block) if isinstance(e, pf.Table)]:
            grid = take_cell_sources(table)
            if found is not None and label and any(any(row) for row in grid):
                found.cells.setdefault(label, grid)


def _unknown_classes(elem: pf.Div, ctx, document) -> None:
    """A class that is neither a directive nor an author class is most often a misspelt directive:
    without this the div would pass through silently and the table would simply be missing."""
    import difflib

    for name in list(elem.classes):
        if name in AUTHOR_CLASSES or name == "directive-failed":
            continue
        where = ctx.locate(document, "." + name)
        close = difflib.get_close_matches(name, [*ctx.directives, *AUTHOR_CLASSES], n=1, cutoff=0.7)
        options = [k for k in elem.attributes if k not in RESERVED]
        if close or options:  # options only make sense on a directive
            hint = f"did you mean .{close[0]}?" if close else f"use one of {', '.join(sorted(ctx.directives))}"
            ctx.problems.error(where, f"unknown directive '.{name}'; {hint}")
            elem.classes.append("directive-failed")  # reported here, once
        else:
            ctx.problems.warning(where, f"'.{name}' is not a directive or a class the build knows "
                                 f"({', '.join(AUTHOR_CLASSES)}); it changes nothing, so remove it")


def _data_for(module, ctx, where, document, source: str | None = None):
    """The data set a directive shows: its document's own (or the thesis's only one of its kind), or,
    with from="paper2" on the div, the one that document names in the plan."""
    if source is not None:
        holders = ctx.datasets.holders(module.DATA) if module.DATA else []
        if source not in holders:
            what = (f"{module.NAME} shows no research data, so from= has nothing to choose; remove it"
                    if not module.DATA else
                    f"{module.NAME}: from=\"{source}\" names no document with a {module.DATA}; use "
                    + (" or ".join(f'from="{h}"' for h in holders) if holders else
                       f"a document whose entry in thesis.md names one ('{DATASETS[module.DATA].example}')"))
            ctx.problems.error(where, what)
            return None
        data = ctx.datasets.own(source, module.DATA)
        return data  # None when it failed to load: reported where it was read
    if not module.DATA:
        return None
    data = ctx.datasets.for_document(document.id, module.DATA)
    if data is None and not ctx.datasets.failed(document.id, module.DATA):  # a failed one was reported
        ctx.problems.error(where, missing_message(module.NAME, module.DATA, ctx.datasets, document.id))
    return data
