"""What the preview keeps between builds of one target: each document's work, reused while its
inputs are unchanged, so that a save rebuilds the document it changed and nothing else.

A document's inputs are its own text (its chapters, {{ }} filled in: the values it shows from any
data), the bibliography's entries it cites, the data files its directives and transforms read (a data
set it shows, its own or another document's by from=, or a table's file: data.recording), and
everything else in the project (the plan, profiles, filters, images, the citation style): a change
there and every document is built again. What a document takes from the others is known too: the
labels it refers to (@tbl:x in another paper), checked once the changed documents are expanded -
when their labels moved, the build starts again from scratch (pipeline.build, MemoStale) - and the
word counts of other documents its text shows ({{ words.paper1.main }}), so such a document is
built every time.

What is kept of a document is what the rest of the build reads of it: the labels it made, its
paper's authors, every problem its stages found, the keys it cites, its check (report entry and
counted figures), its masked self-citations, and its part of the assembled thesis as pandoc JSON
(its paragraphs' citations are kept by cite.cited_again, for every build).
A build that fails keeps nothing new; what was kept from the last good one stays.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import data
from .bibliography import works
from .problems import Problem, Problems
from .values import PLACEHOLDER


class MemoStale(Exception):
    """The changed documents' labels moved: documents kept from before may refer to them."""


@dataclass
class Record:
    key: str  # the digest of the document's inputs
    labels: dict = field(default_factory=dict)  # (scope, label) -> context.Label, those it made
    authors: list = field(default_factory=list)  # a paper's own authors, from its front matter
    problems: list[Problem] = field(default_factory=list)  # what its stages said of it, in order
    keys: list[str] = field(default_factory=list)  # the citation keys it cites
    works: str = ""  # the digest of their entries (Memo.works)
    data: dict = field(default_factory=dict)  # the data files its stages read: path -> digest of their bytes
    checked: dict = field(default_factory=dict)  # check.check_document's answer
    self_citations: object = None  # masking.SelfCitations, in a masked target
    part: str = ""  # its part of the assembled thesis, pandoc JSON
    shared: bool = False  # its problems were found with other documents' at once: not its own to keep


SKIPPED_FOLDERS = {"build", "node_modules", "__pycache__"}


