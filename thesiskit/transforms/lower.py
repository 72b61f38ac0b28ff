"""Lower the semantic AST to one writer's terms, just before that writer runs.

The earlier stages mark meaning with classes (a title page, a table's label, a table note, a page
break, the table of contents). Each writer needs them in its own form:
  docx   a paragraph style (custom-style) defined in the generated reference.docx
  typst  a call of a function defined in templates/thesis.typ wrapping the content
  html   the class itself, styled by templates/thesis.css
One table, CLASSES, says which class becomes what, so a new kind of block is one line here and one
style in each template.

It works on pandoc's JSON (plain dicts and lists) rather than panflute objects: it runs once per
writer over the whole thesis, and a dict walk is several times faster than loading the AST into
panflute for each writer (docs/decisions.md, 6).
"""
from __future__ import annotations

import io
import json
import re
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

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
    "text-figure": ("Figure Text", "apa-text-figure"),  # before float-body: a figure made of text
    "float-body": ("Figure", "apa-float-body"),
    "table-body": ("Table Text", "apa-table-body"),
    "float-note": ("Caption Note", "apa-float-note"),
    "references-note": ("References Note", "apa-references-note"),
    "csl-bib-body": ("Bibliography", "apa-references"),
}

DOCX_PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def run(doc: pf.Doc, ctx, fmt: str) -> None:
    """Lower a panflute document in place (for the smaller documents of a journal package)."""
    data = lower_json(doc.to_json(), fmt)
    doc.content = pf.load(io.StringIO(json.dumps(data))).content


def lower_json(data: dict, fmt: str) -> dict:
    """Lower pandoc's JSON for one writer; returns the same dict, changed."""
    entries = _headings(data["blocks"])
    data["blocks"] = _blocks(data["blocks"], fmt, entries)
    return data


def _raw(fmt: str, text: str) -> dict:
    return {"t": "RawBlock", "c": [fmt, text]}


def _str(text: str) -> dict:
    return {"t": "Str", "c": text}


def _blocks(blocks: list, fmt: str, entries) -> list:
    out = []
    for block in blocks:
        if block.get("t") != "Div":
            _walk(block, fmt, entries)
            out.append(block)
            continue
        (ident, classes, attributes), content = block["c"]
        content = _blocks(content, fmt, entries)
        block["c"][1] = content
        if "document" in classes and fmt != "html":  # a part of the thesis: only the HTML keeps the mark
            out += content
            continue
        if "pagebreak" in classes:
            out += {"docx": [_raw("openxml", DOCX_PAGE_BREAK)],
                    "typst": [_raw("typst", "#pagebreak(weak: true)")]}.get(fmt, [block])
            continue
        if "toc" in classes:
            out += _toc(fmt, entries)
            continue
        if fmt == "html" and "apa-table" in classes:
            _scrollable_table(block)
        mapped = next((CLASSES[c] for c in classes if c in CLASSES), None)
        if mapped is None:
            out.append(block)
        elif fmt == "docx":
            attributes.append(["custom-style", mapped[0]])
            out.append(block)
        elif fmt == "typst":
            out += [_raw("typst", f"#{mapped[1]}["), *content, _raw("typst", "]")]
        else:
            out.append(block)
    return out


def _scrollable_table(float_div: dict) -> None:
    """A table wider than the page scrolls sideways in the web page (thesis.css): its box is a named
    region that takes the keyboard's focus, so it can be scrolled without a mouse (WCAG 2.1.1)."""
    (_ident, _classes, attributes), content = float_div["c"]
    label = next((v for k, v in attributes if k == "label"), "Table")
    title = next((_text(b["c"][1][0]["c"]) for b in content if b.get("t") == "Div" and "float-title" in b["c"][0][1]
                  and b["c"][1] and b["c"][1][0].get("t") in ("Para", "Plain")), "")
    for block in content:
        if block.get("t") == "Div" and "table-body" in block["c"][0][1]:
            block["c"][0][2] += [["role", "region"], ["tabindex", "0"],
                                 ["aria-label", f"{label}: {title}" if title else label]]


def _walk(value, fmt: str, entries) -> None:
    """Into everything that is not a list of blocks at this level: lists, tables, notes, images."""
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "t" in v for v in value) and any(v["t"] == "Div" for v in value):
            value[:] = _blocks(value, fmt, entries)
            return
        for item in value:
            _walk(item, fmt, entries)
    elif isinstance(value, dict):
        if value.get("t") == "Image":
            _image(value, fmt)
            if fmt == "typst":  # pandoc's typst writer drops the alt text: the call is written here
                value.update(_typst_image(value))
            return
        if value.get("t") == "Header" and fmt == "typst":
            # pandoc writes a line break as "\" and a newline, which ends a typst heading: the rest
            # ("Appendix B" + its title, "Paper 1" + the paper's title) fell into the next paragraph
            inlines = value["c"][2]
            inlines[:] = [{"t": "RawInline", "c": ["typst", "#linebreak()"]} if i.get("t") == "LineBreak" else i
                          for i in inlines]
        if "c" in value:
            _walk(value["c"], fmt, entries)


