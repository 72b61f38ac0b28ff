"""The thesis's DOCX written document by document and merged (thesiskit/write/docx.py, write_parts,
merge_parts) holds what one pandoc call over the whole thesis writes: every paragraph's text and
style, every table's cells, the footnotes in order, the pictures, bookmarks, internal links and
lists. The example is given footnotes, numbered lists, a repeated picture and an external link in
two of its documents, so that every number a package keeps on its own (footnote ids, list ids,
relationship ids and media names, bookmark ids) meets the same number from another part."""
from __future__ import annotations

import hashlib
import json
import zipfile

from .conftest import assembled_thesis, copy_project

ADDED = ("\n\nA sentence with a note.^[The {n} note of this part, with a [link](https://example.org/{n}).] "
         "And another.^[The second note of part {n}, [marked]{{#note-mark-{n}}}.]\n\n1. First step of {n}\n2. Second step of {n}\n\n"
         "3. A list that starts at three in {n}\n4. And goes on\n\n![A repeated picture](figures/same.png)\n\n"
         "![A picture of this part](figures/own.png)\n")


def png(colour: tuple) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(out, format="PNG")
    return out.getvalue()


def summary(path) -> dict:
    """What a reader of the DOCX meets, numbers resolved: no id that a package numbers for itself."""
    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    document = docx.Document(str(path))
    body, part = document.element.body, document.part
    notes, note_links, note_marks = {}, {}, []
    for rel in part.rels.values():
        if rel.reltype.endswith("/footnotes"):
            root = etree.fromstring(rel.target_part.blob)
            notes = {n.get(qn("w:id")): "".join(t.text or "" for t in n.iter(qn("w:t")))
                     for n in root.iter(qn("w:footnote"))}
            note_marks = list(root.iter(qn("w:bookmarkStart")))
            note_rels = rel.target_part.rels
            note_links = {n.get(qn("w:id")): [note_rels[h.get(qn("r:id"))].target_ref for h in n.iter(qn("w:hyperlink"))
                                              if h.get(qn("r:id"))] for n in root.iter(qn("w:footnote"))}
    lists, seen = [], {}
    for p in body.iter(qn("w:p")):
        num = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        if num is not None:
            lists.append(seen.setdefault(num.get(qn("w:val")), len(seen)))
    with zipfile.ZipFile(path) as archive:
        numbering = etree.fromstring(archive.read("word/numbering.xml"))
    starts = {n.get(qn("w:numId")): [s.get(qn("w:val")) for s in n.iter(qn("w:startOverride"))]
              for n in numbering.iter(qn("w:num"))}
    return {
        "paragraphs": [(p.text, p.style.name) for p in document.paragraphs],
        "tables": [[[c.text for c in row.cells] for row in t.rows] for t in document.tables],
        "footnotes": [notes.get(r.get(qn("w:id"))) for r in body.iter(qn("w:footnoteReference"))],
        "footnote links": [note_links.get(r.get(qn("w:id"))) for r in body.iter(qn("w:footnoteReference"))],
        "pictures": [hashlib.sha256(part.related_parts[b.get(qn("r:embed"))].blob).hexdigest()
                     for b in body.iter(qn("a:blip"))],
        "bookmarks": [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))],
        "note bookmarks": [b.get(qn("w:name")) for b in note_marks],
        "bookmark ids unique": len({b.get(qn("w:id")) for b in [*body.iter(qn("w:bookmarkStart")), *note_marks]})
        == len([*body.iter(qn("w:bookmarkStart")), *note_marks]),  # the body's and the notes' together
        "anchors": [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))],
        "links": [part.rels[h.get(qn("r:id"))].target_ref for h in body.iter(qn("w:hyperlink")) if h.get(qn("r:id"))],
        "lists": lists,
        "list starts": [starts[num] for num in sorted(seen, key=seen.get)],
        "drawing ids unique": len({d.get("id") for d in body.iter(qn("wp:docPr"))}) == len(list(body.iter(qn("wp:docPr")))),
        "sections": len(document.sections),
    }


