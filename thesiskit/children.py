"""The programs a build runs (pandoc, typst), each with a time limit, and all stopped by a signal.

Python delivers Ctrl-C and SIGTERM to the main thread only, while pandoc and typst run from worker
threads: a worker waiting on its program would go on (and the pool's shutdown would wait for it)
after the main thread was told to stop. So every program is started here and registered; `stop()`,
called by the command line's signal handlers, kills them all and makes any later start raise
Interrupted, so each worker ends at once and the build stops as a whole.
"""
from __future__ import annotations

import subprocess
import threading


class Interrupted(KeyboardInterrupt):
    """The build was told to stop while a worker ran a program."""


class TimedOut(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"took longer than {seconds:g} s")
        self.seconds = seconds


_lock = threading.Lock()
_running: set[subprocess.Popen] = set()
_stopped = threading.Event()


def run(command: list[str], stdin: bytes | None = None, cwd=None, timeout: float | None = None
        ) -> subprocess.CompletedProcess:
    """Run a program to its end: (returncode, stdout, stderr) as bytes. Interrupted when stop() was
    called before or while it ran; TimedOut (after killing it) when it ran longer than timeout."""
    with _lock:
        if _stopped.is_set():
            raise Interrupted()
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=cwd)
        _running.add(proc)
    try:
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise TimedOut(timeout) from None
    finally:
        with _lock:
            _running.discard(proc)
    if _stopped.is_set():
        raise Interrupted()
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def stop() -> None:
    """Kill every running program; any program started from now on raises Interrupted."""
    with _lock:
        _stopped.set()
        for proc in list(_running):
            try:
                proc.kill()
            except OSError:
                pass


def reset() -> None:
    """A new command may start programs again (watch, tests: several builds in one process)."""
    _stopped.clear()
