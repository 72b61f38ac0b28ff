"""The build, as named stages over one AST per document, all in this Python process:

    read      thesis.md's plan; each document's chapters parsed once by pandoc
    data      the research data the plan names (thesiskit/datasets.py), and the values prose reads
    expand    conditional content, directives, appendix letters, table and figure numbers (thesiskit/transforms)
    resolve   cross-references, once every document's labels are known (stage resolve)
    cite      citeproc per document: each paper ends with its own reference list
    mark      "and" in narrative citations, reference-list marks such as the included-studies asterisk (stage cited)
    check     word counts and limits, citations -> report.json
    assemble  title pages, contents, papers and appendices as one document
    write     the thesis's formats or a journal's packages, published together (thesiskit/write)
"""
from __future__ import annotations

import errno
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import panflute as pf

from . import assemble as assembly
from . import check, cite, datasets, extensions, pandoc, people, privacy, read, transforms, values
from . import cache as entries
from .memo import Memo, MemoStale, watching
from . import write as writers
from .paths import output_folder_problem
from .bibliography import check_fields, read_entries
from .context import Context
from .problems import BuildStopped, Problems
from .profiles import Profile, load_profile, targets
from .project import read_project
from .tree import elements
from .write.typst import TypstFailed, where_in_sources


@dataclass
class Result:
    target: str
    problems: Problems
    report: dict = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)  # the HTML of each document, for the preview
    skipped: bool = False  # a check of some documents only, none of them part of this target

    @property
    def ok(self) -> bool:
        return not self.problems.errors


DISK_ERRORS = {errno.ENOSPC: "free some space on the disk", errno.EDQUOT: "free some space (the disk quota is full)",
               errno.EROFS: "the disk is read-only: build on a disk you can write to",
               errno.EACCES: "make build/ writable by you", errno.EPERM: "make build/ writable by you"}

DISK_MESSAGES = {number: os.strerror(number) for number in DISK_ERRORS}

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


class NotInTarget(Exception):
    """A check of some documents only, none of which this target takes."""


def build(root: Path, target: str, write: bool = True, verbose: bool = False, echo=print,
          cache: bool = True, progress: bool = False, outputs: list[str] | None = None,
          folder: Path | None = None, only: set[str] | None = None, memo: Memo | None = None) -> Result:
    """One target built (write=False: checked only). outputs and folder replace the profile's formats
    and build/<target>/ (the preview writes HTML only, into build/preview/<target>/). only: check
    these documents of the plan and no others (their limits, citations and cross-references; the rest
    are read for their labels). memo: the preview's, kept between its builds of one target
    (thesiskit/memo.py): documents whose inputs have not changed are not built again."""
    problems = Problems(mask=privacy.matcher(Path(root)))
    result = Result(target=target, problems=problems)
    blocked = output_folder_problem(Path(root), target)
    if blocked:
        problems.error(*blocked)
        return result
    pandoc.use_cache(Path(root) / "build" / ".cache" / "pandoc" if cache else None)
    stage = Stages(result, verbose, echo, progress)
    if memo is not None:
        memo.pending = {}
    try:
        _build(Path(root), target, write, problems, result, stage, outputs, folder,
               only if not write else None, memo)
        if memo is not None and not problems.errors:
            memo.commit()
    except MemoStale:  # a changed document's labels moved: the others are built again too
        memo.records.clear()
        return build(root, target, write, verbose, echo, cache, progress, outputs, folder, only, memo)
    except BuildStopped:
        pass
    except NotInTarget:
        result.skipped = True
    except pandoc.PandocError as exc:
        number = next((n for n, text in DISK_MESSAGES.items() if text in str(exc)), None)
        if number is not None:  # pandoc writing an output found the disk full (or not writable)
            problems.error(f"build/{target}", f"cannot be written ({DISK_MESSAGES[number]}); {DISK_ERRORS[number]}, "
                           "then build again (the previous outputs were left as they were)")
        else:
            problems.error("", f"pandoc failed: {str(exc).splitlines()[0]}")
    except RecursionError:  # what the read stage's own limits did not catch
        problems.error("", "the text is nested too deeply for the build to follow (block quotations, lists or "
                       "divs inside each other, hundreds deep); flatten it")
    except OSError as exc:
        if exc.errno not in DISK_ERRORS:
            raise  # not the author's or the machine's: ours
        problems.error(f"build/{target}", f"cannot be written ({exc.strerror}); {DISK_ERRORS[exc.errno]}, then build "
                       "again (the previous outputs were left as they were)")
    finally:
        stage.close()
        if cache:
            entries.prune(Path(root) / "build" / ".cache")
    if result.report:
        result.report["ok"] = not problems.errors
        result.report["problems"] = [p.as_dict() for p in problems.items]
    return result


