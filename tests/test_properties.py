"""Property tests: whatever an author types into a data cell or around a directive, the build gives
a document or a clean problem, never an exception."""
import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thesiskit import data, values, wordcount
from thesiskit.problems import Problems
from thesiskit.tables import build_cells

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
