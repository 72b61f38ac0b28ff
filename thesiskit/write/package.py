"""Stage 'write' for a journal profile (`package: per-paper`): one submission package per paper.

build/<target>/<paper id>/
  manuscript.docx          masked: abstract, keywords, main text, references; a callout where each
                           table and figure goes; no author, affiliation or institution anywhere
  title-page.docx          title, authors, affiliations, corresponding author, counts, statements
  tables.docx              the tables that stay with the article, one per page
  supplementary.docx       the tables and figures that moved to supplementary material (if any)
  figures/figure-N.png     each figure at the journal's resolution, with figure-N.svg beside it
  figure-captions.docx     the figure captions as a list
  checklist.md             every rule of the profile: pass, fail or author to confirm, with evidence

Everything is written to a staging folder and renamed into place at the end, so a failed build
leaves the previous package as it was. Rules that fail are errors (exit 1) after the package and
its checklist are written, so the author can see both.
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import panflute as pf

from .. import anchors, figures, masking, pandoc, people, reproducible
from ..assemble import affiliation_lines, byline, number, orcid_lines, page_break, shift_headings
from ..context import Context
from ..inlines import para, words
from ..transforms.lower import lower_json
from . import docx, typst
from .checklist import Rule, checklist, masking_rules, render_checklist
from .publish import Publication, work_folder


def packages(docs: dict[str, pf.Doc], ctx: Context, result, counts: dict[str, dict]) -> None:
    """build/<target>/<paper id>/ for every paper, then published as one (thesiskit/write/publish.py)."""
    root = ctx.project.root
    checklists, drawn = {}, []
    with Publication(ctx) as out:
        for document in ctx.project.documents:
            if document.kind != "paper":
                continue
            folder = out.staging / document.id
            folder.mkdir()
            work = work_folder(root)
            try:
                rules = package(docs[document.id], ctx, document, counts[document.id], folder, work)
                for source in sorted(work.glob("figure-*.typ")):  # text figures, drawn as pixels and outlines
                    text = source.read_text(encoding="utf-8")
                    drawn += [(f"build/{ctx.target}/{document.id}/figures/{source.stem}.png", text),
                              *figures.drawn_texts(root, text)]
            finally:
                shutil.rmtree(work, ignore_errors=True)
            checklists[document.id] = rules
            for rule in rules:
                if rule.status == "fail" and rule.hard:
                    ctx.problems.error(rule.evidence.split(" — ")[0] if " — " in rule.evidence else document.id,
                                       f"{ctx.target}: {rule.rule}: {rule.evidence.split(' — ')[-1]}",
                                       document=document.id)
        out.publish(result, {"checklists": {d: [r.__dict__ for r in rules] for d, rules in checklists.items()}},
                    drawn=drawn)


def package(doc: pf.Doc, ctx: Context, document, counts: dict, folder: Path, work: Path) -> list[Rule]:
    meta = ctx.project.metadata
    article = str(doc.get_metadata("kind", ""))
    ident = masking.identity(ctx.project, document, ctx.profile) if ctx.profile.mask else None
    source, blinded = doc, 0
    if ident is not None:  # everything reviewers get is made from the masked copy
        source, blinded = masking.blind_doc(doc, ident.matcher)
        masking.clean_images(source, ctx.project.root, work, ident.matcher)
    title = str(source.get_metadata("title", document.id))
    manuscript, tables, supplementary, figures = split_floats(source)
    body = manuscript_blocks(manuscript, title, source)
    matcher = ident.matcher if ident else None
    head = _short_title(source) if ctx.profile.running_head else ""  # from the masked copy for reviewers
    reviewed = [folder / "manuscript.docx"]
    write_docx(pf.Doc(*body, metadata={"lang": meta.get("lang", "en-GB")}), ctx, reviewed[0], title, matcher, head,
               document.id)
    real_title = str(doc.get_metadata("title", document.id))
    write_docx(pf.Doc(*title_page(doc, ctx, document, real_title, counts)), ctx, folder / "title-page.docx", real_title,
               running_head=_short_title(doc) if ctx.profile.running_head else "")
    if tables:
        reviewed.append(folder / "tables.docx")
        write_docx(pf.Doc(*_one_per_page(tables)), ctx, reviewed[-1], title, matcher, head, document.id)
    if supplementary:
        heading = pf.Header(pf.Str("Supplementary"), pf.Space(), pf.Str("Material"), level=1)
        reviewed.append(folder / "supplementary.docx")
        write_docx(pf.Doc(heading, *_one_per_page(supplementary)), ctx, reviewed[-1], title, matcher, head,
                   document.id)
    figure_files = write_figures(figures, ctx, folder / "figures", work)
    reviewed += figure_files
    if figures:
        reviewed.append(folder / "figure-captions.docx")
        write_docx(pf.Doc(*figure_captions(figures)), ctx, reviewed[-1], title, matcher, head, document.id)

    rules = checklist(doc, manuscript, ctx, document, counts, article, folder, tables, supplementary,
                      figures, figure_files)
    rules += masking_rules(ctx, document, ident, blinded, reviewed, folder, work)
    rules += [Rule(str(item), "author to confirm", "not checkable by the build", hard=False)
              for item in ctx.profile.confirm]
    (folder / "checklist.md").write_text(render_checklist(rules, title, document.id, ctx.target), encoding="utf-8")
    return rules


def split_floats(doc: pf.Doc):
    """(manuscript, kept tables, supplementary floats, kept figures): floats leave the text, a callout
    takes each kept one's place."""
    manuscript = pf.Doc(*copy.deepcopy(list(doc.content)), metadata=doc.metadata)
    tables, supplementary, figures = [], [], []

    def action(elem, _doc):
        if isinstance(elem, pf.Div) and "apa-float" in elem.classes:
            kind = "Table" if "apa-table" in elem.classes else "Figure"
            if elem.attributes.get("placement") == "supplementary":
                supplementary.append(elem)
                return []
            (tables if kind == "Table" else figures).append(elem)
            callout = f"[Insert {elem.attributes.get('label', kind)} about here]"
            return pf.Div(pf.Para(*words(callout)), classes=["callout"])
        return None

    manuscript.walk(action)
    return manuscript, tables, supplementary, figures


