"""Building never needs the network: the example built from a cold copy (no cached pandoc output)
with the network blocked gives the same report, DOCX text and HTML text as the ordinary build.

One build, blocked two ways at once where the machine allows: Python's sockets fail (a
sitecustomize on PYTHONPATH), and, when `unshare` may make a network namespace, the whole build
runs in one with no interface but a loopback that is down, so pandoc and typst are cut off too."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from .conftest import copy_project

SITECUSTOMIZE = '''\
"""Loaded by every Python the test starts: sockets fail, and a marker says so."""
import os
import socket


def _blocked(*args, **kwargs):
    raise OSError("network blocked by test")


socket.socket.connect = socket.socket.connect_ex = _blocked
socket.create_connection = socket.getaddrinfo = _blocked
with open(os.environ["THESISKIT_OFFLINE_MARKER"], "a", encoding="utf-8") as marker:
    marker.write(" ".join(name for _index, name in socket.if_nameindex()) + "\\n")
'''


def network_namespace() -> tuple[list[str], str]:
    """(the command prefix that runs a program without a network, "") or ([], why there is none)."""
    if not shutil.which("unshare"):
        return [], "unshare is not installed"
    tried = []
    for prefix in (["unshare", "-rn"], ["unshare", "-n"]):  # -r: a user namespace, for non-root users
        probe = subprocess.run([*prefix, "cat", "/proc/net/dev"], capture_output=True, text=True)
        interfaces = {line.split(":")[0].strip() for line in probe.stdout.splitlines() if ":" in line}
        if probe.returncode == 0 and interfaces == {"lo"}:
            return prefix, ""
        tried.append(f"`{' '.join(prefix)}`: {probe.stderr.strip() or sorted(interfaces)}")
    return [], "no network namespace allowed here (" + "; ".join(tried) + ")"


NAMESPACE, WHY_NOT = network_namespace()


def docx_text(path: Path) -> list[str]:
    document = docx.Document(str(path))
    cells = [p.text for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    return [p.text for p in document.paragraphs] + cells


def html_text(path: Path) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_build_needs_no_network(built_example, tmp_path):
    project = copy_project(tmp_path / "project", warm=False)
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    marker = tmp_path / "marker.txt"
    env = {**os.environ, "THESISKIT_OFFLINE_MARKER": str(marker),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}

    result = subprocess.run([*NAMESPACE, sys.executable, "build.py", "thesis"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)

    assert result.returncode == 0, result.stderr
    assert marker.is_file(), "sitecustomize.py was not loaded: Python's sockets were not blocked"
    if NAMESPACE:  # and pandoc and typst saw no network either
        # one line per Python process (the build and its typst child), each seeing only the loopback
        assert set(marker.read_text(encoding="utf-8").split()) == {"lo"}
    new, old = project / "build" / "thesis", built_example / "build" / "thesis"
    # report.json holds no timings or dates; nothing in it may differ
    assert json.loads((new / "report.json").read_text()) == json.loads((old / "report.json").read_text())
    assert docx_text(new / "thesis.docx") == docx_text(old / "thesis.docx")
    assert html_text(new / "thesis.html") == html_text(old / "thesis.html")


@pytest.mark.skipif(not NAMESPACE, reason=f"pandoc and typst could not be cut off from the network: {WHY_NOT}; "
                                          "the build was checked with Python's sockets blocked only")
def test_pandoc_is_cut_off_in_the_namespace():
    """What test_build_needs_no_network ran the build in: even pandoc (not Python) reaches nothing,
    not even this machine (outside, the same call says "Connection refused")."""
    from thesiskit.pandoc import pandoc_path

    result = subprocess.run([*NAMESPACE, pandoc_path(), "-f", "html", "-t", "plain", "http://127.0.0.1:9/"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Network unreachable" in result.stderr, result.stderr


# ---------------------------------------------------------------- a server that must see no request

class _Recorder:
    """An HTTP server on this machine's loopback that records every request it gets."""

    def __init__(self):
        import http.server
        import threading

        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(b"\x89PNG\r\n\x1a\n")

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    recorder = _Recorder()
    yield recorder
    recorder.close()


@pytest.mark.parametrize("how", ["image", "raw HTML image", "raw HTML stylesheet", "dependent CSL"])
def test_a_url_in_the_sources_is_refused_and_never_fetched(how, server, tmp_path):
    """An image, a resource of raw HTML or a dependent style's parent on a web server (here, one on
    this machine that records requests): the build refuses it in one line naming the file and line,
    and the server sees no request, from the build or from pandoc."""
    from .test_bad_inputs import build_in_process

    project = copy_project(tmp_path / "project")
    chapter = project / "chapters/paper1/40-discussion.md"
    if how == "dependent CSL":
        (project / "dependent.csl").write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0">\n'
            f'  <info>\n    <link href="{server.url}/apa.csl" rel="independent-parent"/>\n  </info>\n</style>\n')
        thesis = project / "thesis.md"
        thesis.write_text(thesis.read_text().replace("csl: apa", "csl: dependent.csl"))
    else:
        written = {"image": f"![Remote]({server.url}/x.png)",
                   "raw HTML image": f'<img src="{server.url}/x.png" alt="remote">',
                   "raw HTML stylesheet": f'<link rel="stylesheet" href="{server.url}/style.css">'}[how]
        chapter.write_text(chapter.read_text() + f"\n{written}\n")

    code, _out, err = build_in_process(project, "thesis")

    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 1 and len(errors) == 1, err
    assert re.match(r"^(chapters/paper1/40-discussion\.md:\d+|dependent\.csl:\d+): error: ", errors[0]), errors[0]
    assert server.url in errors[0] and "network" in errors[0]
    assert server.requests == []