def _image(image: dict, fmt: str) -> None:
    """Figures drawn from data come as a PNG (for Word) with a vector copy (for the PDF and the web);
    typst resolves image paths from the compile root, so project-relative paths become absolute."""
    attr, _alt, target = image["c"]
    vector = next((v for k, v in attr[2] if k == "vector"), None)
    attr[2] = [[k, v] for k, v in attr[2] if k != "vector"]
    url = target[0]
    if vector and fmt in ("typst", "html"):
        url = vector
    if fmt == "typst" and "://" not in url and not url.startswith("/"):
        url = str(PurePosixPath("/") / url)
    target[0] = url


TYPST_LENGTH = re.compile(r"([0-9]*\.?[0-9]+)\s*(%|in|cm|mm|pt|em|px)?")


def _typst_image(image: dict) -> dict:
    """An image as the typst call pandoc writes (#box(image("x.png", width: 50.0%))), with the alt text
    typst tags the PDF with: the image's description, as DOCX's descr and HTML's alt."""
    from ..write.typst import escape as escape_typst  # (write imports this module)

    (_ident, _classes, attributes), alt, (url, _title) = image["c"]
    args = [f'"{escape_typst(url)}"']
    for key in ("height", "width"):
        value = next((v for k, v in attributes if k == key), None)
        length = _typst_length(value) if value else None
        if length:
            args.append(f"{key}: {length}")
    text = " ".join(_text(alt).split())
    if text:
        args.append(f'alt: "{escape_typst(text)}"')
    return {"t": "RawInline", "c": ["typst", f"#box(image({', '.join(args)}))"]}


def _typst_length(value: str) -> str | None:
    """A width or height as pandoc's typst writer gives it: 50% -> 50.0%, 300px (or 300) -> 3.125in."""
    match = TYPST_LENGTH.fullmatch(value.strip())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "px"
    if unit == "%":
        return f"{number}%"
    if unit == "px":
        return f"{number / 96:g}in"
    return f"{number:g}{unit}"


def _headings(blocks) -> list[tuple[int, str, str]]:
    """(level, id, text) of the headings the contents lists: levels 1 and 2, not marked unlisted."""
    found = []

    def visit(value):
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            if value.get("t") == "Header":
                level, (ident, classes, _kv), inlines = value["c"]
                if level <= 2 and "unlisted" not in classes:
                    found.append((level, ident, _text(inlines)))
                return
            if value.get("t") in ("Div", "BlockQuote"):
                visit(value["c"])

    visit(blocks)
    return found


def _text(inlines) -> str:
    parts = []
    for inline in inlines:
        kind = inline.get("t")
        if kind == "Str":
            parts.append(inline["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Strong", "SmallCaps", "Underline", "Strikeout"):
            parts.append(_text(inline["c"]))
        elif kind in ("Span", "Quoted", "Cite", "Link"):
            parts.append(_text(inline["c"][1]))
    return "".join(parts)


def _toc(fmt, entries) -> list:
    title = {"t": "Header", "c": [1, ["", ["unlisted", "unnumbered"], []], [_str("Contents")]]}
    if fmt == "typst":
        return [_raw("typst", "#apa-contents()")]
    if fmt == "docx":
        # A real Word TOC field (page numbers appear when Word updates fields on opening), pre-filled
        # with the headings so that readers that do not update fields still show the contents.
        rows = "".join(f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr><w:r><w:t xml:space="preserve">'
                       f"{escape(text)}</w:t></w:r></w:p>" for level, _ident, text in entries)
        begin = ('<w:p><w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r><w:r><w:instrText xml:space="preserve">'
                 ' TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r></w:p>')
        end = '<w:p><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        return [title, _raw("openxml", begin + rows + end)]
    top: list[list] = []
    for level, ident, text in entries:
        link = {"t": "Plain", "c": [{"t": "Link", "c": [["", [], []], [_str(text)], ["#" + ident, ""]]}]}
        if level == 1 or not top:
            top.append([link])
        else:
            if len(top[-1]) == 1:
                top[-1].append({"t": "BulletList", "c": []})
            top[-1][1]["c"].append([link])
    return [title, {"t": "Div", "c": [["", ["toc"], []], [{"t": "BulletList", "c": top}]]}]
