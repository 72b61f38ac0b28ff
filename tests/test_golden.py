"""Tier 2: each transform on a sample input against its expected output, one folder per case.

tests/golden/<case>/input.md      Markdown fed to the transform
tests/golden/<case>/case.yaml     which transforms run (by registered name), target, document kind
tests/golden/<case>/expected.md   the result, written as pandoc Markdown so a diff reads as text

Regenerate on purpose with `python -m pytest tests/test_golden.py --update-golden`, then read the diff.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from thesiskit import profiles
from thesiskit import transforms as filters
from thesiskit import cite, data, pandoc
from thesiskit.context import Context
from thesiskit.problems import Problems
from thesiskit.project import Document, Project

CASES = sorted(p.parent for p in (Path(__file__).parent / "golden").glob("*/input.md"))


def run_case(case: Path) -> str:
    spec = yaml.safe_load((case / "case.yaml").read_text())
    root = (case / spec.get("root", ".")).resolve()  # directive cases share the data in golden/_data
    source = Path(os.path.relpath(case / "input.md", root))
    document = Document(id=spec.get("id", "paper1"), kind=spec.get("kind", "paper"), files=[source],
                        options=spec.get("options", {}))
    project = Project(root=root, metadata={"title": "T", "author": "A"}, documents=[document],
                      bibliography=[Path(b) for b in spec.get("bibliography", [])])
    problems = Problems()
    ctx = Context(project=project, profile=profiles.parse(spec.get("profile", {})), target=spec.get("target", "thesis"),
                  known_targets=["thesis", "jmh-submission"], problems=problems)
    if spec.get("review"):
        ctx.datasets.by_document.setdefault(document.id, {})["review"] = data.load_review(root, spec["review"], None, problems)
    if spec.get("study"):
        ctx.datasets.by_document.setdefault(document.id, {})["study"] = data.load_study(root, spec["study"], problems)
    ctx.labels.update({("*", k): v for k, v in _global_labels(spec).items()})
    doc = pandoc.parse_markdown((case / "input.md").read_text())
    for name in spec["transforms"]:
        if name == "citeproc":
            doc = cite.cite_all({document.id: doc}, ctx, {})[document.id]
            continue
        module = filters.REGISTRY[name]
        module.run(doc, ctx, spec["format"] if module.STAGE == "lower" else document)
    out, _ = pandoc.convert(doc, ["-t", "markdown-citations", "--wrap=none"])
    problem_lines = "".join(f"<!-- {p.line()} -->\n" for p in problems.items)
    return problem_lines + out.decode()


def _global_labels(spec):
    from thesiskit.context import Label

    return {k: Label(text=v, anchor=k.replace(":", "-"), doc_id="appendices") for k, v in spec.get("labels", {}).items()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case, request):
    actual = run_case(case)
    expected_path = case / "expected.md"
    if request.config.getoption("--update-golden") or not expected_path.exists():
        expected_path.write_text(actual)
        pytest.skip("expected output written; review it")
    assert actual == expected_path.read_text()