def compute_values(root: Path) -> tuple[dict, Problems]:
    """The values prose can use, without building anything (for `python build.py values`)."""
    problems = Problems(mask=privacy.matcher(Path(root)))
    ctx = _read_data(Path(root), problems)
    return (ctx.values if ctx is not None else {}), problems


def _read_data(root: Path, problems: Problems) -> Context | None:
    """The plan, the bibliography and the data, for no target in particular; None if the plan
    cannot be read."""
    project = read_project(root, problems)
    if project is None or problems.errors:
        return None
    ctx = Context(project=project, profile=Profile(), target="", known_targets=[], problems=problems)
    extensions.load(root, problems)  # a broken project filter is reported here too
    load_data(ctx, set(read_entries(root, project.bibliography, problems)))
    return ctx


def read_ahead(root: Path, cache: bool = True) -> None:
    """What every target reads alike, read once in this process before `check` builds its targets
    side by side (thesiskit/fanout.py): the plan, the bibliography (bibliography.py keeps its parse),
    the data (yamlschema keeps what it loaded) and each document's parse (read.parse_ahead), which
    the targets' builds then find done, as they find pandoc's version and the shipped citation styles
    looked up. It only saves work: what it finds wrong, or fails on, is left for each target to read
    again and report."""
    from . import csl, reproducible

    reproducible.pandoc_version()
    csl.builtin_styles()
    pandoc.use_cache(Path(root) / "build" / ".cache" / "pandoc" if cache else None)
    try:
        ctx = _read_data(Path(root), Problems())
        if ctx is not None:
            read.parse_ahead(ctx.project, ctx.values_for)
    except Exception:  # noqa: BLE001 - the targets meet it again, each where its build reports it
        read.forget_ahead()


def _prepare(root, target, write, problems, stage, outputs=None, folder=None, only=None, memo=None):
    """read, expand and resolve: the documents with every directive and cross-reference done (with a
    memo, the documents whose inputs changed; the memo's, or None where it cannot serve)."""
    project = read_project(root, problems)
    profile = load_profile(root, target, problems)
    problems.stop_if_errors()
    if outputs is not None:
        profile.outputs = list(outputs)
    if profile.documents:  # a journal target takes the papers only, say
        project.documents = [d for d in project.documents if d.kind in profile.documents]
    if only is not None and not any(d.id in only for d in project.documents):
        raise NotInTarget()
    if write and profile.package == "per-paper":
        problems.deferred = {"limit"}  # a journal's limits are rules of its checklist: write, then fail
    ctx = Context(project=project, profile=profile, target=target, known_targets=sorted(targets(root)),
                  problems=problems, output_folder=folder)
    ctx.directives.update(extensions.load(root, problems))  # the project's own filters/
    problems.stop_if_errors()
    before = len(problems.errors)
    entries = read_entries(root, project.bibliography, problems)
    bib_keys = set(entries) if len(problems.errors) == before else None  # unreadable .bib: no key is "unknown"
    ctx.bib_keys = frozenset(entries)
    ctx.entries = entries
    stage("data", load_data, ctx, bib_keys)

    anchored = write and profile.source_anchors and ("docx" in profile.outputs or profile.package == "per-paper")
    if memo is not None and (profile.package == "per-paper" or only is not None or anchored):
        memo = None  # a journal's packages, a check of some documents, anchors: built whole
    if memo is not None:
        memo.begin(project, target, profile.outputs, entries,
                   {f for files in ctx.datasets.files.values() for f in files})
    docs = stage("read", read.parse_all, project, problems, ctx.values_for, ctx.sources if anchored else None,
                 memo.reused if memo else None)
    read.read_authors(project, docs, problems)
    read.read_abstracts(project, docs, problems)
    if memo is not None:
        memo.restore(ctx, problems)
    problems.stop_if_errors()
    stage("expand", _run_stage, "expand", docs, ctx, memo)
    if memo is not None:
        memo.check_labels(ctx)
    stage("resolve", _run_stage, "resolve", docs, ctx, memo)
    if only is not None:  # every document was read for its labels; only these are cited and checked
        project.documents = [d for d in project.documents if d.id in only]
        for doc_id in [k for k in docs if k not in only]:
            del docs[doc_id]
        ctx.partial = True
    cited: dict[str, None] = {}  # every document's cited keys, in order, once
    for document in project.documents:
        if document.id not in docs:  # kept by the memo
            cited.update(dict.fromkeys(memo.records[document.id].keys))
            continue
        with watching(memo, [document.id], problems):
            keys = ctx.cited[document.id] = cite.check_keys(docs[document.id], ctx, document, entries)
        if memo is not None:
            memo.pending[document.id].keys, memo.pending[document.id].works = keys, memo.works(keys)
        cited.update(dict.fromkeys(keys))
    check_fields(list(cited), entries, problems)
    problems.stop_if_errors()
    return ctx, docs, entries, memo


