"""Privacy: quotations use pseudonyms from the data. (A term of private/redact.txt in an output:
tests/bad_inputs/privacy-real-name-in-output.yaml.)"""
from .conftest import copy_project, run_build


def test_quotation_must_name_a_known_pseudonym(tmp_path):
    project = copy_project(tmp_path / "p")
    chapter = project / "chapters/paper2/30-results.md"
    chapter.write_text(chapter.read_text() + '\n\n> "It changed how I saw myself." (Gareth)\n')
    result = run_build(project, "check")
    assert result.returncode == 1
    assert ("chapters/paper2/30-results.md" in result.stderr and "quotation attributed to 'Gareth', who is not "
            "a pseudonym in data/study.yaml's participants; use the participant's pseudonym") in result.stderr
