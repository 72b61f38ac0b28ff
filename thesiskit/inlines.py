"""Small builders of pandoc AST text, shared by the transforms and the stages."""
from __future__ import annotations

import panflute as pf

from .typography import smart


def words(text) -> list:
    """Plain text as pandoc inlines: words and the spaces between them, typeset as pandoc's smart
    extension typesets prose (curly quotation marks, en dashes in ranges; thesiskit/typography.py)."""
    return smart(text)


def para(*parts) -> pf.Para:
    """A paragraph from pieces: plain strings, inline elements or lists of inlines."""
    inlines = []
    for part in parts:
        inlines.extend(words(part) if isinstance(part, str) else [part] if isinstance(part, pf.Inline) else part)
    return pf.Para(*inlines)
