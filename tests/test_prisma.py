"""PRISMA 2020 in full: both columns' arithmetic, previous studies, the values for prose, and the
diagram (its layout, its SVG with text as text and n in italics, the PNG, the cache, HTML)."""
from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import jinja2
import pytest
import yaml

from thesiskit import figures, prisma, values
from thesiskit.directives import prisma_flow
from thesiskit.problems import Problems
from thesiskit.values import environment

# A review with both columns: PRISMA 2020's template for databases, registers and other methods.
TWO_COLUMNS = """\
database_results: 1200
register_results: 35
website_results: 14
organisation_results: 6
citations_results: 22
duplicates: 300
excluded_automatic: 40
records_screened: 895
records_excluded: 820
dbr_sought_reports: 75
dbr_notretrieved_reports: 5
dbr_assessed: 70
dbr_excluded:
  - {reason: Wrong population, n: 30}
  - {reason: Not qualitative, n: 25}
  - {reason: Not peer-reviewed, n: 4}
other_sought_reports: 12
other_notretrieved_reports: 2
other_assessed: 10
other_excluded:
  - {reason: Wrong population, n: 6}
  - {reason: Not qualitative, n: 1}
new_studies: 12
new_reports: 14
"""
UPDATE = TWO_COLUMNS + "previous_studies: 20\nprevious_reports: 25\ntotal_studies: 32\ntotal_reports: 39\n"


def load(text: str, studies: tuple[str, int] | None = None) -> tuple[prisma.Prisma | None, list[str]]:
    """The counts of a prisma.yaml's text and its problems, as the build reports them."""
    problems = Problems()
    data = yaml.safe_load(text)
    lines, twice = prisma.key_lines(text)
    at = prisma.Locator("data/prisma.yaml", lines)
    for key, line, first in twice:
        problems.error(f"data/prisma.yaml:{line}", f"{key} is written twice (also line {first}); keep one")
    p = prisma.parse(data, at, problems)
    if p is not None and not problems.items:
        prisma.check(p, at, problems, studies)
    return p, [x.line() for x in problems.items]


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


# ---------------------------------------------------------------- the arithmetic

def test_both_columns_add_up():
    p, errors = load(TWO_COLUMNS, ("data/studies.csv", 12))
    assert errors == []
    assert p.other_column and not p.previous
    assert (p.dbr_identified, p.other_identified, p.identified) == (1235, 42, 1277)
    assert (p.dbr_included, p.other_included) == (11, 3)  # 14 reports of 12 studies
    assert (p.total_studies, p.total_reports) == (12, 14)


def test_a_wrong_box_of_other_methods_is_one_line_at_its_line():
    text = TWO_COLUMNS.replace("other_assessed: 10", "other_assessed: 11")
    _, errors = load(text)
    assert errors == [f"data/prisma.yaml:{line_of(text, 'other_assessed')}: error: other_assessed is 11 but "
                      "other_sought_reports (12) minus other_notretrieved_reports (2) is 10; correct whichever count "
                      "is wrong (the boxes of the flow diagram must add up)"]


def test_other_methods_exclusions_count_towards_the_included_reports():
    text = TWO_COLUMNS.replace("{reason: Not qualitative, n: 1}", "{reason: Not qualitative, n: 2}")
    _, errors = load(text)
    assert len(errors) == 1
    assert errors[0].startswith(f"data/prisma.yaml:{line_of(text, 'new_reports')}: error: new_reports is 14 but "
                                "the reports included via databases and registers (dbr_assessed 70 minus dbr_excluded "
                                "59) plus via other methods (other_assessed 10 minus other_excluded 8), 11 + 2, is 13;")


