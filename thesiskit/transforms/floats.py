"""Tables and figures in APA style, numbered per document.

Authoring forms (see README "Tables and figures"):
    ::: {#tbl:casp title="CASP Scores"}      a table (and its note paragraphs) in a fenced div
    Table: CASP Scores {#tbl:casp}           pandoc's own caption syntax
    ![Title](figures/prisma.svg){#fig:prisma} a picture
    ::: {#fig:schedule title="..."}           a figure made of text

Each becomes one div of class apa-table / apa-figure holding, in APA order, a label ("Table 1", bold),
a title (italic), the body, and a note. Numbers restart in every paper; in the appendices they carry the
appendix letter (Table F1). The writers' styling is applied later by the lower transform.

A journal's profile may cap the tables and figures that stay with the article (`floats:` in the
profile); the rest become supplementary material, numbered S1, S2, ... so that every cross-reference
says "Supplementary Table S1". The author chooses with `journal="keep"` or `journal="supplementary"`
on a float; unmarked floats stay in reading order up to the cap.
"""
from __future__ import annotations

import panflute as pf

from ..anchors import anchor
from ..context import Label
from ..inlines import words
from ..tree import elements

NAME = "floats"
STAGE = "expand"
KINDS = {"tbl": "Table", "fig": "Figure"}
LAYOUT = ("orientation", "font-size")  # a table's page and font, as the author marks them (thesiskit/layout.py)


def placements(marks: list[str], cap: int | None) -> tuple[list[str], int]:
    """'main' or 'supplementary' for each float of one kind in reading order, given the authors'
    marks ('keep', 'supplementary' or ''), and how many marked 'keep' exceed the cap."""
    if cap is None:
        return ["main"] * len(marks), 0
    kept = [i for i, m in enumerate(marks) if m == "keep"]
    free = max(cap - len(kept), 0)
    out = []
    for mark in marks:
        if mark == "keep":
            out.append("main")
        elif mark == "" and free > 0:
            out.append("main")
            free -= 1
        else:
            out.append("supplementary")
    return out, max(len(kept) - cap, 0)


def _plan(doc: pf.Doc, ctx, document) -> dict:
    """Decide, before numbering, which floats stay with the article under the profile's caps."""
    caps = ctx.profile.floats
    marks: dict[str, list[tuple[str, str]]] = {"tbl": [], "fig": []}

    def collect(elem, _doc):
        if isinstance(elem, (pf.Div, pf.Figure)) and ":" in elem.identifier and elem.identifier.split(":")[0] in KINDS:
            kind = elem.identifier.split(":")[0]
            images = _images(elem) if isinstance(elem, pf.Figure) else []  # ![..](..){#fig:x journal=..}
            mark = elem.attributes.get("journal", images[0].attributes.get("journal", "") if images else "")
            if mark not in ("", "keep", "supplementary"):
                ctx.problems.error(ctx.locate(document, "#" + elem.identifier),
                                   f"journal=\"{mark}\" on {elem.identifier}: use journal=\"keep\" or "
                                   "journal=\"supplementary\"")
                mark = ""
            marks[kind].append((elem.identifier, mark))

    for elem in elements(doc):
        collect(elem, doc)
    plan = {}
    for kind, name in (("tbl", "tables"), ("fig", "figures")):
        cap = getattr(caps, name)
        decided, over = placements([m for _, m in marks[kind]], cap)
        if over:
            kept = [label for label, m in marks[kind] if m == "keep"]
            ctx.problems.error(ctx.locate(document, "#" + kept[-1]),
                               f"{len(kept)} {name} are marked journal=\"keep\" but the {ctx.target} profile allows "
                               f"{cap}; mark {over} of them journal=\"supplementary\"", document=document.id,
                               code="limit")
        plan[kind] = iter(decided)
    return plan


