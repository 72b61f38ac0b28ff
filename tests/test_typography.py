"""Typography from one place (thesiskit/typography.py): curly quotation marks and en dashes in text
that never goes through pandoc, italic statistical symbols in tables; and the same in a built
project's data cells, titles and prose."""
import docx
import panflute as pf
import pytest

from thesiskit import values
from thesiskit.inlines import words
from thesiskit.typography import dashes, italic_statistics, smart

from .conftest import make_project, run_build
from .test_values import render


def shown(inlines) -> str:
    """Inlines as a reader sees them, quotation marks included."""
    out = []
    for item in inlines:
        if isinstance(item, pf.Quoted):
            left, right = ("“", "”") if item.quote_type == "DoubleQuote" else ("‘", "’")
            out.append(left + shown(item.content) + right)
        elif isinstance(item, pf.Space):
            out.append(" ")
        elif isinstance(item, pf.Emph):
            out.append("*" + shown(item.content) + "*")
        else:
            out.append(item.text)
    return "".join(out)


@pytest.mark.parametrize("text, expected", [
    ("Sense of 'making a difference'", "Sense of ‘making a difference’"),
    ("Can't tell", "Can’t tell"),
    ("the workers' own views", "the workers’ own views"),
    ("the restrictive ('service user') role", "the restrictive (‘service user’) role"),
    ('He said "it\'s \'fine\' now".', "He said “it’s ‘fine’ now”."),
    ("aged 31-40, or 1.5-2.5 hours", "aged 31–40, or 1.5–2.5 hours"),
    ("plain words", "plain words"),
    ("", ""),
])
def test_plain_text_is_typeset_as_pandoc_typesets_prose(text, expected):
    assert shown(smart(text)) == expected
    assert shown(words(text)) == expected  # every computed text goes through it


@pytest.mark.parametrize("text", ["2022-04-19", "0000-0002-1825-0097", "COVID-19", "x-1", "S1-3",
                                  "https://gov.wales/plan-2019-2022", "10.1186/s12888-020-02688-9", "31–40",
                                  "IRB #2023-0456", "REC 07-0412", "approval No. 12-345", "No 12-345"])
def test_hyphens_that_are_not_ranges_stay(text):
    assert dashes(text) == text


def test_a_quoted_phrase_is_a_quoted_element_as_pandoc_makes_it():
    """So that the journal lint asking for double quotation marks sees data cells too."""
    quoted = [i for i in smart("Sense of 'making a difference'") if isinstance(i, pf.Quoted)]
    assert len(quoted) == 1 and quoted[0].quote_type == "SingleQuote"


def test_statistical_symbols_in_italics_greek_upright():
    para = pf.Para(*words("Interviews (n = 3), M = 4.2 (SD = 1.1), p < .05, κ = .91, an = 3 and n of 3"))
    assert italic_statistics(para.content) == 4
    assert shown(para.content) == "Interviews (*n* = 3), *M* = 4.2 (*SD* = 1.1), *p* < .05, κ = .91, an = 3 and n of 3"


def test_stat_filter_writes_the_symbol_as_apa_sets_it():
    assert values.stat(12, "n") == "*n* = 12"
    assert values.stat(1234, "N") == "*N* = 1,234"
    assert values.stat(".91", "κ") == "κ = .91"
    out, problems = render('{{ 10 | stat("n") }} and {{ 0.912 | decimals | stat("κ") }}')
    assert (out, problems) == ("*n* = 10 and κ = .91", [])
    _out, problems = render('{{ 10 | stat("*n*") }}')
    assert problems and "stat needs a statistical symbol" in problems[0]


CHAPTER = """---
title: Typography
keywords: [tests]
---

::: abstract
A short abstract.
:::

# Introduction

Prose with 'single' quotes, aged 31-40 and {{ 12 | stat("n") }} (see 2022-04-19).

::: {#tbl:quotes .data-table src="data/tables/quotes.yaml" title="The Construct 'Making a Difference'"}
*Note.* Ranges such as 1-3 (n = 4).
:::
"""

TABLE = """columns: ["Construct", "Answer"]
rows:
  - ["Sense of 'making a difference'", "Can't tell"]
  - ["Aged 31-40 (n = 3)", "*Emphasis* and 10-15 years"]
"""


def test_data_cells_titles_and_prose_are_typeset_alike(tmp_path):
    project = make_project(tmp_path / "p", CHAPTER)
    (project / "data/tables").mkdir(parents=True)
    (project / "data/tables/quotes.yaml").write_text(TABLE, encoding="utf-8")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(project / "build/thesis/thesis.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Prose with ‘single’ quotes, aged 31–40 and n = 12 (see 2022-04-19)." in text
    assert "The Construct ‘Making a Difference’" in text
    assert "Ranges such as 1–3 (n = 4)." in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert cells[2:] == ["Sense of ‘making a difference’", "Can’t tell", "Aged 31–40 (n = 3)",
                         "Emphasis and 10–15 years"]
    italic = {r.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs
              for r in p.runs if r.italic}
    assert "n" in italic
    prose_n = [r for p in document.paragraphs if "aged 31" in p.text for r in p.runs if r.text == "n"]
    assert prose_n and prose_n[0].italic  # from the stat filter