def test_the_docx_merged_from_parts_holds_what_the_whole_thesis_docx_holds(built_example, tmp_path, monkeypatch):
    from thesiskit import anchors, parts
    from thesiskit.transforms import lower
    from thesiskit.transforms.lower import lower_json
    from thesiskit.write import docx

    project = copy_project(tmp_path / "p")
    for n, chapter in enumerate(("chapters/paper1/10-introduction.md", "chapters/paper2/10-introduction.md"), start=1):
        path = project / chapter
        (path.parent / "figures").mkdir(exist_ok=True)
        (path.parent / "figures/same.png").write_bytes(png((200, 30, 30)))
        (path.parent / "figures/own.png").write_bytes(png((30, 30, 60 * n)))  # other bytes, another part
        path.write_text(path.read_text(encoding="utf-8") + ADDED.format(n=n), encoding="utf-8")
    with (project / "profiles/thesis.yaml").open("a", encoding="utf-8") as profile:
        profile.write("running-head: true\n")  # each paper a section of its own, its page break before it taken
    ctx, data = assembled_thesis(project)
    anchors.for_thesis(data, ctx)
    unmarked = json.loads(json.dumps(data))
    lowered = json.dumps(lower_json(data, "docx", 3, "A Short Title")).encode("utf-8")
    # the marks change nothing else in the lowering (a page break before a part's running-head
    # section, landscape tables in a row, a run-in heading at a part's end are seen across them)
    monkeypatch.setattr(lower, "MARKED", ("typst",))
    unmarked = lower_json(unmarked, "docx", 3, "A Short Title")
    assert [b for b in json.loads(lowered)["blocks"] if not parts.is_mark(b)] == unmarked["blocks"]
    marks = lowered.count(parts.DOCX_MARK.encode())
    assert marks == len(ctx.project.documents) + 2  # the title page, the contents, each document
    docx.write_lowered(lowered, tmp_path / "parts.docx", project, {"title": "T"}, parts=True)
    docx.write_lowered(lowered, tmp_path / "whole.docx", project, {"title": "T"}, parts=False)
    merged, whole = summary(tmp_path / "parts.docx"), summary(tmp_path / "whole.docx")
    assert [n.strip() for n in merged["footnotes"]][:4] == ["The 1 note of this part, with a link.", "The second note of part 1, marked.",
                                       "The 2 note of this part, with a link.", "The second note of part 2, marked."]
    assert merged["footnote links"][:4] == [["https://example.org/1"], [], ["https://example.org/2"], []]
    assert len(set(merged["pictures"])) == len(set(whole["pictures"])) >= 3  # the repeated one, each part's own
    assert merged["drawing ids unique"] and merged["bookmark ids unique"]
    for key in whole:
        assert merged[key] == whole[key], key
    with zipfile.ZipFile(tmp_path / "parts.docx") as archive:  # no mark reaches the file
        assert parts.DOCX_MARK.encode() not in archive.read("word/document.xml")


def test_two_parts_whose_pictures_pandoc_names_alike_keep_their_own(tmp_path):
    """pandoc names a package's pictures by their relationship id (media/rId20.png): two parts with
    one picture each name them alike, and the merge keeps both, each under a name of its own."""
    from thesiskit import pandoc
    from thesiskit.write import docx

    packages = []
    for n, colour in enumerate(((200, 0, 0), (0, 0, 200))):
        (tmp_path / f"{n}.png").write_bytes(png(colour))
        text = f"Part {n}.\n\n![Picture {n}]({n}.png)\n\nA note.^[Note {n}.]\n"
        data, _ = pandoc.run(["-f", "markdown", "-t", "json"], text.encode(), cwd=tmp_path)
        packages.append(pandoc.run(["-f", "json", "-t", "docx"], data, cwd=tmp_path)[0])
    names = [sorted(n for n in zipfile.ZipFile(__import__("io").BytesIO(p)).namelist() if n.startswith("word/media/"))
             for p in packages]
    assert names[0] == names[1]  # what the merge has to undo
    docx.merge_parts(packages, tmp_path / "merged.docx")
    merged = summary(tmp_path / "merged.docx")
    assert merged["pictures"] == [hashlib.sha256(png(c)).hexdigest() for c in ((200, 0, 0), (0, 0, 200))]
    assert [n.strip() for n in merged["footnotes"]] == ["Note 0.", "Note 1."]
    assert [p for p, _style in merged["paragraphs"] if p.startswith("Part")] == ["Part 0.", "Part 1."]
