"""A supervisor's review of a built DOCX, written as Word writes it: comments in comments.xml with
threaded replies in commentsExtended.xml and commentsIds.xml, tracked changes as w:ins, w:del and
w:moveFrom/w:moveTo with their range markers. The tests of `thesiskit feedback` use it to review the
example's thesis.docx where a supervisor would, then pass it through LibreOffice too.

    review = Review(path)
    para = review.paragraph("The databases were searched in")
    review.replace(para, "five", "six", author="Heledd Lewis")
    review.comment(para, "Grey literature", "Which organisations?", author="Heledd Lewis")
    review.save(out)
"""
from __future__ import annotations

import copy
import zipfile
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
W16CID = "http://schemas.microsoft.com/office/word/2016/wordml/cid"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
DATE = "2026-11-20T10:15:00Z"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


class Review:
    def __init__(self, path: Path):
        self.path = Path(path)
        with zipfile.ZipFile(self.path) as z:
            self.parts = {name: z.read(name) for name in z.namelist()}
        self.document = etree.fromstring(self.parts["word/document.xml"])
        self.body = self.document.find(w("body"))
        self.comments: list[dict] = []
        self.next_id = 9000

    # ------------------------------------------------------------ finding text

    def paragraphs(self):
        return list(self.body.iter(w("p")))

    @staticmethod
    def text(paragraph) -> str:
        return "".join(t.text or "" for t in paragraph.iter(w("t")))

    def paragraph(self, contains: str, after=None, style: str | None = None):
        """The first paragraph holding the text (after the paragraph `after`, when given)."""
        found = after is None
        for p in self.paragraphs():
            if not found:
                found = p is after
                continue
            if contains in self.text(p) and (style is None or self.style(p) == style):
                return p
        raise AssertionError(f"no paragraph holds {contains!r}")

    @staticmethod
    def style(paragraph) -> str:
        found = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
        return found.get(w("val")) if found is not None else ""

    def cell(self, table_head: str, row_starts: str, column: str):
        """The first paragraph of a table cell: the table whose first cell reads table_head, the row
        whose first cell starts with row_starts, the column whose head cell reads column."""
        for table in self.body.iter(w("tbl")):
            rows = table.findall(w("tr"))
            head = [self.text(c) for c in rows[0].findall(w("tc"))]
            if not head or head[0].strip() != table_head:
                continue
            index = head.index(column)
            for row in rows[1:]:
                cells = row.findall(w("tc"))
                if self.text(cells[0]).startswith(row_starts):
                    return cells[index].find(w("p"))
        raise AssertionError(f"no cell {table_head!r} / {row_starts!r} / {column!r}")

    # ------------------------------------------------------------ runs

    def _runs(self, paragraph):
        """(run, start, end) of every run with text, in order."""
        out, at = [], 0
        for run in paragraph.iter(w("r")):
            texts = run.findall(w("t"))
            if not texts:
                continue
            length = sum(len(t.text or "") for t in texts)
            out.append((run, at, at + length))
            at += length
        return out

    def _split(self, run, offset: int):
        """Split a run (one w:t) at offset: the run keeps the head, a new run after it the tail."""
        t = run.find(w("t"))
        tail = copy.deepcopy(run)
        t.text, tail.find(w("t")).text = t.text[:offset], t.text[offset:]
        for element in (t, tail.find(w("t"))):
            element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.addnext(tail)
        return tail

    def isolate(self, paragraph, text: str, occurrence: int = 0) -> list:
        """The runs that hold exactly `text` (its n-th occurrence in the paragraph), split as needed."""
        full = self.text(paragraph)
        start = -1
        for _ in range(occurrence + 1):
            start = full.index(text, start + 1)
        end = start + len(text)
        for run, a, b in self._runs(paragraph):
            if a < start < b:
                self._split(run, start - a)
        for run, a, b in self._runs(paragraph):
            if a < end < b:
                self._split(run, end - a)
        return [run for run, a, b in self._runs(paragraph) if a >= start and b <= end]

    def _id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _change(self, tag: str, author: str, date: str):
        element = etree.Element(w(tag))
        element.set(w("id"), self._id())
        element.set(w("author"), author)
        element.set(w("date"), date)
        return element

    def _new_run(self, like, text: str, deleted: bool = False):
        run = etree.Element(w("r"))
        if like is not None and like.find(w("rPr")) is not None:
            run.append(copy.deepcopy(like.find(w("rPr"))))
        t = etree.SubElement(run, w("delText" if deleted else "t"))
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return run

    # ------------------------------------------------------------ what a supervisor does

    def delete(self, paragraph, text: str, author: str, date: str = DATE, tag: str = "del", occurrence: int = 0):
        runs = self.isolate(paragraph, text, occurrence)
        wrapper = self._change(tag, author, date)
        runs[0].addprevious(wrapper)
        for run in runs:
            for t in run.findall(w("t")):
                t.tag = w("delText")
            wrapper.append(run)
        return wrapper

    def insert_after(self, anchor, text: str, author: str, date: str = DATE, tag: str = "ins"):
        like = anchor if anchor.tag == w("r") else next(iter(anchor.iter(w("r"))), None)
        wrapper = self._change(tag, author, date)
        wrapper.append(self._new_run(like, text))
        anchor.addnext(wrapper)
        return wrapper

    def insert(self, paragraph, after_text: str, text: str, author: str, date: str = DATE):
        """Insert text right after the first occurrence of after_text."""
        full = self.text(paragraph)
        end = full.index(after_text) + len(after_text)
        for run, a, b in self._runs(paragraph):
            if a < end < b:
                self._split(run, end - a)
        run = next(r for r, a, b in self._runs(paragraph) if b == end)
        return self.insert_after(run, text, author, date)

    def replace(self, paragraph, old: str, new: str, author: str, date: str = DATE, occurrence: int = 0):
        deleted = self.delete(paragraph, old, author, date, occurrence=occurrence)
        return self.insert_after(deleted, new, author, date)

    def move(self, paragraph, text: str, after_text: str, author: str, date: str = DATE, name: str = "move1"):
        """Move text to just after after_text in the same paragraph, as Word records a move."""
        moved = self.delete(paragraph, text, author, date, tag="moveFrom")
        start = etree.Element(w("moveFromRangeStart"), {w("id"): self._id(), w("author"): author, w("date"): date,
                                                         w("name"): name})
        moved.addprevious(start)
        moved.addnext(etree.Element(w("moveFromRangeEnd"), {w("id"): start.get(w("id"))}))
        target = self.insert(paragraph, after_text, text, author, date)
        target.tag = w("moveTo")
        start = etree.Element(w("moveToRangeStart"), {w("id"): self._id(), w("author"): author, w("date"): date,
                                                       w("name"): name})
        target.addprevious(start)
        target.addnext(etree.Element(w("moveToRangeEnd"), {w("id"): start.get(w("id"))}))

    def comment(self, paragraph, quote: str, text: str, author: str, date: str = DATE, reply_to: int | None = None,
                occurrence: int = 0) -> int:
        """A comment on quote in the paragraph (a reply, with reply_to, is anchored on the same text,
        as Word anchors it); returns its number for replies."""
        number = len(self.comments)
        runs = self.isolate(paragraph, quote, occurrence) if quote else []
        start = etree.Element(w("commentRangeStart"), {w("id"): str(number)})
        end = etree.Element(w("commentRangeEnd"), {w("id"): str(number)})
        reference = etree.Element(w("r"))
        rpr = etree.SubElement(reference, w("rPr"))
        etree.SubElement(rpr, w("rStyle"), {w("val"): "CommentReference"})
        etree.SubElement(reference, w("commentReference"), {w("id"): str(number)})
        if runs:
            first = runs[0]
            while first.getparent() is not paragraph:  # a run inside w:del or w:hyperlink
                first = first.getparent()
            last = runs[-1]
            while last.getparent() is not paragraph:
                last = last.getparent()
            first.addprevious(start)
            last.addnext(end)
        else:
            paragraph.append(start)
            paragraph.append(end)
        end.addnext(reference)
        self.comments.append({"id": number, "author": author, "date": date, "text": text, "parent": reply_to,
                              "para": f"{0x10000000 + number:08X}"})
        return number

    # ------------------------------------------------------------ saving

    def _comment_parts(self) -> dict[str, bytes]:
        comments = etree.Element(w("comments"), nsmap={"w": W, "w14": W14})
        extended = etree.Element(f"{{{W15}}}commentsEx", nsmap={"w15": W15})
        ids = etree.Element(f"{{{W16CID}}}commentsIds", nsmap={"w16cid": W16CID})
        for c in self.comments:
            element = etree.SubElement(comments, w("comment"), {w("id"): str(c["id"]), w("author"): c["author"],
                                                               w("date"): c["date"], w("initials"): "".join(
                                                                   part[0] for part in c["author"].split())})
            for i, line in enumerate(c["text"].split("\n")):
                p = etree.SubElement(element, w("p"))
                if i == len(c["text"].split("\n")) - 1:
                    p.set(f"{{{W14}}}paraId", c["para"])
                    p.set(f"{{{W14}}}textId", "77777777")
                ppr = etree.SubElement(p, w("pPr"))
                etree.SubElement(ppr, w("pStyle"), {w("val"): "CommentText"})
                if i == 0:
                    r = etree.SubElement(p, w("r"))
                    etree.SubElement(etree.SubElement(r, w("rPr")), w("rStyle"), {w("val"): "CommentReference"})
                    etree.SubElement(r, w("annotationRef"))
                r = etree.SubElement(p, w("r"))
                t = etree.SubElement(r, w("t"))
                t.text = line
            attributes = {f"{{{W15}}}paraId": c["para"], f"{{{W15}}}done": "0"}
            if c["parent"] is not None:
                attributes[f"{{{W15}}}paraIdParent"] = self.comments[c["parent"]]["para"]
            etree.SubElement(extended, f"{{{W15}}}commentEx", attributes)
            etree.SubElement(ids, f"{{{W16CID}}}commentId", {f"{{{W16CID}}}paraId": c["para"],
                                                              f"{{{W16CID}}}durableId": f"{0x20000000 + c['id']:08X}"})
        declaration = dict(xml_declaration=True, encoding="UTF-8", standalone=True)
        return {"word/comments.xml": etree.tostring(comments, **declaration),
                "word/commentsExtended.xml": etree.tostring(extended, **declaration),
                "word/commentsIds.xml": etree.tostring(ids, **declaration)}

    def save(self, out: Path) -> Path:
        parts = dict(self.parts)
        parts["word/document.xml"] = etree.tostring(self.document, xml_declaration=True, encoding="UTF-8",
                                                    standalone=True)
        if self.comments:
            parts.update(self._comment_parts())
            rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
            have = {r.get("Target") for r in rels}
            for target, kind in (("comments.xml", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"),
                                 ("commentsExtended.xml", "http://schemas.microsoft.com/office/2011/relationships/commentsExtended"),
                                 ("commentsIds.xml", "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds")):
                if target not in have:
                    etree.SubElement(rels, f"{{{REL}}}Relationship", {"Id": f"rIdFb{len(rels)}", "Type": kind,
                                                                       "Target": target})
            parts["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                                   standalone=True)
            types = etree.fromstring(parts["[Content_Types].xml"])
            have = {o.get("PartName") for o in types}
            for name, kind in (("/word/comments.xml", "comments"), ("/word/commentsExtended.xml", "commentsExtended"),
                               ("/word/commentsIds.xml", "commentsIds")):
                if name not in have:
                    etree.SubElement(types, f"{{{CT}}}Override", {
                        "PartName": name,
                        "ContentType": f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"})
            parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
        out = Path(out)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
        return out
