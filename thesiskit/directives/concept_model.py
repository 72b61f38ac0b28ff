"""concept-model: the synthesis's conceptual model (Paper 1, Figure 2), drawn from the same
synthesis data as the grid: one column per superordinate concept, its third-order constructs beneath,
and the links between concepts given in the data (`links:` in data/synthesis.yaml).

    ::: {#fig:model .concept-model title="Conceptual Model of a Positive Experience in Peer Roles"}
    :::
"""
from __future__ import annotations

import textwrap

from ..figures import box, figure_image

NAME = "concept-model"
DATA = "review"
OPTIONS = {}


def render(options, review, ctx):
    concepts = [(c.name, [k.name for k in c.constructs], [len(k.studies) for k in c.constructs])
                for c in review.concepts]
    links = review.links

    def draw(plt):
        columns = max(len(concepts), 1)
        tallest = max((len(k) for _, k, _ in concepts), default=1)
        step, width = 3.7, 2.9
        fig, ax = plt.subplots(figsize=(min(7.5, 2.6 * columns), 1.6 + 0.95 * tallest))
        ax.set_xlim(0, step * columns)
        ax.set_ylim(0, 2.4 + 1.1 * tallest)
        ax.axis("off")
        top = 1.0 + 1.1 * tallest
        heads = {}
        for i, (name, constructs, counts) in enumerate(concepts):
            x = step / 2 + step * i
            heads[name] = (i, box(ax, x, top, width, 0.8, textwrap.fill(name, 22), size=9, bold=True, fill="#e8e8e8"))
            for j, (construct, count) in enumerate(zip(constructs, counts)):
                label = textwrap.fill(construct, 23) + f"\n({count} {'study' if count == 1 else 'studies'})"
                box(ax, x, top - 1.1 * (j + 1), width - 0.2, 0.85, label, size=8)
        style = {"arrowstyle": "-|>", "color": "black", "linewidth": 0.9}
        for source, target in links:
            (i, a), (j, b) = heads[source], heads[target]
            if abs(i - j) == 1:  # neighbours: straight across the gap between the two heads
                start, end = (a["right"], b["left"]) if i < j else (a["left"], b["right"])
                ax.annotate("", xy=end, xytext=start, arrowprops=style)
            else:  # further apart: an arc over the heads in between
                ax.annotate("", xy=b["top"], xytext=a["top"],
                            arrowprops={**style, "connectionstyle": f"arc3,rad={-0.25 if i < j else 0.25}"})
        return fig

    return [figure_image(ctx.project.root, "concept-model", {"concepts": concepts, "links": links}, draw)]