def manuscript_blocks(manuscript: pf.Doc, title: str, doc: pf.Doc) -> list:
    """The journal's order: title (no authors), abstract, keywords, main text, references."""
    abstract, body = [], []
    for block in manuscript.content:
        if isinstance(block, pf.Div) and "abstract" in block.classes:
            abstract.append(block)
        elif isinstance(block, pf.Div) and "title-note" in block.classes:
            continue  # the thesis's title-page note has no place in a journal manuscript
        else:
            body.append(block)
    shift_headings(body, 1)
    blocks = [pf.Header(*words(title), level=1, classes=["unnumbered"])]
    if abstract:
        blocks += [pf.Header(pf.Str("Abstract"), level=2, classes=["unnumbered"]), *abstract]
    keywords = doc.get_metadata("keywords", [])
    if keywords:
        blocks.append(pf.Div(para(pf.Emph(pf.Str("Keywords:")), pf.Space(), ", ".join(map(str, keywords))),
                             classes=["keywords"]))
    blocks.append(page_break())
    for block in body:
        if isinstance(block, pf.Header) and "references" in block.classes:
            blocks.append(page_break())
        blocks.append(block)
    return blocks


def title_page(doc: pf.Doc, ctx: Context, document, title: str, counts: dict) -> list:
    """The journal's title page: the one file that names the authors, so it is never masked."""
    meta = ctx.project.metadata
    authors = document.authors or ctx.project.authors
    names_line, order = byline(authors)
    contact = people.corresponding(authors)
    declaration = _section_text(doc, "declaration")
    blocks = [
        pf.Header(*words(title), level=1, classes=["unnumbered"]),
        pf.Div(pf.Para(*names_line), *affiliation_lines(order), classes=["paper-title-page"]),
        *orcid_lines(authors),
    ]
    if contact:
        blocks.append(_statement("Corresponding author", ", ".join(x for x in (contact.name, contact.address) if x)
                                 + (f" Email: {contact.email}" if contact.email else "")))
    blocks += [
        _statement("Word count", f"abstract {number(counts.get('abstract', 0))}; main text "
                                 f"{number(counts.get('main', 0))} "
                                 f"({ctx.profile.main_count_label.lower()})"),
        _statement("Funding", str(meta.get("funding") or "[to be completed by the author]")),
        _statement("Disclosure statement", declaration or "[to be completed by the author]"),
        _statement("Data availability statement", str(meta.get("data-availability") or
                                                       "[to be completed by the author]")),
    ]
    if meta.get("acknowledgements"):
        blocks.append(_statement("Acknowledgements", str(meta["acknowledgements"])))
    return blocks


