"""`thesiskit preview`: the thesis as a page on localhost that follows the sources as they are saved.

    thesiskit preview [TARGET] [--port 8000] [--no-open] [--formats docx,pdf]

The page is the thesis's HTML, written part by part (thesiskit/write/html.py) into
build/preview/<target>/. On every save the build runs again, writing HTML only and building only the
documents whose inputs changed: the server keeps each document's work between saves
(thesiskit/memo.py), and of a changed document only the paragraphs whose citations changed go
through citeproc again. The page replaces the parts that changed in place, without reloading, so
the reader keeps their place. Problems (a limit exceeded, an unknown key) show in a banner with file
and line, and in the terminal; when a build fails the last good page stays. The word counts and
limits are shown in a corner of the page and follow every save. With --formats, the DOCX and PDF are
written after the page, into build/<target>/ as the build writes them.

The server binds to 127.0.0.1 only, answers GET only, and serves the preview's own folder and
nothing else (any other path is a 404). A port in use: the next free one, said. A page left open
when the server stops says that it has stopped.
"""
from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path
from urllib.parse import unquote, urlparse

from .memo import Memo
from .pipeline import build

CLIENT = r"""<script>
(() => {
  let version = null;
  const style = document.createElement("style");
  style.textContent = `#tk-banner{position:fixed;top:0;left:0;right:0;z-index:10;font:14px/1.4 sans-serif;
    background:#fde8e8;color:#611;border-bottom:2px solid #b33;padding:.5em 1em;max-height:40vh;overflow:auto}
    #tk-banner.stopped{background:#eee;color:#333;border-color:#999} #tk-banner li{margin:.2em 0}
    #tk-counts{position:fixed;bottom:.5em;right:.5em;z-index:9;font:12px/1.3 sans-serif;background:#fffe;
    border:1px solid #bbb;padding:.4em .6em;border-radius:4px} #tk-counts .over{color:#b00;font-weight:bold}`;
  document.head.appendChild(style);
  const element = (id, tag) => document.getElementById(id) || document.body.appendChild(Object.assign(
    document.createElement(tag), {id}));
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
  function banner(state) {
    const errors = state.problems.filter((p) => p.severity === "error");
    const box = element("tk-banner", "div");
    if (!errors.length) { box.remove(); return; }
    box.className = "";
    box.innerHTML = `<strong>${errors.length} problem${errors.length > 1 ? "s" : ""}` +
      `${state.failed ? " (the page shows the last good build)" : ""}:</strong><ul>` +
      errors.map((p) => `<li>${esc(p.where ? p.where + ": " : "")}${esc(p.message)}</li>`).join("") + "</ul>";
  }
  function counts(state) {
    const box = element("tk-counts", "div");
    box.innerHTML = Object.entries(state.counts).map(([id, c]) => {
      const over = c.limit && c.words > c.limit ? " over" : "";
      return `<div class="${over}">${esc(id)}: ${c.words.toLocaleString("en-GB")}` +
        (c.limit ? ` / ${c.limit.toLocaleString("en-GB")}` : "") + "</div>";
    }).join("");
  }
  async function update(state) {
    if (version !== null && state.version !== version) {
      for (const id of state.changed) {
        const old = document.getElementById("doc-" + id);
        const response = await fetch("/part/" + encodeURIComponent(id) + "?v=" + state.version);
        if (!old || !response.ok) { location.reload(); return; }
        const above = old.getBoundingClientRect().bottom < 0, before = old.offsetHeight;
        const holder = document.createElement("div");
        holder.innerHTML = await response.text();
        const fresh = holder.firstElementChild;
        old.replaceWith(fresh);
        if (above) window.scrollBy(0, fresh.offsetHeight - before);  // keep the reader's place
      }
    }
    version = state.version;
    document.body.dataset.previewVersion = version;
    banner(state);
    counts(state);
  }
  const events = new EventSource("/events");
  events.onmessage = (e) => update(JSON.parse(e.data));
  events.onerror = () => {
    const box = element("tk-banner", "div");
    box.className = "stopped";
    box.textContent = "The preview server has stopped; run thesiskit preview again to follow your changes.";
  };
})();
</script>
"""


