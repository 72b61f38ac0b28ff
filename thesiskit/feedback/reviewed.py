"""Reading a reviewed DOCX: its paragraphs as they were before the review, the comments (with their
threads) and the tracked changes, each with the paragraph and the place in its text they belong to.

Both clients' forms are read: Word's (comments.xml, replies in commentsExtended.xml, moves as
w:moveFrom/w:moveTo) and LibreOffice Writer's (bookmarks and comment ranges inside w:del, replaced
text split over several w:ins, dates of 0-00-00 for comments it did not date). Nothing but the
standard library and lxml is needed, and nothing in the file is run.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


class Unreadable(Exception):
    """The file cannot be read as a reviewed DOCX; the message says why and what to do."""


@dataclass
class Change:
    kind: str  # insertion, deletion, formatting, paragraph split, paragraphs joined
    author: str
    date: str
    paragraph: int  # index into Reviewed.paragraphs
    start: int  # offset in the paragraph's original text
    end: int  # == start for an insertion
    text: str = ""
    final: int = 0  # offset in the paragraph's final text (where an insertion's text starts)
    move: str = ""  # the name linking a move's two halves ("moved from" / "moved to")
    replaces: "Change | None" = None  # an insertion that takes a deletion's place: a replacement
    replaced_by: "Change | None" = None

    @property
    def moved(self) -> bool:
        return bool(self.move)


@dataclass
class Comment:
    id: str
    author: str
    date: str
    text: str
    paragraph: int = -1  # where its range starts (-1: not placed in the text)
    start: int = 0
    end_paragraph: int = -1
    end: int = 0
    para_id: str = ""
    parent_para_id: str = ""
    done: bool = False
    replies: list["Comment"] = field(default_factory=list)
    parent: "Comment | None" = None


@dataclass
class Paragraph:
    index: int
    original: str = ""  # the text before the review: untouched and deleted text
    final: str = ""  # after it: untouched and inserted text
    anchors: list[str] = field(default_factory=list)
    style: str = ""
    cell: tuple[int, int, int] | None = None  # (table, row, column), counted from 0
    changes: list[Change] = field(default_factory=list)


@dataclass
class Table:
    label: str  # "Table 5", the caption label before it ("" when none)
    cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> original text


@dataclass
class Reviewed:
    path: Path
    paragraphs: list[Paragraph]
    comments: list[Comment]  # top-level comments, replies under them
    changes: list[Change]
    tables: list[Table]

    @property
    def anchored(self) -> bool:
        return any(p.anchors for p in self.paragraphs)

    def count_comments(self) -> int:
        return sum(1 + len(c.replies) for c in self.comments)


# ---------------------------------------------------------------- the file

def open_docx(path: Path) -> zipfile.ZipFile:
    """The DOCX's package, or Unreadable with the reason in one line."""
    try:
        head = path.read_bytes()[:8]
    except FileNotFoundError:
        raise Unreadable("not found; give the path of the DOCX your supervisor sent back") from None
    except IsADirectoryError:
        raise Unreadable("is a folder; give the path of the DOCX your supervisor sent back") from None
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror}); check the file") from None
    if head.startswith(b"%PDF"):
        raise Unreadable("is a PDF, not a DOCX; comments and changes made in a PDF cannot be traced back, so ask for "
                         "the Word file (.docx) your supervisor saved")
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: an encrypted DOCX, or a .doc
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            raise Unreadable("is password-protected; open it in Word, remove the password (File > Info > Protect "
                             "Document > Encrypt with Password, empty) and save it again")
        raise Unreadable("is a Word 97-2003 document (.doc); open it in Word or LibreOffice and save it as .docx")
    if not head.startswith(b"PK"):
        raise Unreadable("is not a DOCX (not a Word file at all); give the .docx your supervisor sent back")
    try:
        package = zipfile.ZipFile(path)
        package.getinfo("word/document.xml")
    except zipfile.BadZipFile as exc:
        raise Unreadable(f"is damaged ({exc}); ask for the file again, or open it in Word and save it again") from None
    except KeyError:
        raise Unreadable("is a zip file but not a DOCX (it has no word/document.xml); give the .docx your "
                         "supervisor sent back") from None
    return package


