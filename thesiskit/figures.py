"""Figures drawn from data with matplotlib: a PNG at 300 dpi for Word and an SVG for the PDF and the
web page, cached under build/.cache/figures by a hash of what they are drawn from.

matplotlib is imported only when a figure must be drawn: a build whose figures are cached never
pays for it.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import panflute as pf

from . import cache

DPI = 300


def figure_image(root: Path, name: str, payload, draw) -> pf.Para:
    """A paragraph holding the figure's image; draw(fig_module) -> matplotlib Figure, called on a miss."""

    def make(png: Path, svg: Path) -> str:
        import matplotlib

        plt = _pyplot()
        fig = draw(plt)
        for path, kwargs in ((png, {"dpi": DPI}), (svg, {"metadata": {"Date": None}})):
            with _atomic(path) as tmp:
                fig.savefig(tmp, bbox_inches="tight", facecolor="white", **kwargs)
        drawn = "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text())
        plt.close(fig)
        return drawn

    return _cached(root, name, payload, draw, make)


def diagram_image(root: Path, name: str, payload, build) -> pf.Para:
    """A figure of boxes, text and arrows: build() -> Diagram, called on a miss. The SVG (PDF, web page)
    is written here with its text as text, so it can be selected and searched; the PNG (Word) is
    drawn from the same Diagram by matplotlib."""

    def make(png: Path, svg: Path) -> str:
        diagram = build()
        with _atomic(svg) as tmp:
            tmp.write_text(diagram.svg(), encoding="utf-8")
        plt = _pyplot()
        fig = diagram.draw(plt)
        with _atomic(png) as tmp:
            fig.savefig(tmp, dpi=DPI, facecolor="white")
        plt.close(fig)
        return diagram.words()

    para = _cached(root, name, payload, build, make)
    para.content[0].attributes["svg-text"] = "true"  # HTML shows this SVG inline, where its text can be selected
    return para


def _cached(root: Path, name: str, payload, code, make) -> pf.Para:
    """The figure's PNG, SVG and the words drawn into it, under build/.cache/figures by a hash of the
    payload, the drawing code's module and this module; make(png, svg) -> words, on a miss."""
    source = (json.dumps(payload, sort_keys=True, default=str) + Path(code.__code__.co_filename).read_text()
              + Path(globals()["__file__"]).read_text())
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    folder = root / "build" / ".cache" / "figures"
    png, svg = folder / f"{name}-{digest}.png", folder / f"{name}-{digest}.svg"
    words = folder / f"{name}-{digest}.txt"  # the text drawn into the figure, for the privacy scan
    with cache.lock(png):  # the targets of `check` run side by side and draw the same figures
        if not cache.whole(png, svg, words):  # a damaged or half-made entry is drawn again
            folder.mkdir(parents=True, exist_ok=True)
            drawn = make(png, svg)
            with _atomic(words) as tmp:
                tmp.write_text(drawn + "\n", encoding="utf-8")
            for path in (png, svg, words):
                cache.seal(path)
    rel = png.relative_to(root).as_posix()
    return pf.Para(pf.Image(url=rel, attributes={"vector": svg.relative_to(root).as_posix()}))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "serif", "font.serif": ["DejaVu Serif"], "svg.fonttype": "path",
                         "svg.hashsalt": "thesiskit", "path.simplify": False})
    return plt


class _atomic:
    """A temporary name beside path, renamed onto it when the block ends without an error: a reader
    never sees half a file, and two builds drawing the same figure do not collide."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp{path.suffix}")

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, kind, _value, _tb):
        if kind is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def inline_svgs(data: dict, root: Path) -> dict:
    """For HTML, after lowering: a diagram whose SVG holds its text as text goes into the page as an
    <svg> element, since a browser neither selects nor finds text inside an <img>. It keeps the
    image's alt text as its accessible name (role="img", aria-label)."""
    from .transforms.lower import _text as inline_text  # (the transforms import this module)


    def visit(value):
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            if value.get("t") == "Image":
                (_id, _classes, attributes), alt, (url, _title) = value["c"]
                path = root / url
                if ["svg-text", "true"] in attributes and url.endswith(".svg") and path.is_file():
                    svg = path.read_text(encoding="utf-8")
                    label = html.escape(" ".join(inline_text(alt).split()), quote=True)
                    # an image to assistive technology, named by the figure's alt text (WCAG 1.1.1)
                    named = f' role="img" aria-label="{label}"' if label else ""
                    svg = svg[svg.index("<svg"):].replace("<svg ", f'<svg class="diagram"{named} ', 1)
                    value.clear()
                    value.update({"t": "RawInline", "c": ["html", svg]})
                return
            if "c" in value:
                visit(value["c"])

    visit(data["blocks"])
    return data


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