def test_one_wrong_box_is_one_line_in_the_databases_column():
    # dbr_sought_reports is wrong: the next check (dbr_assessed) uses the 75 it should have been
    _, errors = load(TWO_COLUMNS.replace("dbr_sought_reports: 75", "dbr_sought_reports: 76"))
    assert len(errors) == 1 and "dbr_sought_reports is 76 but records_screened (895) minus records_excluded (820) is 75" in errors[0]
    _, errors = load(TWO_COLUMNS.replace("duplicates: 300", "duplicates: 301"))
    assert len(errors) == 1 and "records_screened is 895 but identified from databases and registers (1235) minus " \
                                "removed before screening (341) is 894" in errors[0]


def test_records_of_other_methods_counted_in_the_first_column_are_explained():
    # a file written before the second column: the first column's screening counts the 42 records of
    # other methods too. One line says what to write; the boxes below, agreeing with it, say nothing.
    text = TWO_COLUMNS.replace("records_screened: 895", "records_screened: 937").replace(
        "records_excluded: 820", "records_excluded: 862")
    _, errors = load(text)
    assert len(errors) == 1, errors
    assert "records_screened is 937 but identified from databases and registers (1235) minus removed before " \
           "screening (340) is 895; the 42 records found by other methods have their own column" in errors[0]
    assert errors[0].endswith("write 'other_methods_screened_with_databases: true', otherwise correct whichever "
                              "count is wrong (the boxes of the flow diagram must add up)")


def test_records_screened_with_the_databases_stay_in_the_first_column():
    text = """\
database_results: 100
citations_results: 5
other_methods_screened_with_databases: true
duplicates: 25
records_screened: 80
records_excluded: 70
dbr_sought_reports: 10
dbr_assessed: 10
dbr_excluded: 7
new_studies: 3
"""
    p, errors = load(text, ("data/studies.csv", 3))
    assert errors == [] and not p.other_column and p.dbr_identified == 105
    assert not p.known("new_reports") and not p.known("total_reports")  # not written: unknown, not 0
    _, errors = load(text + "other_assessed: 2\n")
    assert errors == ["data/prisma.yaml:11: error: other_assessed belongs to the column of other methods, but "
                      "other_methods_screened_with_databases is true (line 3): their records went through the "
                      "databases' screening; remove other_assessed or set other_methods_screened_with_databases to false"]


def test_a_count_left_out_is_named_as_left_out():
    _, errors = load(TWO_COLUMNS.replace("dbr_assessed: 70\n", ""))
    assert errors == ["data/prisma.yaml: error: dbr_assessed is not written (0) but dbr_sought_reports (75) minus "
                      "dbr_notretrieved_reports (5) is 70; correct whichever count is wrong (the boxes of the flow "
                      "diagram must add up)"]


def test_previous_studies_and_totals():
    p, errors = load(UPDATE, ("data/studies.csv", 32))
    assert errors == [] and p.previous
    _, errors = load(UPDATE.replace("total_studies: 32", "total_studies: 31"))
    assert errors == [f"data/prisma.yaml:{line_of(UPDATE, 'total_studies')}: error: total_studies is 31 but "
                      "previous_studies (20) plus new_studies (12) is 32; correct whichever count is wrong (the boxes "
                      "of the flow diagram must add up)"]
    _, errors = load(UPDATE.replace("total_reports: 39", "total_reports: 38"))
    assert len(errors) == 1 and "total_reports is 38 but previous_reports (25) plus new_reports (14) is 39" in errors[0]
    _, errors = load(UPDATE.replace("previous_reports: 25", "previous_reports: 19"))
    assert len(errors) == 1 and "previous_studies is 20 but previous_reports is 19; every study has at least one " \
                                "report" in errors[0]
    # totals not written are computed
    p, errors = load(UPDATE.replace("total_studies: 32\ntotal_reports: 39\n", ""))
    assert errors == [] and (p.total_studies, p.total_reports) == (32, 39)


