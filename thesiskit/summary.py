"""What a person reads after a build or a check: one row per document (words, limit, share used)
with its problems under it, and the same as a bar chart (build/<target>/wordcount.png)."""
from __future__ import annotations

from pathlib import Path


def document_of(problem, documents: list) -> str:
    """The plan's document a problem belongs to: said by the problem, or found from its file."""
    if problem.document:
        return problem.document
    where = problem.where.split(":")[0].split(" row ")[0]
    for document in documents:
        if any(where == str(f) for f in document.files):
            return document.id
    return ""


def table(report: dict, problems, documents: list, warnings: int | None = None, errors: int | None = None) -> list[str]:
    """The rows, each document's problems under it; the closing count is of warnings and errors (all
    of them, when problems is condensed or leaves some out)."""
    docs = report.get("documents", {})
    width = max([len(d) for d in docs] + [8])
    lines = [f"  {'document':<{width}} {'words':>7} {'limit':>7} {'used':>5}  abstract"]
    grouped: dict[str, list] = {}
    for problem in problems:
        grouped.setdefault(document_of(problem, documents), []).append(problem)
    for doc_id, info in docs.items():
        main, limit = info["counted"].get("main", info["words"]["main"]), info["limits"].get("main")
        used = f"{main / limit:.0%}" if limit else ""
        abstract, abstract_limit = info["counted"].get("abstract", 0), info["limits"].get("abstract")
        abstract_text = f"{abstract}/{abstract_limit}" if abstract_limit else (str(abstract) if abstract else "")
        limit_text = f"{limit:,}" if limit else ""
        flag = "" if info["ok"] else "  <- over"
        lines.append(f"  {doc_id:<{width}} {main:>7,} {limit_text:>7} {used:>5}  {abstract_text}{flag}")
        for problem in grouped.pop(doc_id, []):
            lines.append(f"      {problem.line()}")
    for problem in grouped.pop("", []) + [p for rest in grouped.values() for p in rest]:
        lines.append(f"  {problem.line()}")
    errors = sum(p.severity == "error" for p in problems) if errors is None else errors
    warnings = sum(p.severity == "warning" for p in problems) if warnings is None else warnings
    lines.append(f"  {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return lines


def bar_chart(report: dict, path: Path, cache: Path) -> None:
    """Main-text words of each document against its limit, for those who would rather look.
    Drawn only when the numbers change (matplotlib's import alone costs half a second)."""
    import hashlib
    import json
    import os
    import shutil
    import threading

    from . import cache as entries

    bars = {d: [info["counted"].get("main", 0), info["limits"].get("main")] for d, info in report["documents"].items()}
    key = hashlib.sha256(json.dumps([report["target"], bars, Path(__file__).read_text()]).encode()).hexdigest()[:16]
    cached = cache / f"wordcount-{key}.png"
    if not entries.whole(cached):  # missing or damaged: drawn again (thesiskit/cache.py)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / f".{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp.png"
        try:
            _draw(report, tmp)
            os.replace(tmp, cached)
        finally:
            tmp.unlink(missing_ok=True)
        entries.seal(cached)
    shutil.copyfile(cached, path)


def _draw(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    docs = list(report["documents"].items())
    names = [d for d, _ in docs][::-1]
    words = [info["counted"].get("main", 0) for _, info in docs][::-1]
    limits = [info["limits"].get("main") for _, info in docs][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.55 * len(docs) + 1.2))
    colours = ["#b22222" if limit and w > limit else "#4a6fa5" for w, limit in zip(words, limits)]
    ax.barh(names, words, color=colours)
    for i, (w, limit) in enumerate(zip(words, limits)):
        if limit:
            ax.plot([limit, limit], [i - 0.4, i + 0.4], color="black", linewidth=1.5)
            ax.text(limit, i + 0.42, f" limit {limit:,}", fontsize=7, va="bottom")
        ax.text(w, i, f" {w:,}", va="center", fontsize=8)
    ax.set_xlabel("main-text words")
    ax.set_title(f"Word counts: {report['target']}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(words + [l or 0 for l in limits]) * 1.18)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=150)
    plt.close(fig)
    tmp.replace(path)