def run(doc: pf.Doc, ctx, document) -> None:
    counters = {"tbl": 0, "fig": 0, "stbl": 0, "sfig": 0}
    caps = ctx.profile.floats
    counters["plan"] = _plan(doc, ctx, document) if caps.tables is not None or caps.figures is not None else None
    prefix = ""
    new_content = []
    blocks = list(doc.content)
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if isinstance(block, pf.Header) and block.level == 1 and "appendix" in block.attributes:
            prefix = block.attributes["appendix"]  # Table B1, B2 ... inside Appendix B
            counters.update({"tbl": 0, "fig": 0})
        float_ = _as_float(block, ctx, document)
        if float_ is None:
            new_content.append(_walk_nested(block, ctx, document, counters, prefix))
            index += 1
            continue
        kind, label, title, body, note, marks = float_
        if kind == "fig" and not note and index + 1 < len(blocks) and _is_note(blocks[index + 1]):
            note = [blocks[index + 1]]  # "*Note.* ..." paragraph right after a picture
            index += 1
        new_content.append(_build(kind, label, title, body, note, marks, ctx, document, counters, prefix))
        index += 1
    doc.content = new_content
    for image in _images(doc):  # a picture in the prose, outside any figure: its alt text is the author's
        if not pf.stringify(image).strip():
            written = image.attributes.pop("alt", "")
            if written:
                image.content = words(written)
            else:
                where = ctx.locate(document, "![](")
                ctx.problems.warning(where, f"the image {image.url} has no alt text, so "
                                     "a screen reader cannot say what it shows; describe it: ![what it shows](...)",
                                     document=document.id)


def _walk_nested(block, ctx, document, counters, prefix):
    """Floats inside other blocks (a div of conditional content, say) are numbered in reading order too."""
    if isinstance(block, pf.Div) and not block.identifier.startswith(("tbl:", "fig:")):
        inner_blocks = []
        for child in list(block.content):
            float_ = _as_float(child, ctx, document)
            if float_ is None:
                inner_blocks.append(_walk_nested(child, ctx, document, counters, prefix))
            else:
                inner_blocks.append(_build(*float_, ctx, document, counters, prefix))
        block.content = inner_blocks
    return block


def _as_float(block, ctx, document):
    """(kind, label, title inlines, body blocks, note blocks, layout marks) when block is a table or
    figure, else None."""
    if isinstance(block, pf.Div) and "directive-failed" in block.classes:
        _stand_in(block.identifier, ctx, document)  # its directive already said what is wrong
        return None
    if isinstance(block, pf.Div) and block.identifier.split(":")[0] in KINDS and ":" in block.identifier:
        kind, label = block.identifier.split(":")[0], block.identifier
        content = list(block.content)
        _layout_marks(block, kind, ctx, document)
        title = words(block.attributes.get("title", ""))
        if kind == "tbl":
            tables = [b for b in content if isinstance(b, pf.Table)]
            if len(tables) != 1:
                ctx.problems.error(ctx.locate(document, "#" + label),
                                   f"table div '{label}' holds {len(tables)} tables; put exactly one table in it")
                _stand_in(label, ctx, document)
                return None
            table = tables[0]
            position = content.index(table)
            if not title and table.caption.content:
                title = _captionwords(table.caption)
            table.caption = pf.Caption()
            body, note = [table], content[position + 1:]
        else:
            body, note = content, []
            for image in _images(block):  # ::: {#fig:x .prisma-flow alt="..."}: the author's alt text
                if block.attributes.get("alt") and not image.attributes.get("alt"):
                    image.attributes["alt"] = block.attributes["alt"]
            notes = [b for b in content if _is_note(b)]
            if notes:
                first = content.index(notes[0])
                body, note = content[:first], content[first:]
        if not title:
            ctx.problems.error(ctx.locate(document, "#" + label), f"{KINDS[kind].lower()} '{label}' has no title; "
                               'add title="..." to the div')
        marks = {k: block.attributes[k].removesuffix("pt").strip() for k in LAYOUT if k in block.attributes}
        return kind, label, title, body, note, marks
    if isinstance(block, pf.Table):
        label = block.identifier
        title = _captionwords(block.caption)
        if not label and not title:
            return None  # a plain layout table: not numbered
        block.caption = pf.Caption()
        block.identifier = ""
        return "tbl", label or None, title, [block], [], {}
    if isinstance(block, pf.Figure):
        label = block.identifier
        title = _captionwords(block.caption)
        body = []
        for child in block.content:
            for image in _images(child):
                image.title = ""  # pandoc gave the image the caption (or the author's alt=) as its alt text
            body.append(pf.Para(*child.content) if isinstance(child, pf.Plain) else child)
        block.identifier = ""
        return "fig", label or None, title, body, [], {}
    return None


