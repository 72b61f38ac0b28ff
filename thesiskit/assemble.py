"""Stage 'assemble': the documents become one thesis, in the seed's order.

title page; front matter (acknowledgements); preface (with its word count); contents; each paper
(title page with word counts, abstract and keywords, main text, references); appendices.
The preface states its own word count in its text: `{{ words.preface.main }}`.
Title pages are made from metadata (thesis.md and each paper's front matter), never typed.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import panflute as pf

from . import people
from .context import Context
from .inlines import para, words
from .people import Person
from .tree import elements


def page_break() -> pf.Div:
    return pf.Div(classes=["pagebreak"])


def title_space(fill: bool = False) -> pf.Div:
    """Room between the groups of a title page: a blank line; with fill, in the PDF, an equal share of
    the page's free height, so that the groups spread down the page (templates/thesis.typ)."""
    return pf.Div(pf.Para(pf.Str("\u00a0")), classes=["title-page-fill" if fill else "title-page-space"])


def number(n: int) -> str:
    return f"{n:,}"


def meta_text(doc: pf.Doc, key: str, default: str = "") -> str:
    value = doc.get_metadata(key, default)
    return value if isinstance(value, str) else default


def thesis_title_page(project) -> list:
    """The thesis's title page, in groups spread down the page as the seed's: the school, the title,
    the degree it is submitted for, who wrote and supervised it, the date."""
    meta = project.metadata
    school = [para(str(meta[k])) for k in ("school", "school-translation") if meta.get(k)]
    title = [pf.Div(para(str(meta["title"])), classes=["title-page-title"])]
    degree = [para(str(meta.get("submission", "Thesis submitted in partial fulfilment of the requirement for the "
                                              "degree of:")))]
    degree += [para(str(meta[k])) for k in ("degree", "programme", "university") if meta.get(k)]
    people_ = [para(f"Written by: {people.names(project.authors)}")]
    if project.supervisors:
        people_.append(para("Supervised by: " + _listed([p.titled for p in project.supervisors])))
    for adviser in project.advisers:
        people_.append(para(f"{adviser.role}: {adviser.titled}" if adviser.role else adviser.titled))
    date = [para(format_date(meta.get("date")))]
    blocks: list = []
    for group in (school, title, degree, people_, date):
        if group:
            blocks += [title_space(fill=True), *group] if blocks else group
    return [pf.Div(*blocks, classes=["title-page"]), page_break()]


def _listed(items: list[str]) -> str:
    """'A and B', 'A, B and C' (the thesis title page's British style)."""
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def byline(authors: list[Person]) -> tuple[list, list[str]]:
    """The authors' line of a paper's title page, each name with its affiliations' numbers, and the
    affiliations in the order the numbers give. With a single affiliation, APA sets no numbers."""
    order: list[str] = []
    for author in authors:
        order += [a for a in author.affiliations if a not in order]
    inlines: list = []
    for i, author in enumerate(authors):
        if i:
            inlines += words("," if len(authors) > 2 else "")
            if i == len(authors) - 1:
                inlines += [pf.Space(), pf.Str("and")]
            inlines.append(pf.Space())
        inlines += words(author.name)
        marks = ",".join(str(order.index(a) + 1) for a in author.affiliations)
        if marks and len(order) > 1:
            inlines.append(pf.Superscript(pf.Str(marks)))
    return inlines, order


def affiliation_lines(order: list[str]) -> list:
    if len(order) == 1:
        return [para(order[0])]
    return [para(pf.Superscript(pf.Str(str(i))), name) for i, name in enumerate(order, start=1)]


def orcid_lines(authors: list[Person]) -> list:
    return [para(f"{a.name}:", pf.Space(), pf.Link(pf.Str(f"https://orcid.org/{a.orcid}"), url=f"https://orcid.org/{a.orcid}"))
            for a in authors if a.orcid]


def format_date(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.day} {value:%B %Y}"
    return str(value or "")




