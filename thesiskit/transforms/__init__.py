"""The transforms, one per module, registered by name in REGISTRY and run by the pipeline by stage.

Stages, in the order the pipeline runs them:
  expand   per document, right after parsing: labels in one form (Quarto's tbl-x as tbl:x),
           conditional content, directives (computed tables and figures, see thesiskit/directives/),
           appendix letters, numbering, labels, typography (en dashes, italic statistical symbols)
  resolve  per document, once every document's labels are known: cross-references
  cited    per document, after citeproc: "and" in narrative citations, marks on the reference list
  lower    per output format, just before a writer: semantic classes become DOCX styles, typst calls, HTML
Each module exposes NAME, STAGE and run(doc, ctx, document) (lower: run(doc, ctx, fmt)).
"""
from . import (appendices, citations, conditional, crossref, directives, floats, included_studies, labels, lower,
               pseudonyms, typography)

REGISTRY = {module.NAME: module for module in (labels, conditional, directives, appendices, floats, typography,
                                               crossref,
                                               pseudonyms, citations, included_studies, lower)}


def stage(name: str) -> list:
    """The transforms of one stage, in registration order."""
    return [module for module in REGISTRY.values() if module.STAGE == name]
