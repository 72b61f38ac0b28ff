"""Shared fixtures: the example thesis built once per session in a temporary copy of the project."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PARTS = ("thesis.md", "chapters", "bib", "data", "profiles", "build.py")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the expected outputs of the golden tests (review the diff before committing)")


def copy_project(dest: Path) -> Path:
    """A copy of the example project (sources only) to build or break without touching the real one."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            shutil.copy2(src, dest / part)
    return dest


def run_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(project / "build.py"), *args], cwd=project,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example project, built once: tests read build/thesis/* from it."""
    project = copy_project(tmp_path_factory.mktemp("example") / "project")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    return project
