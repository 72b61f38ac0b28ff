"""thesiskit as a student gets it: a wheel of this repository installed into a fresh virtual
environment, `thesiskit new` in an empty folder, and that project built with nothing else copied,
by its own build.py and by the thesiskit command, and checked from one of its subfolders.

The environment reuses this machine's installed dependencies (--system-site-packages) and installs
the wheel itself without them, so the test needs no network and checks what matters here: that the
wheel carries the built-in profiles, tools, templates and scaffold, and that the command works."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pytest

from .conftest import ROOT

EXAMPLE_WORDS = ("Cardiff", "Patton", "peer support", "co-production", "Heledd", "Hobson", "Wales", "DClinPsy")


def run(args, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(base / "dist"),
         str(ROOT)], base, env)
    wheel, = (base / "dist").glob("thesiskit-*.whl")
    run([sys.executable, "-m", "venv", "--system-site-packages", str(base / "venv")], base, env)
    bin_ = base / "venv" / "bin"
    env["PATH"] = f"{bin_}{os.pathsep}{env['PATH']}"
    run([str(bin_ / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--force-reinstall",
         str(wheel)], base, env)
    where = run([str(bin_ / "python"), "-c", "import thesiskit; print(thesiskit.__file__)"], base, env).stdout
    assert str(base / "venv") in where, where  # the wheel's copy, not this checkout
    return bin_, env


@pytest.fixture(scope="module")
def new_project(installed, tmp_path_factory) -> Path:
    bin_, env = installed
    empty = tmp_path_factory.mktemp("student")
    run([str(bin_ / "thesiskit"), "new", "my-thesis"], empty, env)
    return empty / "my-thesis"


def test_the_new_project_builds_with_build_py_and_the_command(installed, new_project):
    bin_, env = installed
    run([str(bin_ / "python"), "build.py", "thesis"], new_project, env)
    run([str(bin_ / "thesiskit"), "build", "jmh-submission"], new_project, env)
    checked = run([str(bin_ / "thesiskit"), "check"], new_project / "chapters", env)  # from a subfolder
    assert "0 errors" in checked.stdout and "paper1" in checked.stdout
    for target in ("thesis", "jmh-submission"):
        assert (new_project / "build" / target / "report.json").is_file()


def test_nothing_of_the_worked_example_reaches_the_new_project(installed, new_project):
    texts = []
    for path in (new_project / "build").rglob("*"):
        if path.suffix == ".docx":
            texts.append("\n".join(p.text for p in docx.Document(str(path)).paragraphs))
        elif path.suffix == ".pdf":
            document = pdfium.PdfDocument(str(path))
            texts.append("\n".join(document[i].get_textpage().get_text_range() for i in range(len(document))))
        elif path.suffix in (".html", ".md", ".json"):
            texts.append(path.read_text(encoding="utf-8"))
    texts += [p.read_text(encoding="utf-8") for p in new_project.rglob("*") if p.is_file() and "build" not in p.parts
              and p.suffix in (".md", ".yaml", ".yml", ".csv", ".bib", ".py")]
    assert len(texts) > 10
    found = {word for word in EXAMPLE_WORDS for text in texts if re.search(re.escape(word), text, re.I)}
    assert not found, found
