"""Putting a target's outputs in place: written to a staging folder, checked, renamed together.

One path for every target: the thesis's files and a journal's per-paper folders alike get
report.json, the privacy scan of everything readers get, and the renames that Ctrl-C cannot split.
Names starting with '.' stay behind in the staging folder (intermediate files such as the typst
source, which the scan still reads).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .. import atomic, privacy, summary


class Publication:
    """with Publication(ctx) as out: write into out.staging, then out.publish(result, ...)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.project.root
        self.out_dir = Path(ctx.output_folder) if ctx.output_folder else self.root / "build" / ctx.target
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.cache = self.root / "build" / ".cache"
        self.staging = atomic.staging(self.out_dir)

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, *_exc) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def publish(self, result, extra: dict | None = None, chart: bool = False, drawn=()) -> bool:
        """report.json (with `extra`, e.g. the checklists), the word-count chart, the privacy scan;
        then every output renamed into place, or none when the scan found a listed term."""
        problems = self.ctx.problems
        report = {**result.report, "ok": not problems.errors, "problems": [p.as_dict() for p in problems.items],
                  **(extra or {})}
        (self.staging / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        if chart:
            summary.bar_chart(report, self.staging / "wordcount.png", self.cache / "charts")
        before = len(problems.errors)
        privacy.scan(self.staging, privacy.matcher(self.root), problems, f"build/{self.ctx.target}", self.root,
                     drawn=drawn)
        if len(problems.errors) > before:
            return False  # a leak: nothing is put in place, the previous outputs stay
        order = {".docx": 0, ".pdf": 1, ".html": 2}  # the documents, then the report and chart
        items = sorted((p for p in self.staging.iterdir() if not p.name.startswith(".")),
                       key=lambda p: (order.get(p.suffix, 3 if p.is_dir() else 4), p.name))
        previous = written_before(self.out_dir)
        with atomic.uninterrupted():  # each rename is atomic, and Ctrl-C waits for the last of them
            for item in items:
                target = self.out_dir / item.name
                if item.is_dir():
                    old = atomic.aside(target)
                    if target.exists():
                        os.replace(target, old)
                    os.replace(item, target)
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    os.replace(item, target)
                result.outputs.append(target)
            remove_stale(self.out_dir, previous, [item.name for item in items])
        return True


MANIFEST = ".outputs.json"  # what the last build of the target put in its folder, by name


def written_before(out_dir: Path) -> list[str]:
    """The names the last build wrote (none when no build has written a manifest yet)."""
    try:
        names = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [n for n in names if isinstance(n, str) and n and "/" not in n and n not in (".", "..")]


def remove_stale(out_dir: Path, previous: list[str], current: list[str]) -> None:
    """Remove what the last build wrote and this one did not (a thesis.docx after `outputs: [pdf]`, a
    paper's folder after the paper left the plan), then record this build's names. Files the build
    never wrote, such as an author's notes in build/thesis/, are left alone."""
    for name in sorted(set(previous) - set(current)):
        path = out_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink()
    tmp = out_dir / f"{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"outputs": current}, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)


def work_folder(root: Path) -> Path:
    """A folder for intermediate files inside the project (typst reads only inside its root)."""
    return atomic.staging(Path(root) / "build", "figures")
