"""`thesiskit preview` in a real headless browser (Debian's Chromium driven by Playwright): an edit
appears in the page without reloading it, an unknown citation key shows as a banner with file and
line and goes when fixed, the page says when the server stops; and the server answers only for its
own folder, on localhost, on the next free port. Skipped, with the reason, where no browser runs."""
from __future__ import annotations

import shutil
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from thesiskit import preview

from .conftest import copy_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync"]


class Server:
    """preview.serve in a thread, on a copy of the example."""

    def __init__(self, project: Path, port: int = 8700):
        self.project, self.stop, self.url, self.lines = project, threading.Event(), None, []
        ready = threading.Event()

        def on_ready(url):
            self.url = url
            ready.set()

        self.thread = threading.Thread(target=preview.serve, daemon=True, kwargs=dict(
            root=project, target="thesis", port=port, open_browser=False, echo=self.lines.append, stop=self.stop,
            ready=on_ready))
        self.thread.start()
        assert ready.wait(240), self.lines

    def close(self):
        self.stop.set()
        self.thread.join(30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(copy_project(tmp_path_factory.mktemp("preview") / "project"))
    yield running
    running.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_the_server_serves_its_own_folder_only(server):
    assert server.url.startswith("http://127.0.0.1:")
    status, page = get(server.url)
    assert status == 200 and b"EventSource" in page and b'id="doc-paper1"' in page
    for outside in ("../../thesis.md", "%2e%2e/%2e%2e/thesis.md", "..%2f..%2fthesis.md", "/etc/passwd"):
        assert get(server.url + outside)[0] == 404, outside
    assert get(server.url + "part/no-such-document")[0] == 404


def test_a_port_in_use_gives_the_next_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert preview.free_port(port) > port


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)")
def test_edits_appear_in_place_and_problems_in_a_banner(server):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    chapter = server.project / "chapters/paper1/40-discussion.md"
    original = chapter.read_text(encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_function("document.body.dataset.previewVersion !== undefined", timeout=30_000)
        page.evaluate("window.scrollTo(0, 4000); window.notReloaded = true")
        scrolled = page.evaluate("window.scrollY")

        chapter.write_text(original + "\n\nA sentence the preview must show at once.\n", encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('A sentence the preview must show at once.')",
                               timeout=120_000)
        assert page.evaluate("window.notReloaded === true")  # replaced in place, not reloaded
        assert abs(page.evaluate("window.scrollY") - scrolled) < 50  # the reader's place kept

        chapter.write_text(original + "\n\nAs shown before [@nosuchkey2099].\n", encoding="utf-8")
        page.wait_for_selector("#tk-banner", timeout=120_000)
        banner = page.inner_text("#tk-banner")
        assert "chapters/paper1/40-discussion.md:" in banner and "unknown citation key @nosuchkey2099" in banner
        assert "A sentence the preview must show at once." in page.inner_text("body")  # the last good page stays

        chapter.write_text(original, encoding="utf-8")
        page.wait_for_selector("#tk-banner", state="detached", timeout=120_000)
        assert "A sentence the preview must show at once." not in page.inner_text("body")

        server.close()  # the page says the server has stopped
        page.wait_for_selector("#tk-banner.stopped", timeout=30_000)
        assert "has stopped" in page.inner_text("#tk-banner")
        browser.close()