def expanded(root: Path, target: str) -> dict[str, pf.Doc]:
    """The documents after read, expand and resolve (what bench/ gives plain pandoc as its floor)."""
    problems = Problems()
    result = Result(target=target, problems=problems)
    _ctx, docs, _entries, _memo = _prepare(Path(root), target, False, problems, Stages(result, False, print))
    return docs


def _build(root, target, write, problems, result, stage, outputs=None, folder=None, only=None, memo=None) -> None:
    ctx, docs, entries, memo = _prepare(root, target, write, problems, stage, outputs, folder, only, memo)
    with watching(memo, list(docs), problems):
        docs = stage("cite", cite.cite_all, docs, ctx, entries)
    if memo is not None:
        for doc_id in docs:
            memo.pending[doc_id].self_citations = ctx.self_citations.get(doc_id)
            memo.pending[doc_id].authors = ctx.project.document(doc_id).authors
    stage("mark", _run_stage, "cited", docs, ctx, memo)
    result.report, counts = stage("check", _check, docs, ctx, entries, memo)
    fill_word_counts(docs, counts)
    problems.stop_if_errors()
    if not write:
        return
    try:
        if ctx.profile.package == "per-paper":  # a journal: one submission package per paper
            problems.drop_deferred()  # its checklist states each of them as a failed rule
            stage("write", writers.packages, docs, ctx, result, counts)
            return
        source = stage("assemble", _assemble, docs, ctx, counts, memo)
        docs.clear()  # the writers need only the JSON: the documents' trees can go before they start
        stage("write", writers.thesis, source, ctx, result)
    except TypstFailed as exc:  # raw typst the author wrote, or an image typst cannot read: at its line
        where, fix = where_in_sources(ctx, exc)
        problems.error(where, f"typst cannot compile {exc.what}: {exc.message}; {fix}")


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


def _run_stage(name: str, docs: dict[str, pf.Doc], ctx: Context, memo: Memo | None = None) -> None:
    """A stage's transforms over the documents, each transform over every document in turn; with a
    memo, one document at a time, so that the problems found are known to be its own."""
    for group in ([docs] if memo is None else [{doc_id: doc} for doc_id, doc in docs.items()]):
        with watching(memo, list(group), ctx.problems):
            for module in transforms.stage(name):
                for document in ctx.project.documents:
                    if document.id in group:
                        module.run(group[document.id], ctx, document)


def _check(docs: dict[str, pf.Doc], ctx: Context, entries: dict, memo: Memo | None = None) -> tuple[dict, dict]:
    """(report, counted figures per document): each document checked (check.check_document; the
    memo's answer for a document it kept), then the report with the bibliography's warnings."""
    checked = {}
    for document in ctx.project.documents:
        if document.id not in docs:
            checked[document.id] = memo.records[document.id].checked
            continue
        with watching(memo, [document.id], ctx.problems):
            checked[document.id] = check.check_document(docs[document.id], ctx, document)
        if memo is not None:
            memo.pending[document.id].checked = checked[document.id]
    if memo is None:
        return check.report(checked, ctx, entries)
    cited = check.cited(checked)  # the bibliography's warnings made again only when these or the .bib change
    return check.report(checked, ctx, entries, memo.derived("bibliography", (memo.bibliography, tuple(sorted(cited))),
                                                            lambda: check.bibliography_warnings(cited, ctx, entries)))


def _assemble(docs: dict[str, pf.Doc], ctx: Context, counts: dict[str, dict], memo: Memo | None = None):
    """The thesis (thesiskit/assemble.py), each document's part as pandoc JSON: the memo's for a
    document it kept."""
    project = ctx.project
    dump = lambda element: json.dumps(pandoc.as_json(element))  # noqa: E731
    parts = [dump(assembly.part("title", assembly.thesis_title_page(project)))]
    present = [d for d in project.documents if d.id in docs or (memo is not None and d.id in memo.records)]
    for document in present:
        if assembly.contents_before(document, present):
            parts.append(dump(assembly.contents_part()))
        if document.id in docs:
            with watching(memo, [document.id], ctx.problems):
                parts.append(dump(assembly.document_part(docs[document.id], document, ctx, counts)))
            if memo is not None:
                memo.pending[document.id].part = parts[-1]
        else:
            parts.append(memo.records[document.id].part)
    return assembly.Assembled.of(project.metadata.get("lang", "en-GB"), parts)
