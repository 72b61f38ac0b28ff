"""build/.cache is a cache: every entry is checked when it is read, written whole or not at all, and
the folder is kept to a size.

- An entry the build reads back (pandoc's JSON) carries the sha256 of its content on its first line;
  an entry used by its path (a figure's PNG and SVG, the reference.docx, the word-count chart) has
  the sha256 beside it in NAME.sha256. One that does not match (truncated, emptied, overwritten with
  garbage, its digest lost) is deleted and made again, silently: the next build is as a build with
  no cache would have been. An entry named by the digest of what it should hold (the cited-only
  .bib citeproc is given) is compared with that and written again when it differs (`put`).
- Writes go to a temporary name in the same folder and are renamed into place, so a reader never
  sees half a file and two builds side by side never mix their bytes.
- After each build the folder is kept under LIMIT bytes: the entries used least recently go first
  (a hit touches its entry), down to three quarters of the limit.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from pathlib import Path

LIMIT = 512 * 2**20  # bytes; the example's cache is about 3 MB, a 100,000-word thesis's about 60 MB
DIGEST = ".sha256"


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).hexdigest().encode("ascii")


def atomic_write(path: Path, data: bytes) -> None:
    """path holds data, or what it held before: never a part of data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def drop(*paths: Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
        Path(str(path) + DIGEST).unlink(missing_ok=True)


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


# ---------------------------------------------------------------- entries read back: digest inside

def read(path: Path) -> bytes | None:
    """An entry's content if it is whole; None (and the entry gone) if it is missing or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, newline, body = data.partition(b"\n")
    if not newline or head != _digest(body):
        drop(path)
        return None
    _touch(path)
    return body


def write(path: Path, body: bytes) -> None:
    atomic_write(path, _digest(body) + b"\n" + body)


# ---------------------------------------------------------------- entries used by path: digest beside

def whole(*paths: Path) -> bool:
    """True when every file is there and matches the digest beside it; otherwise all of them (and
    their digests) are removed, to be made again."""
    for path in paths:
        try:
            ok = Path(str(path) + DIGEST).read_bytes() == _digest(path.read_bytes())
        except OSError:
            ok = False
        if not ok:
            drop(*paths)
            return False
    for path in paths:
        _touch(path)
    return True


_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


@contextlib.contextmanager
def lock(path: Path):
    """Hold the entry used by path while checking it (whole) and making it: one that found an entry
    another had made but not yet sealed would take it for damaged and delete it under the other's
    feet (the targets of `check` run side by side, each in its own process, and draw the same
    figures; two builds of one project may run at once). A lock per entry between this process's
    threads, and the entry's folder locked (flock) between processes."""
    with _locks_lock:
        held = _locks.setdefault(str(path), threading.Lock())
    with held, _folder_locked(Path(path).parent):
        yield


@contextlib.contextmanager
def _folder_locked(folder: Path):
    try:
        import fcntl
    except ImportError:  # no flock on this system: between threads only
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # and with it the lock


def seal(path: Path) -> None:
    """Write the digest beside a file just put in place: from now on it can be trusted."""
    atomic_write(Path(str(path) + DIGEST), _digest(path.read_bytes()))


def put(path: Path, data: bytes) -> None:
    """path holds data, sealed: left as it is when it already does (whole, with its digest),
    written again when it is missing, damaged or holds anything else (a cache that names its entries
    by a digest of what they hold, like the cited-only .bib files)."""
    with lock(path):
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if same and whole(path):
            return
        atomic_write(path, data)
        seal(path)


# ---------------------------------------------------------------- size

def prune(folder: Path, limit: int = LIMIT) -> int:
    """Remove the entries used least recently until the folder is under three quarters of limit,
    once it is over limit; the number of files removed. Temporary files of a running build and
    files changed in the last minute stay."""
    if not folder.is_dir():
        return 0
    files = []
    total = 0
    for path in folder.rglob("*"):
        try:
            info = path.lstat()
        except OSError:
            continue
        if path.is_file():
            files.append((info.st_mtime, info.st_size, path))
            total += info.st_size
    if total <= limit:
        return 0
    removed, recent = 0, time.time() - 60
    for mtime, size, path in sorted(files, key=lambda f: f[0]):
        if total <= limit * 3 // 4:
            break
        if mtime > recent or path.name.endswith(DIGEST):
            continue
        drop(path)
        total -= size
        removed += 1
    return removed