def test_included_studies_are_those_of_the_studies_file():
    _, errors = load(UPDATE, ("data/studies.csv", 30))
    assert errors == [f"data/prisma.yaml:{line_of(UPDATE, 'total_studies')}: error: total_studies is 32 but "
                      "data/studies.csv lists 30 included studies; fix the count or the file (the flow diagram and "
                      "the table of included studies must agree)"]
    # a wrong count is one line, not a second about the studies file as well
    _, errors = load(TWO_COLUMNS.replace("new_studies: 12", "new_studies: 15"), ("data/studies.csv", 12))
    assert len(errors) == 1 and "new_studies is 15 but new_reports is 14" in errors[0]


def test_screening_stages_follow_one_another():
    text = TWO_COLUMNS.replace("records_excluded: 820\n", "records_excluded: 820\nscreening_stages:\n"
                               "  - {stage: titles, screened: 895, excluded: 700}\n"
                               "  - {stage: abstracts, screened: 195, excluded: 120}\n")
    assert load(text)[1] == []
    _, errors = load(text.replace("screened: 195", "screened: 196"))
    assert errors == [f"data/prisma.yaml:{line_of(text, '  - {stage: abstracts')}: error: screening stage 'abstracts' "
                      "screened 196 records but what stage 'titles' kept is 195; correct whichever count is wrong "
                      "(the boxes of the flow diagram must add up)"]
    _, errors = load(text.replace("records_excluded: 820", "records_excluded: 821"))
    assert len(errors) == 1 and "records_excluded is 821 but the records excluded at the screening stages " \
                                "(700 + 120) is 820" in errors[0]


def test_sources_named_one_by_one_add_up_to_their_total():
    text = TWO_COLUMNS.replace("register_results: 35\n", "register_results: 35\ndatabase_specific_results:\n"
                               "  - {name: PsycINFO, n: 700}\n  - {name: MEDLINE, n: 500}\n")
    p, errors = load(text)
    assert errors == [] and p.sources["database_specific_results"] == [("PsycINFO", 700), ("MEDLINE", 500)]
    _, errors = load(text.replace("n: 500}", "n: 499}"))
    assert len(errors) == 1 and "database_results is 1200 but the sum of database_specific_results (700 + 499) is " \
                                "1199" in errors[0]


UNCHECKED = ("website_results", "organisation_results", "citations_results")  # PRISMA sums nothing with them


@pytest.mark.parametrize("text, studies", [(TWO_COLUMNS, 12), (UPDATE, 32)], ids=["two columns", "update"])
def test_every_single_wrong_count_is_exactly_one_line(text, studies):
    """Each count, one more or one less than it should be: one error, at that count's box or the box
    that cannot add up because of it, never a cascade down the column."""
    counts = re.findall(r"^(\w+): (\d+)$|n: (\d+)\}", text, re.M)
    assert len(counts) > 20
    for i, (name, value, reason_n) in enumerate(counts):
        for delta in (1, -1):
            seen = 0

            def change(match):
                nonlocal seen
                seen += 1
                if seen - 1 != i:
                    return match.group(0)
                if match.group(1):
                    return f"{match.group(1)}: {int(match.group(2)) + delta}"
                return f"n: {int(match.group(3)) + delta}}}"

            broken = re.sub(r"^(\w+): (\d+)$|n: (\d+)\}", change, text, flags=re.M)
            _, errors = load(broken, ("data/studies.csv", studies))
            expected = 0 if name in UNCHECKED else 1
            assert len(errors) == expected, (name or f"reason {reason_n}", delta, errors)


