"""prisma-flow: the PRISMA 2020 flow diagram (Figure 1), drawn from data/prisma.yaml. The counts
are checked when the data is read (thesiskit/prisma.py): a box that does not add up is an error, not
a drawing.

    ::: {#fig:prisma .prisma-flow title="PRISMA Flow Diagram of the Study Selection"}
    :::

The layout is PRISMA 2020's (Page et al., 2021): a column for identification via databases and
registers; a second, "via other methods" (websites, organisations, citation searching), when the
review has one; a column of previous studies for an updated review. The text stays text in the SVG
(selectable and searchable in the PDF and the web page), every n is in italics, and "(n = 12)" is
never broken over two lines.
"""
from __future__ import annotations

import re

from ..figures import LINE, Box, Diagram, diagram_image, measure, wrap
from .options import DirectiveError

NAME = "prisma-flow"
DATA = "review"
OPTIONS = {}

WIDTH = 450.0  # points: the text width of A4 with 1-inch margins (451 pt), so the text is drawn at its size
MARGIN = 1.0
PHASE = 16.0  # the phase bars (Identification, Screening, Included), and the gap after them
PHASE_GAP = 8.0
ARROW = 18.0  # the gap an arrow crosses, between boxes of a column and between rows
GROUP = 12.0  # between columns
PAD = 5.0
INDENT = 8.0  # list items under a box's first line


def n(value) -> str:
    return f"{value:,}"


def count(label: str, value) -> str:
    return f"{label} (n = {n(value)})"


def boxes(p) -> dict:
    """The text of each box from the counts: name -> {"lines": [(text, level)], "align": ...}.
    Pure, so tests can read it without drawing; level 1 and 2 lines are list items."""
    new = "new " if p.previous else ""

    def centred(*lines):
        return {"lines": [(line, 0) for line in lines], "align": "center"}

    def listed(title, items):
        return {"lines": [(title, 0), *items], "align": "left"}

    def excluded(field, title):
        total, reasons = getattr(p, field), p.reasons.get(field, [])
        if not reasons:
            return centred(title, f"(n = {n(total)})")
        return listed(f"{count(title, total)}:", [(count(r, k), 1) for r, k in reasons])

    sources = []
    for field, label, specific in (("database_results", "Databases", "database_specific_results"),
                                   ("register_results", "Registers", "register_specific_results")):
        if field == "database_results" or getattr(p, field):
            sources.append((count(label, getattr(p, field)), 1))
            sources += [(count(name, k), 2) for name, k in p.sources.get(specific, [])]
    others = [(count(label, getattr(p, field)), 1) for field, label in (
        ("website_results", "Websites"), ("organisation_results", "Organisations"),
        ("citations_results", "Citation searching")) if getattr(p, field)]
    removed = [(count("Duplicate records", p.duplicates), 1)]
    removed += [(count(label, getattr(p, field)), 1) for field, label in (
        ("excluded_automatic", "Records marked as ineligible by automation tools"),
        ("excluded_other", "Records removed for other reasons")) if getattr(p, field)]
    stages = p.extra.get("screening_stages") or []
    text = {
        "identified": listed("Records identified from:", sources + ([] if p.other_column else others)),
        "removed": listed("Records removed before screening:", removed),
        "screened": centred("Records screened", f"(n = {n(p.records_screened)})"),
        "excluded": (listed(f"{count('Records excluded', p.records_excluded)}:",
                            [(count(str(s["stage"])[:1].upper() + str(s["stage"])[1:], s["excluded"]), 1)
                             for s in stages])
                     if stages else centred("Records excluded", f"(n = {n(p.records_excluded)})")),
        "sought": centred("Reports sought for retrieval", f"(n = {n(p.dbr_sought_reports)})"),
        "notretrieved": centred("Reports not retrieved", f"(n = {n(p.dbr_notretrieved_reports)})"),
        "assessed": centred("Reports assessed for eligibility", f"(n = {n(p.dbr_assessed)})"),
        "reports_excluded": excluded("dbr_excluded", "Reports excluded"),
        "included": centred(f"{'New studies' if new else 'Studies'} included in review", f"(n = {n(p.new_studies)})",
                            *((f"Reports of {new}included studies", f"(n = {n(p.new_reports)})")
                              if p.known("new_reports") else ())),
    }
    if p.other_column:
        text.update({
            "other_identified": listed("Records identified from:", others),
            "other_sought": centred("Reports sought for retrieval", f"(n = {n(p.other_sought_reports)})"),
            "other_notretrieved": centred("Reports not retrieved", f"(n = {n(p.other_notretrieved_reports)})"),
            "other_assessed": centred("Reports assessed for eligibility", f"(n = {n(p.other_assessed)})"),
            "other_excluded": excluded("other_excluded", "Reports excluded"),
        })
    if p.previous:
        text.update({
            "previous": centred("Studies included in previous version of review", f"(n = {n(p.previous_studies)})",
                                *(("Reports of studies included in previous version of review",
                                   f"(n = {n(p.previous_reports)})") if p.known("previous_reports") else ())),
            "total": centred("Total studies included in review", f"(n = {n(p.total_studies)})",
                             *(("Reports of total included studies", f"(n = {n(p.total_reports)})")
                               if p.known("total_reports") else ())),
        })
    merged = others and not p.other_column  # found by other methods, screened with the database records
    heads = {"head_dbr": f"Identification of {new}studies via databases"
                         + (", registers and other methods" if merged else " and registers")}
    if p.other_column:
        heads["head_other"] = f"Identification of {new}studies via other methods"
    if p.previous:
        heads["head_previous"] = "Previous studies"
    text.update({k: {"lines": [(v, 0)], "align": "center", "bold": True} for k, v in heads.items()})
    return text