def _xml(package: zipfile.ZipFile, name: str):
    try:
        data = package.read(name)
    except KeyError:
        return None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise Unreadable(f"is damaged ({name}: {exc}); ask for the file again, or open it in Word and save it "
                         "again") from None
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise Unreadable(f"is damaged ({name} is not well-formed XML: {exc}); ask for the file again, or open it "
                         "in Word and save it again") from None


def _date(value: str | None) -> str:
    """An ISO date as written, without LibreOffice's 0-00-00 for 'no date'."""
    if not value or value.startswith("0-") or value.startswith("0000"):
        return ""
    return value


# ---------------------------------------------------------------- the body

class _Reader:
    def __init__(self):
        self.paragraphs: list[Paragraph] = []
        self.changes: list[Change] = []
        self.tables: list[Table] = []
        self.starts: dict[str, tuple[int, int]] = {}
        self.ends: dict[str, tuple[int, int]] = {}
        self.references: dict[str, tuple[int, int]] = {}
        self.move_names: list[str] = []
        self.last_label = ""

    def body(self, element) -> None:
        for child in element:
            tag = child.tag
            if tag == w("p"):
                self.paragraph(child)
            elif tag == w("tbl"):
                self.table(child)
            elif tag in (w("sdt"), w("sdtContent"), w("customXml")):
                self.body(child)

    def table(self, element) -> None:
        number = len(self.tables)
        table = Table(self.last_label)
        self.tables.append(table)
        self.last_label = ""
        for r, row in enumerate(element.findall(w("tr"))):
            column = 0
            for cell in row:
                if cell.tag == w("sdt"):
                    cell = cell.find(f"{w('sdtContent')}/{w('tc')}")
                    if cell is None:
                        continue
                if cell.tag != w("tc"):
                    continue
                span = cell.find(f"{w('tcPr')}/{w('gridSpan')}")
                texts = []
                for child in cell:
                    if child.tag == w("p"):
                        texts.append(self.paragraph(child, (number, r, column)).original)
                    elif child.tag == w("tbl"):
                        self.table(child)
                table.cells[(r, column)] = "\n".join(texts)
                column += int(span.get(w("val"), "1")) if span is not None else 1

    def paragraph(self, element, cell=None) -> Paragraph:
        para = Paragraph(len(self.paragraphs), cell=cell)
        self.paragraphs.append(para)
        style = element.find(f"{w('pPr')}/{w('pStyle')}")
        para.style = style.get(w("val"), "") if style is not None else ""
        self.field = []  # the field stack: True while reading an instruction (not shown)
        self.visit(element, para, None, None)
        mark = element.find(f"{w('pPr')}/{w('rPr')}")
        if mark is not None:
            for tag, kind in (("ins", "paragraph split"), ("del", "paragraphs joined")):
                found = mark.find(w(tag))
                if found is not None:
                    self.add(Change(kind, found.get(w("author"), ""), _date(found.get(w("date"))), para.index,
                                    len(para.original), len(para.original)), para)
        changed = element.find(f"{w('pPr')}/{w('pPrChange')}")
        if changed is not None:
            self.add(Change("formatting", changed.get(w("author"), ""), _date(changed.get(w("date"))), para.index,
                            0, len(para.original), "paragraph style"), para)
        if para.style in ("CaptionLabel", "Caption Label") and para.original.strip():
            self.last_label = para.original.strip()
        return para

    def add(self, change: Change, para: Paragraph) -> None:
        self.changes.append(change)
        para.changes.append(change)

    def visit(self, element, para: Paragraph, inserted: Change | None, deleted: Change | None) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # a comment or processing instruction
            if tag in (w("pPr"), w("rPr")):
                continue
            if tag in (w("ins"), w("moveTo")):
                change = Change("insertion", child.get(w("author"), ""), _date(child.get(w("date"))), para.index,
                                len(para.original), len(para.original), final=len(para.final),
                                move=self.move_names[-1] if tag == w("moveTo") and self.move_names else "")
                self.add(change, para)
                self.visit(child, para, change, deleted)
            elif tag in (w("del"), w("moveFrom")):
                change = Change("deletion", child.get(w("author"), ""), _date(child.get(w("date"))), para.index,
                                len(para.original), len(para.original), final=len(para.final),
                                move=self.move_names[-1] if tag == w("moveFrom") and self.move_names else "")
                self.add(change, para)
                self.visit(child, para, inserted, change)
            elif tag in (w("moveFromRangeStart"), w("moveToRangeStart")):
                self.move_names.append(child.get(w("name"), "") or "move")
            elif tag == w("r"):
                self.run(child, para, inserted, deleted)
            elif tag == w("bookmarkStart"):
                name = child.get(w("name"), "")
                if name:
                    para.anchors.append(name)
            elif tag == w("commentRangeStart"):
                self.starts.setdefault(child.get(w("id"), ""), (para.index, len(para.original)))
            elif tag == w("commentRangeEnd"):
                self.ends.setdefault(child.get(w("id"), ""), (para.index, len(para.original)))
            elif tag in (w("hyperlink"), w("smartTag"), w("customXml"), w("sdt"), w("sdtContent"), w("fldSimple"),
                         w("dir"), w("bdo")):
                self.visit(child, para, inserted, deleted)

    def run(self, run, para: Paragraph, inserted: Change | None, deleted: Change | None) -> None:
        changed = run.find(f"{w('rPr')}/{w('rPrChange')}")
        if changed is not None and not inserted and not deleted:
            text = "".join(t.text or "" for t in run.iter(w("t")))
            if text.strip():
                self.add(Change("formatting", changed.get(w("author"), ""), _date(changed.get(w("date"))),
                                para.index, len(para.original), len(para.original) + len(text), text), para)
        for child in run:
            tag = child.tag
            if tag == w("fldChar"):
                kind = child.get(w("fldCharType"))
                if kind == "begin":
                    self.field.append(True)
                elif kind == "separate" and self.field:
                    self.field[-1] = False
                elif kind == "end" and self.field:
                    self.field.pop()
                continue
            if tag == w("commentReference"):
                self.references.setdefault(child.get(w("id"), ""), (para.index, len(para.original)))
                continue
            if self.field and self.field[-1]:
                continue  # a field's instruction, not its shown result
            if tag in (w("t"), w("delText")):
                text = child.text or ""
            elif tag in (w("tab"), w("ptab")):
                text = "\t"
            elif tag in (w("br"), w("cr")):
                text = "\n"
            elif tag == w("noBreakHyphen"):
                text = "-"
            elif tag == w("sym"):
                text = chr(int(child.get(w("char"), "20"), 16)) if re.fullmatch(r"[0-9A-Fa-f]{1,4}",
                                                                                child.get(w("char"), "")) else ""
            else:
                continue
            self.text(text, para, inserted, deleted)

    def text(self, text: str, para: Paragraph, inserted: Change | None, deleted: Change | None) -> None:
        if inserted is not None and deleted is not None:
            return  # inserted during the review and deleted again: in neither text
        if deleted is not None:
            para.original += text
            deleted.text += text
            deleted.end = len(para.original)
        elif inserted is not None:
            para.final += text
            inserted.text += text
        else:
            para.original += text
            para.final += text


