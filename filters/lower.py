"""Lower the semantic AST to one writer's terms, just before that writer runs.

The earlier stages mark meaning with classes (a title page, a table's label, a table note, a page
break, the table of contents). Each writer needs them in its own form:
  docx   a paragraph style (custom-style) defined in the generated reference.docx
  typst  a call of a function defined in templates/thesis.typ wrapping the content
  html   the class itself, styled by templates/thesis.css
One table, CLASSES, says which class becomes what, so a new kind of block is one line here and one
style in each template.
"""
from __future__ import annotations

from pathlib import PurePosixPath

import panflute as pf

NAME = "lower"
STAGE = "lower"

# class -> (DOCX paragraph style, typst function)
CLASSES = {
    "title-page": ("Title Page", "apa-title-page"),
    "paper-title-page": ("Title Page", "apa-title-page"),
    "title-page-title": ("Title Page Title", "apa-title-page-title"),
    "abstract": ("Abstract", "apa-abstract"),
    "keywords": ("Keywords", "apa-keywords"),
    "float-label": ("Caption Label", "apa-float-label"),
    "float-title": ("Caption Title", "apa-float-title"),
    "float-body": ("Figure", "apa-float-body"),
    "table-body": ("Table Text", "apa-table-body"),
    "float-note": ("Caption Note", "apa-float-note"),
    "references-note": ("References Note", "apa-references-note"),
    "csl-bib-body": ("Bibliography", "apa-references"),
}

DOCX_PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def run(doc: pf.Doc, ctx, fmt: str) -> None:
    toc_entries = _headings(doc)

    def action(elem, _doc):
        if not isinstance(elem, pf.Div):
            return None
        if "pagebreak" in elem.classes:
            return {"docx": pf.RawBlock(DOCX_PAGE_BREAK, format="openxml"),
                    "typst": pf.RawBlock("#pagebreak(weak: true)", format="typst")}.get(fmt, elem)
        if "toc" in elem.classes:
            return _toc(fmt, toc_entries, elem)
        mapped = next((CLASSES[c] for c in elem.classes if c in CLASSES), None)
        if mapped is None:
            return None
        style, function = mapped
        if fmt == "docx":
            elem.attributes["custom-style"] = style
            return None
        if fmt == "typst":
            return [pf.RawBlock(f"#{function}[", format="typst"), *elem.content, pf.RawBlock("]", format="typst")]
        return None

    doc.walk(action)
    doc.walk(lambda elem, _doc: _image(elem, fmt))


def _image(elem, fmt: str) -> None:
    """Figures drawn from data come as a PNG (for Word) with a vector copy (for the PDF and the web);
    typst resolves image paths from the compile root, so project-relative paths become absolute."""
    if not isinstance(elem, pf.Image):
        return
    vector = elem.attributes.pop("vector", None)
    if vector and fmt in ("typst", "html"):
        elem.url = vector
    if fmt == "typst" and "://" not in elem.url and not elem.url.startswith("/"):
        elem.url = str(PurePosixPath("/") / elem.url)


def _headings(doc) -> list[tuple[int, str, str]]:
    found = []
    doc.walk(lambda e, d: found.append((e.level, e.identifier, e)) if isinstance(e, pf.Header)
             and "unlisted" not in e.classes and e.level <= 2 else None)
    return [(level, ident, _heading_text(elem)) for level, ident, elem in found]


def _heading_text(header) -> str:
    parts = []
    for inline in header.content:
        parts.append(" " if isinstance(inline, (pf.LineBreak, pf.SoftBreak, pf.Space)) else pf.stringify(inline))
    return "".join(parts).replace(" \n", " ")


def _toc(fmt, entries, elem):
    title = pf.Header(pf.Str("Contents"), level=1, classes=["unlisted", "unnumbered"])
    if fmt == "typst":
        return [pf.RawBlock("#apa-contents()", format="typst")]
    if fmt == "docx":
        # A real Word TOC field (page numbers appear when Word updates fields on opening), pre-filled
        # with the headings so that readers that do not update fields still show the contents.
        from xml.sax.saxutils import escape

        rows = []
        for level, _ident, text in entries:
            rows.append(f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr><w:r><w:t xml:space="preserve">'
                        f"{escape(text)}</w:t></w:r></w:p>")
        begin = ('<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r><w:r><w:instrText xml:space="preserve">'
                 ' TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r></w:p>')
        end = '<w:p><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        return [title, pf.RawBlock(begin + "".join(rows) + end, format="openxml")]
    items = []
    for level, ident, text in entries:
        link = pf.Plain(pf.Link(pf.Str(text), url="#" + ident))
        items.append((level, link))
    return [title, pf.Div(_nested_list(items), classes=["toc"])]


def _nested_list(items):
    top = []
    for level, plain in items:
        if level == 1 or not top:
            top.append([plain])
        else:
            last = top[-1]
            if len(last) == 1:
                last.append(pf.BulletList())
            last[1].content.append(pf.ListItem(plain))
    return pf.BulletList(*[pf.ListItem(*item) for item in top])
