"""A build assembled from cached per-document parts is the build from scratch, byte for byte.

The HTML page is written document by document, each part cached by the content of its lowered AST
(thesiskit/write/html.py), and every pandoc answer is cached by its input (thesiskit/pandoc.py). These
tests build the example from an empty cache (every part written afresh), then again after a paragraph
of one paper was edited and put back (the other documents' parts come from the cache, the edited one
is written twice), and find the same DOCX, HTML, PDF and report.json; and a part that did change
reaches the page while the others stay as they were.
"""
from __future__ import annotations

import json
import re

from .conftest import assembled_thesis, copy_project, edit, run_build

OUTPUTS = ("thesis.docx", "thesis.html", "thesis.pdf", "report.json")
PARAGRAPH = "chapters/paper2/40-discussion.md"


def outputs(project) -> dict[str, bytes]:
    return {name: (project / "build/thesis" / name).read_bytes() for name in OUTPUTS}


def first_sentence(path) -> str:
    """The first sentence of the chapter's first paragraph of prose, to edit."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        if block and block[0].isalpha() and "{" not in block and "[" not in block:
            return block.split(". ")[0]
    raise AssertionError(f"no plain paragraph in {path}")


def test_parts_from_the_cache_give_the_bytes_of_a_build_from_scratch(built_example, tmp_path):
    project = copy_project(tmp_path / "p", warm=False)
    assert not (project / "build").exists()
    done = run_build(project, "thesis")  # from scratch: no cache at all
    assert done.returncode == 0, done.stderr
    scratch = outputs(project)
    assert scratch == outputs(built_example)  # and the same as the session's build from a warm cache

    chapter = project / PARAGRAPH
    original = chapter.read_text(encoding="utf-8")
    sentence = first_sentence(chapter)
    edit(chapter, sentence, sentence + " An edited sentence stands here")
    done = run_build(project, "thesis")
    assert done.returncode == 0, done.stderr
    page = (project / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert "An edited sentence stands here" in page
    chapter.write_text(original, encoding="utf-8")
    done = run_build(project, "thesis")
    assert done.returncode == 0, done.stderr
    assert outputs(project) == scratch


def test_a_warm_build_cites_only_the_new_citations_and_equals_a_build_from_scratch(built_example, tmp_path):
    """citeproc's answer for each block is kept by its context (the works cited, the style, the
    metadata: build/.cache/citations): after a citation of a work the paper already cites is added
    to a paragraph, the next build puts that paragraph alone through citeproc (with the reference
    list suppressed) and its outputs are those of a build from scratch, in every target."""
    from thesiskit import cite, pandoc
    from thesiskit.pipeline import build

    project = copy_project(tmp_path / "p")
    assert build(project, "thesis", write=False).ok
    chapter = project / PARAGRAPH
    sentence = first_sentence(chapter)
    edit(chapter, sentence, sentence + " as others found [@charmaz2014; @skorikov2011]")  # both cited in paper 2
    calls = []
    real = pandoc.run

    def spy(args, stdin, cwd=None):
        if "--citeproc" in args:
            calls.append(" ".join(args))
        return real(args, stdin, cwd)

    cite._KNOWN.clear()  # from build/.cache/citations, as a new process would
    pandoc.run = spy
    try:
        warm = build(project, "thesis", outputs=["html", "docx"])
    finally:
        pandoc.run = real
    assert warm.ok, [p.line() for p in warm.problems.items]
    assert calls and all("suppress-bibliography=true" in c for c in calls), calls  # the paragraph only
    kept = {name: (project / "build/thesis" / name).read_bytes() for name in ("thesis.html", "report.json")}
    assert re.search(rb"as others found <span[^>]*>\(Charmaz, 2014; Skorikov", kept["thesis.html"])
    cite._KNOWN.clear()
    assert build(project, "thesis", outputs=["html", "docx"], cache=False).ok
    assert kept == {name: (project / "build/thesis" / name).read_bytes() for name in kept}


def test_only_the_edited_document_changes_in_the_page(built_example, tmp_path):
    project = copy_project(tmp_path / "p")
    sentence = first_sentence(project / PARAGRAPH)
    edit(project / PARAGRAPH, sentence, sentence + " An edited sentence stands here")
    done = run_build(project, "thesis")
    assert done.returncode == 0, done.stderr

    def parts(page: str) -> dict[str, str]:
        # each document is a <div id="doc-ID" class="document"> at the top of <main>
        pieces = re.split(r'(?=<div id="doc-[^"]+" class="document")', page)
        return {re.match(r'<div id="(doc-[^"]+)"', p).group(1): p for p in pieces if p.startswith('<div id="doc-')}

    before = parts((built_example / "build/thesis/thesis.html").read_text(encoding="utf-8"))
    after = parts((project / "build/thesis/thesis.html").read_text(encoding="utf-8"))
    assert before.keys() == after.keys() and "doc-paper2" in after
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"doc-paper2"}, changed
    report = json.loads((project / "build/thesis/report.json").read_text())
    old = json.loads((built_example / "build/thesis/report.json").read_text())
    assert report["documents"]["paper1"] == old["documents"]["paper1"]
    assert report["documents"]["paper2"]["words"]["main"] == old["documents"]["paper2"]["words"]["main"] + 5


def test_the_preview_memo_gives_the_page_of_a_build_from_scratch(built_example, tmp_path):
    """The preview keeps each document's work between saves (thesiskit/memo.py). After each kind of
    change - prose, a new citation in a paragraph, a heading (the contents change), a new labelled
    section another document could refer to (the memo starts again), an appendix, the data (every
    document again) - the page and report.json it writes are those of a build from scratch."""
    from thesiskit.memo import Memo
    from thesiskit.pipeline import build

    project = copy_project(tmp_path / "p")
    folder = project / "build/preview/thesis"
    memo = Memo()
    discussion, appendix = project / PARAGRAPH, project / "chapters/appendices/casp.md"
    sentence = first_sentence(discussion)
    changes = [
        (discussion, sentence, sentence + " An edited sentence stands here"),
        # a paragraph whose citations stay the same: its citations rendered again, alone (cite.cited_again)
        (discussion, "Across participants, involvement", "Across all the participants, involvement"),
        (discussion, sentence, sentence + " as others found [@kido2017; @charmaz2014]"),
        (discussion, "## Limitations", "## Limitations of This Study"),
        (discussion, "## Limitations of This Study", "## Limitations of This Study {#sec:limits}\n\nSee @sec:limits."),
        (appendix, "", "A new first line of an appendix.\n\n"),
        (project / "data/study.yaml", "", "# a comment in the data\n"),
    ]
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    for path, old, new in changes:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1) if old else new + text, encoding="utf-8")
        result = build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
        assert result.ok, [p.line() for p in result.problems.items]
        kept = (folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text()
        fresh = build(project, "thesis", outputs=["html"], folder=folder)
        assert fresh.ok
        assert kept == ((folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text()), new
        assert sorted(p.line() for p in result.problems.items) == sorted(p.line() for p in fresh.problems.items)
    assert "as others found" in kept[0] and "(Charmaz, 2014; Kido &amp; Kayama, 2017)</span>" in kept[0]


def test_the_memo_keeps_nothing_of_a_build_that_failed(built_example, tmp_path):
    from thesiskit.memo import Memo
    from thesiskit.pipeline import build

    project = copy_project(tmp_path / "p")
    folder = project / "build/preview/thesis"
    memo = Memo()
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    chapter = project / PARAGRAPH
    original = chapter.read_text(encoding="utf-8")
    chapter.write_text(original + "\n\nAs @nosuchkey2020 said.\n", encoding="utf-8")
    failed = build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
    assert not failed.ok and any("nosuchkey2020" in p.message for p in failed.problems.errors)
    chapter.write_text(original, encoding="utf-8")
    again = build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
    assert again.ok and not again.problems.errors


def test_typst_written_part_by_part_is_pandocs_text_for_the_whole_thesis(built_example, tmp_path):
    """write/typst.py writes each document's typst on its own (cached by its content) and joins them
    into the template: the source is, byte for byte, what pandoc writes from the whole thesis at once
    (with a running head, whose update comes before the first part)."""
    from pathlib import Path

    from thesiskit import pandoc
    from thesiskit.parts import TYPST_MARK
    from thesiskit.transforms.lower import lower_json
    from thesiskit.write import typst

    project = copy_project(tmp_path / "p")
    ctx, data = assembled_thesis(project)
    data = lower_json(data, "typst", 3, "A Short Title")
    marks = [b for b in data["blocks"] if b.get("t") == "RawBlock" and b["c"][1].startswith(TYPST_MARK)]
    assert len(marks) == len(ctx.project.documents) + 2  # the title page, the contents, each document
    args = [f"--template={typst.TEMPLATES / 'thesis.typ'}", "-V", "typst-title=T", "-V", "typst-author=A"]
    typst.write_source(json.loads(json.dumps(data)), tmp_path / "parts.typ", project, args)
    whole = {**data, "blocks": [b for b in data["blocks"] if b not in marks]}
    out, _ = pandoc.run(["-f", "json", "-t", "typst-citations", "-s", "--wrap=none", *args], json.dumps(whole).encode(),
                        cwd=project)
    assert Path(tmp_path / "parts.typ").read_text(encoding="utf-8") == out.decode("utf-8")


def test_an_edited_reference_rebuilds_only_the_documents_citing_it(built_example, tmp_path):
    """The preview's memo keeps each document's work while the .bib entries it cites are unchanged
    (Memo.works): a reference corrected in the .bib rebuilds the papers citing it, and the page is the
    page of a build from scratch."""
    import re as regex

    from thesiskit.memo import Memo
    from thesiskit.pipeline import build

    project = copy_project(tmp_path / "p")
    folder = project / "build/preview/thesis"
    memo = Memo()
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    others = {k for doc_id, record in memo.records.items() if doc_id != "paper2" for k in record.keys}
    key = next(k for k in memo.records["paper2"].keys if k not in others)
    bib = project / "bib/references.bib"
    text = bib.read_text(encoding="utf-8")
    start = regex.search(r"@\w+\{" + regex.escape(key) + ",", text).end()
    title = text.index("title = {", start) + len("title = {")
    bib.write_text(text[:title] + "Corrected " + text[title:], encoding="utf-8")

    before = dict(memo.records)
    result = build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
    assert result.ok
    rebuilt = {d for d in before if memo.records[d] is not before[d]}
    assert rebuilt == {"paper2", "preface"}, rebuilt  # the preface shows the papers' word counts: every time
    page, report = (folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text()
    assert "Corrected" in page
    assert build(project, "thesis", outputs=["html"], folder=folder).ok
    assert (page, report) == ((folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text())


def test_a_data_edit_rebuilds_only_the_documents_that_read_the_data(built_example, tmp_path):
    """A document depends on the data files its directives and transforms read (data.recording): a
    written table's file edited rebuilds the paper showing it, the review's data the review paper and
    the appendices showing its appraisal, and nothing else (but the preface, which shows the papers'
    word counts); the page each time is the page of a build from scratch."""
    from thesiskit.memo import Memo
    from thesiskit.pipeline import build

    project = copy_project(tmp_path / "p")
    folder = project / "build/preview/thesis"
    memo = Memo()
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    changes = [
        ("data/tables/paper2-eligibility.yaml", "Aged 18 years or over.", "Aged eighteen years or over.",
         {"paper2", "preface"}),
        ("data/review.yaml", "", "# a note on the review\n", {"paper1", "appendices", "preface"}),
        ("data/participants.csv", "Jimmy,Male,47,3,40", "Jimmy,Male,48,3,40", {"paper2", "preface"}),
        # a quality appraisal answer: the review's tables and the appendix's checklist change
        ("data/casp.csv", "1,Yes,Yes,Yes,Yes,Yes,No,No,", "1,Yes,Yes,Yes,Yes,Yes,No,Yes,", {"paper1", "appendices", "preface"}),
    ]
    for rel, old, new, expected in changes:
        path = project / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1) if old else new + text if new else text + "\n", encoding="utf-8")
        before = dict(memo.records)
        result = build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
        assert result.ok, [p.line() for p in result.problems.items]
        assert {d for d in before if memo.records[d] is not before[d]} == expected, rel
        kept = (folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text()
        assert build(project, "thesis", outputs=["html"], folder=folder).ok
        assert kept == ((folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text()), rel
    assert "Aged eighteen years or over." in kept[0]


def test_a_data_set_shown_by_another_document_rebuilds_it_too(tmp_path):
    """Not only the example: in the two-review thesis of tests/theses the appendices show paper 2's
    appraisal with from="paper2". paper 2's review data edited rebuilds paper 2 and the appendices,
    not paper 1 (whose review is its own), and the page is that of a build from scratch."""
    import shutil

    from thesiskit.memo import Memo
    from thesiskit.pipeline import build

    from .conftest import ROOT

    project = tmp_path / "a"
    shutil.copytree(ROOT / "tests/theses/a-two-reviews", project)
    folder = project / "build/preview/thesis"
    memo = Memo()
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    assert "data/monitoring/review.yaml" in memo.records["appendices"].data
    review = project / "data/monitoring/review.yaml"
    review.write_text("# edited\n" + review.read_text(encoding="utf-8"), encoding="utf-8")
    before = dict(memo.records)
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    rebuilt = {d for d in before if memo.records[d] is not before[d]}
    assert {"paper2", "appendices"} <= rebuilt and "paper1" not in rebuilt, rebuilt
    kept = (folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text()
    assert build(project, "thesis", outputs=["html"], folder=folder).ok
    assert kept == ((folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text())


def test_the_memo_on_a_coauthored_thesis_with_csl_json_gives_the_page_of_a_build_from_scratch(tmp_path):
    """Not only the example: the co-authored thesis of tests/theses (CSL-JSON and CSL-YAML references,
    Quarto cross-references, papers with their own authors), a paragraph of each chapter edited in
    turn under the preview's memo, each time the page, report.json and problems of a build from
    scratch."""
    import re as regex
    import shutil

    from thesiskit.memo import Memo
    from thesiskit.pipeline import build

    from .conftest import ROOT

    project = tmp_path / "c"
    shutil.copytree(ROOT / "tests/theses/c-coauthored", project)
    folder = project / "build/preview/thesis"
    memo = Memo()
    assert build(project, "thesis", outputs=["html"], folder=folder, memo=memo).ok
    edited = 0
    for chapter in sorted((project / "chapters").rglob("*.md")):
        text = chapter.read_text(encoding="utf-8")
        found = regex.search(r"\n\n([A-Z][^\n]{40,})", text)
        if not found:
            continue
        chapter.write_text(text.replace(found.group(1), found.group(1).replace(" ", " really ", 1), 1), encoding="utf-8")
        result = build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
        assert result.ok, [p.line() for p in result.problems.items]
        kept = ((folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text(),
                sorted(p.line() for p in result.problems.items))
        fresh = build(project, "thesis", outputs=["html"], folder=folder)
        assert kept == ((folder / "thesis.html").read_text(encoding="utf-8"), (folder / "report.json").read_text(),
                        sorted(p.line() for p in fresh.problems.items)), chapter
        assert " really " in kept[0]
        edited += 1
    assert edited >= 3


def test_a_work_listed_by_nocite_follows_its_bib_entry(built_example, tmp_path):
    """A document whose front matter lists a work it never cites (nocite) has that work in its
    reference list; the citations kept by context know only the works cited, so such a document
    goes through citeproc whole, by its .bib: a corrected title reaches the list on the next build."""
    from thesiskit.pipeline import build

    project = copy_project(tmp_path / "p")
    bib = project / "bib/references.bib"
    entry = "@article{listedonly2021,\n  author = {Quill, Ada},\n  title = {TITLE of a work listed only},\n" \
            "  journal = {Journal of Tests},\n  year = {2021},\n  volume = {3},\n  pages = {1--9},\n" \
            "  doi = {10.1000/listed.2021}\n}\n"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n" + entry.replace("TITLE", "First"), encoding="utf-8")
    edit(project / "chapters/paper2/00-front.md", "kind: original\n", "kind: original\nnocite: '@listedonly2021'\n")
    folder = project / "build/preview/thesis"
    for title in ("First", "Corrected"):
        text = bib.read_text(encoding="utf-8")
        bib.write_text(text.replace("{First of a work", f"{{{title} of a work"), encoding="utf-8")
        assert build(project, "thesis", outputs=["html"], folder=folder).ok
        page = (folder / "thesis.html").read_text(encoding="utf-8")
        assert f"{title} of a work listed only" in page, title
    assert "First of a work listed only" not in page
