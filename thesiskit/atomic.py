"""Putting a build's outputs in place all at once: every writer works in a staging folder inside
build/<target>/, named with the build's process id, and the outputs are renamed into place at the
end. Ctrl-C or SIGTERM during the renames waits for the last of them; a build killed outright
(SIGKILL, a power cut) leaves its staging folder behind for the next build to clear away.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

HELD = (signal.SIGINT, signal.SIGTERM)
LEFT_BEHIND = re.compile(r"\.(staging|old|figures)-(\d+)-(.+)")


@contextmanager
def uninterrupted():
    """Hold Ctrl-C and SIGTERM until the block ends, so a series of renames is never split: the
    outputs are all the old ones or all the new ones. Blocking the signals for this thread
    (pthread_sigmask) is not enough on its own: the kernel then hands them to any other thread, and
    typst leaves native threads running, so the Python handlers are also swapped for one that only
    notes the signal. Either way the signal is delivered as the block ends. Only the main thread can
    do either; elsewhere (a build in a worker thread) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    handlers = {}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        for signum in HELD:
            if signal.getsignal(signum) is not None:  # None: a handler set outside Python, left alone
                # signal.signal first runs a handler already due, so no signal falls in between
                handlers[signum] = signal.signal(signum, lambda number, _frame: caught.append(number))
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal this thread held is delivered here
        if caught:
            signal.raise_signal(caught[0])  # one another thread took, to the handler it was meant for


def staging(out_dir: Path, kind: str = "staging") -> Path:
    """A new work folder in out_dir (.staging-<pid>-..., or .figures-<pid>-... for a journal's
    figures), once the leftovers of dead builds are gone."""
    clear_left_behind(out_dir)
    return Path(tempfile.mkdtemp(prefix=f".{kind}-{os.getpid()}-", dir=out_dir))


def aside(path: Path) -> Path:
    """Where a folder of outputs waits while its replacement is renamed in (.old-<pid>-<name>)."""
    return path.with_name(f".old-{os.getpid()}-{path.name}")


def clear_left_behind(out_dir: Path) -> None:
    """Remove the staging folders of builds whose process has died. A set-aside folder (.old-) whose
    replacement never arrived is put back instead: it holds the last good outputs."""
    for path in out_dir.iterdir() if out_dir.is_dir() else []:
        match = LEFT_BEHIND.fullmatch(path.name)
        if not match or _alive(int(match.group(2))):
            continue
        original = out_dir / match.group(3)
        if match.group(1) == "old" and not original.exists():
            os.replace(path, original)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another build in this process (watch, tests) may be using it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
