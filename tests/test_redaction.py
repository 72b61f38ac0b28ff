"""private/redact.txt on the cases that need more than one mistake or a file the bad-input cases
cannot write: two listed names in one sentence, a PNG's metadata, a figure drawn from data, a text
figure of a journal package, an HTML comment, metadata that tries to run typst code. (One
mistake per case: tests/bad_inputs/privacy-*.yaml.)"""
from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .conftest import copy_project, edit
from .test_bad_inputs import build_in_process

RESULTS = "chapters/paper2/30-results.md"


def private(project, *terms: str) -> None:
    (project / "private").mkdir(exist_ok=True)
    (project / "private/redact.txt").write_text("# real names\n" + "\n".join(terms) + "\n", encoding="utf-8")


def append(project, rel: str, text: str) -> None:
    path = project / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line]


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


def test_two_names_in_one_sentence_are_both_masked_in_every_message(project):
    private(project, "Morwenna Pryce", "Gwilym Rees")
    append(project, RESULTS, "\nMorwenna Pryce and Gwilym Rees both took part.\n")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 1
    lines = errors(err)
    assert len(lines) == 2 and all("█████ and █████ both took part" in line for line in lines), lines
    assert "Morwenna" not in err and "Gwilym" not in err and "Pryce" not in err and "Rees" not in err


def test_a_name_in_png_metadata_is_found(project):
    private(project, "Morwenna Pryce")
    info = PngInfo()
    info.add_text("Author", "Morwenna Pryce")
    Image.new("RGB", (60, 40), "white").save(project / "chapters/paper2/figures/room.png", pnginfo=info)
    append(project, RESULTS, "\n![The Interview Room](figures/room.png){#fig:room}\n")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 1
    lines = errors(err)
    assert len(lines) == 1 and "appears in build/thesis/thesis.docx" in lines[0], lines
    assert "Pryce" not in err


def test_a_name_drawn_into_a_figure_from_data_is_found_at_its_data_line(project):
    private(project, "Morwenna Pryce")
    edit(project / "data/synthesis.yaml", "concept: ", "concept: Morwenna Pryce's ")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 1
    lines = errors(err)
    assert lines and lines[0].startswith("data/synthesis.yaml:"), lines
    assert "Pryce" not in err


def test_a_name_in_a_text_figure_of_a_journal_package_is_found(project):
    private(project, "Morwenna Pryce")
    (project / "profiles/jmh-submission.yaml").write_text("extends: jmh-submission\nfloats: {figures: 3}\n")  # it stays with the article
    append(project, RESULTS, '\n::: {#fig:drawn title="The Setting"}\nDrawn with Morwenna Pryce.\n:::\n')
    code, _out, err = build_in_process(project, "jmh-submission")
    assert code == 1
    lines = errors(err)
    assert len(lines) == 1 and lines[0].startswith(RESULTS), lines
    assert "build/jmh-submission/paper2/figures/figure-3.png (drawn into the figure)" in lines[0], lines
    assert not (project / "build/jmh-submission/paper2").exists()  # a leak: nothing put in place
    assert "Pryce" not in err


def test_html_comments_in_the_sources_never_reach_the_html(project):
    private(project, "Morwenna Pryce")
    append(project, RESULTS, "\n<!-- check this with Morwenna Pryce -->\n\nA paragraph after a note to self.<!-- and this inline note -->\n")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    html = (project / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert "A paragraph after a note to self." in html and "<!-- check" not in html and "inline note" not in html


def test_metadata_cannot_run_typst_code_and_quotes_are_kept(project):
    private(project, "Morwenna Pryce")
    edit(project / "thesis.md", "author: Diane Patton", """author: 'A" + read("/private/redact.txt") + "'""")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    author = pdfium.PdfDocument(str(project / "build/thesis/thesis.pdf")).get_metadata_dict()["Author"]
    assert author == 'A" + read("/private/redact.txt") + "', author  # the text as written, nothing read
    html = (project / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert '<meta name="author" content="A&quot; + read(&quot;/private/redact.txt&quot;) + &quot;" />' in html


def test_a_quoted_nickname_in_the_author_builds(project):
    edit(project / "thesis.md", "author: Diane Patton", """author: 'Diane "Di" <Patton>'""")
    code, _out, err = build_in_process(project, "thesis")
    assert code == 0, err
    assert pdfium.PdfDocument(str(project / "build/thesis/thesis.pdf")).get_metadata_dict()["Author"] == 'Diane "Di" <Patton>'
    html = (project / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert re.search(r'Written by: Diane (“|"|&quot;)Di(”|"|&quot;) &lt;Patton&gt;', html)


def test_values_and_internal_errors_never_print_a_listed_term(project, monkeypatch):
    private(project, "Kido")  # an included study's author, to see the values listing masked
    code, out, _err = build_in_process(project, "values")
    assert code == 0 and "█████" in out and "Kido" not in out
    from thesiskit import cli

    def broken(*_args, **_kwargs):
        raise RuntimeError("cannot read Kido & Kayama")

    monkeypatch.setattr(cli, "build", broken)
    code, _out, err = build_in_process(project, "thesis")
    assert code == 3 and "internal error" in err and "Kido" not in err and "█████" in err
