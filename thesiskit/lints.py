"""House-style lints of a journal's checklist, on the authors' own prose: quotations (block and
inline), citations and the reference list are left out, so a quoted participant or a cited American
title is never flagged. Each finding points at the chapter file and line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import panflute as pf

from .context import Context
from .project import Document


@dataclass
class Finding:
    rule: str
    where: str
    text: str


def prose_words(doc: pf.Doc) -> list[str]:
    """The words of the authors' own prose, in order."""
    words: list[str] = []

    def visit(elem):
        if isinstance(elem, (pf.BlockQuote, pf.Quoted, pf.Cite, pf.Code, pf.CodeBlock, pf.RawInline, pf.RawBlock,
                             pf.Note)):
            return
        if isinstance(elem, pf.Div) and ("csl-bib-body" in elem.classes or "references-note" in elem.classes):
            return
        if isinstance(elem, pf.Header) and "references" in elem.classes:
            return
        if isinstance(elem, pf.Str):
            words.append(elem.text)
            return
        if isinstance(elem, pf.Table):
            for section in [elem.head, *elem.content, elem.foot]:
                for row in section.content:
                    for cell in row.content:
                        for child in cell.content:
                            visit(child)
            return
        content = getattr(elem, "content", None)
        if content is not None and not isinstance(elem, pf.Str):
            items = content if not isinstance(elem, (pf.BulletList, pf.OrderedList)) else [
                c for item in content for c in item.content]
            for child in items:
                visit(child)

    for block in doc.content:
        visit(block)
    return words


def _clean(word: str) -> str:
    return re.sub(r"^[^\w]+|[^\w]+$", "", word).lower()


def participant_language(doc, ctx: Context, document: Document, banned: list[str],
                         rule: str = "participants-language") -> list[Finding]:
    """Study participants called "patients" or "subjects" (APA 7; the journal's policy)."""
    found = []
    for word in sorted({w for w in map(_clean, prose_words(doc)) if w in banned}):
        found.append(Finding(rule, locate_word(ctx, document, word),
                             f'"{word}" used in the authors\' prose; the journal asks for "participants"'))
    return found


def single_quotes(doc, ctx: Context, document: Document) -> list[Finding]:
    """Single quotation marks as primary quotes (the journal wants double quotation marks)."""
    found = []

    def action(elem, _doc):
        if isinstance(elem, pf.Quoted) and elem.quote_type == "SingleQuote":
            parent = elem.parent
            while parent is not None and not (isinstance(parent, pf.Quoted) and parent.quote_type == "DoubleQuote"):
                parent = getattr(parent, "parent", None)
            if parent is None:
                text = pf.stringify(elem).strip("‘’'")
                found.append(Finding("double-quotes", ctx.locate(document, text[:40]) if text else document.id,
                                     f"single quotation marks around \u2018{text[:40]}\u2019; use double quotation marks"))

    doc.walk(action)
    return found


# British -> American forms beyond -ise/-ize; a pair is flagged when both appear
_OUR = {"behaviour": "behavior", "colour": "color", "favour": "favor", "honour": "honor", "labour": "labor",
        "centre": "center", "programme": "program", "paediatric": "pediatric", "counselling": "counseling",
        "modelling": "modeling", "judgement": "judgment"}


def mixed_spelling(doc, ctx: Context, document: Document) -> list[Finding]:
    """The same word spelt the British and the American way in the authors' prose."""
    words = {_clean(w) for w in prose_words(doc)}
    found = []
    for word in sorted(words):
        match = re.search(r"^(\w{3,})is(e|es|ed|ing|ation|ations)$", word)
        if match and f"{match.group(1)}iz{match.group(2)}" in words:
            us = f"{match.group(1)}iz{match.group(2)}"
            found.append(Finding("consistent-spelling", locate_word(ctx, document, us),
                                 f'both "{word}" and "{us}"; keep one spelling style (the text is British)'))
    for uk, us in _OUR.items():
        pairs = sorted((w, other) for w in words if w.startswith(uk) for other in american(w, uk, us) if other in words)
        if pairs:  # the same word's two forms: "behaviours" and "behaviors", never "labour" and "laboratory"
            british, us_form = pairs[0]
            found.append(Finding("consistent-spelling", locate_word(ctx, document, us_form),
                                 f'both "{british}" and "{us_form}"; keep one spelling style'))
    return found


def american(word: str, uk: str, us: str) -> list[str]:
    """The American forms of a British word that starts with uk: favourably -> favorably, centred -> centered."""
    rest = word[len(uk):]
    forms = [us + rest]
    if uk.endswith("re") and rest.startswith("d"):  # centred, centered
        forms.append(us + "e" + rest)
    return forms


def locate_word(ctx: Context, document: Document, word: str) -> str:
    """The first line of the document's chapters using the word outside a block quotation."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.I)
    for rel in document.files:
        try:
            lines = (ctx.project.root / rel).read_text(encoding="utf-8-sig").splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, start=1):
            if not line.lstrip().startswith(">") and pattern.search(line):
                return f"{rel}:{number}"
    return ctx.locate(document, word)
