"""What every transform may read: the project, the target's profile, the labels, and where to report."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .datasets import Loaded, values_for
from .directives import DIRECTIVES
from .problems import Problems
from .project import Document, Project


@dataclass
class Label:
    """A numbered or titled thing that text can refer to with @kind:name."""

    text: str  # what a reference renders as: "Table 5", "Appendix B", "Method"
    anchor: str  # identifier in the output (unique in the whole thesis)
    doc_id: str


@dataclass
class Context:
    project: Project
    profile: dict
    target: str
    known_targets: list[str]
    problems: Problems
    labels: dict[tuple[str, str], Label] = field(default_factory=dict)  # (scope, "tbl:x") -> Label
    datasets: Loaded = field(default_factory=Loaded)  # each document's research data (thesiskit/datasets.py)
    values: dict = field(default_factory=dict)  # what {{ }} in every document's prose can read
    directives: dict = field(default_factory=lambda: dict(DIRECTIVES))  # built-in and the project's filters/
    self_citations: dict = field(default_factory=dict)  # paper id -> masking.SelfCitations (masked targets)
    cited: dict = field(default_factory=dict)  # document id -> the keys it cites, in order (found once, before cite)
    bib_keys: frozenset = frozenset()  # the bibliography's keys: @fig-2020 that it has is a citation, not a label
    output_folder: object = None  # where the outputs go, when not build/<target>/ (the preview's)
    entries: dict = field(default_factory=dict)  # key -> bibliography.Entry, for the transforms that read fields
    where: str = ""  # the directive being expanded ('chapters/paper1/20-method.md:17'), for data problems
    partial: bool = False  # some documents of the target only (`check FILES`): no "never cited" warnings
    sources: dict = field(default_factory=dict)  # doc id -> sourcemap.SourceMap, for the DOCX's anchors (if any)
    read: dict = field(default_factory=dict, repr=False, compare=False)  # locate()'s reads, once per build

    def values_for(self, doc_id: str) -> dict:
        """What {{ }} reads in one document: the shared values and its data sets by their bare names."""
        return values_for(doc_id, self.datasets, self.values)

    def cited_as(self, doc_id: str, key: str) -> str:
        """The id a key is cited by in a document: itself, or its masked stand-in in a masked target."""
        found = self.self_citations.get(doc_id)
        return found.masked.get(key, key) if found else key

    def locate(self, doc: Document, needle: str) -> str:
        """'file:line' of the first place a document's sources contain needle: its chapters, then the
        data files whose text directives put into it; the first chapter otherwise."""
        pattern = re.compile(re.escape(needle) + r"(?![\w:-])") if needle[-1:].isalnum() else None
        for rel in [*doc.files, *self._data_files()]:
            lines = self._lines(rel)
            if lines is None:
                continue
            for number, line in enumerate(lines, start=1):
                if (pattern.search(line) if pattern else needle in line):
                    return f"{rel}:{number}"
        twin = _quarto_twin(needle)
        if twin:  # a label the build names tbl:x that the author wrote {#tbl-x}
            return self.locate(doc, twin)
        return str(doc.files[0]) if doc.files else "thesis.md"

    def _data_files(self) -> list:
        """The project's data files, found once per build (a build locates a problem per table)."""
        if "data files" not in self.read:
            folder = self.project.root / "data"
            self.read["data files"] = sorted(p.relative_to(self.project.root) for p in folder.rglob("*")
                                             if p.suffix in (".yaml", ".yml", ".csv") and p.is_file()) if folder.is_dir() else []
        return self.read["data files"]

    def _lines(self, rel) -> list[str] | None:
        """The lines of a source file, read once per build; None when it cannot be read."""
        key = ("lines", str(rel))
        if key not in self.read:
            try:
                self.read[key] = (self.project.root / rel).read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                self.read[key] = None
        return self.read[key]


def _quarto_twin(needle: str) -> str | None:
    """'#tbl:x' -> '#tbl-x' (and '{#', '@'): the same label in Quarto's form."""
    match = re.fullmatch(r"(\{?#|@)(tbl|fig|sec|app):(.+)", needle)
    return f"{match.group(1)}{match.group(2)}-{match.group(3)}" if match else None
