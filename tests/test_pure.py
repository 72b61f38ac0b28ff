"""Tier 1: small pure functions of the pipeline."""
import datetime as dt

import pytest

from thesiskit import profiles
from thesiskit.transforms.appendices import letter
from thesiskit.transforms.crossref import is_label
from thesiskit.assemble import format_date, number
from thesiskit.project import split_front_matter


@pytest.mark.parametrize("index, expected", [(0, "A"), (1, "B"), (17, "R"), (25, "Z"), (26, "AA"), (27, "AB")])
def test_appendix_letters(index, expected):
    assert letter(index) == expected


def test_label_prefixes():
    assert is_label("tbl:casp") and is_label("app:prospero") and is_label("sec:method") and is_label("fig:prisma")
    assert not is_label("clossey2016")


def test_dates_and_numbers_as_a_uk_thesis_writes_them():
    assert format_date(dt.date(2022, 5, 21)) == "21 May 2022"
    assert number(7982) == "7,982"


def test_front_matter_split():
    head, body, line = split_front_matter("---\ntitle: x\n---\nText\n")
    assert head == "title: x\n" and body == "Text\n" and line == 2
    assert split_front_matter("No YAML here") == ("", "No YAML here", 0)


def test_journal_placement_of_floats():
    from thesiskit.transforms.floats import placements

    assert placements(["", "", "", "", ""], 4) == (["main"] * 4 + ["supplementary"], 0)
    assert placements(["", "supplementary", "", "keep"], 2) == (["main", "supplementary", "supplementary", "main"], 0)
    assert placements(["keep"] * 5, 4) == (["main"] * 5, 1)  # one too many kept: reported as an error
    assert placements(["", ""], None) == (["main", "main"], 0)  # no cap: the thesis


def test_an_unknown_div_class_is_an_error_near_a_directive_and_a_warning_otherwise(tmp_path):
    import panflute as pf

    from thesiskit.transforms import directives
    from thesiskit.context import Context
    from thesiskit.problems import Problems
    from thesiskit.project import Document, Project

    document = Document(id="paper1", kind="paper", files=[], options={})
    ctx = Context(project=Project(root=tmp_path, metadata={}, documents=[document], bibliography=[]),
                  profile=profiles.parse({}), target="thesis", known_targets=["thesis"], problems=Problems())
    doc = pf.Doc(pf.Div(classes=["prisma-flw"]), pf.Div(classes=["sidebar"]), pf.Div(classes=["abstract"]))
    directives.run(doc, ctx, document)
    assert [(p.severity, p.message) for p in ctx.problems.items] == [
        ("error", "unknown directive '.prisma-flw'; did you mean .prisma-flow?"),
        ("warning", "'.sidebar' is not a directive or a class the build knows (abstract, title-note, pagebreak); "
                    "it changes nothing, so remove it")]


def test_control_characters_are_found_with_line_and_column():
    from thesiskit.data import control_character

    assert control_character("Tabs\tand\nnewlines\r\nare text.\n") is None
    assert control_character("One.\nTwo\x0c three.\n") == (2, 4, "U+000C form feed (a page break pasted from Word)")
    assert control_character("\x07") == (1, 1, "U+0007 control character")


def test_elements_visits_what_walk_visits_and_sets_parents():
    """thesiskit.tree.elements is the read-only stand-in for panflute's walk: the same elements, each
    parent before its children, and .parent set as walk would (pf.load leaves it unset)."""
    import io
    import json

    import panflute as pf

    from thesiskit.tree import elements

    source = pf.Doc(pf.Header(pf.Str("A"), identifier="sec:a"),
                    pf.Div(pf.Para(pf.Str("b"), pf.Note(pf.Para(pf.Str("n")))), identifier="refs"),
                    pf.BulletList(pf.ListItem(pf.Plain(pf.Emph(pf.Str("c"))))),
                    pf.Table(pf.TableBody(pf.TableRow(pf.TableCell(pf.Plain(pf.Str("d")))))))
    loaded = pf.load(io.StringIO(json.dumps(source.to_json())))
    seen = list(elements(loaded))
    walked = []
    loaded.walk(lambda e, d: walked.append(e))
    assert {id(e) for e in seen} == {id(e) for e in walked}
    strs = [e.text for e in seen if isinstance(e, pf.Str)]
    assert strs == ["A", "b", "n", "c", "d"]  # document order
    for elem in seen[1:]:
        assert elem.parent is not None and elem in list(elements(elem.parent))


def test_blind_counts_code_raw_and_comment_nodes():
    """An inline HTML comment (emptied to a RawInline by the reader) or inline code in a paper once
    made blind() raise UnboundLocalError, so every masked journal build stopped with an internal error."""
    from thesiskit.masking import blind
    from thesiskit.terms import Matcher

    para = {"t": "Para", "c": [{"t": "Str", "c": "Ask"}, {"t": "Space"}, {"t": "Code", "c": [["", [], []], "Jane Doe"]},
                               {"t": "RawInline", "c": ["html", ""]}, {"t": "Str", "c": "today."}]}
    doc = {"pandoc-api-version": [1, 23], "meta": {}, "blocks": [para, {"t": "RawBlock", "c": ["html", "Jane Doe"]}]}
    assert blind(doc, Matcher(["Jane Doe"])) == 2
    assert "Jane" not in str(doc)


def test_orcid_line_keeps_the_space_after_the_name():
    """para() splits strings into words, so a trailing space was lost: "Name:https://orcid.org/..."."""
    import panflute as pf

    from thesiskit.assemble import orcid_lines
    from thesiskit.people import Person

    line, = orcid_lines([Person(name="Ada Example", orcid="0000-0002-1825-0097")])
    assert pf.stringify(line).strip() == "Ada Example: https://orcid.org/0000-0002-1825-0097"


def test_typst_heading_line_break_stays_in_the_heading():
    """pandoc's typst writer ends a heading at the newline of its line break, so "Appendix A" kept its
    heading and the title ran into the next paragraph ("Search Strategy The databases ...")."""
    import json

    import pypandoc

    from thesiskit.transforms.lower import lower_json

    header = {"t": "Header", "c": [1, ["app-x", [], []], [{"t": "Str", "c": "Appendix"}, {"t": "Space"},
                                                          {"t": "Str", "c": "A"}, {"t": "LineBreak"},
                                                          {"t": "Str", "c": "Search"}]]}
    doc = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [header, {"t": "Para", "c": [{"t": "Str", "c": "Text."}]}]}
    typst = pypandoc.convert_text(json.dumps(lower_json(doc, "typst")), "typst", format="json", extra_args=["--wrap=none"])
    assert typst.splitlines()[0] == "= Appendix A#linebreak()Search", typst
