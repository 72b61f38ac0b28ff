"""Where each document of the thesis starts, for the writers that write it part by part.

Lowering (thesiskit/transforms/lower.py) puts a mark before each document in the copy for typst and
for the DOCX; the writer (thesiskit/write/typst.py, thesiskit/write/docx.py) splits on it and drops
it. Here, so that lowering and the writers share the marks without importing each other.
"""
from __future__ import annotations

TYPST_MARK = "// thesiskit part "  # a typst comment
DOCX_MARK = "<!-- thesiskit part "  # a raw openxml block (an XML comment: nothing if one were left in)
MARKS = {"typst": TYPST_MARK, "openxml": DOCX_MARK}  # by the raw block's format


def mark(fmt: str, ident: str) -> dict:
    """The raw block before document ident in the copy for fmt ("typst" or "docx")."""
    raw = "openxml" if fmt == "docx" else fmt
    return {"t": "RawBlock", "c": [raw, MARKS[raw] + ident]}


def is_mark(block: dict, raw: str | None = None) -> bool:
    """Whether block is a part's mark (of raw format raw only, when given)."""
    if block.get("t") != "RawBlock" or block["c"][0] not in MARKS or (raw is not None and block["c"][0] != raw):
        return False
    return block["c"][1].startswith(MARKS[block["c"][0]])


def split(blocks: list, raw: str) -> list[list]:
    """The blocks between the marks of raw format raw ("typst", "openxml"): one list per document
    (and the blocks before the first mark), the marks left out, empty lists dropped."""
    chunks: list[list] = [[]]
    for block in blocks:
        if is_mark(block, raw):
            chunks.append([])
        else:
            chunks[-1].append(block)
    return [c for c in chunks if c]
