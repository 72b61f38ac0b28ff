"""Property tests: whatever an author types into a data cell or around a directive, the build gives
a document or a clean problem, never an exception."""
import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thesiskit import profiles
from thesiskit import data, values, wordcount
from thesiskit.problems import Problems
from thesiskit.tables import build_cells

from .conftest import GOLDEN_DATA

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.lists(st.one_of(cells, st.lists(cells, max_size=3)), min_size=1, max_size=6))
def test_any_cell_text_becomes_blocks(values_):
    blocks = build_cells(values_)
    assert len(blocks) == len(values_)


@FAST
@given(st.lists(st.lists(cells, min_size=2, max_size=2), max_size=5))
def test_any_answers_file_is_read_or_reported(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["study", "q1"])
    writer.writerows(rows)
    (root / "answers.csv").write_text(out.getvalue(), encoding="utf-8")
    problems = Problems()
    rows_read = data.read_csv(root, "answers.csv", "answers.csv", ["study", "q1"], problems)
    for row in rows_read or []:
        data.whole_number(row, "study", problems)
    assert all(p.severity == "error" and p.where.startswith("answers.csv") for p in problems.items)


@FAST
@given(cells, cells)
def test_any_text_around_a_value_renders_or_reports(before, after):
    problems = Problems()
    out = values.render(f"{before}{{{{ n }}}}{after}", {"n": 3}, "chapter.md", problems)
    assert isinstance(out, str)
    assert all(p.where.startswith("chapter.md:") for p in problems.items)


@FAST
@given(cells)
def test_word_count_never_fails_and_never_counts_more_than_tokens(text):
    assert 0 <= wordcount.count_words(text) <= len(text.split())


@FAST
@given(st.sampled_from(["casp-scores", "casp-checklist", "study-characteristics", "synthesis-grid",
                        "demographics", "data-table", "casp-grades"]),
       st.dictionaries(st.sampled_from(["studies", "cells", "study", "rater", "columns", "mark", "show", "src", "by",
                                        "colour"]), cells, max_size=3))
def test_any_option_value_renders_or_reports(name, attributes):
    """Whatever an author writes as a directive's options: a table, or problems naming the place."""
    import panflute as pf

    from thesiskit.transforms import directives

    ctx = _golden_context()
    div = pf.Div(identifier="tbl:x", classes=[name], attributes={"title": "T", **attributes})
    doc = pf.Doc(div)
    directives.run(doc, ctx, ctx.project.documents[0])
    assert all(p.where for p in ctx.problems.items)
    assert ctx.problems.errors or any(isinstance(b, (pf.Table, pf.Div)) for b in div.content)


@settings(max_examples=25, deadline=None)  # each example is one pandoc run
@given(cells, cells)
def test_any_markdown_around_a_directive_builds_or_reports(before, after):
    from thesiskit import transforms as filters
    from thesiskit import pandoc

    ctx = _golden_context()
    document = ctx.project.documents[0]
    text = f"{before}\n\n::: {{#tbl:scores .casp-scores title=\"Scores\"}}\n:::\n\n{after} (@tbl:scores)\n"
    doc = pandoc.parse_markdown(text)
    for stage in ("expand", "resolve"):
        for module in filters.stage(stage):
            module.run(doc, ctx, document)
    assert all(p.where for p in ctx.problems.items)


@FAST
@given(st.lists(cells, min_size=16, max_size=16), st.integers(min_value=1, max_value=3))
def test_any_row_of_studies_csv_loads_or_reports(row, replace):
    """Random text in every cell of one row of studies.csv: the review loads, or each problem names
    the file with its row."""
    import shutil
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "p"
        shutil.copytree(GOLDEN_DATA, root)
        path = root / "data/studies.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[replace] = row
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        problems = Problems()
        data.load_review(root, "data/review.yaml", None, problems)
    assert all(p.where.startswith("data/") for p in problems.items), [p.line() for p in problems.items]


def _golden_context():
    from thesiskit.context import Context
    from thesiskit.project import Document, Project

    problems = Problems()
    document = Document(id="paper1", kind="paper", files=[], options={})
    project = Project(root=GOLDEN_DATA, metadata={"title": "T", "author": "A"}, documents=[document], bibliography=[])
    ctx = Context(project=project, profile=profiles.parse({}), target="thesis", known_targets=["thesis"], problems=problems)
    loaded = ctx.datasets.by_document.setdefault(ctx.project.documents[0].id, {})
    loaded["review"] = data.load_review(GOLDEN_DATA, "data/review.yaml", None, problems)
    loaded["study"] = data.load_study(GOLDEN_DATA, "data/study.yaml", problems)
    assert not problems.items
    return ctx