@pytest.mark.parametrize("change, expected", [
    (("dbr_excluded:", "dbr_exluded:"), r"^data/prisma\.yaml:13: error: 'dbr_exluded' is not a field of a PRISMA 2020 "
                                        r"flow diagram; did you mean dbr_excluded\?$"),
    (("new_studies: 12", "new_studies: twelve"), r"^data/prisma\.yaml:23: error: new_studies: 'twelve' is not a count; "
                                                 r"write a whole number, 0 or more$"),
    (("duplicates: 300", "duplicates:"), r"^data/prisma\.yaml:6: error: duplicates: None is not a count; .*leave the "
                                         r"line out if the count is not known"),
    (("  - {reason: Not qualitative, n: 25}", "  - {reason: Not qualitative}"),
     r"^data/prisma\.yaml:15: error: dbr_excluded item 2 \(.*\) needs reason: and n: "),
    (("  - {reason: Not qualitative, n: 25}", "  - {reason: not-qualitative, n: 25}\n  - {reason: Wrong Population, n: 0}"),
     r"^data/prisma\.yaml:16: error: dbr_excluded: 'Wrong Population' is listed twice \(also item 1\)"),
    (("register_results: 35", "register_results: 35\nduplicates: 300"),
     r"^data/prisma\.yaml:7: error: duplicates is written twice \(also line 3\); keep one$"),
])
def test_a_bad_field_is_one_line_with_what_to_do(change, expected):
    _, errors = load(TWO_COLUMNS.replace(*change))
    assert len(errors) == 1, errors
    assert re.search(expected, errors[0]), errors[0]


# ---------------------------------------------------------------- values for prose

def render(template: str, p: prisma.Prisma) -> str:
    return environment().from_string(template).render(review={"prisma": values.prisma_values(p)})


def test_values_for_prose_give_reasons_columns_and_totals():
    p, _ = load(UPDATE)
    assert render("{{ review.prisma.dbr_excluded }}: {% for r in review.prisma.dbr_excluded_reasons %}"
                  "{{ r.reason }} {{ r.n }}; {% endfor %}", p) == \
        "59: Wrong population 30; Not qualitative 25; Not peer-reviewed 4; "
    assert render("{{ review.prisma.dbr_excluded_by_reason.not_peer_reviewed }} "
                  "{{ review.prisma.other_excluded_by_reason['Wrong population'] }}", p) == "4 6"
    assert render("{{ review.prisma.other_identified }} {{ review.prisma.other_included }} "
                  "{{ review.prisma.website_results }} {{ review.prisma.other_excluded }}", p) == "42 3 14 7"
    assert render("{{ review.prisma.total_studies }} {{ review.prisma.total_reports }} "
                  "{{ review.prisma.previous_studies }}", p) == "32 39 20"
    with pytest.raises(jinja2.UndefinedError):  # a reason not given is an error, never a silent 0
        render("{{ review.prisma.dbr_excluded_by_reason.not_in_english }}", p)


def test_reports_not_written_are_not_values():
    p, _ = load(TWO_COLUMNS.replace("new_reports: 14\n", ""))
    values = prisma.prose_values(p)
    assert "new_reports" not in values and "total_reports" not in values and values["new_studies"] == 12


# ---------------------------------------------------------------- the diagram

def boxes_of(text: str) -> dict[str, str]:
    p, errors = load(text)
    assert errors == []
    return {name: prisma_flow.box_text(box) for name, box in prisma_flow.boxes(p).items()}


def test_the_second_column_has_its_own_boxes():
    boxes = boxes_of(TWO_COLUMNS)
    assert boxes["head_dbr"] == "Identification of studies via databases and registers"
    assert boxes["head_other"] == "Identification of studies via other methods"
    assert boxes["identified"] == "Records identified from:\nDatabases (n = 1,200)\nRegisters (n = 35)"
    assert boxes["other_identified"] == ("Records identified from:\nWebsites (n = 14)\nOrganisations (n = 6)\n"
                                         "Citation searching (n = 22)")
    assert boxes["removed"] == ("Records removed before screening:\nDuplicate records (n = 300)\n"
                                "Records marked as ineligible by automation tools (n = 40)")
    assert boxes["other_sought"] == "Reports sought for retrieval\n(n = 12)"
    assert boxes["other_notretrieved"] == "Reports not retrieved\n(n = 2)"
    assert boxes["other_assessed"] == "Reports assessed for eligibility\n(n = 10)"
    assert boxes["other_excluded"] == "Reports excluded (n = 7):\nWrong population (n = 6)\nNot qualitative (n = 1)"
    assert boxes["included"] == "Studies included in review\n(n = 12)\nReports of included studies\n(n = 14)"