def _merge(changes: list[Change]) -> list[Change]:
    """One change per edit: pieces of the same kind, author and place (a change split over runs, as
    both clients write them) become one; a deletion with an insertion at its end is a replacement."""
    out: list[Change] = []
    for change in changes:
        last = out[-1] if out else None
        if (last is not None and last.kind == change.kind and change.kind in ("insertion", "deletion")
                and last.paragraph == change.paragraph and last.author == change.author and last.move == change.move
                and last.end == change.start):
            last.text += change.text
            last.end = change.end
            continue
        if change.kind in ("insertion", "deletion") and not change.text:
            continue  # an empty mark (a bookmark or comment range inside w:del, as LibreOffice writes)
        out.append(change)
    for first, second in zip(out, out[1:]):
        if (first.kind == "deletion" and second.kind == "insertion" and first.paragraph == second.paragraph
                and first.end == second.start and first.author == second.author and not first.move
                and not second.move and first.replaced_by is None and second.replaces is None):
            first.replaced_by, second.replaces = second, first
    return out


def read(path: Path) -> Reviewed:
    """The reviewed DOCX, or Unreadable."""
    package = open_docx(path)
    with package:
        document = _xml(package, "word/document.xml")
        comments_xml = _xml(package, "word/comments.xml")
        extended = _xml(package, "word/commentsExtended.xml")
    body = document.find(w("body")) if document is not None else None
    if body is None:
        raise Unreadable("is damaged (word/document.xml has no body); ask for the file again, or open it in Word and "
                         "save it again")
    reader = _Reader()
    reader.body(body)
    changes = _merge(reader.changes)
    for para in reader.paragraphs:
        para.changes = [c for c in changes if c.paragraph == para.index]
    comments = _comments(comments_xml, extended, reader)
    return Reviewed(path, reader.paragraphs, comments, changes, reader.tables)


