"""Statements by pattern: the journal profile's ethics rule accepts the common forms of an approval
reference near the committee's name (a UK REC reference, an IRB or protocol number, a university
reference), an author can state their own pattern in a profile that extends the journal's, and the
checklist quotes what it found."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from thesiskit import profiles
from thesiskit.problems import Problems

from .conftest import ROOT, copy_project, run_build


def ethics_rule(root: Path, target: str = "jmh-submission"):
    problems = Problems()
    profile = profiles.load_profile(root, target, problems)
    assert problems.items == [] and profile is not None, [p.line() for p in problems.items]
    return next(s for s in profile.statements["original"] if s.rule.startswith("Ethics committee named"))


def found(rule, text: str) -> str | None:
    match = re.search(rule.pattern, text, re.S)  # as the checklist searches the manuscript
    return match.group(0) if match else None


@pytest.mark.parametrize("sentence, reference", [
    # a UK NHS Research Ethics Committee reference
    ("The study was approved by the Wales Research Ethics Committee 3 (REC reference 23/WA/0117).", "23/WA/0117"),
    ("Approval was given by the London - Camden REC (21/LO/1234).", "21/LO/1234"),
    ("Ethical approval (reference 21/LO/1234) was given by the NHS Research Ethics Committee.", "21/LO/1234"),
    # a US institutional review board's protocol number
    ("The university's Institutional Review Board approved the study (IRB #2021-0456).", "IRB #2021-0456"),
    ("The study was approved (IRB-2021-0456) before recruitment began.", "IRB-2021-0456"),
    ("The Institutional Review Board approved the protocol (Protocol 2021-0456).", "Protocol 2021-0456"),
    # a university committee's own reference
    ("The Cardiff University School of Psychology Research Ethics Committee approved the study "
     "(reference EC.21.01.12.6221).", "EC.21.01.12.6221"),
    ("The School Research Ethics Committee approved the study (SREC/2023/045).", "SREC/2023/045"),
    ("Ethical approval was granted by the university ethics committee (ETH2223-0187).", "ETH2223-0187"),
])
def test_the_journal_rule_accepts_the_common_forms_of_an_ethics_reference(tmp_path, sentence, reference):
    match = found(ethics_rule(tmp_path), f"Participants were recruited online. {sentence} All gave consent.")
    assert match is not None and reference in match, match


@pytest.mark.parametrize("sentence", [
    "The study was approved by the School of Psychology Research Ethics Committee.",
    "The study was approved by the School of Psychology Research Ethics Committee in 2021.",
    "The ethics committee met on 12/03/2021, during the COVID-19 restrictions.",
    "The IRB approved the study in March 2021.",
    "Reference EC.21.01.12.6221 is given in the appendix.",  # a reference with no committee
])
def test_a_sentence_without_a_reference_fails_the_rule(tmp_path, sentence):
    assert found(ethics_rule(tmp_path), f"Participants were recruited online. {sentence} All gave consent.") is None


def test_an_author_states_their_own_pattern_as_readme_shows(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# profiles/jmh-submission\.yaml: .*?)```", readme, re.S).group(1)
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles/jmh-submission.yaml").write_text(block, encoding="utf-8")
    rule = ethics_rule(tmp_path)
    assert found(rule, "The Faculty Ethics Committee approved the study (HREC-2023-045).")
    assert not found(rule, "The Faculty Ethics Committee approved the study (23/WA/0117).")
    problems = Problems()
    consent = profiles.load_profile(tmp_path, "jmh-submission", problems).statements["original"][1]
    assert consent.rule == "Participants' consent confirmed"  # restated: a list is replaced as a whole


def test_a_rec_reference_passes_the_journal_rule_and_the_checklist_quotes_it(tmp_path):
    project = copy_project(tmp_path / "p")
    method = project / "chapters/paper2/20-method.md"
    text = method.read_text(encoding="utf-8")
    old = "The Cardiff University School of Psychology Research Ethics Committee approved the study (reference EC.21.01.12.6221"
    assert old in text
    method.write_text(text.replace(old, "The Wales Research Ethics Committee 3 approved the study (REC reference "
                                        "23/WA/0117"), encoding="utf-8")
    result = run_build(project, "jmh-submission")
    assert result.returncode == 0, result.stderr
    checklist = (project / "build/jmh-submission/paper2/checklist.md").read_text(encoding="utf-8")
    line = next(l for l in checklist.splitlines() if l.startswith("| Ethics committee named"))
    assert "| pass |" in line and "chapters/paper2/20-method.md:43: found: " in line
    assert "Ethics Committee 3 approved the study (REC reference 23/WA/0117)" in line