def test_an_updated_review_has_previous_studies_and_totals():
    boxes = boxes_of(UPDATE)
    assert boxes["head_previous"] == "Previous studies"
    assert boxes["head_dbr"] == "Identification of new studies via databases and registers"
    assert boxes["previous"] == ("Studies included in previous version of review\n(n = 20)\n"
                                 "Reports of studies included in previous version of review\n(n = 25)")
    assert boxes["included"] == "New studies included in review\n(n = 12)\nReports of new included studies\n(n = 14)"
    assert boxes["total"] == "Total studies included in review\n(n = 32)\nReports of total included studies\n(n = 39)"


@pytest.mark.parametrize("text", [TWO_COLUMNS, UPDATE], ids=["two columns", "update"])
def test_layout_is_a_grid_whose_text_fits_its_boxes(text):
    p, _ = load(text)
    diagram = prisma_flow.layout(prisma_flow.boxes(p))
    assert diagram.width <= 451  # A4's text width: drawn at its size, never scaled down
    for b in diagram.boxes:
        assert 0 <= b.x and b.x + b.w <= diagram.width and 0 <= b.y and b.y + b.h <= diagram.height
        assert len(b.lines) * b.size * figures.LINE <= (b.w if b.rotated else b.h)
        for i, line in enumerate(b.lines):
            if b.rotated:
                continue
            used = figures.line_width(line, b.size, b.bold) + (b.left(i) - b.x - b.pad if b.align == "left" else 0)
            assert used <= b.w - 2 * b.pad + 0.01, (line, used, b.w)
            assert not re.search(r"\($|\(n$|\(n =$|^=|^n =", line), line  # "(n = 12)" never broken
    others = [b for b in diagram.boxes if b.lines and b.lines[0].startswith("Reports sought")]
    assert len(others) == 2 and others[0].y == others[1].y  # both columns' retrieval on one row
    for a, b in zip(diagram.boxes, diagram.boxes[1:]):
        if not (a.rotated or b.rotated):
            assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y, "boxes overlap"


def test_the_svg_holds_text_with_n_in_italics():
    p, _ = load(TWO_COLUMNS)
    svg = prisma_flow.layout(prisma_flow.boxes(p)).svg()
    assert "<path d=" not in svg and "<text" in svg  # glyphs are text, not outlines
    texts = re.findall(r"<text [^>]*>(.*?)</text>", svg)
    plain = [re.sub(r"<[^>]+>", "", t) for t in texts]
    assert "Identification of studies via other methods" in plain
    assert "Organisations" in plain and "(n = 22)" in plain  # wrapped, but "(n = 22)" kept whole
    assert "Libertinus Serif" in svg.split("<svg", 1)[1].split(">", 1)[0]  # a font typst has, for the PDF
    italic = [t for t in texts if 'font-style="italic"' in t]
    assert italic and all(re.search(r'\(<tspan font-style="italic">n</tspan> = [\d,]+\)', t) for t in italic)
    assert sum(t.count("(n = ") for t in plain) == svg.count('<tspan font-style="italic">n</tspan>')
    assert ElementTree.fromstring(svg.encode("utf-8")).tag.endswith("svg")  # well-formed XML


def test_words_are_unwrapped_lines_for_the_privacy_scan():
    p, _ = load(TWO_COLUMNS)
    words = prisma_flow.layout(prisma_flow.boxes(p)).words().splitlines()
    assert "Records marked as ineligible by automation tools (n = 40)" in words
    assert "Identification" in words  # the phase bars too