class State:
    """What the server shows: the last good page and its parts, and the last build's problems."""

    def __init__(self):
        self.version = 0
        self.page = ""
        self.parts: dict[str, str] = {}
        self.changed: list[str] = []
        self.problems: list[dict] = []
        self.counts: dict[str, dict] = {}
        self.failed = False
        self.closing = False  # the server is stopping: event streams end, so open pages learn of it
        self.condition = threading.Condition()

    def message(self) -> str:
        return json.dumps({"version": self.version, "changed": self.changed, "problems": self.problems,
                           "counts": self.counts, "failed": self.failed})

    def update(self, result, folder: Path, stem: str) -> None:
        with self.condition:
            self.problems = [p.as_dict() for p in result.problems.items]
            self.failed = not result.ok
            if result.report:
                self.counts = {doc_id: {"words": d["counted"].get("main", d["words"]["main"]),
                                        "limit": d["limits"].get("main")}
                               for doc_id, d in result.report.get("documents", {}).items()}
            if result.ok and result.parts:
                self.changed = [d for d, text in result.parts.items() if self.parts.get(d) != text]
                self.parts = result.parts
                page = (folder / f"{stem}.html").read_text(encoding="utf-8")
                self.page = page.replace("</body>", CLIENT + "</body>", 1)
            else:
                self.changed = []
            self.version += 1
            self.condition.notify_all()


def handler(state: State, folder: Path):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_args):  # the terminal shows builds, not requests
            pass

        def send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's name)
            path = unquote(urlparse(self.path).path)
            if path in ("/", "/index.html"):
                return self.send(200, state.page.encode("utf-8"))
            if path == "/events":
                return self.events()
            if path.startswith("/part/"):
                text = state.parts.get(path.removeprefix("/part/"))
                return self.send(200, text.encode("utf-8")) if text is not None else self.send(404, b"no such part")
            target = (folder / path.lstrip("/")).resolve()
            if folder.resolve() not in target.parents or not target.is_file():
                return self.send(404, b"not found")  # the preview's folder only
            return self.send(200, target.read_bytes(), "application/octet-stream")

        def events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = None
            try:
                while True:
                    with state.condition:
                        if seen == state.version and not state.closing:
                            state.condition.wait(timeout=15)
                        if state.closing:
                            return
                        message, current = state.message(), state.version
                    if current != seen:
                        self.wfile.write(f"data: {message}\n\n".encode("utf-8"))
                        seen = current
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def free_port(start: int, tries: int = 50) -> int:
    for port in range(start, start + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port from {start} to {start + tries - 1}")


WATCHED = ("thesis.md", "chapters", "data", "bib", "profiles", "filters")


def serve(root: Path, target: str, port: int = 8000, open_browser: bool = True, formats: list[str] | None = None,
          echo=print, stop: threading.Event | None = None, ready=None) -> int:
    """Build, serve, and rebuild on every save until Ctrl-C (or stop is set)."""
    from watchfiles import watch

    folder = Path(root) / "build" / "preview" / target
    folder.mkdir(parents=True, exist_ok=True)
    state = State()
    stem_holder = {}
    memo = Memo()  # each document's work, kept between saves: a save rebuilds what it changed

    def once(reason: str) -> None:
        start = time.perf_counter()
        result = build(root, target, outputs=["html"], folder=folder, memo=memo)
        stem = stem_holder.setdefault("stem", next((p.stem for p in folder.glob("*.html")), target))
        state.update(result, folder, stem)
        seconds = time.perf_counter() - start
        stamp = time.strftime("%H:%M:%S")
        if result.ok:
            changed = ", ".join(state.changed) or "nothing"
            echo(f"{stamp} {reason}: page updated in {seconds:.1f} s (changed: {changed})")
        else:
            echo(f"{stamp} {reason}: {len(result.problems.errors)} problem(s); the page keeps the last good build")
            for problem in result.problems.errors:
                echo(f"    {problem.line()}")
        if formats and result.ok:
            written = build(root, target, outputs=formats)
            if not written.ok:
                for problem in written.problems.errors:
                    echo(f"    {problem.line()}")

    once("start")
    chosen = free_port(port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", chosen), handler(state, folder))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{chosen}/"
    echo(f"previewing {target} at {url}" + (f" (port {port} was in use)" if chosen != port else "") +
         " (Ctrl-C to stop)")
    sys.stdout.flush()
    if ready is not None:
        ready(url)
    if open_browser:
        webbrowser.open(url)  # $BROWSER is respected by the webbrowser module
    paths = [Path(root) / p for p in WATCHED if (Path(root) / p).exists()]
    try:
        for changes in watch(*paths, debounce=150, step=50, stop_event=stop,
                             watch_filter=lambda _c, path: not Path(path).name.startswith((".", "~"))):
            names = sorted({Path(p).relative_to(root).as_posix() for _c, p in changes})
            once(", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""))
    except KeyboardInterrupt:
        pass
    finally:
        with state.condition:
            state.closing = True
            state.condition.notify_all()
        server.shutdown()
        server.server_close()
    echo("stopped the preview")
    return 0