# ---------------------------------------------------------------- diagrams with their text as text

# The SVG's text is set by whoever shows it: typst (the PDF) has Libertinus Serif among its own fonts,
# a browser takes the first family it has. Boxes are sized with DejaVu Serif, the widest of these and
# the font of the PNG, so the text fits in each.
SVG_FONTS = "'Libertinus Serif', 'DejaVu Serif', serif"
PNG_FONT = "DejaVu Serif"
LINE = 1.25  # line height, in font sizes
ITALIC_N = re.compile(r"(?<=\()n(?= = )")  # APA: the n of "(n = 12)" in italics


def runs(line: str) -> list[tuple[str, bool]]:
    """A line as (text, italic) runs: every "(n = ...)" has its n in italics."""
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(ITALIC_N.split(line)):
        if i:
            out.append(("n", True))
        if part:
            out.append((part, False))
    return out


def measure(text: str, size: float, italic: bool = False, bold: bool = False) -> float:
    """The width in points of text set in DejaVu Serif (the widest of the fonts that may show it)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(family=PNG_FONT, size=size, style="italic" if italic else "normal",
                          weight="bold" if bold else "normal")
    return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0]


def line_width(line: str, size: float, bold: bool = False, width=measure) -> float:
    return sum(width(text, size, italic, bold) for text, italic in runs(line))


def wrap(line: str, room: float, size: float, bold: bool = False, width=measure,
         rest: float | None = None) -> list[str]:
    """A line broken at spaces into lines no wider than room (rest: the room of the lines after the
    first); "(n = 1,234)" is never broken, a hyphenated word may break after its hyphen, and a word
    longer than the room overflows rather than being cut."""
    out: list[str] = []

    def fits(text: str) -> bool:
        return line_width(text, size, bold, width) <= (room if len(out) <= 1 else rest if rest is not None else room)

    for word in re.findall(r"\(n = [^)\s]*\)\S*|\S+", line):
        parts = re.findall(r"[^-]+-+|[^-]+$", word) if not fits(word) else [word]
        for j, part in enumerate(parts):
            if out and fits(f"{out[-1]}{'' if j else ' '}{part}"):
                out[-1] = f"{out[-1]}{'' if j else ' '}{part}"
            else:
                out.append(part)
    return out or [""]


@dataclass
class Box:
    """A rectangle (x, y its top left, in points, y downwards) and its lines of text, already wrapped.
    Left-aligned lines may be indented (points); a rotated box's text reads upwards."""
    x: float
    y: float
    w: float
    h: float
    lines: list[str]
    indents: list[float] = field(default_factory=list)
    align: str = "center"
    size: float = 9
    bold: bool = False
    fill: str = "white"
    rotated: bool = False
    pad: float = 5
    source: list[str] = field(default_factory=list)  # the lines before wrapping, for the words drawn

    def baselines(self) -> list[float]:
        step = self.size * LINE
        first = self.y + self.h / 2 - step * len(self.lines) / 2 + step / 2 + 0.35 * self.size
        return [first + i * step for i in range(len(self.lines))]

    def left(self, i: int) -> float:
        return self.x + self.pad + (self.indents[i] if i < len(self.indents) else 0)


