"""pandoc, called only to parse Markdown, to run citeproc and to write; everything between is in Python.

pandoc comes from pypandoc-binary, so no system install is needed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
from functools import lru_cache
from pathlib import Path

import panflute as pf
import panflute.elements
from panflute.containers import ListContainer

from . import cache, children

# panflute (2.3) predates pandoc's typst writer; let raw typst blocks through its format check.
panflute.elements.RAW_FORMATS.add("typst")


class PandocError(Exception):
    pass


_path_lock = threading.Lock()


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The full path of the pandoc every call runs: $PYPANDOC_PANDOC when set, else the one
    pypandoc-binary ships (the declared dependency, whatever else is on PATH: a system pandoc 2.x
    would write other output), else pypandoc's search. Looked up once, under a lock: pypandoc's search
    is not thread-safe, and the writers' threads ask at once (a half-done search answered with the
    bare name "pandoc")."""
    with _path_lock:
        import pypandoc

        chosen = os.environ.get("PYPANDOC_PANDOC")
        bundled = Path(pypandoc.__file__).parent / "files" / ("pandoc.exe" if os.name == "nt" else "pandoc")
        if not chosen and bundled.is_file():
            chosen = str(bundled)
        chosen = chosen or pypandoc.get_pandoc_path()
        return shutil.which(chosen) or chosen


_cache_dir: Path | None = None


def use_cache(folder: Path | None) -> None:
    """Remember pandoc's answers in folder (build/.cache/pandoc), or stop remembering (None)."""
    global _cache_dir
    _cache_dir = folder


def identity() -> list:
    """Which pandoc answers: its path and size (a new pandoc at the same path is another size)."""
    return [pandoc_path(), os.path.getsize(pandoc_path())]


def cache_folder() -> Path | None:
    """Where pandoc's answers are remembered (build/.cache/pandoc), or None when they are not."""
    return _cache_dir


def _key(args: list[str], stdin: bytes, cwd) -> str:
    """Content address of a call: pandoc's version, the arguments, the input, and the content of
    every file an argument names (bibliography, CSL), so an edited .bib is a different call."""
    digest = hashlib.sha256()
    digest.update(json.dumps([*identity(), args]).encode())
    for arg in args:
        if not arg.startswith("--") or "=" not in arg:
            continue  # only options such as --bibliography=FILE name files
        path = Path(cwd or ".") / arg.split("=", 1)[1]
        try:
            if path.is_file():
                digest.update(path.read_bytes())
        except OSError:
            continue  # not a file name (too long, say): its text is in the key already
    digest.update(b"\0" + stdin)
    return digest.hexdigest()


def limits(stdin: bytes) -> tuple[float, int]:
    """(seconds, megabytes) pandoc may take for an input of this size: far above what a thesis needs
    (the example's largest call takes 0.7 s and 200 MB; a 100,000-word thesis's writer 500 MB), so
    only a runaway input meets them."""
    megabytes = len(stdin) / 2**20
    return 120 + 30 * megabytes, int(max(4096, 200 * megabytes))


def run(args: list[str], stdin: bytes, cwd=None) -> tuple[bytes, str]:
    """Run pandoc; return (stdout, stderr). Raise PandocError with pandoc's message on failure.

    Calls that only print (parsing, citeproc) are content-addressed in the build cache: a chapter
    that has not changed is not parsed again, a paper whose text and bibliography have not changed is
    not cited again. Calls that write a file (-o) always run. The cache only saves time: deleting it
    changes no output, and a damaged entry is made again (thesiskit/cache.py).

    pandoc runs with a time limit and a heap limit (its runtime's -M) suited to the input's size,
    and is killed when the build is interrupted (thesiskit/children.py)."""
    path = None
    if _cache_dir is not None and "-o" not in args:
        path = _cache_dir / _key(args, stdin, cwd)
        cached = cache.read(path)
        if cached is not None:
            return cached, ""
    seconds, megabytes = limits(stdin)
    try:
        proc = children.run([pandoc_path(), "+RTS", f"-M{megabytes}m", "-RTS", *args], stdin, cwd=cwd,
                            timeout=seconds)
    except children.TimedOut:
        raise PandocError(f"pandoc took longer than {seconds:.0f} s on an input of {len(stdin):,} bytes; "
                          "something in the text makes it work without end") from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        if "Heap exhausted" in stderr:
            raise PandocError(f"pandoc needed more than {megabytes:,} MB for an input of {len(stdin):,} bytes; "
                              "something in the text makes it grow without end")
        raise PandocError(stderr.strip() or f"pandoc exited with {proc.returncode}")
    if path is not None:
        cache.write(path, proc.stdout)
    return proc.stdout, stderr


# The one paragraph a standalone page's template is written around (write/html.py, write/typst.py):
# the writers put the thesis's parts where it stands.
PLACEHOLDER = "THESISKIT-BODY-7f3a"

MARKDOWN = "markdown-implicit_figures+implicit_figures"  # pandoc's markdown, figures from lone images