def test_the_figure_is_cached_with_its_words_and_redrawn_when_its_data_changes(tmp_path):
    p, _ = load(TWO_COLUMNS)
    text = prisma_flow.boxes(p)
    para = figures.diagram_image(tmp_path, "prisma", {"boxes": text}, lambda: prisma_flow.layout(text))
    image = para.content[0]
    png, svg = tmp_path / image.url, tmp_path / image.attributes["vector"]
    assert image.attributes["svg-text"] == "true"
    from PIL import Image

    with Image.open(png) as picture:
        assert round(picture.info["dpi"][0]) == 300 and picture.size[0] == round(450 / 72 * 300)
    assert "Citation searching (n = 22)" in png.with_suffix(".txt").read_text()
    stamp = svg.stat().st_ino  # a file written again is a new one (the cache renames into place)
    again = figures.diagram_image(tmp_path, "prisma", {"boxes": text}, lambda: prisma_flow.layout(text))
    assert again.content[0].url == image.url and svg.stat().st_ino == stamp
    changed = prisma_flow.boxes(load(TWO_COLUMNS.replace("website_results: 14", "website_results: 15")
                                     .replace("citations_results: 22", "citations_results: 21"))[0])
    other = figures.diagram_image(tmp_path, "prisma", {"boxes": changed}, lambda: prisma_flow.layout(changed))
    assert other.content[0].url != image.url


def test_the_cache_key_covers_the_drawing_code_and_figures_module(tmp_path, monkeypatch):
    made = []

    def make(png, svg):
        made.append(png.name)
        png.write_bytes(b"png")
        svg.write_text("<svg/>")
        return "words"

    code = tmp_path / "drawing.py"
    code.write_text("def build(): pass\n")
    namespace: dict = {}
    exec(compile(code.read_text(), str(code), "exec"), namespace)
    first = figures._cached(tmp_path, "d", {"a": 1}, namespace["build"], make).content[0].url
    code.write_text("def build(): return 1\n")  # the drawing code changed: a new figure
    second = figures._cached(tmp_path, "d", {"a": 1}, namespace["build"], make).content[0].url
    assert first != second and len(made) == 2
    changed = tmp_path / "figures.py"
    changed.write_text(Path(figures.__file__).read_text() + "# changed\n")
    monkeypatch.setattr(figures, "__file__", str(changed))  # the shared drawing code changed too
    third = figures._cached(tmp_path, "d", {"a": 1}, namespace["build"], make).content[0].url
    assert third not in (first, second) and len(made) == 3


def test_html_gets_the_svg_inline(tmp_path):
    (tmp_path / "f.svg").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>Hi</text></svg>')
    image = {"t": "Image", "c": [["", [], [["svg-text", "true"]]], [], ["f.svg", ""]]}
    plain = {"t": "Image", "c": [["", [], []], [], ["f.svg", ""]]}
    data = {"blocks": [{"t": "Para", "c": [image, plain]}]}
    figures.inline_svgs(data, tmp_path)
    first, second = data["blocks"][0]["c"]
    assert first == {"t": "RawInline", "c": ["html", '<svg class="diagram" xmlns="http://www.w3.org/2000/svg">'
                                                     "<text>Hi</text></svg>"]}
    assert second["t"] == "Image"  # other images stay images


def test_example_keeps_its_numbers_and_one_column():
    root = Path(__file__).resolve().parents[1]
    text = (root / "data/prisma.yaml").read_text()
    p, errors = load(text, ("data/studies.csv", 12))
    assert errors == [] and p.merged and not p.other_column
    values = prisma.prose_values(p)
    assert {k: values[k] for k in ("database_results", "citations_results", "identified", "duplicates",
                                   "records_screened", "records_excluded", "dbr_assessed", "dbr_excluded",
                                   "new_studies", "new_reports")} == {
        "database_results": 5041, "citations_results": 11, "identified": 5052, "duplicates": 2730,
        "records_screened": 2322, "records_excluded": 2280, "dbr_assessed": 42, "dbr_excluded": 30,
        "new_studies": 12, "new_reports": 12}
