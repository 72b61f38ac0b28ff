"""Measurements behind docs/decisions.md, on the example thesis. Run: python bench/decisions.py

Not a test: it prints medians of a few repetitions so the numbers in docs/decisions.md can be redone.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from thesiskit import pandoc  # noqa: E402
from thesiskit.pipeline import build  # noqa: E402

NOOP_FILTER = "import panflute as pf\nif __name__ == '__main__':\n    pf.run_filter(lambda e, d: None)\n"


def median(func, repeat=5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    paper1 = "".join(p.read_text() for p in sorted((ROOT / "chapters/paper1").glob("*.md"))).encode()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "noop.py"
        script.write_text(NOOP_FILTER)
        parse = median(lambda: pandoc.run(["-f", "markdown", "-t", "json"], paper1))
        five_filters = median(lambda: pandoc.run(["-f", "markdown", "-t", "json"] +
                                                 [f"--filter={script}"] * 5, paper1), repeat=3)
    doc = pandoc.parse_markdown(paper1.decode())
    walk = median(lambda: [doc.walk(lambda e, d: None) for _ in range(5)])
    print(f"parse paper 1 to JSON:                 {parse:.3f} s")
    print(f"same with 5 no-op panflute --filter:   {five_filters:.3f} s  (+{five_filters - parse:.3f} s)")
    print(f"5 in-process walks of the same AST:    {walk:.3f} s")

    result = build(ROOT, "thesis")
    for name, seconds in result.timings:
        print(f"stage {name:<9} {seconds:.2f} s")
    typ_dir = Path(tempfile.mkdtemp(dir=ROOT / "build"))  # typst reads only inside its root
    import shutil


    # typst alone on the thesis, from the typst source pandoc writes
    from thesiskit import pipeline
    keep = pipeline.shutil.rmtree
    pipeline.shutil.rmtree = lambda path, **kw: shutil.copytree(path, typ_dir / "staging", dirs_exist_ok=True)
    try:
        build(ROOT, "thesis")
    finally:
        pipeline.shutil.rmtree = keep
    typ = next((typ_dir / "staging").glob("*.typ"))
    # in a fresh process each time: typst memoises within a process, which would flatter it
    code = (f"import typst; typst.compile({str(typ)!r}, output={str(typ_dir / 't.pdf')!r}, "
            f"root={str(ROOT)!r}, ignore_system_fonts=True)")
    startup = median(lambda: subprocess.run([sys.executable, "-c", "import typst"]), repeat=3)
    compile_time = median(lambda: subprocess.run([sys.executable, "-c", code], check=True), repeat=3) - startup
    print(f"typst compile of the thesis:            {compile_time:.2f} s")
    check = median(lambda: subprocess.run([sys.executable, str(ROOT / "build.py"), "check"], capture_output=True), 3)
    full = median(lambda: subprocess.run([sys.executable, str(ROOT / "build.py"), "thesis"], capture_output=True), 3)
    print(f"build.py check / build.py thesis:       {check:.2f} s / {full:.2f} s = {check / full:.2f}")
    soffice = shutil.which("soffice")
    if soffice:
        docx = ROOT / "build/thesis/thesis.docx"
        lo = median(lambda: subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(typ_dir),
                                            str(docx)], capture_output=True), repeat=1)
        print(f"LibreOffice DOCX -> PDF (alternative):  {lo:.2f} s")
    shutil.rmtree(typ_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
