"""HTML: the thesis as one page assembled from per-document parts.

Each document of the assembled thesis (a `document` div: the title page, the contents, each front
part, paper and the appendices) is written by pandoc on its own, and pandoc's answer is cached by the
content of that document's lowered AST (thesiskit/pandoc.py caches every call that only prints): a
one-paragraph edit rewrites one part, and the page is the page template with the parts in order.
The template (head, styles) is pandoc's own standalone page, written once per set of arguments.

What a part cannot do alone is done here: footnote ids are numbered per part, so they are given
the document's id (paper1-fn1); images are embedded as data URIs (the page is one file, as pandoc's
--embed-resources makes it), reading only files inside the project.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from .. import figures, pandoc
from ..transforms.lower import contents, heading_nodes, lower_json, skeleton

API = {"pandoc-api-version": [1, 23, 1]}
FOOTNOTE_IDS = re.compile(r'((?:id|href)="#?)(fn|fnref)(\d+)"|id="footnotes"')
IMAGE_SOURCE = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')


def documents(blocks: list) -> list[tuple[str, list]]:
    """(document id, its blocks) in order: each `document` div of the lowered thesis, and any block
    outside one under ''."""
    out: list[tuple[str, list]] = []
    for block in blocks:
        if block.get("t") == "Div" and "document" in block["c"][0][1]:
            out.append((block["c"][0][0].removeprefix("doc-"), [block]))
        elif out and out[-1][0] == "":
            out[-1][1].append(block)
        else:
            out.append(("", [block]))
    return out


def part(doc_id: str, blocks: list, root: Path, api) -> str:
    """One document's HTML, with its footnote ids made its own and its images embedded."""
    return embed_all(_part(doc_id, blocks, root, api), root)


def _part(doc_id: str, blocks: list, root: Path, api) -> str:
    data = json.dumps({"pandoc-api-version": api, "meta": {}, "blocks": blocks}).encode("utf-8")
    out, _ = pandoc.run(["-f", "json", "-t", "html5", "--wrap=none"], data, cwd=root)
    text = out.decode("utf-8")
    prefix = doc_id or "part"

    def rename(match: re.Match) -> str:
        if match.group(0) == 'id="footnotes"':
            return f'id="{prefix}-footnotes"'
        return f'{match.group(1)}{prefix}-{match.group(2)}{match.group(3)}"'

    return FOOTNOTE_IDS.sub(rename, text)


def embed_all(text: str, root: Path) -> str:
    return IMAGE_SOURCE.sub(lambda m: m.group(1) + embed(m.group(2), root) + m.group(3), text)


def embed(source: str, root: Path) -> str:
    """A data URI for an image of the project (pandoc's --embed-resources does the same for a whole
    page); anything else is left as it is (a remote or missing image is refused before writing)."""
    if source.startswith(("data:", "http:", "https:", "#")):
        return source
    path = (root / html.unescape(source)).resolve()
    if not path.is_file() or Path(root).resolve() not in path.parents:
        return source
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def template(root: Path, css: Path, title: str, author: str, lang: str = "en-GB") -> tuple[str, str]:
    """(the page before the body's parts, after them): pandoc's standalone HTML page, with its styles
    and ours embedded, around a placeholder; lang is the page's language (<html lang>, which screen
    readers read it in: WCAG 3.1.1)."""
    args = ["-f", "markdown", "-t", "html5", "-s", "--embed-resources", f"--css={css}", "-M", f"pagetitle={title}",
            "-M", f"lang={lang}",
            "-V", f"author-meta={html.escape(author, quote=True)}", "-V", "csl-css=true", "--wrap=none",  # CSL styles
            # the page's one main landmark holds all of it, footnotes too (WCAG 1.3.1; axe's "region")
            "-V", "include-before=<main>", "-V", "include-after=</main>"]
    out, _ = pandoc.run(args, pandoc.PLACEHOLDER.encode("utf-8"), cwd=root)
    page = out.decode("utf-8")
    head, tail = page.split(f"<p>{pandoc.PLACEHOLDER}</p>")
    return head, tail


def write_html(assembled, path: Path, root: Path, css: Path, title: str, author: str, depth: int = 3,
               extra_head: str = "") -> dict[str, str]:
    """The page at path, from the assembled thesis (assemble.Assembled); returns each document's part
    (for the preview). Each part is lowered and written on its own, with the contents' entries of
    the whole thesis; what a part became is kept in this process by the part's text, its headings'
    ids and (for the contents) the entries, so that the preview rewrites only the parts that changed.
    Images are embedded afresh each time (a picture may change under the same name)."""
    api = assembled.api
    entries, ids = contents([_skeleton(text) for text in assembled.parts], depth)
    parts = {}
    for text, own_ids in zip(assembled.parts, ids):
        key = hashlib.sha256(json.dumps([text, own_ids, entries if '"toc"' in text else None, depth,
                                         str(root)]).encode("utf-8")).hexdigest()
        made = _MADE.pop(key, None)
        if made is None:
            made = _lowered_part(json.loads(text), own_ids, entries, depth, root, api, '"svg-text"' in text)
        _MADE[key] = made  # the most recently used last
        while len(_MADE) > 256:
            _MADE.pop(next(iter(_MADE)))
        for doc_id, html_text in made:
            parts[doc_id or f"part-{len(parts)}"] = embed_all(html_text, root)
    head, tail = template(root, css, title, author, assembled.lang or "en-GB")
    if extra_head:
        head = head.replace("</head>", extra_head + "</head>", 1)
    path.write_text(head + "\n".join(parts.values()) + tail, encoding="utf-8")
    return parts


_MADE: dict[str, list[tuple[str, str]]] = {}  # a part's key -> (document id, HTML before its images)


@lru_cache(maxsize=256)
def _skeleton(text: str) -> list[tuple]:
    """The headings of a part (its JSON text), as the contents need them."""
    return skeleton(heading_nodes(json.loads(text)))


def _lowered_part(block: dict, ids: list[str], entries, depth: int, root: Path, api,
                  diagrams: bool = True) -> list[tuple[str, str]]:
    """A part lowered for HTML (its headings given their ids) and written by pandoc; diagrams: it may
    hold a figure whose SVG goes into the page (figures.inline_svgs, a walk of the whole part)."""
    for node, ident in zip(heading_nodes(block), ids):
        node["c"][1][0] = ident
    data = lower_json({"pandoc-api-version": api, "meta": {}, "blocks": [block]}, "html", depth, entries=entries)
    if diagrams:
        data = figures.inline_svgs(data, root)
    return [(doc_id, _part(doc_id, blocks, root, api)) for doc_id, blocks in documents(data["blocks"])]


def fingerprint(parts: dict[str, str]) -> dict[str, str]:
    return {doc_id: hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] for doc_id, text in parts.items()}