def _statement(name: str, text: str) -> pf.Para:
    return para(pf.Strong(*words(name + ".")), pf.Space(), text)


def _section_text(doc: pf.Doc, word: str) -> str:
    """The text under the first heading whose title contains `word` (e.g. the declaration of interest)."""
    blocks = list(doc.content)
    for i, block in enumerate(blocks):
        if isinstance(block, pf.Header) and word in pf.stringify(block).lower():
            texts = []
            for follower in blocks[i + 1:]:
                if isinstance(follower, pf.Header):
                    break
                texts.append(pf.stringify(follower))
            return " ".join(texts).strip()
    return ""


def _one_per_page(floats: list) -> list:
    out = []
    for i, float_ in enumerate(floats):
        if i:
            out.append(page_break())
        out.append(float_)
    return out


def figure_captions(figures: list) -> list:
    blocks = [pf.Header(pf.Str("Figure"), pf.Space(), pf.Str("Captions"), level=1, classes=["unnumbered"])]
    for figure in figures:
        label = next(b for b in figure.content if "float-label" in getattr(b, "classes", []))
        title = next(b for b in figure.content if "float-title" in getattr(b, "classes", []))
        note = [b for b in figure.content if "float-note" in getattr(b, "classes", [])]
        inlines = [pf.Strong(*words(pf.stringify(label).strip() + ".")), pf.Space(), *title.content[0].content]
        blocks.append(pf.Para(*inlines))
        for n in note:
            blocks.extend(n.content)
    return blocks


def _short_title(doc: pf.Doc) -> str:
    """The paper's running head: its short-title, else its title (APA: at most 50 characters)."""
    value = doc.get_metadata("short-title", "") or doc.get_metadata("title", "")
    return " ".join(str(value).split())


def write_docx(doc: pf.Doc, ctx: Context, path: Path, title: str, matcher=None, running_head: str = "",
               document: str | None = None) -> None:
    """One file of the package; with the identity matcher (a masked file), its properties and media
    are scrubbed of anything naming the authors. With the paper's id, its blocks carry their source
    anchors (thesiskit/anchors.py), except those that would name the authors."""
    data = doc.to_json()
    if document is not None:
        anchors.add(data, ctx.sources, [document], matcher, keys=ctx.bib_keys)
    docx.write_docx(data, path, ctx.project.root, matcher=matcher, title=title, dpi=ctx.profile.figure_dpi,
                    running_head=running_head, date=reproducible.source_date(ctx.project.metadata))


def write_figures(figures: list, ctx: Context, folder: Path, work: Path) -> list[Path]:
    """figure-N.png at the profile's resolution and figure-N.svg, rendered by typst from the figure's
    own content, so pictures and figures made of text come out alike. The typst sources stay in the
    work folder (inside the project: typst reads inside its root only) for the identity scan."""
    if not figures:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n, figure in enumerate(figures, start=1):
        body = next(b for b in figure.content if "float-body" in getattr(b, "classes", []))
        lowered = lower_json(pf.Doc(*copy.deepcopy(list(body.content))).to_json(), "typst")
        out, _ = pandoc.run(["-f", "json", "-t", "typst-citations", "--wrap=none"], json.dumps(lowered).encode("utf-8"))
        written += typst.render_figure(out.decode("utf-8"), work / f"figure-{n}.typ", folder, n, ctx.project.root,
                                       ctx.profile.figure_dpi)
    return written
