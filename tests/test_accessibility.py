"""Accessibility of what the build writes: every figure has alt text in DOCX, HTML and the PDF; the
PDF is tagged, and PDF/A-2b when the profile asks; the web page passes axe-core in headless Chromium
(skipped, with the reason, where Chromium or axe-core is not installed: README "For developers")."""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, make_project, run_build


def docx_alt_texts(path: Path) -> list[str]:
    """The alt text Word reads: each drawing's wp:docPr descr."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return [html.unescape(m) for m in re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml)]


def test_every_figure_has_alt_text_in_every_output(built_example):
    out = built_example / "build/thesis"
    alts = docx_alt_texts(out / "thesis.docx")
    assert len(alts) == 3 and all(a.strip() for a in alts), alts
    assert "PRISMA Flow Diagram of the Study Selection Process" in alts  # the caption, failing the author's alt=
    page = (out / "thesis.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(re.search(r'alt="[^"]+"', i) for i in images)
    diagrams = re.findall(r'<svg class="diagram"[^>]*>', page)  # diagrams shown inline, text selectable
    assert diagrams and all('role="img"' in d and re.search(r'aria-label="[^"]+"', d) for d in diagrams)
    pdf = (out / "thesis.pdf").read_bytes()
    assert b"/StructTreeRoot" in pdf and b"/MarkInfo" in pdf  # tagged (typst 0.14 and later)
    assert len(re.findall(rb"/Alt\s*\(", pdf)) == 3


CHAPTER = """---
title: Alt Text
keywords: [tests]
---

::: abstract
A short abstract.
:::

# Introduction

![A Picture With Its Own Alt Text](figures/chart.png){#fig:chart alt="Bars rising from left to right"}

![A Picture Described by Its Title](figures/chart.png){#fig:plain}
"""


@pytest.fixture(scope="module")
def alt_project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("alt") / "p", CHAPTER)
    from PIL import Image

    (project / "chapters/paper1/figures").mkdir()
    Image.new("RGB", (400, 200), "white").save(project / "chapters/paper1/figures/chart.png")
    (project / "profiles/thesis.yaml").write_text((project / "profiles/thesis.yaml").read_text() +
                                                  "pdf-standard: a-2b\n", encoding="utf-8")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    return project


def test_the_authors_alt_text_else_the_title(alt_project):
    alts = docx_alt_texts(alt_project / "build/thesis/thesis.docx")
    assert alts == ["Bars rising from left to right", "A Picture Described by Its Title"]
    page = (alt_project / "build/thesis/thesis.html").read_text(encoding="utf-8")
    assert 'alt="Bars rising from left to right"' in page and 'alt="A Picture Described by Its Title"' in page
    pdf = (alt_project / "build/thesis/thesis.pdf").read_bytes()
    assert re.search(rb"/Alt\s*\(Bars rising from left to right\)", pdf)


def test_pdf_a_2b_when_the_profile_asks(alt_project):
    pdf = (alt_project / "build/thesis/thesis.pdf").read_bytes()
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf and b"<pdfaid:conformance>B</pdfaid:conformance>" in pdf


# ---------------------------------------------------------------- axe-core in headless Chromium

AXE_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str | None:
    return os.environ.get("CHROME") or next((shutil.which(n) for n in AXE_NAMES if shutil.which(n)), None)


def axe_script() -> Path | None:
    """axe-core's axe.min.js: $AXE_CORE, build/.cache/node (README "For developers"), or npm's global root."""
    candidates = [Path(os.environ["AXE_CORE"])] if os.environ.get("AXE_CORE") else []
    candidates.append(ROOT / "build/.cache/node/node_modules/axe-core/axe.min.js")
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run([npm, "root", "-g"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()) / "axe-core/axe.min.js")
    return next((c for c in candidates if c.is_file()), None)


RUNNER = """<script src="axe.min.js"></script><script>
axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  var out = document.createElement("pre"); out.id = "axe-result";
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
            nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); })}; }));
  document.body.appendChild(out);
}, function (e) { var out = document.createElement("pre"); out.id = "axe-result"; out.textContent = "ERROR " + e;
  document.body.appendChild(out); });
</script>"""


def axe(page: Path, work: Path) -> list[dict]:
    """axe-core's violations on a page, run by headless Chromium (--dump-dom waits for the run)."""
    chrome, script = browser(), axe_script()
    if chrome is None:
        pytest.skip("no Chromium to run axe-core in: apt-get install chromium (or set CHROME)")
    if script is None:
        pytest.skip("axe-core is not installed: npm install --prefix build/.cache/node axe-core (or set AXE_CORE)")
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy2(script, work / "axe.min.js")
    (work / "page.html").write_text(page.read_text(encoding="utf-8").replace("</body>", RUNNER + "</body>"),
                                    encoding="utf-8")
    done = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=120000",
                           "--dump-dom", (work / "page.html").as_uri()], capture_output=True, text=True, timeout=300)
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', done.stdout, re.S)
    assert found, f"axe-core did not report: {done.stderr[-500:]}"
    text = html.unescape(found.group(1))
    assert not text.startswith("ERROR"), text
    return json.loads(text)


def test_the_web_page_passes_axe_core(built_example, tmp_path):
    """Headings in order, images with alt text, tables with header cells, the page's language, one
    main landmark, scrollable tables reachable by keyboard: no violation of any impact."""
    violations = axe(built_example / "build/thesis/thesis.html", tmp_path / "axe")
    assert violations == [], json.dumps(violations, indent=1)
