"""The build, as named stages over one AST per document, all in this Python process:

    read      thesis.md's plan; each document's chapters parsed once by pandoc
    expand    conditional content, appendix letters, table and figure numbers (filters, stage expand)
    resolve   cross-references, once every document's labels are known (stage resolve)
    cite      citeproc per document: each paper ends with its own reference list
    mark      reference-list marks such as the included-studies asterisk (stage cited)
    check     word counts and limits, citations -> report.json
    assemble  title pages, contents, papers and appendices as one document
    write     DOCX, typst -> PDF and HTML side by side; each file written to a temporary name, then renamed
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import panflute as pf


from . import assemble as assembly
from . import atomic, transforms, check, cite, datasets, figures, pandoc, people, privacy, read, submission, summary, values
from .bibliography import check_fields, read_entries
from .context import Context
from .problems import BuildStopped, Problems
from .profiles import Profile, load_profile, targets
from .project import read_project
from .reference_docx import reference_docx
from .tree import elements

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Result:
    target: str
    problems: Problems
    report: dict = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems.errors


STAGES = ("data", "read", "expand", "resolve", "cite", "mark", "check", "assemble", "write")


class Stages:
    """Times each stage, for --verbose; with progress on, a one-line bar on the terminal once a
    build has taken more than two seconds."""

    def __init__(self, result: Result, verbose: bool, echo, progress: bool = False):
        self.result, self.verbose, self.echo, self.progress = result, verbose, echo, progress
        self.started = time.perf_counter()

    def _bar(self, name: str) -> None:
        done = STAGES.index(name) if name in STAGES else 0
        bar = "#" * done + "-" * (len(STAGES) - done)
        sys.stderr.write(f"\r  {self.result.target} [{bar}] {name:<9}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.progress and time.perf_counter() - self.started > 2:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()

    def __call__(self, name: str, func, *args):
        if self.progress and not self.verbose and time.perf_counter() - self.started > 2:
            self._bar(name)
        start = time.perf_counter()
        value = func(*args)
        elapsed = time.perf_counter() - start
        self.result.timings.append((name, elapsed))
        if self.verbose:
            self.echo(f"  {name:<9} {elapsed:6.2f} s")
        return value


def build(root: Path, target: str, write: bool = True, verbose: bool = False, echo=print,
          cache: bool = True, progress: bool = False) -> Result:
    problems = Problems(mask=privacy.matcher(Path(root)))
    pandoc.use_cache(Path(root) / "build" / ".cache" / "pandoc" if cache else None)
    result = Result(target=target, problems=problems)
    stage = Stages(result, verbose, echo, progress)
    try:
        _build(Path(root), target, write, problems, result, stage)
    except BuildStopped:
        pass
    except pandoc.PandocError as exc:
        problems.error("", f"pandoc failed: {str(exc).splitlines()[0]}")
    finally:
        stage.close()
    if result.report:
        result.report["ok"] = not problems.errors
        result.report["problems"] = [p.as_dict() for p in problems.items]
    return result


def compute_values(root: Path) -> tuple[dict, Problems]:
    """The values prose can use, without building anything (for `python build.py values`)."""
    problems = Problems(mask=privacy.matcher(Path(root)))
    project = read_project(Path(root), problems)
    if project is None or problems.errors:
        return {}, problems
    ctx = Context(project=project, profile=Profile(), target="", known_targets=[], problems=problems)
    load_data(ctx, set(read_entries(Path(root), project.bibliography, problems)))
    return ctx.values, problems


def _prepare(root, target, write, problems, stage):
    """read, expand and resolve: the documents with every directive and cross-reference done."""
    project = read_project(root, problems)
    profile = load_profile(root, target, problems)
    problems.stop_if_errors()
    if profile.documents:  # a journal target takes the papers only, say
        project.documents = [d for d in project.documents if d.kind in profile.documents]
    if write and profile.package == "per-paper":
        problems.deferred = {"limit"}  # a journal's limits are rules of its checklist: write, then fail
    ctx = Context(project=project, profile=profile, target=target, known_targets=sorted(targets(root)),
                  problems=problems)
    before = len(problems.errors)
    entries = read_entries(root, project.bibliography, problems)
    bib_keys = set(entries) if len(problems.errors) == before else None  # unreadable .bib: no key is "unknown"
    stage("data", load_data, ctx, bib_keys)

    docs = stage("read", read.parse_all, project, problems, ctx.values_for)
    read.read_authors(project, docs, problems)
    problems.stop_if_errors()
    stage("expand", _run_stage, "expand", docs, ctx)
    stage("resolve", _run_stage, "resolve", docs, ctx)
    cited: dict[str, None] = {}  # every document's cited keys, in order, once
    for document in project.documents:
        cited.update(dict.fromkeys(cite.check_keys(docs[document.id], ctx, document, entries)))
    check_fields(list(cited), entries, problems)
    problems.stop_if_errors()
    return ctx, docs, entries


def expanded(root: Path, target: str) -> dict[str, pf.Doc]:
    """The documents after read, expand and resolve (what bench/ gives plain pandoc as its floor)."""
    problems = Problems()
    result = Result(target=target, problems=problems)
    _ctx, docs, _entries = _prepare(Path(root), target, False, problems, Stages(result, False, print))
    return docs


def _build(root, target, write, problems, result, stage) -> None:
    ctx, docs, entries = _prepare(root, target, write, problems, stage)
    docs = stage("cite", cite.cite_all, docs, ctx, entries)
    stage("mark", _run_stage, "cited", docs, ctx)
    result.report, counts = stage("check", check.check, docs, ctx, entries)
    fill_word_counts(docs, counts)
    problems.stop_if_errors()
    if not write:
        return
    if ctx.profile.package == "per-paper":  # a journal: one submission package per paper
        problems.drop_deferred()  # its checklist states each of them as a failed rule
        stage("write", submission.write_packages, docs, ctx, result, counts)
        return
    source = stage("assemble", lambda: json.dumps(assembly.assemble(docs, ctx, counts).to_json()))
    docs.clear()  # the writers need only the JSON: the documents' trees can go before they start
    stage("write", _write, source, ctx, result)


def load_data(ctx: Context, bib_keys: set[str] | None) -> None:
    """The research data named in the plan (thesiskit/datasets.py), and the values prose can read."""
    ctx.datasets, shared = datasets.load_all(ctx.project, bib_keys, ctx.problems)
    ctx.values = {**shared, "words": values.Words([d.id for d in ctx.project.documents]),
                  "thesis": {**{k: v for k, v in ctx.project.metadata.items() if k != "documents"},
                             "author": people.names(ctx.project.authors),  # never a Python list in prose
                             "supervisors": [p.titled for p in ctx.project.supervisors]}}


def fill_word_counts(docs: dict[str, pf.Doc], counts: dict[str, dict]) -> None:
    """Put the counts where the prose asked for them ({{ words.preface.main }}); a placeholder is one
    word, as the number is, so filling it in changes no count."""
    for doc in docs.values():
        for elem in elements(doc):
            if isinstance(elem, pf.Str) and "⟦words." in elem.text:
                elem.text = values.PLACEHOLDER.sub(lambda m: f"{counts[m.group(1)][m.group(2)]:,}", elem.text)


def _run_stage(name: str, docs: dict[str, pf.Doc], ctx: Context) -> None:
    for module in transforms.stage(name):
        for document in ctx.project.documents:
            if document.id in docs:
                module.run(docs[document.id], ctx, document)


def _write(source: str, ctx: Context, result: Result) -> None:
    """The assembled thesis (pandoc JSON) to DOCX, typst -> PDF and HTML, then into build/<target>/."""
    root = ctx.project.root
    out_dir = root / "build" / ctx.target
    cache = root / "build" / ".cache"
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = ctx.profile.basename or ctx.target
    formats = list(ctx.profile.outputs)
    meta = ctx.project.metadata
    title, author = " ".join(str(meta["title"]).split()), people.names(ctx.project.authors)
    # The title page is ours; title and author go only where a format keeps them out of the text, each
    # escaped for the place it goes (metadata is data: nothing in it can run as typst or HTML).
    html_meta = ["-M", f"pagetitle={title}", "-V", f"author-meta={escape_html(author)}"]
    typst_meta = ["-V", f"typst-title={escape_typst(title)}", "-V", f"typst-author={escape_typst(author)}"]
    staging = atomic.staging(out_dir)
    try:
        jobs = {}
        if "docx" in formats:
            jobs["docx"] = ["-t", "docx", f"--reference-doc={reference_docx(cache)}",
                            "-o", str(staging / f"{stem}.docx")]
        if "pdf" in formats:
            jobs["typst"] = ["-t", "typst-citations", "-s", "--wrap=none", f"--template={TEMPLATES / 'thesis.typ'}", *typst_meta,
                             "-o", str(staging / f"{stem}.typ")]
        if "html" in formats:
            jobs["html"] = ["-t", "html5", "-s", "--embed-resources", f"--css={TEMPLATES / 'thesis.css'}", *html_meta,
                            "-o", str(staging / f"{stem}.html")]

        def lowered(fmt: str) -> bytes:
            """One writer's copy, lowered and serialised here on the calling thread, so that one
            JSON tree is alive at a time (the lowering holds the GIL anyway)."""
            return json.dumps(transforms.lower.lower_json(json.loads(source), fmt)).encode("utf-8")

        def write_one(fmt, args, data: bytes):
            pandoc.run(["-f", "json", *args], data, cwd=root)
            if fmt == "docx":
                finish_docx(staging / f"{stem}.docx", title=title, author=author)
            if fmt == "typst":
                compile_pdf(staging / f"{stem}.typ", staging / f"{stem}.pdf", root)
            return fmt

        with ThreadPoolExecutor(max_workers=2) as pool:  # each writer starts as soon as its copy is ready
            for future in [pool.submit(write_one, fmt, args, lowered(fmt)) for fmt, args in jobs.items()]:
                future.result()
        report = {**result.report, "ok": not ctx.problems.errors,
                  "problems": [p.as_dict() for p in ctx.problems.items]}
        (staging / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        summary.bar_chart(report, staging / "wordcount.png", cache / "charts")
        privacy.scan(staging, privacy.matcher(root), ctx.problems, f"build/{ctx.target}", root,
                     drawn=figures.drawn_texts(root, source))
        ctx.problems.stop_if_errors()  # a leak: nothing is renamed into place
        names = [f"{stem}.{ext}" for ext in ("docx", "pdf", "html") if ext in formats] + ["report.json",
                                                                                            "wordcount.png"]
        with atomic.uninterrupted():  # each rename is atomic, and Ctrl-C waits for the last of them
            for name in names:
                os.replace(staging / name, out_dir / name)
                result.outputs.append(out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def escape_typst(text: str) -> str:
    """A value for a typst string literal ("..."): quotes and backslashes escaped, line breaks as \\n."""
    text = "".join(c for c in str(text) if c >= " " or c in "\n\t")
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", " ")


def escape_html(text: str) -> str:
    """A value for an HTML attribute: <, >, & and both quotes as entities."""
    import html

    return html.escape(str(text), quote=True)


TYPST = "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3], ignore_system_fonts=True)"


def compile_pdf(typ: Path, pdf: Path, root: Path) -> None:
    """typst's layout of a whole thesis takes a few hundred MB that, in this process, the allocator
    would keep to the end of the build (and in watch mode, for good): it runs in a child process,
    whose memory goes when it exits. Fonts come from the typst package only, for the same PDF anywhere."""
    done = subprocess.run([sys.executable, "-c", TYPST, str(typ), str(pdf), str(root)], capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(f"typst could not compile {typ.name}: {lines[-1] if lines else done.returncode}")


def finish_docx(path: Path, **properties) -> None:
    """What pandoc's DOCX writer cannot do: table cells in the 'Table Text' style (pandoc gives them
    'Compact', shared with tight lists), and core properties (File > Info in Word) set here so that
    they stay off the title page."""
    import docx

    document = docx.Document(str(path))
    table_text = document.styles["Table Text"]
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    for table in document.tables:
        _fit_columns(table, int(text_width) // 635)  # EMU -> twips
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.style = table_text
    for name, value in properties.items():
        value = "".join(c for c in value if c >= " " or c in "\n\t")  # XML cannot hold control characters
        if len(value) > 255:  # the OOXML limit for a core property
            value = value[:254].rsplit(" ", 1)[0] + "…"
        setattr(document.core_properties, name, value)
    document.save(str(path))


def _fit_columns(table, width_twips: int, narrowest: int = 620) -> None:
    """Spread a table's columns over the text width (pandoc sizes them for US Letter), keeping each
    column wide enough for a short word at 10 pt."""
    from docx.oxml.ns import qn

    grid = table._tbl.tblGrid
    cols = grid.findall(qn("w:gridCol")) if grid is not None else []
    widths = [max(int(c.get(qn("w:w")) or 0), narrowest) for c in cols]
    if not widths or sum(widths) == 0:
        return
    scale = width_twips / sum(widths)
    for col, width in zip(cols, widths):
        col.set(qn("w:w"), str(int(width * scale)))