def _layout_marks(div: pf.Div, kind: str, ctx, document) -> None:
    """orientation= and font-size= on a table's div: checked here, carried to the float for lowering."""
    from ..layout import ORIENTATIONS, SIZES, font_size

    where = ctx.locate(document, "#" + div.identifier)
    for key in LAYOUT:
        value = div.attributes.get(key)
        if value is None:
            continue
        if kind != "tbl":
            ctx.problems.error(where, f"{key}=\"{value}\" on figure {div.identifier}: only a table's page and font "
                               "can be set; remove it")
        elif key == "orientation" and value not in ORIENTATIONS:
            ctx.problems.error(where, f"orientation=\"{value}\" on {div.identifier} is not a page orientation; use "
                               "orientation=\"landscape\", \"portrait\" or \"auto\" (the build decides)")
        elif key == "font-size" and font_size(value) is None:
            ctx.problems.error(where, f"font-size=\"{value}\" on {div.identifier} is not a table size; use a size in "
                               f"points, {', '.join(map(str, SIZES))} (APA's smallest is 8)")
        else:
            continue
        del div.attributes[key]


def _is_picture(body: list) -> bool:
    """A figure that is a picture (centred under its title), not one made of text: every block a
    paragraph of images alone. A text figure (an interview schedule, a list) keeps its text flush left."""
    quiet = (pf.Space, pf.SoftBreak, pf.LineBreak)
    return bool(body) and all(isinstance(b, (pf.Para, pf.Plain)) and any(isinstance(i, pf.Image) for i in b.content)
                              and all(isinstance(i, (pf.Image, *quiet)) for i in b.content) for b in body)


def _stand_in(label: str, ctx, document) -> None:
    """A float that failed still answers to its label, so that the one mistake is not reported again
    at every @tbl:... that refers to it. The build stops on the first error: nothing shows the text."""
    if label.split(":")[0] in KINDS and ":" in label:
        ctx.labels.setdefault((document.id, label), Label(text=f"{KINDS[label.split(':')[0]]} ?", anchor="",
                                                          doc_id=document.id))


def _build(kind, label, title, body, note, marks, ctx, document, counters, prefix):
    placement = next(counters["plan"][kind], "main") if counters.get("plan") else "main"
    if placement == "supplementary":
        counters["s" + kind] += 1
        number, name = f"S{counters['s' + kind]}", f"Supplementary {KINDS[kind]}"
    else:
        counters[kind] += 1
        number, name = f"{prefix}{counters[kind]}", KINDS[kind]
    text = f"{name} {number}"
    ident = anchor(document.id, label) if label else ""
    if label:
        if label.split(":")[0] != kind:
            ctx.problems.error(ctx.locate(document, "#" + label),
                               f"label '{label}' is on a {KINDS[kind].lower()}; start it with '{kind}:'")
        key = (document.id, label)
        if key in ctx.labels:
            ctx.problems.error(ctx.locate(document, "#" + label), f"label '{label}' is used twice in {document.id}; "
                               "labels must be unique within a document")
        ctx.labels[key] = Label(text=text, anchor=ident, doc_id=document.id)
    if kind == "fig":
        for image in (i for b in body for i in _images(b)):
            alt_text(image, title)
    parts = [
        pf.Div(pf.Para(pf.Strong(*words(text))), classes=["float-label"]),
        pf.Div(pf.Para(pf.Emph(*title)), classes=["float-title"]),
        pf.Div(*body, classes=["table-body"] if kind == "tbl" else ["float-body"] if _is_picture(body)
               else ["text-figure", "float-body"]),
    ]
    if note:
        parts.append(pf.Div(*note, classes=["float-note"]))
    return pf.Div(*parts, identifier=ident, classes=["apa-float", "apa-table" if kind == "tbl" else "apa-figure"],
                  attributes={"number": number, "placement": placement, "label": text, **marks})


def alt_text(image: pf.Image, title: list) -> None:
    """Every picture has alt text (WCAG 1.1.1), which DOCX, HTML and typst each write from the image's
    description: the author's `alt="..."` (on the image, or on a figure's div; pandoc has already made
    it the description of a picture written ![title](x.png){alt="..."}), else what the image already
    says, else the figure's title."""
    written = image.attributes.pop("alt", "")
    if written:
        image.content = words(written)
    elif not pf.stringify(image).strip():
        image.content = words("".join(pf.stringify(e) for e in title).strip() or "Figure")


def _is_note(block) -> bool:
    if not isinstance(block, pf.Para) or not block.content:
        return False
    first = block.content[0]
    return isinstance(first, pf.Emph) and pf.stringify(first).strip().rstrip(".:") == "Note"


def _images(block):
    return [e for e in elements(block) if isinstance(e, pf.Image)]


def _captionwords(caption: pf.Caption) -> list:
    inlines = []
    for block in caption.content:
        if inlines:
            inlines.append(pf.Space())
        inlines.extend(block.content if hasattr(block, "content") else [])
    return list(inlines)

