"""Masked review: nothing in a journal package that goes to reviewers names the authors.

What identifies the authors (`identity`): every author's, supervisor's and adviser's name as written,
with and without an honorific, family name first, run together (as in a URL); the paper's authors'
names also as citations render them (Patton, D.; D. Patton); every email and its user part; ORCIDs;
every affiliation; the `blinded-terms` of thesis.md and of the profile. They are found the way
thesiskit/terms.py finds a name: case, Unicode form, invisible characters, apostrophes, NBSP and
URL separators do not hide them.

How they are removed:
  - self-citations (a cited work with any author of the paper among its authors) are cited as
    "(Author, 2020)" and listed as "Author. (2020). [Details omitted for masked review]." or left
    out of the list (`self-citations: omit` in the profile), as APA 7 describes for masked review;
    works by supervisors who are not authors of the paper are left for the author to confirm;
  - every other occurrence, in any text, attribute, link target, alt text or identifier of the
    manuscript, its tables, supplementary material, figures and captions, becomes "[blinded for
    review]" ("blinded" where the text is a URL or an identifier) before anything is written;
  - images are copied without their metadata (PNG text chunks and EXIF, JPEG EXIF, XMP, IPTC and
    comments; SVG metadata and comments, its text masked) before pandoc or typst sees them;
  - the written DOCX files lose their document properties;
  - finally every file of the package is read back as reviewers would read it (thesiskit/extract.py)
    and searched again: anything found there fails the checklist, with the source line.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import panflute as pf

from . import extract, people
from .people import Person
from .terms import Matcher, norm
from .tree import elements

BLINDED = "[blinded for review]"
BLINDED_WORD = "blinded"  # in a URL or an identifier
DETAILS_OMITTED = "[Details omitted for masked review]"
MASKED_ID = "masked-author-{}"


@dataclass
class Identity:
    authors: list[Person]  # the paper's authors
    others: list[Person]  # supervisors, advisers and other named people who are not its authors
    terms: list[str]
    matcher: Matcher


def identity(project, document, profile) -> Identity:
    authors = document.authors or project.authors
    others = [p for p in project.people if norm(p.name) not in {norm(a.name) for a in authors}]
    terms: list[str] = []
    for person in [*authors, *others]:
        terms += [person.name, person.titled]
        if person.family and person.given:
            terms += [f"{person.family}, {person.given}", f"{person.given}{person.family}"]
        if person.email:
            user = person.email.split("@")[0]
            terms += [person.email, *([user] if len(user) >= 4 else [])]
        if person.orcid:
            terms.append(person.orcid)
        terms += person.affiliations
    for person in authors:  # as the reference list and initials-first styles print them
        initials = " ".join(f"{i}." for i in person.initials)
        if person.family and initials:
            terms += [f"{person.family}, {initials}", f"{initials} {person.family}"]
    terms += list(dict.fromkeys(project.affiliations.values()))
    for source in (project.metadata.get("blinded-terms"), profile.blinded_terms):
        terms += [str(t) for t in (source if isinstance(source, list) else [source] if source else [])]
    terms = [t for t in dict.fromkeys(t.strip() for t in terms) if t]
    return Identity(authors, others, terms, Matcher(terms))


# ---------------------------------------------------------------- self-citations

def bib_names(entry) -> list[tuple[str, str]]:
    """(family, given) of each author and editor of a .bib entry, LaTeX braces and accents undone."""
    out = []
    for name in ("author", "editor"):
        value = str(entry.fields.get(name, "") or "")
        for part in _split_and(value):
            part = _untex(part)
            if not part:
                continue
            if "," in part:
                family, given = (p.strip() for p in part.split(",", 1))
            else:
                _honorific, given, family = people.split_name(part)
            out.append((family, given))
    return out


def _split_and(value: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for token in re.split(r"(\{|\}|\s+and\s+)", value):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth == 0 and token and re.fullmatch(r"\s+and\s+", token):
            parts.append(current)
            current = ""
        else:
            current += token
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _untex(text: str) -> str:
    text = re.sub(r"\\[`'^\"~=.uvHtcdbk]\s*\{?([A-Za-z])\}?", r"\1", text)  # \"{o} -> o: compared loosely
    return " ".join(re.sub(r"\\[A-Za-z]+\s*|[{}]", "", text).split())


def loose(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", norm(text)) if not unicodedata.combining(c))


def written_by(entry, persons: list[Person]) -> list[Person]:
    """Which of these people are among the work's authors or editors."""
    names = bib_names(entry)
    return [p for p in persons if any(_same_person(p, family, given) for family, given in names)]


def _same_person(person: Person, family: str, given: str) -> bool:
    if not person.family or loose(family) != loose(person.family):
        return False
    theirs = [w[0].upper() for w in re.split(r"[\s.\-]+", given) if w and w[0].isalpha()]
    return not (theirs and person.initials) or loose(theirs[0]) == loose(person.initials[0])


