"""The project: thesis.md's metadata and plan of documents, read and validated before any work.

thesis.md starts with a YAML block. Besides the thesis's metadata (title, author, degree, ...) it holds
the plan: which documents make the thesis, in which order, and where their Markdown lives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import people, yamlschema
from .paths import confine, plain_name
from .people import Person
from .problems import Problems

DOCUMENT_KINDS = ("front", "preface", "paper", "appendices")
REQUIRED_METADATA = ("title", "author", "degree", "university", "date")


@dataclass
class Document:
    """One document of the plan: parsed once, filtered, cited (papers), then assembled."""

    id: str
    kind: str  # one of DOCUMENT_KINDS
    files: list[Path]  # Markdown sources, in reading order (relative to the project root)
    options: dict = field(default_factory=dict)  # the rest of the plan entry (e.g. included-studies)
    authors: list[Person] = field(default_factory=list)  # a paper's own authors (its front matter), else the thesis's


@dataclass
class Project:
    root: Path
    metadata: dict
    documents: list[Document]
    bibliography: list[Path]
    authors: list[Person] = field(default_factory=list)
    supervisors: list[Person] = field(default_factory=list)
    advisers: list[Person] = field(default_factory=list)
    affiliations: dict[str, str] = field(default_factory=dict)  # id, position or name -> name
    csl: Path | None = None  # the citation style, resolved and checked (thesiskit/cite.py)

    @property
    def people(self) -> list[Person]:
        """Everyone the metadata names: authors, supervisors, advisers (and each paper's co-authors)."""
        seen, out = set(), []
        for person in [*self.authors, *(a for d in self.documents for a in d.authors), *self.supervisors,
                       *self.advisers]:
            if person.name.casefold() not in seen:
                seen.add(person.name.casefold())
                out.append(person)
        return out

    def document(self, doc_id: str) -> Document:
        return next(d for d in self.documents if d.id == doc_id)

    def rel(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (yaml text, body, line number where the YAML starts) of a Markdown file."""
    if not text.startswith("---"):
        return "", text, 0
    match = re.match(r"---[ \t]*\n(.*?\n)?(---|\.\.\.)[ \t]*(\n|$)", text, re.S)
    if not match:
        return "", text, 0
    return match.group(1) or "", text[match.end():], 2


def load_yaml(text: str, where: str, first_line: int, problems: Problems):
    """The YAML block's data (aliases and lone surrogates refused: thesiskit/yamlschema.py)."""
    try:
        return yaml.load(text, Loader=yamlschema.StrictLoader) or {}  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark else first_line
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.error(f"{where}:{line}", yamlschema.refusal(exc) or f"the YAML is malformed ({reason}); check "
                       "indentation, colons and quotes on this line or the one before it")
        return None


def read_project(root: Path, problems: Problems) -> Project | None:
    root = Path(root)
    master = root / "thesis.md"
    if not master.is_file():
        problems.error("thesis.md", "not found; run the build from the project folder (the one holding thesis.md)")
        return None
    try:
        text = master.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error("thesis.md", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 (a byte-order mark is fine)")
        return None
    except OSError as exc:
        problems.error("thesis.md", f"cannot be read ({exc.strerror}); check that it is an ordinary, readable file")
        return None
    head, _body, first = split_front_matter(text)
    if not first:
        problems.error("thesis.md:1", "thesis.md must start with a YAML block between '---' lines "
                       "holding the title, author and the plan of documents")
        return None
    meta = load_yaml(head, "thesis.md", first, problems)
    if meta is None:
        return None
    if not isinstance(meta, dict):
        problems.error("thesis.md:2", "the YAML block must be a mapping of keys to values (key: value)")
        return None

    for key in REQUIRED_METADATA:
        if not meta.get(key):
            problems.error(f"thesis.md:{line_of(text, key)}", f"metadata '{key}' is missing; add '{key}: ...' to the YAML block")

    authors, supervisors, advisers, affiliations = read_people(meta, text, problems)
    documents = _read_plan(root, text, meta, problems)
    bibliography = []
    for bib in _as_list(meta.get("bibliography", [])):
        where = f"thesis.md:{line_of(text, 'bibliography')}"
        path = confine(root, bib, where, problems, what="the bibliography", label="bibliography ")
        if path is None:
            continue
        if not path.is_file():
            problems.error(where, f"bibliography file '{bib}' not found; fix the path or export your library there")
        elif path.suffix.lower() not in (".bib", ".bibtex", ".json", ".yaml", ".yml"):
            problems.error(where, f"bibliography file '{bib}' is not BibTeX or BibLaTeX (.bib), CSL-JSON (.json) or "
                           "CSL-YAML (.yaml); export the library in one of these formats")
        bibliography.append(Path(bib))
    from .csl import resolve_csl

    csl = resolve_csl(root, meta.get("csl", "apa"), f"thesis.md:{line_of(text, 'csl:')}", problems)
    return Project(root=root, metadata=meta, documents=documents, bibliography=bibliography, authors=authors,
                   supervisors=supervisors, advisers=advisers, affiliations=affiliations, csl=csl)


def read_people(meta: dict, text: str, problems: Problems):
    """(authors, supervisors, advisers, affiliations) of thesis.md, in any of the forms people.py
    accepts; an entry naming nobody is an error at its key's line. The thesis's `email` and
    `correspondence` belong to its first author when the author entry does not give them."""
    affiliations = people.affiliation_names(meta.get("affiliations", meta.get("affiliation")))
    found = []
    for key in ("author", "supervisors", "advisers"):
        try:
            found.append(people.people(meta.get(key), key, affiliations))
        except people.PeopleError as exc:
            problems.error(f"thesis.md:{line_of(text, key + ':')}", str(exc))
            found.append([])
    authors, supervisors, advisers = found
    if authors:
        first = authors[0]
        first.email = first.email or str(meta.get("email") or "").strip()
        first.address = first.address or " ".join(str(meta.get("correspondence") or "").split())
        listed = list(dict.fromkeys(affiliations.values()))
        for author in authors:
            if not author.affiliations and len(authors) == 1:
                author.affiliations = listed  # the thesis's one author belongs to every listed affiliation
    return authors, supervisors, advisers, affiliations


def _read_plan(root: Path, text: str, meta: dict, problems: Problems) -> list[Document]:
    plan = meta.get("documents")
    line = line_of(text, "documents")
    if not isinstance(plan, list) or not plan:
        problems.error(f"thesis.md:{line}", "the plan is missing: add 'documents:' with one entry per document "
                       "(id, kind, source), see README 'The plan'")
        return []
    documents, seen, owners = [], set(), {}
    for number, entry in enumerate(plan, start=1):
        if not isinstance(entry, dict) or "id" not in entry or "source" not in entry:
            problems.error(f"thesis.md:{line}", f"documents entry {number} needs 'id' and 'source' (a folder or a list of files)")
            continue
        doc_id, kind = str(entry["id"]), entry.get("kind", "paper" if str(entry["id"]).startswith("paper") else "front")
        where = f"thesis.md:{line_of(text, 'id: ' + doc_id)}"
        if not plain_name(doc_id):  # it names the document's folder in a journal's package
            problems.error(where, f"document id '{doc_id}' is not a plain name; use letters, digits, '-' and '_' "
                           "(it names the document's folder in build/)")
            continue
        if doc_id in seen:
            problems.error(where, f"document id '{doc_id}' is used twice; ids must be unique")
        seen.add(doc_id)
        if kind not in DOCUMENT_KINDS:
            problems.error(where, f"document '{doc_id}' has kind '{kind}'; use one of {', '.join(DOCUMENT_KINDS)}")
            continue
        files = _source_files(root, entry["source"], where, doc_id, problems)
        for rel in files:  # a file read twice would be printed and counted twice
            if rel in owners:
                problems.error(where, f"document '{doc_id}': chapter '{rel.as_posix()}' is already part of "
                               f"document '{owners[rel]}'; list each file once (share text with {{% include %}})")
            owners.setdefault(rel, doc_id)
        options = {k: v for k, v in entry.items() if k not in ("id", "kind", "source")}
        documents.append(Document(id=doc_id, kind=kind, files=files, options=options))
    return documents


def _source_files(root: Path, source, where: str, doc_id: str, problems: Problems) -> list[Path]:
    """The chapters a plan entry's source names: a folder (its .md files in name order) or files,
    each inside the project and a regular file (thesiskit/paths.py)."""
    files: list[Path] = []
    label = f"document '{doc_id}': "
    for item in _as_list(source):
        path = confine(root, item, where, problems, what="chapters", label=label if isinstance(item, str) else
                       f"document '{doc_id}': source ", folder=True)
        if path is None:
            continue
        if path.is_dir():
            found, refused = [], False
            for chapter in sorted(p for p in (Path(root) / item).glob("*.md")):
                rel = chapter.relative_to(root).as_posix()
                if confine(root, rel, where, problems, what="chapters", label=label) is not None:
                    found.append(Path(rel))
                else:
                    refused = True
            if not found and not refused:
                problems.error(where, f"document '{doc_id}': folder '{item}' holds no .md files; add a chapter or fix the path")
            files += found
        elif path.is_file() and Path(item).suffix != ".md":
            problems.error(where, f"document '{doc_id}': '{item}' is not a Markdown chapter; list .md files only "
                           "(data files reach the text through directives)")
        elif path.is_file():
            files.append(Path(item))
        else:
            problems.error(where, f"document '{doc_id}': chapter '{item}' not found; create it or fix the path in thesis.md")
    return files


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def line_of(text: str, needle: str) -> int:
    """Line of the first occurrence of a YAML key (or any text) in thesis.md; 1 if absent."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1
