"""What makes two builds of the same sources the same: the date written into outputs comes from the
sources (or SOURCE_DATE_EPOCH), never the clock, and report.json names the versions of every tool
that shapes the outputs, so two builds can be told apart and one can be made again.

The date, in order: SOURCE_DATE_EPOCH (the reproducible-builds convention, seconds since 1970, UTC),
else the plan's `date:` (the thesis's own date, YYYY-MM-DD), else 1980-01-01 (the earliest date a
ZIP entry can hold). It becomes the DOCX's created and modified properties and every ZIP entry's
timestamp; pandoc's HTML carries no build date.
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
from functools import lru_cache
from pathlib import Path

EARLIEST = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)  # ZIP (MS-DOS) dates start here


def source_date(metadata: dict | None = None) -> dt.datetime:
    """The date outputs carry (UTC, whole seconds): see the module's docstring."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return max(dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc), EARLIEST)
    value = (metadata or {}).get("date")
    if isinstance(value, dt.datetime):
        return max(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc), EARLIEST)
    if isinstance(value, dt.date):
        return max(dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc), EARLIEST)
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", str(value or ""))
    if match:
        try:
            return max(dt.datetime(*map(int, match.groups()), tzinfo=dt.timezone.utc), EARLIEST)
        except ValueError:
            pass
    return EARLIEST


def version() -> str:
    """thesiskit's own version, as installed."""
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("thesiskit")
    except PackageNotFoundError:
        return "0+unknown"


def versions(root: Path, csl: str = "apa") -> dict:
    """The versions report.json records: thesiskit, pandoc, typst, the CSL style (its file and its
    <updated> date) and Python."""
    from .csl import csl_path

    style = csl_path(csl, Path(root))
    return {"thesiskit": version(), "pandoc": pandoc_version(), "typst": package_version("typst"),
            "csl": {"style": csl, "updated": csl_updated(style)}, "python": platform.python_version()}


@lru_cache(maxsize=None)
def pandoc_version() -> str:
    from .pandoc import pandoc_path

    try:
        out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    match = re.match(r"\S+\s+(\S+)", out)
    return match.group(1) if match else "unknown"


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=None)
def _updated(path: str, mtime: float) -> str:
    try:
        head = Path(path).read_text(encoding="utf-8")[:20000]  # <info> comes first
    except (OSError, UnicodeDecodeError):
        return "unknown"
    match = re.search(r"<updated>\s*([^<\s]+)\s*</updated>", head)
    return match.group(1) if match else "unknown"


def csl_updated(path: Path) -> str:
    """The style's own <updated> date: styles are revised under the same name."""
    try:
        return _updated(str(path), path.stat().st_mtime)
    except OSError:
        return "unknown"
