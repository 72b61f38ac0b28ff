"""The build cache is an optimisation only: cached and uncached builds write the same documents."""
import shutil

import docx

from .conftest import copy_project, run_build


def outputs(project):
    folder = project / "build/thesis"
    text = "\n".join(p.text for p in docx.Document(str(folder / "thesis.docx")).paragraphs)
    return text, (folder / "report.json").read_text(), (folder / "thesis.html").read_text()


def test_a_build_served_from_the_cache_is_identical(built_example, tmp_path):
    """A rebuild of unchanged sources takes every parse and citation from the cache the first build
    filled, and writes the same documents. (A build with no cache at all gives the same documents
    too: tests/test_offline.py builds a cold copy and compares it with built_example.)"""
    project = copy_project(tmp_path / "p", warm=False)
    shutil.copytree(built_example / "build/.cache", project / "build/.cache")
    assert any((project / "build/.cache/pandoc").iterdir())
    assert run_build(project, "thesis").returncode == 0
    assert outputs(project) == outputs(built_example)


def test_an_edited_chapter_is_not_served_from_the_cache(tmp_path):
    project = copy_project(tmp_path / "p")
    assert run_build(project, "thesis").returncode == 0
    chapter = project / "chapters/paper2/40-discussion.md"
    chapter.write_text(chapter.read_text() + "\n\nA sentence added after the first build.\n")
    bib = project / "bib/references.bib"
    bib.write_text(bib.read_text().replace("title = {A ladder of citizen participation}",
                                           "title = {A ladder of citizen participation, revised}"))
    assert run_build(project, "thesis").returncode == 0
    text = outputs(project)[0]
    assert "A sentence added after the first build." in text
    assert "A ladder of citizen participation, revised" in text  # an edited .bib is cited again