@dataclass
class SelfCitations:
    masked: dict[str, str]  # cited key -> the id it is cited by ("masked-author-1")
    others: dict[str, list[str]]  # key of a work by a supervisor or adviser -> their names


def mask_self_citations(doc: pf.Doc, ident: Identity, entries: dict) -> SelfCitations:
    """Before citeproc: cite the paper's authors' own works as "Author" (APA 7 masked review)."""
    found = SelfCitations({}, {})
    for elem in elements(doc):
        if not isinstance(elem, pf.Cite):
            continue
        for citation in elem.citations:
            entry = entries.get(citation.id)
            if entry is None:
                continue
            if written_by(entry, ident.authors):
                citation.id = found.masked.setdefault(citation.id, MASKED_ID.format(len(found.masked) + 1))
            else:
                others = written_by(entry, ident.others)
                if others:
                    found.others[citation.id] = [p.name for p in others]
    if found.masked:
        references = [{"id": masked, "type": "article-journal", "author": [{"literal": "Author"}],
                       "title": DETAILS_OMITTED, **_issued(entries[key])} for key, masked in found.masked.items()]
        doc.metadata["references"] = pf.MetaList(*[_meta(r) for r in references])
    return found


def _issued(entry) -> dict:
    match = re.search(r"\d{4}", str(entry.fields.get("year") or entry.fields.get("date") or ""))
    return {"issued": {"date-parts": [[int(match.group())]]}} if match else {}


def _meta(value):
    if isinstance(value, dict):
        return pf.MetaMap(**{k: _meta(v) for k, v in value.items()})
    if isinstance(value, list):
        return pf.MetaList(*[_meta(v) for v in value])
    return pf.MetaString(str(value))


def omit_masked_entries(doc: pf.Doc) -> None:
    """`self-citations: omit`: the masked works leave the reference list (APA's other option)."""
    for elem in list(elements(doc)):
        if isinstance(elem, pf.Div) and elem.identifier == "refs":
            elem.content = [e for e in elem.content if not e.identifier.startswith("ref-" + MASKED_ID.format(""))]
            return


# ---------------------------------------------------------------- the text

def blind(data, matcher: Matcher) -> int:
    """Mask every identity term in a pandoc JSON document (or any part of one), in place; the count.
    Text runs get "[blinded for review]"; URLs, identifiers and attribute values get "blinded"."""
    if not matcher:
        return 0
    count = 0

    def text(value: str) -> str:
        nonlocal count
        value, n = matcher.sub(value, BLINDED_WORD)
        count += n
        return value

    def attr(a) -> None:
        a[0] = text(a[0])
        a[1][:] = [text(c) for c in a[1]]
        for pair in a[2]:
            pair[1] = text(pair[1])

    def inlines(items: list) -> list:
        out, run = [], []

        def flush():
            nonlocal count
            if not run:
                return
            joined = "".join(i["c"] if i["t"] == "Str" else " " for i in run)
            masked, n = matcher.sub(joined, BLINDED)
            if n:
                count += n
                out.extend(_tokens(masked))
            else:
                out.extend(run)
            run.clear()

        for item in items:
            if isinstance(item, dict) and item.get("t") in ("Str", "Space", "SoftBreak"):
                run.append(item)
                continue
            flush()
            walk(item)
            out.append(item)
        flush()
        return out

    def walk(node) -> None:
        nonlocal count
        if isinstance(node, list):
            if node and all(isinstance(i, dict) and i.get("t") in INLINES for i in node):
                node[:] = inlines(node)
                return
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if "blocks" in node and "meta" in node:  # a whole document: its metadata is text too
            walk(node["blocks"])
            for value in node["meta"].values():
                walk(value)
            return
        kind, c = node.get("t"), node.get("c")
        if kind in ("MetaString",):
            node["c"] = text(c)
        elif kind in ("Code", "CodeBlock"):
            attr(c[0])
            c[1], n = matcher.sub(c[1], BLINDED)
            count += n
        elif kind in ("RawInline", "RawBlock", "Math"):
            c[1], n = matcher.sub(c[1], BLINDED)
            count += n
        elif kind in ("Link", "Image"):
            attr(c[0])
            c[1][:] = inlines(c[1])
            c[2][0], c[2][1] = text(c[2][0]), matcher.sub(c[2][1], BLINDED)[0]
        elif kind == "Cite":
            for citation in c[0]:
                citation["citationId"] = text(citation["citationId"])
                citation["citationPrefix"][:] = inlines(citation["citationPrefix"])
                citation["citationSuffix"][:] = inlines(citation["citationSuffix"])
            c[1][:] = inlines(c[1])
        elif kind in ("Div", "Header", "Span", "Table", "Figure") and isinstance(c, list):
            attr(c[1] if kind == "Header" else c[0])
            walk(c[2] if kind == "Header" else c[1:])
        elif c is not None:
            walk(c)

    walk(data)
    return count