# Text that comes from data files (table cells): Markdown for emphasis and citations, but no raw
# HTML, TeX or typst, so a cell holding "<script>" or "#set" is shown as text in every output.
DATA_MARKDOWN = "markdown-raw_html-raw_tex-raw_attribute-implicit_figures"


def parse_markdown(text: str, dialect: str = MARKDOWN) -> pf.Doc:
    out, _ = run(["-f", dialect, "-t", "json"], text.encode("utf-8"))
    return to_doc(out)


def to_doc(data: bytes | str) -> pf.Doc:
    """The document in pandoc's JSON, as panflute's load() makes it, element for element; the
    commonest elements (words, spaces, paragraphs, emphasis: most of a text) are made without
    panflute's constructors, which append and type-check one child at a time through
    MutableSequence (most of the read and cite stages' own time). Anything else, and anything
    that would not pass panflute's checks, is left to panflute."""
    doc = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data, object_hook=_from_json)
    assert isinstance(doc, pf.Doc)
    doc.format = sys.argv[1] if len(sys.argv) > 1 else "html"  # as pf.load() sets it
    return doc


def _from_json(data: dict):
    tag = data.get("t")
    if tag == "Str":  # words and spaces first: nine elements in ten
        text = data.get("c")
        if len(data) == 2 and type(text) is str:
            elem = _object_new(pf.Str)  # what Element.__new__ and Str.__init__ do
            elem.parent = elem.location = elem.index = None
            elem.text = text
            return elem
    elif tag == "Space":
        if len(data) == 1:
            elem = _object_new(pf.Space)
            elem.parent = elem.location = elem.index = None
            return elem
    elif type(tag) is str and (len(data) == 1 or (len(data) == 2 and "c" in data)):
        make = _FAST.get(tag)
        if make is not None:
            elem = make(tag, data.get("c"))
            if elem is not None:
                return elem
    return panflute.elements.from_json(data)


_object_new = object.__new__


def _new(kind: type) -> pf.Element:
    elem = _object_new(kind)  # what Element.__new__ does
    elem.parent = elem.location = elem.index = None
    return elem


def _empty(tag, _c):
    return _new(_EMPTY[tag])


def _inlines(tag, content):
    """An element whose content is a list of inlines, as its __init__ would make it (_set_content)."""
    if type(content) is not list or not all(isinstance(item, pf.Inline) for item in content):
        return None
    elem = _new(_INLINE_LISTS[tag])
    container = ListContainer(oktypes=pf.Inline, parent=elem)
    container.list = content
    elem._content = container
    return elem


_EMPTY = {"Space": pf.Space, "SoftBreak": pf.SoftBreak, "LineBreak": pf.LineBreak}
_INLINE_LISTS = {"Para": pf.Para, "Plain": pf.Plain, "Emph": pf.Emph, "Strong": pf.Strong, "Underline": pf.Underline,
                 "Strikeout": pf.Strikeout, "Superscript": pf.Superscript, "Subscript": pf.Subscript,
                 "SmallCaps": pf.SmallCaps}
_LISTS_JSON = {*_INLINE_LISTS.values(), pf.BlockQuote, pf.Note}  # content alone: {"t": ..., "c": [...]}
_FAST = {**dict.fromkeys(_EMPTY, _empty), **dict.fromkeys(_INLINE_LISTS, _inlines)}


def to_json(doc: pf.Doc) -> bytes:
    return json.dumps(as_json(doc)).encode("utf-8")


def as_json(elem: pf.Element):
    """elem.to_json(), the same dicts, lists and tuples, made without panflute's calls per element
    (to_json, _slots_to_json, encode_dict, to_json_wrapper) for the elements most of a text is
    made of; the rest is left to panflute. The mirror of to_doc."""
    kind = type(elem)
    if kind is pf.Str:
        return {"t": "Str", "c": elem.text}
    if kind is pf.Space:
        return {"t": "Space"}
    if kind in _LISTS_JSON:
        return {"t": kind.__name__, "c": [as_json(child) for child in elem._content.list]}
    if kind is pf.Div or kind is pf.Span:
        return {"t": kind.__name__, "c": [elem._ica_to_json(), [as_json(child) for child in elem._content.list]]}
    if kind is pf.Header:
        return {"t": "Header", "c": [elem.level, elem._ica_to_json(), [as_json(child) for child in elem._content.list]]}
    if kind is pf.Doc:
        return {"pandoc-api-version": elem.api_version, "meta": elem.metadata.content.to_json(),
                "blocks": [as_json(block) for block in elem._content.list]}
    return elem.to_json()


def convert(doc: pf.Doc, args: list[str], cwd=None) -> tuple[bytes, str]:
    return run(["-f", "json", *args], to_json(doc), cwd=cwd)


def meta_text(value) -> str:
    """The text of a metadata value in pandoc's JSON (MetaString, or MetaInlines of words)."""
    if not isinstance(value, dict):
        return ""
    if value.get("t") == "MetaString":
        return value["c"]
    if value.get("t") == "MetaInlines":
        return "".join(i.get("c", " ") if i.get("t") == "Str" else " " for i in value["c"])
    return ""
