"""The thesis target: the assembled thesis (pandoc JSON) to DOCX, typst -> PDF and HTML, side by side."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from .. import anchors, figures, people, reproducible, sanitize
from ..assemble import running_head
from ..problems import BuildStopped
from ..transforms.lower import lower_json
from . import docx, typst
from .html import write_html
from .publish import Publication


def thesis(assembled, ctx, result) -> None:
    """The thesis's formats from the assembled thesis (assemble.Assembled)."""
    root = ctx.project.root
    stem = ctx.profile.basename or ctx.target
    formats = list(ctx.profile.outputs)
    meta = ctx.project.metadata
    title, author = " ".join(str(meta["title"]).split()), people.names(ctx.project.authors)
    # The title page is ours; title and author go only where a format keeps them out of the text, each
    # escaped for the place it goes (metadata is data: nothing in it can run as typst or HTML).
    typst_meta = ["-V", f"typst-title={typst.escape(title)}", "-V", f"typst-author={typst.escape(author)}"]
    with Publication(ctx) as out:
        staging = out.staging
        jobs = {}
        if "docx" in formats:
            jobs["docx"] = None
        if "pdf" in formats:
            jobs["typst"] = [f"--template={typst.TEMPLATES / 'thesis.typ'}", *typst_meta]
        if "html" in formats:
            jobs["html"] = None

        def lowered(fmt: str) -> bytes | list[bytes]:
            """One writer's copy, lowered and serialised here on the calling thread, so that one
            JSON tree is alive at a time (the lowering holds the GIL anyway); the DOCX's as one text
            per document, which pandoc writes on its own (thesiskit/write/docx.py)."""
            head = running_head(ctx) if ctx.profile.running_head else ""
            data = json.loads(assembled.json())
            if fmt == "docx":
                anchors.for_thesis(data, ctx)
            data = lower_json(data, fmt, ctx.profile.contents_depth, head)
            return docx.split_parts(data) if fmt == "docx" else json.dumps(data).encode("utf-8")

        def write_one(fmt, args, data):
            if fmt == "html":  # part by part, each part cached by its content (thesiskit/write/html.py)
                result.parts = write_html(assembled, staging / f"{stem}.html", root, typst.TEMPLATES / "thesis.css",
                                          title, author, ctx.profile.contents_depth)
                return fmt
            if fmt == "docx":
                # part by part, each part's package cached by its content, then merged (thesiskit/write/docx.py)
                docx.write_lowered(data, staging / f"{stem}.docx", root, {"title": title, "author": author},
                                   dpi=ctx.profile.figure_dpi, date=reproducible.source_date(meta), parts=True)
                if ctx.profile.contents_page_numbers == "libreoffice":
                    docx.number_contents(staging / f"{stem}.docx", root / "build" / ".cache")
                return fmt
            if fmt == "typst":  # part by part, each part's typst cached by its content (thesiskit/write/typst.py)
                typst.write_source(json.loads(data), staging / f".{stem}.typ", root, args)
                try:
                    typst.compile_pdf(staging / f".{stem}.typ", staging / f"{stem}.pdf", root,
                                      int(reproducible.source_date(meta).timestamp()), ctx.profile.pdf_standard)
                except typst.StandardNotMet as exc:
                    ctx.problems.error(ctx.profile.path, f"{stem}.pdf cannot be written as "
                                       f"{', '.join(ctx.profile.pdf_standard)} ({exc}); fix what typst names "
                                       "or take the standard out of pdf-standard")
                    raise BuildStopped() from None
            return fmt

        with ThreadPoolExecutor(max_workers=2) as pool:  # each writer starts as soon as its copy is ready
            for future in [pool.submit(write_one, fmt, args, lowered(fmt) if fmt != "html" else b"")
                           for fmt, args in jobs.items()]:
                future.result()
        page = staging / f"{stem}.html"
        if ctx.profile.html_sanitize and page.is_file():  # for HTML that is published: nothing in it runs
            cleaned, _removed = sanitize.clean(page.read_text(encoding="utf-8"))
            page.write_text(cleaned, encoding="utf-8")
        # the preview (a folder of its own) shows the counts in its page: no chart redrawn on every save
        out.publish(result, chart=ctx.output_folder is None, drawn=figures.drawn_texts(root, "\n".join(assembled.parts)))