class Memo:
    def __init__(self):
        self.records: dict[str, Record] = {}  # the last good build's, by document id
        self.pending: dict[str, Record] = {}  # this build's, kept when it succeeds
        self.sources = ""  # the digest of everything but the documents' own texts, the bibliography and the data
        self.entries: dict = {}  # the bibliography's entries, by key (this build's)
        self.bibliography = ""  # the digest of all of them, where they stand
        self._stat: dict[str, tuple] = {}  # path -> (mtime, size, digest): unchanged files are not read again
        self._derived: dict[str, tuple] = {}  # name -> (sources, key, value): derived from every document
        self.root = Path()
        self._build: tuple = ()  # (project, target's settings, the data sets' files) of the build under way

    # ------------------------------------------------------------------ keys

    def begin(self, project, target: str, outputs: list[str], entries: dict, data_files) -> None:
        """A build starts: the digest of the project's sources other than the documents' chapters,
        the bibliography (a document depends on the entries it cites: works()) and the data files (a
        document depends on those it read: Record.data); entries are the bibliography's, as read for
        this build, and data_files the files its data sets were loaded from."""
        self.entries = entries
        self.bibliography = hashlib.sha256(json.dumps(
            [[k, e.type, e.fields, e.file, e.line] for k, e in entries.items()], default=str).encode()).hexdigest()
        self._build = (project, (target, list(outputs), sorted(entries)), set(data_files))
        self.root = Path(os.path.realpath(project.root))  # as data.recording names the files it saw
        sources = self._sources()
        if sources != self.sources:
            self.records.clear()  # the plan, a profile or a filter changed: every document again
        self.sources = sources
        self.pending = {}

    def _sources(self) -> str:
        """The digest of what every document depends on: the project's files but the documents'
        chapters, the bibliography and the data files (of the data sets, and those the records read)."""
        project, settings, data_files = self._build
        own = {Path(f).as_posix() for d in project.documents for f in d.files}
        own |= {Path(b).as_posix() for b in project.bibliography}
        own |= data_files | {f for record in [*self.records.values(), *self.pending.values()] for f in record.data}
        digest = hashlib.sha256(repr(settings).encode())  # a key added or gone: all
        extra = [Path(project.csl)] if project.csl and self.root not in Path(project.csl).resolve().parents else []
        for path in sorted([*self._files(self.root), *extra]):
            rel = _rel(path, self.root)
            if rel not in own:
                digest.update(rel.encode() + b"\0" + self._digest(path).encode())
        return digest.hexdigest()

    def _files(self, root: Path):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
            for name in files:
                if not name.startswith((".", "~")):
                    yield Path(folder) / name

    def _digest(self, path: Path) -> str:
        try:
            stat = path.stat()
        except OSError:
            return "missing"
        known = self._stat.get(str(path))
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return "unreadable"
        self._stat[str(path)] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def key(self, text: str) -> str:  # what else the document depends on: begin() and reused()
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def reused(self, doc_id: str, text: str) -> bool:
        """Whether a document's work is kept from the last good build (else it is built, and what it
        makes is recorded under its new key)."""
        key = self.key(text)
        record = self.records.get(doc_id)
        if record is not None and record.key == key and not PLACEHOLDER.search(text) and not record.shared \
                and record.works == self.works(record.keys) and self._same_data(record.data):
            return True
        self.pending[doc_id] = Record(key=key)
        return False

    def _same_data(self, files: dict[str, str]) -> bool:
        return all(self._digest(self.root / rel) == digest for rel, digest in files.items())

    def works(self, keys) -> str:
        return works(self.entries, keys)

    # ------------------------------------------------------------------ what the build takes from records

    def kept(self) -> dict[str, Record]:
        """The records of the documents this build reuses."""
        return {d: r for d, r in self.records.items() if d not in self.pending}

    def restore(self, ctx, problems: Problems) -> None:
        """Into the build: the kept documents' labels, authors, self-citations and problems."""
        for document in ctx.project.documents:
            record = self.kept().get(document.id)
            if record is None:
                continue
            ctx.labels.update(record.labels)
            if record.authors:
                document.authors = record.authors
            if record.self_citations is not None:
                ctx.self_citations[document.id] = record.self_citations
            for problem in record.problems:
                problems._add(problem)

    def check_labels(self, ctx) -> None:
        """After the changed documents are expanded: their labels as before, or MemoStale when a kept
        document could refer to what moved."""
        for doc_id, record in self.pending.items():
            made = {k: v for k, v in ctx.labels.items() if v.doc_id == doc_id}
            record.labels = made
            before = self.records.get(doc_id)
            if before is not None and before.labels != made and self.kept():
                raise MemoStale()

    @contextlib.contextmanager
    def watching(self, doc_ids, problems: Problems):
        """The problems found while the block runs are these documents' (one document: its own; more
        at once: none of them is kept, as whose is which cannot be told), and so are the data files
        read."""
        before = len(problems.items)
        with data.recording() as read:
            yield
        found = problems.items[before:]
        ids = [d for d in doc_ids if d in self.pending]
        for doc_id in ids:  # more at once: each may have read them all
            self.pending[doc_id].data.update(read)
        if len(ids) == 1:
            self.pending[ids[0]].problems += found
        elif found:
            for doc_id in ids:
                self.pending[doc_id].shared = True

    def derived(self, name: str, key, make):
        """A value derived from the whole project (the bibliography's warnings from the keys cited),
        made again only when key or the project's other sources changed."""
        kept = self._derived.get(name)
        if kept is not None and kept[:2] == (self.sources, key):
            return kept[2]
        value = make()
        self._derived[name] = (self.sources, key, value)
        return value

    def commit(self) -> None:
        """The build succeeded: what it made is kept. The digest of the other sources is taken again
        without the data files this build found read (a table's file first read now was in it)."""
        self.records.update(self.pending)
        self.pending = {}
        self.sources = self._sources()


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def watching(memo: Memo | None, doc_ids, problems: Problems):
    return memo.watching(doc_ids, problems) if memo is not None else contextlib.nullcontext()
