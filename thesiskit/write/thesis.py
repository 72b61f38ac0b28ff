"""The thesis target: the assembled thesis (pandoc JSON) to DOCX, typst -> PDF and HTML, side by side."""
from __future__ import annotations

import html
import json
from concurrent.futures import ThreadPoolExecutor

from .. import anchors, figures, pandoc, people
from ..transforms.lower import lower_json
from . import docx, typst
from .publish import Publication


def thesis(source: str, ctx, result) -> None:
    root = ctx.project.root
    stem = ctx.profile.basename or ctx.target
    formats = list(ctx.profile.outputs)
    meta = ctx.project.metadata
    title, author = " ".join(str(meta["title"]).split()), people.names(ctx.project.authors)
    # The title page is ours; title and author go only where a format keeps them out of the text, each
    # escaped for the place it goes (metadata is data: nothing in it can run as typst or HTML).
    html_meta = ["-M", f"pagetitle={title}", "-V", f"author-meta={html.escape(author, quote=True)}"]
    typst_meta = ["-V", f"typst-title={typst.escape(title)}", "-V", f"typst-author={typst.escape(author)}"]
    with Publication(ctx) as out:
        staging = out.staging
        jobs = {}
        if "docx" in formats:
            jobs["docx"] = None
        if "pdf" in formats:
            jobs["typst"] = ["-t", "typst-citations", "-s", "--wrap=none", f"--template={typst.TEMPLATES / 'thesis.typ'}",
                             *typst_meta, "-o", str(staging / f".{stem}.typ")]
        if "html" in formats:
            jobs["html"] = ["-t", "html5", "-s", "--embed-resources", f"--css={typst.TEMPLATES / 'thesis.css'}",
                            *html_meta, "-o", str(staging / f"{stem}.html")]

        def lowered(fmt: str) -> bytes:
            """One writer's copy, lowered and serialised here on the calling thread, so that one
            JSON tree is alive at a time (the lowering holds the GIL anyway)."""
            data = json.loads(source)
            if fmt == "docx":
                anchors.for_thesis(data, ctx)
            data = lower_json(data, fmt)
            return json.dumps(figures.inline_svgs(data, root) if fmt == "html" else data).encode("utf-8")

        def write_one(fmt, args, data: bytes):
            if fmt == "docx":
                docx.write_lowered(data, staging / f"{stem}.docx", root, {"title": title, "author": author})
                return fmt
            pandoc.run(["-f", "json", *args], data, cwd=root)
            if fmt == "typst":
                typst.compile_pdf(staging / f".{stem}.typ", staging / f"{stem}.pdf", root)
            return fmt

        with ThreadPoolExecutor(max_workers=2) as pool:  # each writer starts as soon as its copy is ready
            for future in [pool.submit(write_one, fmt, args, lowered(fmt)) for fmt, args in jobs.items()]:
                future.result()
        out.publish(result, chart=True, drawn=figures.drawn_texts(root, source))