def paper_blocks(doc: pf.Doc, doc_id: str, index: int, authors: list[Person], counts: dict, main_label: str,
                 running_head: str | None = None) -> list:
    """A paper: its title page, abstract page, main text and reference list. With running_head (the
    thesis's short title, when the profile asks for running heads), the paper's own short-title heads
    its pages, or the thesis's when it has none."""
    title = meta_text(doc, "title", doc_id)
    header = pf.Header(pf.Str("Paper"), pf.Space(), pf.Str(str(index)), pf.LineBreak(), *words(title),
                       level=1, identifier=doc_id, classes=["paper-title"])
    if running_head is not None:
        header.attributes["running-head"] = meta_text(doc, "short-title") or running_head
    abstract, title_note, body = [], [], []
    for block in doc.content:
        if isinstance(block, pf.Div) and "abstract" in block.classes:
            abstract.append(block)
        elif isinstance(block, pf.Div) and "title-note" in block.classes:
            title_note.extend(block.content)
        else:
            body.append(block)
    main_count = para(f"{main_label}: {number(counts['main'])}")
    names_line, order = byline(authors)
    page = [title_space(), pf.Para(*names_line)]
    contact = people.corresponding(authors)
    if contact and contact.address:
        page.append(para(f"Please address any correspondence to {contact.name}, {contact.address}"))
    if contact and contact.email:
        page.append(para("Email:", pf.Space(), pf.Link(pf.Str(contact.email), url=f"mailto:{contact.email}")))
    page += orcid_lines(authors)
    page.append(para(f"Word count for abstract: {number(counts['abstract'])}"))
    page.append(main_count)
    page += affiliation_lines(order)
    if title_note:  # APA's author note, in the lower part of the page: a footnote's number read as an affiliation's
        heading = pf.Div(para(pf.Strong(*words("Author Note"))), classes=["author-note-title"])
        page += [title_space(fill=True), pf.Div(heading, *title_note, classes=["author-note"])]
    blocks = [header, pf.Div(*page, classes=["paper-title-page"]), page_break()]
    if abstract:
        blocks.append(pf.Header(pf.Str("Abstract"), level=2, identifier=f"{doc_id}-abstract", classes=["unnumbered"]))
        blocks.extend(abstract)
    keywords = doc.get_metadata("keywords", [])
    if keywords:
        blocks.append(pf.Div(para(pf.Emph(pf.Str("Keywords:")), pf.Space(), ", ".join(map(str, keywords))),
                             classes=["keywords"]))
    blocks.append(page_break())
    _namespace_references(blocks, doc_id)  # the title and abstract pages; the body's in the same walk as its headings
    for block in body:
        for elem in elements(block):  # changes levels and identifiers only, not the tree's shape
            _shift_heading(elem, 1)
            _namespace_reference(elem, doc_id)
    for block in body:
        if isinstance(block, pf.Header) and "references" in block.classes:
            blocks.append(page_break())  # APA: the reference list starts on a new page
        blocks.append(block)
    return blocks


def shift_headings(blocks: list, by: int) -> None:
    """Inside a paper, Markdown's '#' is APA level 1, one level below the paper's own title."""
    for block in blocks:
        for elem in elements(block):  # changes levels only, not the tree's shape
            _shift_heading(elem, by)


def _shift_heading(elem: pf.Element, by: int) -> None:
    if isinstance(elem, pf.Header):
        elem.level = min(elem.level + by, 6)


def _namespace_references(blocks: list, doc_id: str) -> None:
    """Reference-list ids are per document in citeproc's output; make them unique in the thesis."""
    for block in blocks:
        for elem in elements(block):  # changes identifiers only
            _namespace_reference(elem, doc_id)


def _namespace_reference(elem: pf.Element, doc_id: str) -> None:
    if isinstance(elem, pf.Div) and (elem.identifier == "refs" or elem.identifier.startswith("ref-")):
        elem.identifier = f"{doc_id}-{elem.identifier}"


def running_head(ctx: Context) -> str:
    """The thesis's running head: its short-title (thesis.md), or nothing."""
    value = ctx.project.metadata.get("short-title", "")
    return " ".join(str(value).split()) if value else ""


@dataclass
class Assembled:
    """The assembled thesis as pandoc JSON, kept as its parts' texts (the title page, the contents, each
    document's part()): the HTML is written part by part, and the preview keeps unchanged parts."""

    shell: str  # the thesis without blocks: its API version and metadata
    parts: list[str]

    @classmethod
    def of(cls, lang: str, parts: list[str]) -> Assembled:
        return cls(json.dumps(pf.Doc(metadata={"lang": lang}).to_json()), parts)

    def json(self) -> str:
        return self.shell.replace('"blocks": []', '"blocks": [' + ", ".join(self.parts) + "]", 1)

    @property
    def api(self) -> list:
        return json.loads(self.shell)["pandoc-api-version"]

    @property
    def lang(self) -> str:
        value = json.loads(self.shell)["meta"].get("lang", {})
        return value.get("c", "") if value.get("t") == "MetaString" else ""


def contents_before(document, documents: list) -> bool:
    """Whether the contents go just before this document: the first paper or appendices of the plan."""
    return document is next((d for d in documents if d.kind in ("paper", "appendices")), None)


def contents_part() -> pf.Div:
    return part("contents", [pf.Div(classes=["toc"]), page_break()])


def document_part(doc: pf.Doc, document, ctx: Context, counts: dict[str, dict]) -> pf.Div:
    """One document of the plan as its part of the thesis: a paper with its title page, abstract page
    and reference list; any other with its references' ids made its own (and the appendices under
    their heading). Changes doc's blocks in place."""
    project = ctx.project
    head = running_head(ctx) if ctx.profile.running_head else None
    if document.kind == "paper":
        papers = [d for d in project.documents if d.kind == "paper"]
        content = paper_blocks(doc, document.id, papers.index(document) + 1, document.authors or project.authors,
                               counts[document.id], ctx.profile.main_count_label, head)
    else:
        content = list(doc.content)
        _namespace_references(content, document.id)
        if document.kind == "appendices":
            content.insert(0, pf.Header(pf.Str("Appendices"), level=1, identifier="appendices",
                                        classes=["unnumbered"]))
        if head is not None:
            for block in content:
                if isinstance(block, pf.Header) and block.level == 1:
                    block.attributes["running-head"] = head  # back to the thesis's own after a paper
    return part(document.id, [*content, page_break()])


def part(doc_id: str, blocks: list) -> pf.Div:
    """One document of the thesis, marked as such: the HTML is written part by part (and the
    preview replaces one part in place); lowering unwraps it for DOCX and typst."""
    return pf.Div(*blocks, identifier=f"doc-{doc_id}", classes=["document"])