@dataclass
class Diagram:
    """Boxes and arrows (each a polyline whose last point has the head), in points."""
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    arrows: list[list[tuple[float, float]]] = field(default_factory=list)
    title: str = ""
    stroke: float = 0.8
    head: float = 5.0  # arrow head length, points

    def words(self) -> str:
        return "\n".join(line for b in self.boxes for line in (b.source or b.lines) if line)

    def _head(self, points) -> list[tuple[float, float]]:
        (x0, y0), (x1, y1) = points[-2], points[-1]
        length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        bx, by = x1 - ux * self.head, y1 - uy * self.head
        half = self.head * 0.4
        return [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]

    def svg(self) -> str:
        from xml.sax.saxutils import escape, quoteattr

        f = lambda v: f"{v:.2f}".rstrip("0").rstrip(".")  # noqa: E731
        out = ['<?xml version="1.0" encoding="utf-8"?>',
               f'<svg xmlns="http://www.w3.org/2000/svg" width="{f(self.width)}pt" height="{f(self.height)}pt" '
               f'viewBox="0 0 {f(self.width)} {f(self.height)}" font-family={quoteattr(SVG_FONTS)}>']
        if self.title:
            out.append(f"<title>{escape(self.title)}</title>")
        out.append(f'<rect width="{f(self.width)}" height="{f(self.height)}" fill="white"/>')
        for b in self.boxes:
            out.append(f'<rect x="{f(b.x)}" y="{f(b.y)}" width="{f(b.w)}" height="{f(b.h)}" fill="{b.fill}" '
                       f'stroke="black" stroke-width="{f(self.stroke)}"/>')
            weight = ' font-weight="bold"' if b.bold else ""
            for i, (line, base) in enumerate(zip(b.lines, b.baselines())):
                body = "".join(f'<tspan font-style="italic">{escape(t)}</tspan>' if italic else escape(t)
                               for t, italic in runs(line))
                if b.rotated:
                    cx = b.x + b.w / 2 + (base - (b.y + b.h / 2))
                    place = f'transform="translate({f(cx)} {f(b.y + b.h / 2)}) rotate(-90)" text-anchor="middle"'
                elif b.align == "center":
                    place = f'x="{f(b.x + b.w / 2)}" y="{f(base)}" text-anchor="middle"'
                else:
                    place = f'x="{f(b.left(i))}" y="{f(base)}"'
                out.append(f'<text {place} font-size="{f(b.size)}"{weight}>{body}</text>')
        for points in self.arrows:
            line = " ".join(f"{f(x)},{f(y)}" for x, y in points[:-1])
            tip = self._head(points)
            bx, by = (tip[1][0] + tip[2][0]) / 2, (tip[1][1] + tip[2][1]) / 2
            out.append(f'<polyline points="{line} {f(bx)},{f(by)}" fill="none" stroke="black" '
                       f'stroke-width="{f(self.stroke)}"/>')
            out.append(f'<polygon points="{" ".join(f"{f(x)},{f(y)}" for x, y in tip)}" fill="black"/>')
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def draw(self, plt):
        """The same diagram as a matplotlib figure, its text in DejaVu Serif (which measure() used)."""
        from matplotlib.patches import Polygon, Rectangle

        fig = plt.figure(figsize=(self.width / 72, self.height / 72))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, self.width)
        ax.set_ylim(self.height, 0)
        ax.axis("off")
        for b in self.boxes:
            ax.add_patch(Rectangle((b.x, b.y), b.w, b.h, facecolor=b.fill, edgecolor="black", linewidth=self.stroke))
            weight = "bold" if b.bold else "normal"
            for i, (line, base) in enumerate(zip(b.lines, b.baselines())):
                if b.rotated:
                    cx = b.x + b.w / 2 + (base - (b.y + b.h / 2))
                    ax.text(cx, b.y + b.h / 2, line, rotation=90, ha="center", va="baseline", rotation_mode="anchor",
                            family=PNG_FONT, fontsize=b.size, fontweight=weight)
                    continue
                x = b.left(i) if b.align != "center" else b.x + b.w / 2 - line_width(line, b.size, b.bold) / 2
                for text, italic in runs(line):
                    ax.text(x, base, text, ha="left", va="baseline", family=PNG_FONT, fontsize=b.size,
                            fontweight=weight, fontstyle="italic" if italic else "normal")
                    x += measure(text, b.size, italic, b.bold)
        for points in self.arrows:
            tip = self._head(points)
            bx, by = (tip[1][0] + tip[2][0]) / 2, (tip[1][1] + tip[2][1]) / 2
            xs, ys = zip(*[*points[:-1], (bx, by)])
            ax.plot(xs, ys, color="black", linewidth=self.stroke, solid_capstyle="butt", solid_joinstyle="miter")
            ax.add_patch(Polygon(tip, closed=True, facecolor="black", edgecolor="none"))
        return fig
