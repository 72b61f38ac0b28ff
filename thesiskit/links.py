"""Links that come from data (a table's cells, a .bib entry's url or doi) are never live script links.

A chapter's own raw HTML is the author's to write; but a `javascript:` URL in a data cell or a .bib
field (a library exported from elsewhere, a table pasted in) would become a live link in the web page
that runs when a reader clicks it. Such a link keeps its text and loses its target.
"""
from __future__ import annotations

import re

import panflute as pf

from .tree import elements

SAFE_SCHEMES = ("http", "https", "mailto", "ftp", "ftps", "doi", "tel")
SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)\s*:")


def unsafe(url: str) -> bool:
    """A URL with a scheme other than the web's own (javascript:, vbscript:, data:, ...). Control
    characters and spaces inside the scheme are ignored, as browsers ignore them."""
    cleaned = re.sub(r"[\x00-\x20]", "", url)
    match = SCHEME.match(cleaned)
    return bool(match) and match.group(1).lower() not in SAFE_SCHEMES


def unlink_scripts(doc) -> int:
    """Replace each Link whose target is unsafe by its text; the number replaced."""
    found = [e for e in elements(doc) if isinstance(e, pf.Link) and unsafe(e.url)]
    for link in found:
        span = pf.Span(*link.content)
        parent = link.parent
        if parent is None:
            continue
        container = parent.content if hasattr(parent, "content") else None
        if container is None:
            continue
        index = next((i for i, item in enumerate(container) if item is link), None)
        if index is not None:
            container[index] = span
    return len(found)
