"""Figures drawn from data with matplotlib: a PNG at 300 dpi for Word and an SVG for the PDF and the
web page, cached under build/.cache/figures by a hash of what they are drawn from.

matplotlib is imported only when a figure must be drawn: a build whose figures are cached never
pays for it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path

import panflute as pf

DPI = 300


def figure_image(root: Path, name: str, payload, draw) -> pf.Para:
    """A paragraph holding the figure's image; draw(fig_module) -> matplotlib Figure, called on a miss."""
    source = json.dumps(payload, sort_keys=True, default=str) + Path(draw.__code__.co_filename).read_text()
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    folder = root / "build" / ".cache" / "figures"
    png, svg = folder / f"{name}-{digest}.png", folder / f"{name}-{digest}.svg"
    words = folder / f"{name}-{digest}.txt"  # the text drawn into the figure, for the privacy scan
    if not (png.exists() and svg.exists() and words.exists()):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.rcParams.update({"font.family": "serif", "font.serif": ["DejaVu Serif"], "svg.fonttype": "path",
                             "svg.hashsalt": "thesiskit", "path.simplify": False})
        folder.mkdir(parents=True, exist_ok=True)
        fig = draw(plt)
        for path, kwargs in ((png, {"dpi": DPI}), (svg, {"metadata": {"Date": None}})):
            tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp{path.suffix}")
            fig.savefig(tmp, bbox_inches="tight", facecolor="white", **kwargs)
            tmp.replace(path)
        drawn = "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text())
        tmp = words.with_name(f"{words.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(drawn + "\n", encoding="utf-8")
        tmp.replace(words)
        plt.close(fig)
    rel = png.relative_to(root).as_posix()
    return pf.Para(pf.Image(url=rel, attributes={"vector": svg.relative_to(root).as_posix()}))


CACHED = re.compile(r"(?:\.cache/figures|/\.figures-[\w-]+)/([\w-]+-[0-9a-f]{16})\.(?:png|svg)")


def drawn_texts(root: Path, text: str) -> list[tuple[str, str]]:
    """(figure, the words drawn into it) for every figure drawn from data that a text (pandoc JSON,
    typst source) uses: a figure's pixels cannot be searched, the words it was drawn from can."""
    out = []
    for stem in dict.fromkeys(CACHED.findall(text)):
        words = root / "build" / ".cache" / "figures" / f"{stem}.txt"
        if words.is_file():
            out.append((f"figure {stem.rsplit('-', 1)[0]}", words.read_text(encoding="utf-8")))
    return out


def box(ax, x, y, w, h, text, size=9, bold=False, fill="white"):
    """A rectangle centred on (x, y) with wrapped text; returns its edges for arrows."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="square,pad=0", linewidth=0.8,
                                edgecolor="black", facecolor=fill))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, wrap=True,
            fontweight="bold" if bold else "normal", linespacing=1.3)
    return {"top": (x, y + h / 2), "bottom": (x, y - h / 2), "left": (x - w / 2, y), "right": (x + w / 2, y)}


def arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.8,
                                                        "shrinkA": 0, "shrinkB": 0})
