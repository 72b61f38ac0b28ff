"""Several targets built side by side, each in its own process (issue 16: `check` of every target).

The stages are Python, so threads of one process take turns on the GIL: three targets in a thread
pool cost what they cost one after another. Here each target is built in a child forked from this
process once the modules are imported (and whatever `prepare` does first: the work every target
shares), so a child starts at once and shares the parent's memory until it writes to it. A child's
Result comes back pickled through a pipe; the children print nothing (what a verbose build says is
sent back and printed by the parent, in the targets' order), so output goes where the caller
redirected it, even inside a test's redirect_stdout.

Ctrl-C reaches the children too (the terminal signals the whole process group); each child kills its
own pandoc (thesiskit/children.py, through the signal handler it inherits) and ends. A signal to the
parent only (SIGTERM from kill or an IDE) makes the parent stop its children in the same way before
it stops itself. Where forking is not safe (threads already running in this process, as in a
program that embeds thesiskit, or no fork on this system) the targets are built in this process,
two threads at a time, as before.
"""
from __future__ import annotations

import os
import pickle
import selectors
import signal
import sys
import threading
import time
import traceback

from .pipeline import Result, build


def can_fork() -> bool:
    """Fork only with no other thread alive: a thread holding a lock at the fork would leave the
    child that lock held for ever."""
    return hasattr(os, "fork") and threading.active_count() == 1


def build_each(root, targets: list[str], verbose: bool = False, echo=print, prepare=None, **options) -> list[Result]:
    """build(root, target, **options) of every target, in the targets' order. prepare(), when
    given, runs in the parent before the first fork (the work the targets share)."""
    if prepare is not None:
        prepare()
    if not can_fork() or len(targets) < 2:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool:  # pandoc runs overlap; the Python stages do not
            return list(pool.map(lambda t: build(root, t, verbose=verbose, echo=echo, **options), targets))
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice, by parent and child
        stream.flush()
    children: dict[int, tuple[int, str]] = {}  # read end -> (pid, target)
    received: dict[str, bytes] = {}
    try:
        for target in targets:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: build, send, and leave without running the parent's exit code
                os.close(read_end)
                _child(write_end, root, target, verbose, options)
            os.close(write_end)
            children[read_end] = (pid, target)
        received = _receive(children)
    except BaseException:
        _stop(pid for pid, _t in children.values())
        raise
    finally:
        for fd in children:
            try:
                os.close(fd)
            except OSError:
                pass
    results = []
    for target in targets:
        kind, value, said = pickle.loads(received[target])
        for line in said:
            echo(line)
        if kind == "raised":
            raise value
        if kind == "failed":
            name, text, trace = value
            raise type(name, (ChildFailed,), {"trace": trace})(text)
        results.append(value)
    return results


def _child(write_end: int, root, target: str, verbose: bool, options: dict) -> None:
    said: list[str] = []
    code = 0
    try:
        try:
            result = build(root, target, verbose=verbose, echo=said.append, **options)
            result.problems.mask = None  # its items are masked already; a matcher need not travel
            payload = pickle.dumps(("result", result, said))
        except BaseException as exc:  # a bug of ours, or the interrupt: the parent decides what to say
            payload = _raised(exc, said)
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


class ChildFailed(Exception):
    """An exception of a child that could not be sent as it was; named as the original was."""


def _raised(exc: BaseException, said: list[str]) -> bytes:
    try:
        pickle.loads(answer := pickle.dumps(("raised", exc, said)))
        return answer
    except Exception:  # sent by its name and message, and raised again as one of that name
        text = f"{exc}"
        return pickle.dumps(("failed", (type(exc).__name__, text, "".join(traceback.format_exception(exc))), said))


def _receive(children: dict[int, tuple[int, str]]) -> dict[str, bytes]:
    """Every child's pickled answer, read as it comes (an answer larger than a pipe's buffer would
    otherwise block its child); then the children are waited for."""
    chunks: dict[int, list[bytes]] = {fd: [] for fd in children}
    with selectors.DefaultSelector() as selector:
        for fd in children:
            selector.register(fd, selectors.EVENT_READ)
        open_ends = len(children)
        while open_ends:
            for key, _mask in selector.select():
                data = os.read(key.fd, 1 << 16)
                if data:
                    chunks[key.fd].append(data)
                else:
                    selector.unregister(key.fd)
                    open_ends -= 1
    answers = {}
    for fd, (pid, target) in children.items():
        _pid, status = os.waitpid(pid, 0)
        answer = b"".join(chunks[fd])
        if not answer:  # killed, or died before it could answer
            raise RuntimeError(f"checking {target} ended without an answer (exit status {status})")
        answers[target] = answer
    return answers


def _stop(pids) -> None:
    """The children told to stop as Ctrl-C tells them (each kills its pandoc), then waited for;
    killed if one has not ended in two seconds."""
    pids = list(pids)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGINT)
        except OSError:
            pass
    deadline = time.monotonic() + 2
    for pid in pids:
        while True:
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            if time.monotonic() > deadline:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
                os.waitpid(pid, 0)
                break
            time.sleep(0.02)
