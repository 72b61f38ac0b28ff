"""Privacy: outputs checked against private/redact.txt, never printing the list; quotations use
pseudonyms from the data."""
import hashlib

from .conftest import copy_project, run_build


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def test_a_redacted_term_in_an_output_stops_the_build_without_printing_it(built_example, tmp_path):
    import shutil

    project = copy_project(tmp_path / "p")
    shutil.copytree(built_example / "build/thesis", project / "build/thesis")
    before = digest(project / "build/thesis")
    (project / "private").mkdir()
    (project / "private/redact.txt").write_text("# real names, never committed\nGreg\nSomewhere Unmentioned\n")
    result = run_build(project, "thesis")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert any(line.startswith("build/thesis/thesis.docx: error: a term from private/redact.txt appears")
               for line in lines)
    assert all("Greg" not in line and "Somewhere" not in line for line in result.stderr.splitlines())
    assert "█████" in result.stderr
    assert digest(project / "build/thesis") == before  # the last good outputs stay


def test_quotation_must_name_a_known_pseudonym(tmp_path):
    project = copy_project(tmp_path / "p")
    chapter = project / "chapters/paper2/30-results.md"
    chapter.write_text(chapter.read_text() + '\n\n> "It changed how I saw myself." (Gareth)\n')
    result = run_build(project, "check")
    assert result.returncode == 1
    assert ("chapters/paper2/30-results.md" in result.stderr and "quotation attributed to 'Gareth', who is not "
            "a pseudonym in data/study.yaml's participants; use the participant's pseudonym") in result.stderr