INLINES = {"Str", "Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Quoted",
           "Cite", "Code", "Space", "SoftBreak", "LineBreak", "Math", "RawInline", "Link", "Image", "Note", "Span"}


def _tokens(text: str) -> list[dict]:
    out: list[dict] = []
    for i, word in enumerate(text.split(" ")):
        if i:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def blind_doc(doc: pf.Doc, matcher: Matcher) -> tuple[pf.Doc, int]:
    """A panflute document with every identity term masked: (the new document, the count)."""
    import json

    from . import pandoc

    data = json.loads(json.dumps(doc.to_json()))  # panflute gives tuples; lists can be changed in place
    count = blind(data, matcher)
    return (pandoc.to_doc(json.dumps(data)) if count else doc), count


# ---------------------------------------------------------------- images and files

def clean_image(data: bytes, suffix: str, matcher: Matcher) -> bytes:
    """An image without what it says about its maker: PNG text chunks and EXIF, JPEG EXIF, XMP,
    IPTC and comments; an SVG's metadata and comments removed and its text masked."""
    suffix = suffix.lower()
    if suffix == ".png":
        return b"".join([extract.PNG_SIGNATURE] + [data[s:e] for kind, _b, s, e in extract.png_chunks(data)
                                                    if kind not in extract.PNG_TEXT])
    if suffix in (".jpg", ".jpeg"):
        kept, end = [data[:2]], 2
        for marker, _body, start, stop in extract.jpeg_segments(data):
            if marker == 0xFE or (0xE1 <= marker <= 0xEF and marker not in (0xE2, 0xEE)):  # keep ICC, Adobe
                end = stop
                continue
            kept.append(data[start:stop])
            end = stop
        return b"".join(kept) + data[end:]
    if suffix == ".svg":
        text = data.decode("utf-8", "replace")
        text = re.sub(r"<metadata\b.*?</metadata>|<metadata\b[^>]*/>|<!--.*?-->", "", text, flags=re.S)
        text = re.sub(r"<sodipodi:namedview\b.*?(/>|</sodipodi:namedview>)", "", text, flags=re.S)
        text = re.sub(r'\s(?:sodipodi|inkscape):(?:docname|export-filename|export-xdpi|export-ydpi|version)="[^"]*"',
                      "", text)
        return matcher.sub(text, BLINDED)[0].encode("utf-8") if matcher else text.encode("utf-8")
    return data


def clean_images(doc: pf.Doc, root: Path, work: Path, matcher: Matcher) -> None:
    """Point every local image of the document at a clean copy in the work folder (inside the project,
    where typst may read it), so that neither pandoc nor typst embeds the original's metadata."""
    copies: dict[str, str] = {}
    for elem in elements(doc):
        if not isinstance(elem, pf.Image):
            continue
        for key in ("url", "vector"):
            url = elem.url if key == "url" else elem.attributes.get("vector")
            if not url or "://" in url or not (root / url).is_file():
                continue
            if url not in copies:
                source = root / url
                cached = source.parent.name == "figures" and source.parent.parent.name == ".cache"
                stem = source.stem if cached else f"image-{len(copies) + 1}"  # a figure drawn from data keeps
                target = work / f"{stem}{source.suffix.lower()}"  # its name, to find the words it was drawn from
                target.write_bytes(clean_image(source.read_bytes(), source.suffix, matcher))
                copies[url] = target.relative_to(root).as_posix()
            if key == "url":
                elem.url = copies[url]
            else:
                elem.attributes["vector"] = copies[url]


def scrub_docx(path: Path, title: str, matcher: Matcher) -> None:
    """Author-free document properties and media: python-docx keeps pandoc's core properties; the
    app and custom parts go (pandoc copies unknown metadata into docProps/custom.xml); each image
    loses its metadata."""
    import docx

    document = docx.Document(str(path))
    props = document.core_properties
    props.author, props.last_modified_by, props.comments, props.keywords = "", "", "", ""
    props.title, props.subject, props.category = matcher.sub(title, BLINDED)[0][:255], "", ""
    document.save(str(path))
    tmp = path.with_suffix(".scrub")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
                        b'schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://'
                        b'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>')
            elif item.filename == "docProps/app.xml":
                data = re.sub(rb"<(Company|Manager)>[^<]*</\1>", b"", data)
            elif item.filename.startswith("word/media/"):
                data = clean_image(data, Path(item.filename).suffix, matcher)
            dst.writestr(item, data)
    tmp.replace(path)


@dataclass
class Leak:
    file: str  # the package's file, and where in it: "manuscript.docx:word/document.xml"
    term: str
    excerpt: str


def scan_files(paths: list[Path], folder: Path, matcher: Matcher) -> list[Leak]:
    """Every identity term still readable in these files, read as reviewers' programs read them."""
    leaks = []
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        for where, text in [(rel, rel), *extract.texts(path, rel)]:
            for term, excerpt in matcher.scan(text):
                leaks.append(Leak(where, term, excerpt))
    return leaks
