"""typst: the thesis PDF, and each figure of a journal package as a PNG and an SVG.

Fonts come from the typst package only (`ignore_system_fonts`), so the PDF is the same on every
machine. Values that go into typst strings (title, author) are escaped here: metadata is data, and
nothing in it can run as typst code.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from .. import children, pandoc
from ..parts import split

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TYPST = """import sys, json, typst
try:
    typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3], ignore_system_fonts=True, **json.loads(sys.argv[4]))
except typst.TypstError as exc:
    sys.stderr.write(getattr(exc, "diagnostic", "") or f"error: {exc}")
    sys.exit(1)
"""
TIMEOUT = 600  # seconds: typst lays out a 100,000-word thesis in a few


class TypstFailed(Exception):
    """typst could not compile: its message, and the line of the typst source it points at."""

    def __init__(self, message: str, line_text: str = "", what: str = "the PDF"):
        super().__init__(message)
        self.message, self.line_text, self.what = message, line_text, what


def _failure(diagnostic: str, source: Path, what: str = "the PDF") -> TypstFailed:
    """The first error of typst's diagnostic, with the text of the source line it points at."""
    first = next((l for l in diagnostic.splitlines() if l.startswith("error:")), diagnostic.strip().splitlines()[-1]
                 if diagnostic.strip() else "typst failed")
    message = first.removeprefix("error:").strip()
    at = re.search(r"┌─ (.+?):(\d+):\d+", diagnostic)
    line_text = ""
    if at and Path(at.group(1)).name == source.name:
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
        number = int(at.group(2))
        line_text = lines[number - 1] if 0 < number <= len(lines) else ""
    return TypstFailed(message, line_text, what)


def where_in_sources(ctx, failed: TypstFailed) -> tuple[str, str]:
    """(file:line, what to do) for a typst error: the chapter line that holds the typst line's text
    (raw typst the author wrote) or a file name it names (an image); thesis.md otherwise."""
    text = failed.line_text.strip()
    needles = [text] if len(text) >= 4 else []
    needles += [Path(p).name for p in re.findall(r'"([^"]+\.(?:png|jpe?g|gif|svg|pdf))"', text)]
    for needle in needles:
        for document in ctx.project.documents:
            for rel in document.files:
                try:
                    lines = (ctx.project.root / rel).read_text(encoding="utf-8-sig").splitlines()
                except (OSError, UnicodeDecodeError):
                    continue
                for number, line in enumerate(lines, start=1):
                    if needle in line:
                        fix = ("fix the raw typst on this line" if needle == text else
                               f"check the image '{needle}' (a PNG, JPEG, GIF or SVG that opens in other programs)")
                        return f"{rel}:{number}", fix
    return "thesis.md", ("the text that typst stopped at is not in the chapters as written (a directive's table or the "
                         "build's own layout); simplify the passage or run again with --debug and report it")
# typst (0.14 and later) tags every PDF it writes: headings, paragraphs, tables, figures with their
# alt text. A profile's `pdf-standard` (thesiskit/profiles.py) asks for PDF/A-2b and the like too.


def write_source(lowered: dict, path: Path, root: Path, args: list[str]) -> None:
    """The thesis's typst source, written part by part: pandoc writes each document's blocks on its
    own (its answer cached by their content, as every pandoc call that only prints: a one-paragraph
    edit writes one part again, and no pandoc holds the whole thesis), and the page around them is
    the template (args: pandoc's options for it) written once around a placeholder. The same text as
    pandoc writes for the whole thesis at once (tests/test_parts.py)."""
    api = lowered.get("pandoc-api-version")
    body = ""
    for blocks in split(lowered["blocks"], "typst"):  # each document's, as lowering marked them
        data = json.dumps({"pandoc-api-version": api, "meta": {}, "blocks": blocks}).encode("utf-8")
        out, _ = pandoc.run(["-f", "json", "-t", "typst-citations", "--wrap=none"], data, cwd=root)
        body += out.decode("utf-8").strip("\n")
        last = blocks[-1]  # pandoc puts a blank line between blocks, and a line break only after raw typst
        body += "\n" if last.get("t") == "RawBlock" and last["c"][0] == "typst" else "\n\n"
    page = {"pandoc-api-version": api, "meta": lowered.get("meta", {}),
            "blocks": [{"t": "Para", "c": [{"t": "Str", "c": pandoc.PLACEHOLDER}]}]}
    out, _ = pandoc.run(["-f", "json", "-t", "typst-citations", "-s", "--wrap=none", *args],
                        json.dumps(page).encode("utf-8"), cwd=root)
    head, tail = out.decode("utf-8").split(pandoc.PLACEHOLDER, 1)
    path.write_text(head + body.rstrip("\n") + tail, encoding="utf-8")


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
    try:
        done = children.run([sys.executable, "-c", TYPST, str(typ), str(pdf), str(root), json.dumps(options)],
                            timeout=TIMEOUT)
    except children.TimedOut:
        raise TypstFailed(f"it took longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        failed = _failure(done.stderr.decode("utf-8", "replace") or f"error: typst exited with {done.returncode}", typ)
        standard = re.match(r"PDF/(?:A|UA)-\w+ error: ", failed.message)
        if standards and standard:
            raise StandardNotMet(failed.message[standard.end():])
        raise failed


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
        try:
            typst.compile(str(source), output=str(target), root=str(root), format=fmt, ignore_system_fonts=True,
                          **kwargs)
        except typst.TypstError as exc:
            raise _failure(getattr(exc, "diagnostic", "") or f"error: {exc}", source, "a figure") from None
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
