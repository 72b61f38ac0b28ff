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
        return True


def work_folder(root: Path) -> Path:
    """A folder for intermediate files inside the project (typst reads only inside its root)."""
    return atomic.staging(Path(root) / "build", "figures")
