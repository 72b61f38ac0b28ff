"""Several targets built side by side, each in its own process (issue 16: `check` of every target).

The stages are Python, so threads of one process take turns on the GIL: three targets in a thread
pool cost what they cost one after another. Here each target is built in a child forked from this
process once the modules are imported and the project read (its plan, bibliography, data and each
document's parse: pipeline.read_ahead, so that no target parses what another parsed), so a child
starts at once and shares the parent's memory until it writes to it (docs/decisions.md, "check's
targets side by side"). A child's Result comes back pickled through a pipe; the children print
nothing (what a verbose build says is sent back and printed by the parent, in the targets' order),
so output goes where the caller redirected it, even inside a test's redirect_stdout.

Ctrl-C reaches the children too (the terminal signals the whole process group); each child kills its
own pandoc (thesiskit/children.py, through the signal handler it inherits) and ends. A signal to the
parent only (SIGTERM from kill or an IDE) makes the parent stop its children in the same way before
it stops itself. Where forking is not safe (threads already running in this process, as in a
program that embeds thesiskit, or no fork on this system) the targets are built in this process,
two threads at a time, as before.
"""
from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import sys
import threading
import time
import traceback

from .pipeline import Result, build, read_ahead
from .read import forget_ahead


STOPPING = {signal.SIGINT, signal.SIGTERM}


def can_fork() -> bool:
    """Fork only with no other thread alive: a thread holding a lock at the fork would leave the
    child that lock held for ever."""
    return hasattr(os, "fork") and threading.active_count() == 1


def build_each(root, targets: list[str], verbose: bool = False, echo=print, **options) -> list[Result]:
    """build(root, target, **options) of every target, in the targets' order; what a verbose build
    says is passed to echo, one target's lines after another's."""
    if not can_fork() or len(targets) < 2:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool:  # pandoc runs overlap; the Python stages do not
            return list(pool.map(lambda t: build(root, t, verbose=verbose, echo=echo, **options), targets))
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice, by parent and child
        stream.flush()
    read_ahead(root, options.get("cache", True))  # a target never looks up or parses what another did
    gc.freeze()  # the collector leaves what the parent made alone: the children keep sharing its pages
    waiting = list(targets)
    running: dict[int, tuple[int, str, list[bytes]]] = {}  # read end -> (pid, target, what it sent so far)
    received: dict[str, bytes] = {}
    try:
        with selectors.DefaultSelector() as selector:
            while waiting or running:
                while waiting and len(running) < at_once():
                    target = waiting.pop(0)
                    read_end, write_end = os.pipe()
                    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)  # see _child
                    try:
                        pid = os.fork()
                        if pid == 0:
                            _child(read_end, write_end, held, root, target, verbose, options)  # never returns
                        running[read_end] = (pid, target, [])  # stopped with the others from here on
                        os.close(write_end)
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, held)
                    selector.register(read_end, selectors.EVENT_READ)
                for key, _events in selector.select():  # read as it comes: an answer larger than a
                    pid, target, chunks = running[key.fd]  # pipe's buffer would otherwise block its child
                    data = os.read(key.fd, 1 << 16)
                    if data:
                        chunks.append(data)
                        continue
                    selector.unregister(key.fd)
                    os.close(key.fd)
                    del running[key.fd]
                    _pid, status = os.waitpid(pid, 0)
                    if not chunks:  # killed, or died before it could answer
                        raise RuntimeError(f"checking {target} ended without an answer (wait status {status})")
                    received[target] = b"".join(chunks)
    except BaseException:
        _stop(pid for pid, _t, _c in running.values())
        raise
    finally:
        gc.unfreeze()
        forget_ahead()  # the children took their copies
        for fd in running:
            os.close(fd)
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


def _child(read_end: int, write_end: int, held, root, target: str, verbose: bool, options: dict) -> None:
    """Build target, send the Result (or what was raised) and leave without running the parent's
    exit code. Ctrl-C and SIGTERM are held from before the fork until here: one arriving while the fork
    runs its handlers (logging's) would print a traceback of a process that has no code of ours yet,
    or stop the parent between the fork and its noting the child."""
    said: list[str] = []
    code = 0
    try:
        os.close(read_end)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
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


def at_once() -> int:
    """How many children run at a time: one more than the cores this process may use, so that the
    cores stay busy while targets of unequal size end at different times (three on two cores: the
    example's targets take 1.3, 1.4 and 1.8 s, which two at a time would end after 3.1 s)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(2, cores + 1)


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
