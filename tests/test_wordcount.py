"""Tier 1: the word-counting rule, as pure functions."""
import panflute as pf
import pytest

from thesiskit import pandoc
from thesiskit.wordcount import count_parts, count_words


@pytest.mark.parametrize("text, words", [
    ("peer support", 2),
    ("peer-led co-production", 2),          # hyphenated compounds are one word
    ("e.g. (Smith, 2020).", 3),              # punctuation stays with its word
    ("a — b … c", 3),                        # a lone dash or ellipsis is no word
    ("- -- ... ---", 0),
    ("7,982 words", 2),                      # numbers are words
    ("", 0),
    ("  spaced\tout\nlines  ", 3),
])
def test_count_words(text, words):
    assert count_words(text) == words


def _parts(markdown: str) -> dict:
    return count_parts(pandoc.parse_markdown(markdown).content)


def test_parts_split_main_abstract_tables_and_notes():
    counts = _parts(
        "::: abstract\nFour words of abstract.\n:::\n\n"
        "# Method\n\nFive words of main text.[^1]\n\n[^1]: Three note words.\n\n"
        "| Head | Cell |\n|---|---|\n| one | two |\n"
    )
    assert counts["abstract"] == 4
    assert counts["main"] == 1 + 5  # the heading counts as rendered
    assert counts["notes"] == 3
    assert counts["tables"] == 4


def test_title_pages_and_contents_are_not_counted():
    doc = pf.Doc(pf.Div(pf.Para(pf.Str("Title"), pf.Space(), pf.Str("page")), classes=["paper-title-page"]),
                 pf.Para(pf.Str("counted")))
    assert count_parts(doc.content)["main"] == 1
