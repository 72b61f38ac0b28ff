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

import hashlib
import json
import re
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

import panflute as pf

from .. import layout, pandoc, parts
from ..tree import find

NAME = "lower"
STAGE = "lower"

# class -> (DOCX paragraph style, typst function)
CLASSES = {
    "title-page": ("Title Page", "apa-title-page"),
    "paper-title-page": ("Title Page", "apa-title-page"),
    "title-page-title": ("Title Page Title", "apa-title-page-title"),
    "title-page-space": ("Title Page", "apa-title-page-space"),  # a blank line between a title page's groups
    "title-page-fill": ("Title Page Fill", "apa-title-page-fill"),  # more; in the PDF the page's free height
    "author-note-title": ("Title Page Title", "apa-author-note-title"),
    "author-note": ("Author Note", "apa-author-note"),
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
# The end of a section, its page turned as given; thesiskit/write/docx.py completes it from the
# document's own section (page size, margins, header). A landscape table is a section of its own.
SECTION_BREAK = '<w:sectPr><w:type w:val="nextPage"/><w:pgSz w:orient="{}"/></w:sectPr>'
DOCX_SECTION = ('<w:p><w:pPr><w:spacing w:line="20" w:lineRule="exact"/><w:rPr><w:sz w:val="2"/></w:rPr>'
                + SECTION_BREAK + '</w:pPr></w:p>')
# The running head of the section this paragraph ends (with a section break) or of the document's
# last section (without): thesiskit/write/docx.py gives each section its header and removes the text.
DOCX_HEAD = ('<w:p><w:pPr><w:pStyle w:val="RunningHeadMark"/><w:spacing w:line="20" w:lineRule="exact"/>'
             '<w:rPr><w:sz w:val="2"/></w:rPr>{1}</w:pPr><w:r><w:t xml:space="preserve">{0}</w:t></w:r></w:p>')

# Headings by their level in the assembled thesis: 1 is a part (the preface, a paper's title, an
# appendix), 2 to 6 are APA's levels 1 to 5. Levels 1 to 4 are each writer's heading styles
# (reference_docx.HEADINGS, templates/thesis.typ, templates/thesis.css). Levels 5 and 6, APA's 4
# and 5, are run in: the heading, bold (bold italic at 6) and ending with a period, begins its first
# paragraph, indented as any other. That is one paragraph, the same for every writer, so no writer
# needs a rule of its own for it; the heading's id stays on it (a bookmark, a label, an anchor).
RUN_IN = {5: ("Strong",), 6: ("Strong", "Emph")}


def run(doc: pf.Doc, ctx, fmt: str) -> None:
    """Lower a panflute document in place (for the smaller documents of a journal package)."""
    data = lower_json(doc.to_json(), fmt)
    doc.content = pandoc.to_doc(json.dumps(data)).content


class _State:
    """What one lowering carries along: the contents' entries, the tables already fitted, the
    running head in force."""

    def __init__(self, entries, depth: int, head: str):
        self.entries, self.depth, self.head = entries, depth, head
        self.fitted: set[int] = set()


def lower_json(data: dict, fmt: str, contents_depth: int = 3, running_head: str = "", entries=None) -> dict:
    """Lower pandoc's JSON for one writer; returns the same dict, changed. The contents list the
    headings down to contents_depth (1: the parts; 2: their sections, APA level 1; 3: APA level 2).
    running_head is the page header's short title from the start; a part's level-1 heading with a
    running-head attribute (thesiskit/assemble.py) changes it from that part on. entries: the
    contents' entries when data is one part of the thesis (contents(), its headings' ids given)."""
    if entries is None:
        entries = _headings(data["blocks"], contents_depth)
    state = _State(entries, contents_depth, running_head)
    blocks = _blocks(data["blocks"], fmt, state)
    if running_head and fmt == "typst":
        blocks.insert(0, _raw("typst", _typst_head(running_head)))
    if fmt == "docx" and (running_head or state.head):
        blocks.append(_raw("openxml", DOCX_HEAD.format(escape(state.head), "")))  # the last section's
    data["blocks"] = blocks
    return data


def _typst_head(text: str) -> str:
    from ..write.typst import escape as typst_escape

    return f'#running-head.update("{typst_escape(text)}")'


def _part_head(block: dict, fmt: str, state, out: list) -> None:
    """A part that brings its own running head: typst updates the header's state before it; the
    DOCX ends a section there carrying the head of what came before (the page break before the part
    becomes the section's), since a Word header belongs to a section."""
    head = dict(block["c"][1][2]).get("running-head")
    if head is None or head == state.head:
        return
    if fmt == "typst":
        out.append(_raw("typst", _typst_head(head)))
    elif fmt == "docx":
        last = _last(out)
        if last is not None and out[last] == _raw("openxml", DOCX_PAGE_BREAK):
            out.pop(last)  # (before the part's mark, if it stands between)
        out.append(_raw("openxml", DOCX_HEAD.format(escape(state.head), SECTION_BREAK.format("portrait"))))
    state.head = head


def _raw(fmt: str, text: str) -> dict:
    return {"t": "RawBlock", "c": [fmt, text]}


def _str(text: str) -> dict:
    return {"t": "Str", "c": text}


MARKED = ("typst", "docx")  # the writers that write the thesis document by document


def _parts(blocks: list, fmt: str) -> list:
    """The thesis's documents (thesiskit/assemble.py part()) unwrapped for every writer but the HTML,
    which writes them part by part: one flat list, so that what meets across two parts (a page break
    and the next part's section break, two landscape tables) is seen as it stands on the page."""
    if fmt == "html":
        return blocks
    out: list = []
    for block in blocks:
        if block.get("t") == "Div" and "document" in block["c"][0][1]:
            if fmt in MARKED:  # where each document starts: each is written on its own
                out.append(parts.mark(fmt, block["c"][0][0]))
            out += _parts(block["c"][1], fmt)
        else:
            out.append(block)
    return out


def _last(out: list) -> int | None:
    """The index of the last block in out that is not a part's mark (None for none)."""
    for i in range(len(out) - 1, -1, -1):
        if not parts.is_mark(out[i]):
            return i
    return None


def _blocks(blocks: list, fmt: str, state) -> list:
    out = []
    for block in _run_in(_parts(blocks, fmt)):
        if parts.is_mark(block):
            out.append(block)
            continue
        if block.get("t") == "Header" and block["c"][0] == 1:
            _part_head(block, fmt, state, out)
        if block.get("t") != "Div":
            _walk(block, fmt, state)
            out.append(block)
            continue
        (ident, classes, attributes), content = block["c"]
        if "apa-table" in classes:
            lowered = _table_float(block, fmt, state, out)
            if fmt == "html":
                _scrollable_table(block)
            out += lowered
            continue
        content = _blocks(content, fmt, state)
        block["c"][1] = content
        if "pagebreak" in classes:
            out += {"docx": [_raw("openxml", DOCX_PAGE_BREAK)],
                    "typst": [_raw("typst", "#pagebreak(weak: true)")]}.get(fmt, [block])
            continue
        if "toc" in classes:
            out += _toc(fmt, state.entries, state.depth)
            continue
        mapped = next((CLASSES[c] for c in classes if c in CLASSES), None)
        if mapped is None:
            out.append(block)
        elif fmt == "docx":
            if not any(k == "custom-style" for k, _v in attributes):
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


def _run_in(blocks: list) -> list:
    """Run-in headings (RUN_IN) joined to the paragraph after them; with no paragraph to begin (a
    quotation or a list follows), the heading is a paragraph of its own, styled the same."""
    out: list = []
    pending = None
    for block in blocks:
        if pending is not None and parts.is_mark(block):  # a heading ending a part begins the next one's paragraph
            out.append(block)
            continue
        if pending is not None:
            target = _first_para(block)
            if target is not None:
                target["c"][:0] = [*pending, {"t": "Space"}]
            else:
                out.append({"t": "Para", "c": pending})
            pending = None
        if block.get("t") == "Header" and block["c"][0] in RUN_IN:
            level, (ident, _classes, _kv), inlines = block["c"]
            inlines = list(inlines)
            text = layout.inline_text(inlines).replace(layout.ON, "").replace(layout.OFF, "").rstrip()
            if not text.endswith((".", "?", "!")):
                inlines.append(_str("."))
            for kind in reversed(RUN_IN[level]):
                inlines = [{"t": kind, "c": inlines}]
            pending = [{"t": "Span", "c": [[ident, ["run-in-heading"], [["level", str(level - 1)]]], inlines]}]
            continue
        out.append(block)
    if pending is not None:
        out.append({"t": "Para", "c": pending})
    return out


def _first_para(block: dict):
    """The paragraph a run-in heading begins: the block itself, or the first of a plain div's (a
    passage marked only="thesis", say)."""
    if block.get("t") == "Para":
        return block
    if block.get("t") == "Div" and not any(c in CLASSES for c in block["c"][0][1]) and block["c"][1]:
        return _first_para(block["c"][1][0])
    return None


def _table_float(block: dict, fmt: str, state, out: list) -> list:
    """A numbered table: its columns from its content, and the page and font thesiskit/layout.py
    chooses (or the author's orientation= and font-size=), each in the writer's form."""
    (_ident, classes, attributes), content = block["c"]
    attrs = dict(attributes)
    size = layout.font_size(attrs.get("font-size"))  # "9" or "9pt"
    tables = [t for t in find(content, "Table")]
    fit = _fit(tables[0], attrs.get("orientation", "auto"), size, state) if tables else None
    if fit and fit.size != layout.SIZES[0]:
        for div in find(content, "Div"):
            if "table-body" in div["c"][0][1]:
                if fmt == "docx":
                    div["c"][0][2].append(["custom-style", f"Table Text {fit.size}"])
                elif fmt == "html":
                    div["c"][0][1].append(f"table-size-{fit.size}")
    block["c"][1] = _blocks(content, fmt, state)
    if not fit or fit.orientation != "landscape":
        return [block] if fmt != "typst" or not fit or fit.size == layout.SIZES[0] else \
            [_raw("typst", f"#apa-table-font({fit.size}pt)["), block, _raw("typst", "]")]
    if fmt == "docx":
        ending = _raw("openxml", DOCX_SECTION.format("landscape"))
        last = _last(out)
        if last is not None and out[last] == ending:  # a landscape table right after another: one landscape section
            out.pop(last)
            return [block, ending]
        return [_raw("openxml", DOCX_SECTION.format("portrait")), block, ending]
    if fmt == "typst":
        return [_raw("typst", f"#apa-landscape({fit.size}pt)["), block, _raw("typst", "]")]
    classes.append("landscape")
    return [block]


_FITS: dict[tuple, layout.Fit] = {}  # each writer lowers its own copy of the same tables: laid out once


def _fit(table: dict, orientation: str, size: int | None, state) -> layout.Fit:
    """The layout of one table; its relative column widths set from it, which every writer reads."""
    state.fitted.add(id(table))
    orientation = orientation if orientation in layout.ORIENTATIONS else "auto"
    key = (json.dumps(table, separators=(",", ":")), orientation, size)
    fit = _FITS.get(key)
    if fit is None:
        fit = _FITS[key] = layout.fit(table, orientation, size)
        while len(_FITS) > 512:
            _FITS.pop(next(iter(_FITS)))
    colspecs = table["c"][2]
    if fit.widths and len(fit.widths) == len(colspecs):
        total = sum(fit.widths)
        for spec, width in zip(colspecs, fit.widths):
            spec[1] = {"t": "ColWidth", "c": round(width / total, 4)}
    return fit


_LEAVES = frozenset(("Str", "Space", "SoftBreak", "LineBreak"))  # nothing in them for _walk to change


def _walk(value, fmt: str, state) -> None:
    """Into everything that is not a list of blocks at this level: lists, tables, notes, images."""
    if isinstance(value, list):
        for v in value:  # a list of blocks holding a div is lowered as one (a plain loop: most lists are words)
            if isinstance(v, dict) and v.get("t") == "Div":
                if all(isinstance(v, dict) and "t" in v for v in value):
                    value[:] = _blocks(value, fmt, state)
                    return
                break
        for item in value:  # words and spaces (most of a text) and plain values passed over without a call
            if isinstance(item, (list, dict)) and not (isinstance(item, dict) and item.get("t") in _LEAVES):
                _walk(item, fmt, state)
    elif isinstance(value, dict):
        if value.get("t") == "Image":
            _image(value, fmt)
            if fmt == "typst":  # pandoc's typst writer drops the alt text: the call is written here
                value.update(_typst_image(value))
            return
        if value.get("t") == "Table" and id(value) not in state.fitted:
            _fit(value, "portrait", None, state)  # a table that is not a numbered one: its widths, on the page
        if value.get("t") == "Header" and fmt == "typst":
            # pandoc writes a line break as "\" and a newline, which ends a typst heading: the rest
            # ("Appendix B" + its title, "Paper 1" + the paper's title) fell into the next paragraph
            inlines = value["c"][2]
            inlines[:] = [{"t": "RawInline", "c": ["typst", "#linebreak()"]} if i.get("t") == "LineBreak" else i
                          for i in inlines]
        if isinstance(value.get("c"), (list, dict)):
            _walk(value["c"], fmt, state)


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


def _headings(blocks, depth: int) -> list[tuple[int, str, str]]:
    """(level, id, text) of the headings the contents lists: levels 1 to depth, not marked unlisted.
    A listed heading without an id (a reference list's) is given one from its part's, so that every
    entry can link to it (and the DOCX's page numbers find it)."""
    nodes = heading_nodes(blocks)
    entries, (ids,) = contents([skeleton(nodes)], depth)
    for node, ident in zip(nodes, ids):
        node["c"][1][0] = ident
    return entries


def heading_nodes(blocks) -> list[dict]:
    """The headings of blocks, in order, in Divs and block quotations too (where the contents look)."""
    found = []

    def visit(value):
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            if value.get("t") == "Header":
                found.append(value)
            elif value.get("t") in ("Div", "BlockQuote"):
                visit(value["c"])

    visit(blocks)
    return found


def skeleton(nodes: list[dict]) -> list[tuple]:
    """What the contents need of each heading: (level, id, classes, text)."""
    return [(n["c"][0], n["c"][1][0], tuple(n["c"][1][1]), _text(n["c"][2])) for n in nodes]


def contents(skeletons: list[list[tuple]], depth: int) -> tuple[list[tuple[int, str, str]], list[list[str]]]:
    """The contents' entries of parts read in order (each a skeleton), and each part's headings' ids,
    with one made for a listed heading that has none: from its part's id (the last level-1 heading's)
    and its text, numbered on when taken."""
    entries, ids_of_parts = [], []
    taken: set[str] = set()
    part = ""
    for headings in skeletons:
        ids = []
        for level, ident, classes, text in headings:
            if level == 1 and ident:
                part = ident
            if level <= depth and "unlisted" not in classes:
                if not ident:
                    base = "-".join(x for x in (part, _slug(text)) if x) or "section"
                    ident, n = base, 1
                    while ident in taken:
                        n += 1
                        ident = f"{base}-{n}"
                entries.append((level, ident, text))
            taken.add(ident)
            ids.append(ident)
        ids_of_parts.append(ids)
    return entries, ids_of_parts


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _text(inlines) -> str:
    pieces = []
    for inline in inlines:
        kind = inline.get("t")
        if kind == "Str":
            pieces.append(inline["c"])
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            pieces.append(" ")
        elif kind in ("Emph", "Strong", "SmallCaps", "Underline", "Strikeout"):
            pieces.append(_text(inline["c"]))
        elif kind in ("Span", "Quoted", "Cite", "Link"):
            pieces.append(_text(inline["c"][1]))
    return "".join(pieces)


def _toc(fmt, entries, depth: int) -> list:
    title = {"t": "Header", "c": [1, ["", ["unlisted", "unnumbered"], []], [_str("Contents")]]}
    if fmt == "typst":
        return [_raw("typst", f"#apa-contents({depth})")]
    if fmt == "docx":
        return [title, _raw("openxml", docx_contents(entries))]
    root: list = []
    stack = [(0, root)]  # (level, the items under the entry of that level)
    for level, ident, text in entries:
        while stack[-1][0] >= level:
            stack.pop()
        children: list = []
        stack[-1][1].append((ident, text, children))
        stack.append((level, children))

    def items(nodes) -> list:
        out = []
        for ident, text, children in nodes:
            link = {"t": "Plain", "c": [{"t": "Link", "c": [["", [], []], [_str(text)], ["#" + ident, ""]]}]}
            out.append([link, {"t": "BulletList", "c": items(children)}] if children else [link])
        return out

    return [title, {"t": "Div", "c": [["", ["toc"], []], [{"t": "BulletList", "c": items(root)}]]}]


def docx_contents(entries) -> str:
    """Word's contents: one paragraph per heading, each a link to the heading's bookmark followed by
    its page number as a PAGEREF field. LibreOffice computes these fields as it lays the pages out,
    Word when it updates fields (it asks on opening: thesiskit/write/docx.py sets updateFields); the
    number written in each is the one the build found through LibreOffice, or none. Not a TOC field:
    LibreOffice shows a TOC field's text as it was saved, so its page numbers would stay blank."""
    rows = []
    for level, ident, text in entries:
        ident = bookmark_name(ident)
        rows.append(f'<w:p><w:pPr><w:pStyle w:val="TOC{min(level, 4)}"/></w:pPr>'
                    f'<w:hyperlink w:anchor="{escape(ident)}" w:history="1"><w:r><w:t xml:space="preserve">'
                    f'{escape(text)}</w:t></w:r><w:r><w:tab/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                    f'<w:r><w:instrText xml:space="preserve"> PAGEREF {escape(ident)} \\h </w:instrText></w:r>'
                    f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t></w:t></w:r>'
                    f'<w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink></w:p>')
    return "".join(rows)


def bookmark_name(ident: str) -> str:
    """The name pandoc's DOCX writer gives the bookmark of an element with this id: the id itself when
    it starts with a letter and has at most 40 characters (Word's limit), else X and a SHA-1."""
    if ident[:1].isalpha() and len(ident) <= 40:
        return ident
    return "X" + hashlib.sha1(ident.encode("utf-8")).hexdigest()[1:]
