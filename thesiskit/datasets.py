"""Research data sets, by declaration: which plan options name data, how each is loaded, and the
values it gives the prose. Directives ask for a data set by name (DATA = "review") and get the one
of the document they are in.

    - id: paper1
      kind: paper
      source: chapters/paper1
      review: data/review.yaml        # a data set of kind "review", belonging to paper1

Data belong to their document: in paper 1's chapters `{{ review.studies.count }}` is paper 1's
review, and any document can name another's (`{{ paper1.review.studies.count }}`). A document with
no data set of a kind may use the bare name (`{{ study.participants.total }}` in the preface) when
exactly one document of the thesis has one; when several have, the bare name is ambiguous and the
message says which documents to choose from. A directive shows another document's data set with
from="paper2" on its div. A data set that fails to load is reported once, where it is read; its
directives and values then stay quiet.

The plan gives a document at most one data set of each kind, and a data file to one document: a
list of review files, or a review file named by two documents, is an error that says what to do
(two documents reading one file would print the same numbers twice, each as its own review's).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Callable

from . import data, values
from .problems import Problems


@dataclass(frozen=True)
class DataSet:
    name: str  # the plan's option, the values' name and what a directive's DATA says
    load: Callable  # (root, rel, bib_keys, problems) -> the loaded data, or None (problems reported)
    values: Callable  # (loaded) -> the mapping prose reads under the name
    example: str  # the plan line an error suggests


DATASETS = {d.name: d for d in (
    DataSet("review", lambda root, rel, keys, problems: data.load_review(root, rel, keys, problems),
            values.review_values, "review: data/review.yaml"),
    DataSet("study", lambda root, rel, _keys, problems: data.load_study(root, rel, problems),
            values.study_values, "study: data/study.yaml"),
)}


@dataclass
class Loaded:
    """Every document's data sets, loaded once per build."""

    by_document: dict[str, dict[str, object]] = field(default_factory=dict)  # doc id -> name -> data or None
    order: list[str] = field(default_factory=list)  # document ids in plan order
    duplicates: set = field(default_factory=set)  # (doc id, name): names another document's file; not a holder
    files: dict = field(default_factory=dict)  # (doc id, name) -> the files its loading read (data.recording)

    def own(self, doc_id: str, name: str):
        data.noted(self.files.get((doc_id, name), {}))  # the document asking depends on them
        return self.by_document.get(doc_id, {}).get(name)

    def holders(self, name: str) -> list[str]:
        return [d for d in self.order if name in self.by_document.get(d, {}) and (d, name) not in self.duplicates]

    def for_document(self, doc_id: str, name: str):
        """The document's own data set of this kind, else the thesis's only one; None otherwise."""
        if name in self.by_document.get(doc_id, {}):
            return self.own(doc_id, name)
        holders = self.holders(name)
        return self.own(holders[0], name) if len(holders) == 1 else None

    def failed(self, doc_id: str, name: str) -> bool:
        """A data set the document can see was named but did not load (its error was reported)."""
        owners = [doc_id] if name in self.by_document.get(doc_id, {}) else self.holders(name)
        for owner in owners[:1]:
            data.noted(self.files.get((owner, name), {}))
        return any(self.by_document[d][name] is None for d in owners[:1]) if len(owners) == 1 else False


# names {{ }} reads at the top level besides the documents' ids (thesiskit/pipeline.py, load_data)
VALUE_NAMES = ("words", "thesis")


