"""An SVG as a PNG, drawn by typst (a dependency already), for readers that do not draw SVG.

A DOCX holds each SVG picture with a PNG beside it, as Word itself writes them
(thesiskit/write/docx.py); LibreOffice and Word before 2016 show the PNG. The PNG is drawn by a
one-picture typst document at the picture's size in the DOCX and the profile's resolution, with
typst's own fonts only, so it is the same on every machine and needs no system tool (pandoc uses
rsvg-convert when it finds one; without it, the SVG stood alone and the picture was blank). PNGs are
cached under build/.cache/svg by the SVG's content, size and resolution.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from . import cache as cache_entries

PAGE = "#set page(width: auto, height: auto, margin: 0pt, fill: white)\n#image(\"picture.svg\", width: {width}pt)\n"


def to_png(svg: bytes, width_pt: float, dpi: int, cache: Path | None = None) -> bytes:
    """The picture as a PNG, width_pt wide at dpi, with its resolution stamped in the file."""
    width_pt = round(width_pt, 2)
    digest = hashlib.sha256(svg + f"|{width_pt}|{dpi}|{PAGE}".encode()).hexdigest()[:20]
    cached = Path(cache) / "svg" / f"{digest}.png" if cache else None
    if cached is None:
        return _draw(svg, width_pt, dpi)
    with cache_entries.lock(cached):
        if cache_entries.whole(cached):  # checked against its digest (thesiskit/cache.py)
            return cached.read_bytes()
        png = _draw(svg, width_pt, dpi)
        cache_entries.atomic_write(cached, png)
        cache_entries.seal(cached)
    return png


def _draw(svg: bytes, width_pt: float, dpi: int) -> bytes:
    import io

    import typst
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "picture.svg").write_bytes(svg)
        source = Path(folder) / "picture.typ"
        source.write_text(PAGE.format(width=width_pt), encoding="utf-8")
        png = typst.compile(str(source), root=folder, format="png", ppi=dpi, ignore_system_fonts=True)
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        out = io.BytesIO()
        image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
