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
message says which documents to choose from. A data set that fails to load is reported once, where
it is read; its directives and values then stay quiet.
"""
from __future__ import annotations

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

    def own(self, doc_id: str, name: str):
        return self.by_document.get(doc_id, {}).get(name)

    def holders(self, name: str) -> list[str]:
        return [d for d in self.order if name in self.by_document.get(d, {})]

    def for_document(self, doc_id: str, name: str):
        """The document's own data set of this kind, else the thesis's only one; None otherwise."""
        if name in self.by_document.get(doc_id, {}):
            return self.by_document[doc_id][name]
        holders = self.holders(name)
        return self.by_document[holders[0]][name] if len(holders) == 1 else None

    def failed(self, doc_id: str, name: str) -> bool:
        """A data set the document can see was named but did not load (its error was reported)."""
        owners = [doc_id] if name in self.by_document.get(doc_id, {}) else self.holders(name)
        return any(self.by_document[d][name] is None for d in owners[:1]) if len(owners) == 1 else False


def load_all(project, bib_keys: set[str] | None, problems: Problems) -> tuple[Loaded, dict]:
    """(the loaded data sets, the values every document's prose shares: words, thesis and each
    document's data under its id)."""
    loaded = Loaded(order=[d.id for d in project.documents])
    shared: dict = {}
    for document in project.documents:
        for name, dataset in DATASETS.items():
            rel = document.options.get(name)
            if not rel:
                continue
            before = len(problems.errors)
            result = dataset.load(project.root, str(rel), bib_keys, problems)
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
        return (f"{module_name} needs a {name}, and {' and '.join(holders)} each have one; give this document its "
                f"own ('{DATASETS[name].example}' in its entry in thesis.md)")
    return (f"{module_name} needs the {name}'s data; add '{DATASETS[name].example}' to this document's entry in "
            "thesis.md")


