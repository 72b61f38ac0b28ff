"""Word counts on small documents counted by hand, through the real pipeline (citations rendered by
citeproc, as a reader sees them), and the counter against an independent count of the built DOCX."""
from __future__ import annotations

import json
import re

import docx

from .conftest import make_project, run_build

BIB = """@article{smith2012,
  title = {First Study of Peer Work},
  author = {Smith, Jane},
  year = {2012},
  journal = {Journal of Tests},
  volume = {1},
  pages = {1--10},
  doi = {10.1000/test.1}
}
"""

CHAPTER = """---
title: Counting
keywords: [one, two]
---

::: abstract
Five words in the abstract.
:::

# Method

A peer-led study, e.g. this one --- counted.[^1]

> A quoted passage of six words.

Smith says [@smith2012] and @smith2012 [p. 4] agrees.

::: {#tbl:x title="Table Title Words"}
| Head one | Head two |
|---|---|
| a | b |

*Note.* Three note words.
:::

[^1]: Two footnote words.
"""

# By hand:
#   main        "Method" 1 + "A peer-led study, e.g. this one — counted." 7 (the dash is no word)
#               + "A quoted passage of six words." 6
#               + "Smith says (Smith, 2012) and Smith (2012, p. 4) agrees." 10            = 24
#   abstract    5
#   notes       footnote 3 + table note "Note. Three note words." 4                       = 7
#   captions    "Table 1" 2 + "Table Title Words" 3                                        = 5
#   tables      "Head one Head two a b"                                                    = 6
#   references  heading 1 + "Smith, J. (2012). First study of peer work. Journal of Tests, 1, 1–10.
#               https://doi.org/10.1000/test.1" 14                                         = 15
EXPECTED = {"main": 24, "abstract": 5, "notes": 7, "captions": 5, "tables": 6, "references": 15}


def test_hand_counted_document(tmp_path):
    project = make_project(tmp_path / "p", CHAPTER, BIB)
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    report = json.loads((project / "build/thesis/report.json").read_text())
    words = report["documents"]["paper1"]["words"]
    assert {k: words[k] for k in EXPECTED} == EXPECTED
    assert report["documents"]["paper1"]["counted"] == {"main": 24, "abstract": 5}
    text = "\n".join(p.text for p in docx.Document(str(project / "build/thesis/thesis.docx")).paragraphs)
    assert "Word count excluding abstract, tables, figures, footnotes and references: 24" in text
    assert "Word count for abstract: 5" in text


def independent_main_count(document, paper: str, next_part: str | None) -> int:
    """Words of a paper's main text as a reader would count them in Word: the paragraphs from the
    first heading after the abstract page to the reference list, leaving out tables (not paragraphs
    of the body), captions, notes, figures and footnotes. Tokens are runs between spaces holding a
    letter or digit."""
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text.startswith(paper))
    end = next((i for i, p in enumerate(paragraphs[start + 1:], start + 1)
                if p.style.name == "Heading 1" and next_part and p.text.startswith(next_part)), len(paragraphs))
    body = paragraphs[start:end]
    first = next(i for i, p in enumerate(body) if p.style.name == "Keywords") + 1
    refs = max(i for i, p in enumerate(body) if p.style.name.startswith("Heading") and p.text == "References")
    skip = {"Caption Label", "Caption Title", "Caption Note", "Figure", "Table Text", "References Note"}
    words, in_figure = 0, False
    for p in body[first:refs]:
        if p.style.name == "Caption Label":
            in_figure = p.text.startswith("Figure")  # a figure runs to the next body paragraph or heading
        elif p.style.name in ("First Paragraph", "Body Text") or p.style.name.startswith("Heading"):
            in_figure = False
        if p.style.name in skip or in_figure:
            continue
        words += sum(1 for token in p.text.split() if re.search(r"[^\W_]", token))
    return words


def test_counter_agrees_with_the_built_docx(built_example):
    report = json.loads((built_example / "build/thesis/report.json").read_text())
    document = docx.Document(str(built_example / "build/thesis/thesis.docx"))
    for paper, next_part in (("Paper 1", "Paper 2"), ("Paper 2", "Appendices")):
        doc_id = "paper" + paper[-1]
        counted = report["documents"][doc_id]["counted"]["main"]
        independent = independent_main_count(document, paper, next_part)
        assert abs(counted - independent) <= 0.01 * counted, (paper, counted, independent)


def test_title_pages_and_preface_show_the_computed_counts(built_example):
    report = json.loads((built_example / "build/thesis/report.json").read_text())
    text = "\n".join(p.text for p in docx.Document(str(built_example / "build/thesis/thesis.docx")).paragraphs)
    for doc_id in ("paper1", "paper2"):
        counted = report["documents"][doc_id]["counted"]
        assert f"references: {counted['main']:,}" in text
        assert f"Word count for abstract: {counted['abstract']:,}" in text
    assert f"Preface word count: {report['documents']['preface']['counted']['main']:,}" in text
