"""`check` on a project whose .bib holds 100,000 entries (a whole library exported), of which the
thesis cites three: the time it takes and the lines it prints.

    python bench/large_bib.py [ENTRIES]

Before issue 15 this never finished: every "never cited" warning was compared with every one before
it (a linear search per problem). tests/test_hardening.py runs it with fewer entries."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = ("smith2012", "jones2015", "brown2020")


def library(entries: int) -> str:
    parts = []
    for i in range(entries):
        key = CITED[i] if i < len(CITED) else f"entry{i}"
        parts.append(f"@article{{{key},\n  author = {{Author{i}, A. and Other, B.}},\n  title = {{A study numbered {i}}},\n"
                     f"  journal = {{Journal of Studies}},\n  year = {{{1950 + i % 70}}},\n  volume = {{{i % 40}}},\n"
                     f"  pages = {{1--10}},\n  doi = {{10.1000/{i}}}\n}}\n\n")
    return "".join(parts)


def project(folder: Path, entries: int) -> Path:
    (folder / "chapters/paper1").mkdir(parents=True)
    (folder / "bib").mkdir()
    (folder / "bib/references.bib").write_text(library(entries), encoding="utf-8")
    (folder / "chapters/paper1/00-paper.md").write_text(
        "---\ntitle: A Paper\nkind: original\n---\n\n::: abstract\nAn abstract.\n:::\n\n# Introduction\n\n"
        "Three studies [@smith2012; @jones2015; @brown2020].\n", encoding="utf-8")
    (folder / "thesis.md").write_text(
        "---\ntitle: T\nauthor: A. Author\ndegree: D\nuniversity: U\ndate: 2022-05-21\nbibliography: bib/references.bib\n"
        "documents:\n  - id: paper1\n    kind: paper\n    source: chapters/paper1\n---\n", encoding="utf-8")
    return folder


def run(entries: int) -> tuple[float, subprocess.CompletedProcess]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = project(Path(tmp) / "p", entries)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "thesiskit", "check", "--project", str(folder)],
                              capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        return time.perf_counter() - start, done


if __name__ == "__main__":
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seconds, done = run(entries)
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    print(f"check on a .bib of {entries:,} entries: {seconds:.1f} s, exit {done.returncode}, {len(lines)} lines printed")
    print("\n".join(lines[-6:]))
