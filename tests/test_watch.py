"""`python build.py watch`: a line per rebuild; a failed rebuild keeps the last good outputs."""
import hashlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from .conftest import copy_project


def lines_of(process):
    found = queue.Queue()

    def pump():
        for line in process.stdout:
            found.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return found


def wait_for(found, needle, timeout=120):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        try:
            line = found.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} not printed; got {seen}")


def test_watch_rebuilds_and_keeps_the_last_good_outputs(tmp_path):
    project = copy_project(tmp_path / "p")
    process = subprocess.Popen([sys.executable, "build.py", "watch"], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        found = lines_of(process)
        wait_for(found, "watching")
        time.sleep(2)  # the watcher starts just after it says so
        docx = project / "build/thesis/thesis.docx"
        chapter = project / "chapters/paper1/40-discussion.md"
        chapter.write_text(chapter.read_text() + "\n\nOne more sentence.\n")
        seen = wait_for(found, "built thesis")
        assert any("chapters/paper1/40-discussion.md" in line for line in seen)
        good = hashlib.sha256(docx.read_bytes()).hexdigest()
        chapter.write_text(chapter.read_text() + "\n\nSee [@nosuchkey2099].\n")
        seen = wait_for(found, "kept the last good outputs")
        wait_for(found, "unknown citation key @nosuchkey2099")
        assert hashlib.sha256(docx.read_bytes()).hexdigest() == good
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
