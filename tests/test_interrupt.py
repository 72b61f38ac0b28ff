"""An interrupted build leaves the last good outputs in place. Ctrl-C or SIGTERM while the writers
run: exit 130, one line, the staging folder gone, build/thesis byte-for-byte as it was. A kill -9:
only its staging folder is left, and the next build clears it away. The renames into place are
never split by a signal."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from thesiskit import atomic, cli

from .conftest import copy_project, run_build

EDIT = "A sentence added to check that an interrupted build changes nothing."


@pytest.fixture
def edited(built_example, tmp_path) -> Path:
    """The example with its last good outputs, and a preface edited so that a new build differs."""
    project = copy_project(tmp_path / "project")
    shutil.copytree(built_example / "build" / "thesis", project / "build" / "thesis")
    preface = project / "chapters/preface/preface.md"
    preface.write_text(preface.read_text(encoding="utf-8") + f"\n{EDIT}\n", encoding="utf-8")
    return project


def digest(folder: Path) -> dict[str, str]:
    """Every file under folder, hidden ones included, by sha256 (as tests/test_bad_inputs.py does)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def staging_folders(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name.startswith(".staging-")]


def start_until_writing(project: Path) -> subprocess.Popen:
    """`python build.py thesis` in its own process group (so pandoc gets the signal too, as from a
    terminal), once its writers have started: the staging folder is there."""
    proc = subprocess.Popen([sys.executable, "build.py", "thesis"], cwd=project, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, deadline = project / "build" / "thesis", time.monotonic() + 120
    while not staging_folders(out):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            stdout, stderr = proc.communicate()
            pytest.fail(f"the build never reached its writers (exit {proc.returncode}):\n{stdout}{stderr}")
        time.sleep(0.005)
    return proc


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_interrupted_build_changes_nothing(edited, how):
    out = edited / "build" / "thesis"
    before = digest(out)
    proc = start_until_writing(edited)
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends: the whole group, pandoc included
    else:
        os.kill(proc.pid, signal.SIGTERM)  # what kill, an IDE or systemd send: the build only
    stdout, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, stderr
    assert "interrupted: build/ holds the last complete outputs, nothing half-written" in stderr
    assert "Traceback" not in stdout + stderr
    assert digest(out) == before
    assert not staging_folders(out)


def test_killed_build_leaves_only_its_staging_folder(edited):
    out = edited / "build" / "thesis"
    before = digest(out)
    proc = start_until_writing(edited)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)

    assert proc.returncode == -signal.SIGKILL
    left = staging_folders(out)
    assert [p.name.split("-")[1] for p in left] == [str(proc.pid)]  # named by the dead build's process id
    assert {k: v for k, v in digest(out).items() if not k.startswith(".staging-")} == before

    result = run_build(edited, "thesis")
    assert result.returncode == 0, result.stderr
    assert not staging_folders(out)
    assert EDIT in " ".join((out / "thesis.html").read_text(encoding="utf-8").split())  # pandoc wraps lines


@pytest.mark.parametrize("other_thread", [False, True], ids=["main thread only", "with another thread"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_waits_for_the_last_rename(tmp_path, signum, other_thread):
    """Another thread matters: the kernel gives a signal the main thread blocks to any thread that
    does not (typst leaves some running), so blocking alone would let Ctrl-C through mid-loop."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals can be held only on the main thread")
    staging, out = tmp_path / "staging", tmp_path / "out"
    staging.mkdir()
    out.mkdir()
    names = [f"file-{i}" for i in range(20)]
    for name in names:
        (staging / name).write_text(name)
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait)
    if other_thread:
        waiter.start()
    # Ctrl-C as Python sets it up, SIGTERM as the command line does
    previous = signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else cli._raise_interrupt)
    renamed = []
    try:
        with pytest.raises(KeyboardInterrupt), atomic.uninterrupted():
            for name in names:
                if name == "file-1":
                    os.kill(os.getpid(), signum)
                    time.sleep(0.01)  # time enough for a signal to land, were it not held
                os.replace(staging / name, out / name)
                renamed.append(name)
        assert renamed == names
        assert sorted(p.name for p in out.iterdir()) == sorted(names)
    finally:
        stop.set()
        if other_thread:
            waiter.join()
        restored = signal.signal(signum, previous)
    assert restored in (signal.default_int_handler, cli._raise_interrupt)  # the helper put it back


def test_leftovers_of_dead_builds_are_cleared(tmp_path):
    """A dead build's staging folder goes; a package folder it set aside and never replaced comes
    back; a live build's folders are left alone."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    out = tmp_path / "build" / "jmh"
    for name in (f".staging-{dead}-abc/paper1", f".old-{dead}-paper1", f".old-{dead}-paper2",
                 "paper2", f".staging-{os.getpid()}-xyz"):
        (out / name).mkdir(parents=True)
    (out / f".old-{dead}-paper1" / "checklist.md").write_text("last good")

    new = atomic.staging(out)

    assert sorted(p.name for p in out.iterdir()) == sorted([f".staging-{os.getpid()}-xyz", new.name, "paper1",
                                                            "paper2"])
    assert (out / "paper1" / "checklist.md").read_text() == "last good"
    assert new.name.startswith(f".staging-{os.getpid()}-")
    (tmp_path / "build" / f".figures-{dead}-q1").mkdir()  # a journal's figure work folder
    assert atomic.staging(tmp_path / "build", "figures").name.startswith(f".figures-{os.getpid()}-")
    assert not (tmp_path / "build" / f".figures-{dead}-q1").exists()


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_interrupted_check_stops_its_targets_processes(tmp_path, how):
    """check builds each target in a child process (thesiskit/fanout.py): Ctrl-C reaches them all,
    a SIGTERM the parent only, which stops its children; either way nothing of the group is left."""
    project = copy_project(tmp_path / "project")
    proc = subprocess.Popen([sys.executable, "build.py", "check"], cwd=project, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children, deadline = Path(f"/proc/{proc.pid}/task/{proc.pid}/children"), time.monotonic() + 120
    while len(children.read_text().split()) < 2 if children.exists() else proc.poll() is None:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"check never started its targets' processes (exit {proc.returncode})")
        time.sleep(0.005)
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, stderr
    assert stderr.count("interrupted: build/ holds the last complete outputs") == 1, stderr
    assert "Traceback" not in stdout + stderr and "checked" not in stdout
    gone = time.monotonic() + 5  # no child, and no pandoc of theirs, lives on (once init has reaped them)
    while time.monotonic() < gone:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail("a process of the check's group was still alive 5 s after it ended")
