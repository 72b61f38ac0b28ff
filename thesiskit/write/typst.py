"""typst: the thesis PDF, and each figure of a journal package as a PNG and an SVG.

Fonts come from the typst package only (`ignore_system_fonts`), so the PDF is the same on every
machine. Values that go into typst strings (title, author) are escaped here: metadata is data, and
nothing in it can run as typst code.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TYPST = ("import sys, json, typst; typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3], "
         "ignore_system_fonts=True, **json.loads(sys.argv[4]))")
# typst (0.14 and later) tags every PDF it writes: headings, paragraphs, tables, figures with their
# alt text. A profile's `pdf-standard` (thesiskit/profiles.py) asks for PDF/A-2b and the like too.


def escape(text: str) -> str:
    """A value for a typst string literal ("..."): quotes and backslashes escaped, line breaks as \\n."""
    text = "".join(c for c in str(text) if c >= " " or c in "\n\t")
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", " ")


def compile_pdf(typ: Path, pdf: Path, root: Path, timestamp: int | None = None,
                standards: list[str] | tuple = ()) -> None:
    """typst's layout of a whole thesis takes a few hundred MB that, in this process, the allocator
    would keep to the end of the build (and in watch mode, for good): it runs in a child process,
    whose memory goes when it exits. timestamp: the PDF's creation date (seconds since 1970), so that
    it comes from the sources and not the clock (thesiskit/reproducible.py). standards: PDF standards
    to conform to ("a-2b" for PDF/A-2b), which typst checks as it writes."""
    options = {"pdf_standards": list(standards)} if standards else {}
    if timestamp is not None:
        options["timestamp"] = int(timestamp)
    done = subprocess.run([sys.executable, "-c", TYPST, str(typ), str(pdf), str(root), json.dumps(options)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else str(done.returncode)
        if standards and re.search(r"PDF/(A|UA)-\w+ error", reason):
            raise StandardNotMet(reason.split("error: ", 1)[-1] if "TypstError" in reason else reason)
        raise RuntimeError(f"typst could not compile {typ.name}: {reason}")


class StandardNotMet(Exception):
    """The PDF cannot meet a standard the profile asks for (typst's reason): the author's to fix."""


def render_figure(body_typst: str, source: Path, folder: Path, n: int, root: Path, dpi: int) -> list[Path]:
    """figure-N.png at dpi (stamped in the file, as Word and journals read it) and figure-N.svg, from a
    figure's typst; the source stays beside the work for the privacy scans."""
    import typst

    template = (TEMPLATES / "figure.typ").read_text(encoding="utf-8")
    source.write_text(template.replace("$body$", body_typst), encoding="utf-8")
    written = []
    for fmt, kwargs in (("png", {"ppi": dpi}), ("svg", {})):
        target = folder / f"figure-{n}.{fmt}"
        typst.compile(str(source), output=str(target), root=str(root), format=fmt, ignore_system_fonts=True, **kwargs)
        if fmt == "png":
            stamp_dpi(target, dpi)
        written.append(target)
    return written


def stamp_dpi(path: Path, dpi: int) -> None:
    """typst renders at the asked resolution but does not record it; Word and journals read it."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        stamped = image.copy()
    stamped.save(path, dpi=(dpi, dpi))


def dpi_of(path: Path) -> float:
    from PIL import Image

    with Image.open(path) as image:
        return float(image.info.get("dpi", (0, 0))[0])