def _comments(comments_xml, extended, reader: _Reader) -> list[Comment]:
    if comments_xml is None:
        return []
    found: list[Comment] = []
    for element in comments_xml.findall(w("comment")):
        paragraphs = element.findall(f".//{w('p')}")
        text = "\n".join("".join(t.text or "" for t in p.iter(w("t"))) for p in paragraphs).strip()
        ident = element.get(w("id"), "")
        comment = Comment(ident, element.get(w("author"), ""), _date(element.get(w("date"))), text,
                          para_id=paragraphs[-1].get(f"{{{W14}}}paraId", "") if paragraphs else "")
        start = reader.starts.get(ident) or reader.references.get(ident)
        end = reader.ends.get(ident) or reader.references.get(ident) or start
        if start is not None:
            comment.paragraph, comment.start = start
            comment.end_paragraph, comment.end = end
        found.append(comment)
    by_para = {c.para_id: c for c in found if c.para_id}
    threaded = set()
    if extended is not None:
        for entry in extended.iter(f"{{{W15}}}commentEx"):
            comment = by_para.get(entry.get(f"{{{W15}}}paraId", ""))
            if comment is None:
                continue
            threaded.add(id(comment))
            comment.parent_para_id = entry.get(f"{{{W15}}}paraIdParent", "")
            comment.done = entry.get(f"{{{W15}}}done") == "1"
    # Without commentsExtended.xml (LibreOffice 7.4 does not write it) a reply is a comment on exactly
    # the same words: the earliest is the thread's first comment, the rest its replies.
    ranges: dict[tuple, Comment] = {}
    def made(pair):  # the earlier date, then the lower id: the order the comments were made in
        order, comment = pair
        return comment.date or "~", int(comment.id) if comment.id.isdigit() else order, order

    for _order, comment in sorted(enumerate(found), key=made):
        if id(comment) in threaded or comment.paragraph < 0:
            continue
        key = (comment.paragraph, comment.start, comment.end_paragraph, comment.end)
        first = ranges.setdefault(key, comment)
        if first is not comment:
            if not first.para_id:
                first.para_id = f"thread-{first.id}"
                by_para[first.para_id] = first
            comment.parent_para_id = first.para_id
    top = []
    for comment in found:
        root, seen = comment, {comment.para_id}
        while by_para.get(root.parent_para_id) is not None and root.parent_para_id not in seen:
            seen.add(root.parent_para_id)
            root = by_para[root.parent_para_id]
        if root is not comment:
            comment.parent = root
            root.replies.append(comment)
        else:
            top.append(comment)
    return top
