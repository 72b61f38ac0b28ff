"""prisma-flow: the PRISMA 2020 flow diagram (Figure 1), drawn from data/prisma.yaml. The counts
are checked when the data is read: a box that does not add up is an error, not a drawing.

    ::: {#fig:prisma .prisma-flow title="PRISMA Flow Diagram of the Study Selection"}
    :::
"""
from __future__ import annotations

import textwrap

from ..figures import arrow, box, figure_image

from .options import DirectiveError

NAME = "prisma-flow"
DATA = "review"
OPTIONS = {}


def n(value) -> str:
    return f"{value:,}"


def boxes(p) -> dict:
    """The text of each box, from the counts: pure, so tests can read it without drawing."""
    sources = []
    for field, label in (("database_results", "Databases"), ("register_results", "Registers")):
        if getattr(p, field):
            sources.append(f"{label} (n = {n(getattr(p, field))})")
    other = [(f, label) for f, label in (("website_results", "Websites"), ("organisation_results", "Organisations"),
                                         ("citations_results", "Citation searching"))
             if getattr(p, f)]
    removed = [f"Duplicate records (n = {n(p.duplicates)})"]
    if p.excluded_automatic:
        removed.append(f"Marked ineligible by automation tools (n = {n(p.excluded_automatic)})")
    if p.excluded_other:
        removed.append(f"Removed for other reasons (n = {n(p.excluded_other)})")
    stages = p.extra.get("screening_stages") or []
    excluded = f"Records excluded (n = {n(p.records_excluded)})"
    if stages:
        excluded += "".join(f"\n{s['stage'].capitalize()}: {n(s['excluded'])}" for s in stages)
    reasons = "".join(f"\n{r} (n = {n(k)})" for r, k in p.excluded_reasons)
    return {
        "identified": "Records identified from:\n" + "\n".join(sources),
        "other": ("Records identified from other methods:\n" +
                  "\n".join(f"{label} (n = {n(getattr(p, f))})" for f, label in other)) if other else "",
        "removed": "Records removed before screening:\n" + "\n".join(removed),
        "screened": f"Records screened\n(n = {n(p.records_screened)})",
        "excluded": excluded,
        "sought": f"Reports sought for retrieval\n(n = {n(p.dbr_sought_reports)})",
        "notretrieved": f"Reports not retrieved\n(n = {n(p.dbr_notretrieved_reports)})",
        "assessed": f"Reports assessed for eligibility\n(n = {n(p.dbr_assessed)})",
        "reports_excluded": f"Reports excluded (n = {n(p.dbr_excluded)}):" + reasons,
        "included": f"Studies included in review\n(n = {n(p.new_studies)})" +
                    (f"\nReports of included studies\n(n = {n(p.new_reports)})" if p.new_reports else ""),
    }


def render(options, review, ctx):
    if review.prisma is None:
        raise DirectiveError(f"no PRISMA counts: add 'prisma: data/prisma.yaml' to {review.config_file}")
    text = boxes(review.prisma)

    def draw(plt):
        fig, ax = plt.subplots(figsize=(7.5, 8.6))
        ax.set_xlim(0, 10.4)
        ax.set_ylim(0.8, 11.2)
        ax.axis("off")
        wrap = lambda s, w=36: "\n".join(textwrap.fill(line, w) for line in s.split("\n"))  # noqa: E731
        left, right, w, h = 3.4, 8.1, 4.2, 1.5
        ys = {"identified": 10.2, "screened": 8.1, "sought": 6.0, "assessed": 3.9, "included": 1.8}
        identified = text["identified"] + ("\n" + text["other"].split(":\n", 1)[1] if text["other"] else "")
        pairs = [("identified", identified, "removed"), ("screened", text["screened"], "excluded"),
                 ("sought", text["sought"], "notretrieved"), ("assessed", text["assessed"], "reports_excluded"),
                 ("included", text["included"], None)]
        boxes_ = {}
        for name, content, side in pairs:
            boxes_[name] = box(ax, left, ys[name], w, h, wrap(content))
            if side:
                aside = box(ax, right, ys[name], w - 0.4, h, wrap(text[side], 30))
                arrow(ax, boxes_[name]["right"], aside["left"])
        order = list(ys)
        for upper, lower in zip(order, order[1:]):
            arrow(ax, boxes_[upper]["bottom"], boxes_[lower]["top"])
        for label, y0, y1 in (("Identification", 9.2, 11.1), ("Screening", 2.9, 9.1), ("Included", 0.9, 2.8)):
            ax.text(0.45, (y0 + y1) / 2, label, rotation=90, ha="center", va="center", fontsize=10, fontweight="bold")
            ax.plot([0.8, 0.8], [y0, y1], color="black", linewidth=0.8)
        return fig

    payload = {"boxes": text}
    return [figure_image(ctx.project.root, "prisma", payload, draw)]