def load_all(project, bib_keys: set[str] | None, problems: Problems) -> tuple[Loaded, dict]:
    """(the loaded data sets, the values every document's prose shares: words, thesis and each
    document's data under its id)."""
    loaded = Loaded(order=[d.id for d in project.documents])
    shared: dict = {}
    claimed: dict[tuple[str, str], str] = {}  # (kind, data file) -> the document that names it
    for document in project.documents:
        reserved = document.id in (*DATASETS, *VALUE_NAMES)
        if reserved:
            problems.error(_plan_line(project, document.id),
                           f"document id '{document.id}' is also the name of values prose reads "
                           f"({{{{ {document.id}.* }}}}), so the document's own could not be told from them; give "
                           "the document another id (paper1, say)")
        for name, dataset in DATASETS.items():
            rel = document.options.get(name)
            if rel is None or rel == "":
                continue
            refused = reserved  # its id was reported above
            if not refused and not isinstance(rel, str):
                files = [str(f) for f in rel] if isinstance(rel, list) else [str(rel)]
                problems.error(_plan_line(project, document.id, name),
                               f"document '{document.id}' gives {name}: {len(files)} file{'s' * (len(files) != 1)} "
                               f"({', '.join(files)}), but a document has one {name}, which its directives and "
                               f"{{{{ {name}.* }}}} show; give each {name} its own document (its own entry in the "
                               f"plan with {name}: and one file), or put the {name}'s data in one file")
                refused = True
            elif not refused and (name, os.path.normpath(rel)) in claimed:
                other = claimed[(name, os.path.normpath(rel))]
                problems.error(_plan_line(project, document.id, name),
                               f"document '{document.id}' names {rel}, which is already the {name} of {other}; "
                               f"give {document.id} a {name} file of its own, or leave {name}: out of "
                               f"{document.id} and show {other}'s with {{{{ {other}.{name}.* }}}} in prose and "
                               f'from="{other}" on a directive\'s div')
                refused = True
                loaded.duplicates.add((document.id, name))  # the bare name elsewhere is the other's, as meant
            if refused:  # reported here, once: the document's directives and values stay quiet
                result = None
            else:
                claimed[(name, os.path.normpath(rel))] = document.id
                before = len(problems.errors)
                with data.recording() as read:
                    result = dataset.load(project.root, str(rel), bib_keys, problems)
                loaded.files[(document.id, name)] = read
                if len(problems.errors) > before:
                    result = None
            loaded.by_document.setdefault(document.id, {})[name] = result
            shared.setdefault(document.id, {})[name] = values.Missing() if result is None else dataset.values(result)
    return loaded, shared


def values_for(document_id: str, loaded: Loaded, shared: dict) -> dict:
    """What `{{ }}` can read in one document's chapters: the shared values, and each kind of data set
    by its bare name (the document's own, or the thesis's only one)."""
    names = {**shared}
    for name in DATASETS:
        if name in loaded.by_document.get(document_id, {}):
            names[name] = shared[document_id][name]
            continue
        holders = loaded.holders(name)
        if len(holders) == 1:
            names[name] = shared[holders[0]][name]
        elif holders:
            names[name] = values.Ambiguous(name, holders)
    return names


def missing_message(module_name: str, name: str, loaded: Loaded, doc_id: str) -> str:
    holders = loaded.holders(name)
    if len(holders) > 1:
        choices = " or ".join(f'from="{h}"' for h in holders)
        return (f"{module_name} needs a {name}, and {' and '.join(holders)} each have one; say whose it shows with "
                f"{choices} on the div")
    return (f"{module_name} needs the {name}'s data; add '{DATASETS[name].example}' to this document's entry in "
            "thesis.md")




def _plan_line(project, doc_id: str, key: str | None = None) -> str:
    """'thesis.md:N': the line of a document's entry in the plan, or of one of its keys."""
    try:
        lines = (project.root / "thesis.md").read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return "thesis.md"
    entry = re.compile(rf"^\s*-?\s*id:\s*['\"]?{re.escape(doc_id)}['\"]?\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if entry.match(line)), None)
    if start is None:
        return "thesis.md"
    if key is not None:
        for i in range(start + 1, len(lines)):
            if re.match(r"^\s*-\s", lines[i]) and re.match(r"^\s*-\s*id:", lines[i]):
                break
            if re.match(rf"^\s*{re.escape(key)}\s*:", lines[i]):
                return f"thesis.md:{i + 1}"
    return f"thesis.md:{start + 1}"