def box_text(box: dict) -> str:
    """A box's lines as one string (for tests and messages)."""
    return "\n".join(line for line, _level in box["lines"])


def layout(text: dict, width=measure) -> Diagram:
    """Where each box goes, PRISMA 2020's grid: columns (previous studies; databases and registers,
    with the boxes of what left the flow beside; other methods, likewise) and rows (identification,
    screening, retrieval, eligibility, included, total). width(text, size, italic, bold) measures."""
    other, previous = "other_identified" in text, "previous" in text
    columns = (["previous"] if previous else []) + ["dbr", "dbr_side"] + (["other", "other_side"] if other else [])
    size = 9.0 if len(columns) <= 3 else 8.0
    arrow, group = (ARROW, GROUP) if len(columns) < 5 else (ARROW - 4, GROUP - 4)  # five columns: narrower gaps
    arrows_between = 1 + other
    gaps = arrows_between * arrow + (len(columns) - 1 - arrows_between) * group
    left = MARGIN + PHASE + PHASE_GAP
    w = (WIDTH - MARGIN - left - gaps) / len(columns)
    x, xs = left, {}
    for i, column in enumerate(columns):
        xs[column] = x
        x += w + (arrow if i + 1 < len(columns) and columns[i + 1].endswith("_side") else group)

    def content(name, room):
        """(lines, indents, height) of a box's text wrapped to room; a list item's further lines hang.
        In a narrow box, list items are indented less, so that each word fits."""
        box = text[name]
        bold = box.get("bold", False)
        room -= 2 * PAD
        step = INDENT
        if box["align"] == "left":
            widest = {level: max((width(word, size, False, bold) for line, lv in box["lines"] if lv == level
                                  for word in re.findall(r"\(n = [^)\s]*\)\S*|[^\s-]+-?", line)), default=0)
                      for level in {lv for _, lv in box["lines"]}}
            while step and any(widest[level] + step * level * 1.5 > room for level in widest if level):
                step = step / 2 if step > 2 else 0
        else:
            step = 0
        lines, indents = [], []
        for line, level in box["lines"]:
            indent, hang = step * level, step / 2 if level else 0
            for j, part in enumerate(wrap(line, room - indent, size, bold, width, rest=room - indent - hang)):
                lines.append(part)
                indents.append(indent + (hang if j else 0))
        return lines, indents, len(lines) * size * LINE + 2 * PAD

    rows = [("identified", {"previous": "previous", "dbr": "identified", "dbr_side": "removed",
                            "other": "other_identified"}),
            ("screened", {"dbr": "screened", "dbr_side": "excluded"}),
            ("sought", {"dbr": "sought", "dbr_side": "notretrieved", "other": "other_sought",
                        "other_side": "other_notretrieved"}),
            ("assessed", {"dbr": "assessed", "dbr_side": "reports_excluded", "other": "other_assessed",
                          "other_side": "other_excluded"}),
            ("included", {"dbr": "included"})]
    if previous:
        rows.append(("total", {"dbr": "total"}))
    diagram = Diagram(WIDTH, 0, title="PRISMA 2020 flow diagram")
    placed: dict[str, Box] = {}
    y = MARGIN

    # headings over their columns
    spans = {"head_previous": ("previous", "previous"), "head_dbr": ("dbr", "dbr_side"),
             "head_other": ("other", "other_side")}
    heads = [(k, *spans[k]) for k in ("head_previous", "head_dbr", "head_other") if k in text]
    head_h = 0.0
    laid = []
    for name, first, last in heads:
        span = xs[last] + w - xs[first]
        lines, indents, h = content(name, span)
        laid.append((name, xs[first], span, lines, indents))
        head_h = max(head_h, h)
    for name, x0, span, lines, indents in laid:
        placed[name] = Box(x0, y, span, head_h, lines, indents, "center", size, True, "#e6e6e6",
                           source=[box_text(text[name])])
    y += head_h + ARROW / 2

    # a phase bar is at least as tall as its label
    label = lambda word: width(word, size, False, True) + 2 * PAD  # noqa: E731
    least = {"identified": label("Identification"), "included": 0 if previous else label("Included")}
    tops = {}
    for row, members in rows:
        present = {col: name for col, name in members.items() if name in text and col in xs}
        fitted = {col: content(name, w) for col, name in present.items()}
        h = max([c[2] for c in fitted.values()] + [least.get(row, 0)])
        for col, name in present.items():  # the boxes of a row are as tall as the tallest, as in PRISMA's template
            lines, indents, _own = fitted[col]
            placed[name] = Box(xs[col], y, w, h, lines, indents, text[name]["align"], size,
                               source=box_text(text[name]).split("\n"))
        tops[row] = (y, h)
        y += h + ARROW
    height = y - ARROW + MARGIN

    # the phase bars
    def bar(label, first, last):
        top = tops[first][0]
        bottom = tops[last][0] + tops[last][1]
        return Box(MARGIN, top, PHASE, bottom - top, [label], [], "center", size, True, "#e6e6e6", rotated=True)

    phases = [bar("Identification", "identified", "identified"), bar("Screening", "screened", "assessed"),
              bar("Included", "included", "total" if previous else "included")]
    diagram.boxes = [*placed.values(), *phases]
    diagram.height = height

    def mid(b: Box, side: str) -> tuple[float, float]:
        return {"top": (b.x + b.w / 2, b.y), "bottom": (b.x + b.w / 2, b.y + b.h),
                "left": (b.x, b.y + b.h / 2), "right": (b.x + b.w, b.y + b.h / 2)}[side]

    def down(a, b):
        diagram.arrows.append([mid(placed[a], "bottom"), mid(placed[b], "top")])

    def across(a, b):
        diagram.arrows.append([mid(placed[a], "right"), mid(placed[b], "left")])

    chain = ["identified", "screened", "sought", "assessed", "included"] + (["total"] if previous else [])
    for a, b in zip(chain, chain[1:]):
        down(a, b)
    for a, b in (("identified", "removed"), ("screened", "excluded"), ("sought", "notretrieved"),
                 ("assessed", "reports_excluded")):
        across(a, b)
    if other:
        down("other_identified", "other_sought")
        down("other_sought", "other_assessed")
        across("other_sought", "other_notretrieved")
        across("other_assessed", "other_excluded")
        start = mid(placed["other_assessed"], "bottom")
        end = mid(placed["included"], "right")
        diagram.arrows.append([start, (start[0], end[1]), end])
    if previous:
        start = mid(placed["previous"], "bottom")
        end = mid(placed["total"], "left")
        diagram.arrows.append([start, (start[0], end[1]), end])
    return diagram


def render(options, review, ctx):
    if review.prisma is None:
        raise DirectiveError(f"no PRISMA counts: add 'prisma: data/prisma.yaml' to {review.config_file}")
    text = boxes(review.prisma)
    return [diagram_image(ctx.project.root, "prisma", {"boxes": text}, lambda: layout(text))]
