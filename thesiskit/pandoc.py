"""pandoc, called only to parse Markdown, to run citeproc and to write; everything between is in Python.

pandoc comes from pypandoc-binary, so no system install is needed.
"""
from __future__ import annotations

import io
import json
import subprocess
from functools import lru_cache

import panflute as pf
import panflute.elements

# panflute (2.3) predates pandoc's typst writer; let raw typst blocks through its format check.
panflute.elements.RAW_FORMATS.add("typst")


class PandocError(Exception):
    pass


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def run(args: list[str], stdin: bytes, cwd=None) -> tuple[bytes, str]:
    """Run pandoc; return (stdout, stderr). Raise PandocError with pandoc's message on failure."""
    proc = subprocess.run([pandoc_path(), *args], input=stdin, capture_output=True, cwd=cwd)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise PandocError(stderr.strip() or f"pandoc exited with {proc.returncode}")
    return proc.stdout, stderr


MARKDOWN = "markdown-implicit_figures+implicit_figures"  # pandoc's markdown, figures from lone images


def parse_markdown(text: str, resource_path: str | None = None) -> pf.Doc:
    out, _ = run(["-f", MARKDOWN, "-t", "json"], text.encode("utf-8"))
    return to_doc(out)


def to_doc(data: bytes) -> pf.Doc:
    return pf.load(io.StringIO(data.decode("utf-8")))


def to_json(doc: pf.Doc) -> bytes:
    return json.dumps(doc.to_json()).encode("utf-8")


def convert(doc: pf.Doc, args: list[str], cwd=None) -> tuple[bytes, str]:
    return run(["-f", "json", *args], to_json(doc), cwd=cwd)
