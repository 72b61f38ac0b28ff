"""Stage 'write': everything a build puts in build/<target>/, through one publishing path.

    thesis.py     the thesis: the assembled thesis to DOCX, typst -> PDF and HTML, side by side
    package.py    a journal (`package: per-paper`): one submission package per paper, masked
    checklist.py  the journal's rules: pass, fail or author to confirm, each with its evidence
    docx.py       the one pandoc call that writes a DOCX, and what pandoc cannot do after it
    typst.py      typst: the thesis PDF in a child process, a figure's PNG and SVG, escaped strings
    publish.py    a staging folder, report.json, the privacy scan and the atomic renames

Nothing is written in place: every file goes to a staging folder first and is renamed into
build/<target>/ only when the privacy scan has found nothing, all together.
"""
from .package import packages
from .thesis import thesis

__all__ = ["packages", "thesis"]
