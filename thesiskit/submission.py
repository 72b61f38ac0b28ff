"""Stage 'write' for a journal profile (`package: per-paper`): one submission package per paper.

build/<target>/<paper id>/
  manuscript.docx          masked: abstract, keywords, main text, references; a callout where each
                           table and figure goes; no author, affiliation or institution anywhere
  title-page.docx          title, authors, affiliations, corresponding author, counts, statements
  tables.docx              the tables that stay with the article, one per page
  supplementary.docx       the tables and figures that moved to supplementary material (if any)
  figures/figure-N.png     each figure at the journal's resolution, with figure-N.svg beside it
  figure-captions.docx     the figure captions as a list
  checklist.md             every rule of the profile: pass, fail or author to confirm, with evidence

Everything is written to a staging folder and renamed into place at the end, so a failed build
leaves the previous package as it was. Rules that fail are errors (exit 1) after the package and
its checklist are written, so the author can see both.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import panflute as pf

import filters

from . import atomic, lints, pandoc, privacy
from .assemble import MAIN_COUNT_LABEL, number, page_break
from .inlines import para, words
from .context import Context
from .reference_docx import reference_docx

BLINDED = "[blinded for review]"


@dataclass
class Rule:
    rule: str
    status: str  # "pass", "fail" or "author to confirm"
    evidence: str
    hard: bool = True


# ---------------------------------------------------------------- masking

def identity_terms(meta: dict) -> list[str]:
    """Everything that names the authors: names, email, affiliations, and the blinded terms."""
    terms = [str(meta.get("author", "")), str(meta.get("email", ""))]
    terms += [str(s) for s in meta.get("supervisors") or []]
    for entry in meta.get("advisers") or []:
        if isinstance(entry, dict):
            terms += [str(v) for v in entry.values()]
    terms += [str(a) for a in meta.get("affiliations") or []]
    terms += [str(t) for t in meta.get("blinded-terms") or []]
    out = []
    for term in terms:
        term = term.strip()
        for variant in (term, re.sub(r"^(Dr|Mr|Mrs|Ms|Miss|Prof|Professor)\.? ", "", term)):
            if variant and variant not in out:
                out.append(variant)
    return sorted(out, key=len, reverse=True)


def blind(doc: pf.Doc, terms: list[str]) -> int:
    """Replace each term (a run of words) by "[blinded for review]" in the text; the count replaced."""
    sequences = [term.split() for term in terms if term.split()]
    replaced = 0

    def rewrite(inlines: list) -> list:
        nonlocal replaced
        out, i = [], 0
        while i < len(inlines):
            match = _match(inlines, i, sequences)
            if match is None:
                out.append(inlines[i])
                i += 1
                continue
            end, lead, trail = match
            replaced += 1
            out += [pf.Str(lead + "[blinded"), pf.Space(), pf.Str("for"), pf.Space(), pf.Str("review]" + trail)]
            i = end
        return out

    def action(elem, _doc):
        if isinstance(elem, (pf.Para, pf.Plain, pf.Header, pf.Span, pf.Emph, pf.Strong, pf.Quoted, pf.Link)):
            elem.content = rewrite(list(elem.content))

    doc.walk(action)
    return replaced


def _match(inlines, start, sequences):
    """(index after the match, leading punctuation, trailing punctuation) of a term starting here."""
    for words_ in sequences:
        i, k, lead, trail = start, 0, "", ""
        while k < len(words_) and i < len(inlines):
            elem = inlines[i]
            if isinstance(elem, (pf.Space, pf.SoftBreak)) and k > 0:
                i += 1
                continue
            if not isinstance(elem, pf.Str):
                break
            text = elem.text
            if k == 0:
                stripped = text.lstrip("([“\"'‘")
                lead, text = text[: len(text) - len(stripped)], stripped
            if k == len(words_) - 1:
                if not text.startswith(words_[k]):
                    break
                trail = text[len(words_[k]):]
                if trail and trail[0].isalnum():
                    break
            elif text != words_[k]:
                break
            k += 1
            i += 1
        if k == len(words_):
            return i, lead, trail
    return None


def scan_docx(path: Path, terms: list[str]) -> list[str]:
    """Identity terms found anywhere in a DOCX: every XML part (body, headers, footers, comments,
    core, app and custom properties), with tags stripped so split runs are still found."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            xml = archive.read(name).decode("utf-8", "replace")
            text = re.sub(r"<[^>]+>", "", xml).replace("&amp;", "&")
            for term in terms:
                if term and (term in xml or term in text):
                    found.append(f"{name}: {term}")
    return found


def scrub_docx(path: Path, title: str) -> None:
    """Author-free document properties: python-docx keeps pandoc's core properties; the app and
    custom parts go (pandoc copies unknown metadata fields into docProps/custom.xml)."""
    import docx

    document = docx.Document(str(path))
    props = document.core_properties
    props.author, props.last_modified_by, props.comments, props.keywords = "", "", "", ""
    props.title, props.subject, props.category = title[:255], "", ""
    document.save(str(path))
    tmp = path.with_suffix(".scrub")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
                        b'schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://'
                        b'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>')
            elif item.filename == "docProps/app.xml":
                data = re.sub(rb"<(Company|Manager)>[^<]*</\1>", b"", data)
            dst.writestr(item, data)
    tmp.replace(path)


# ---------------------------------------------------------------- the package

def write_packages(docs: dict[str, pf.Doc], ctx: Context, result, counts: dict[str, dict]) -> None:
    root = ctx.project.root
    out_dir = root / "build" / ctx.target
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = atomic.staging(out_dir)
    checklists = {}
    try:
        for document in ctx.project.documents:
            if document.kind != "paper":
                continue
            folder = staging / document.id
            folder.mkdir()
            rules = package(docs[document.id], ctx, document, counts[document.id], folder)
            checklists[document.id] = rules
            for rule in rules:
                if rule.status == "fail" and rule.hard:
                    ctx.problems.error(rule.evidence.split(" — ")[0] if " — " in rule.evidence else document.id,
                                       f"{ctx.target}: {rule.rule}: {rule.evidence.split(' — ')[-1]}",
                                       document=document.id)
        report = {**result.report, "ok": not ctx.problems.errors,
                  "problems": [p.as_dict() for p in ctx.problems.items],
                  "checklists": {d: [r.__dict__ for r in rules] for d, rules in checklists.items()}}
        (staging / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        privacy.scan(staging, privacy.load_terms(root), ctx.problems, f"build/{ctx.target}", root)
        if any(p.message.startswith("a term from private/") for p in ctx.problems.errors):
            return  # a leak: the package is not put in place
        with atomic.uninterrupted():  # Ctrl-C waits for the last rename: the old package or the new one
            for item in sorted(staging.iterdir()):
                target = out_dir / item.name
                if item.is_dir():
                    old = atomic.aside(target)
                    if target.exists():
                        os.replace(target, old)
                    os.replace(item, target)
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    os.replace(item, target)
                result.outputs.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def package(doc: pf.Doc, ctx: Context, document, counts: dict, folder: Path) -> list[Rule]:
    meta = ctx.project.metadata
    title = str(doc.get_metadata("title", document.id))
    article = str(doc.get_metadata("kind", ""))
    terms = identity_terms(meta)
    manuscript, tables, supplementary, figures = split_floats(doc)

    blinded = blind(manuscript, terms)
    body = manuscript_blocks(manuscript, title, doc)
    write_docx(pf.Doc(*body, metadata={"lang": meta.get("lang", "en-GB")}), ctx, folder / "manuscript.docx", title)
    write_docx(pf.Doc(*title_page(doc, ctx, title, counts)), ctx, folder / "title-page.docx", title, scrub=False)
    if tables:
        write_docx(pf.Doc(*_one_per_page(tables)), ctx, folder / "tables.docx", title)
    if supplementary:
        heading = pf.Header(pf.Str("Supplementary"), pf.Space(), pf.Str("Material"), level=1)
        write_docx(pf.Doc(heading, *_one_per_page(supplementary)), ctx, folder / "supplementary.docx", title)
    figure_files = write_figures(figures, ctx, folder / "figures")
    if figures:
        write_docx(pf.Doc(*figure_captions(figures)), ctx, folder / "figure-captions.docx", title)

    rules = checklist(doc, manuscript, ctx, document, counts, article, folder, terms, tables, supplementary,
                      figures, figure_files, blinded)
    (folder / "checklist.md").write_text(render_checklist(rules, title, document.id, ctx.target), encoding="utf-8")
    return rules


def split_floats(doc: pf.Doc):
    """(manuscript, kept tables, supplementary floats, kept figures): floats leave the text, a callout
    takes each kept one's place."""
    manuscript = pf.Doc(*copy.deepcopy(list(doc.content)), metadata=doc.metadata)
    tables, supplementary, figures = [], [], []

    def action(elem, _doc):
        if isinstance(elem, pf.Div) and "apa-float" in elem.classes:
            kind = "Table" if "apa-table" in elem.classes else "Figure"
            if elem.attributes.get("placement") == "supplementary":
                supplementary.append(elem)
                return []
            (tables if kind == "Table" else figures).append(elem)
            callout = f"[Insert {elem.attributes.get('label', kind)} about here]"
            return pf.Div(pf.Para(*words(callout)), classes=["callout"])
        return None

    manuscript.walk(action)
    return manuscript, tables, supplementary, figures


def manuscript_blocks(manuscript: pf.Doc, title: str, doc: pf.Doc) -> list:
    """The journal's order: title (no authors), abstract, keywords, main text, references."""
    from .assemble import _shift_headings

    abstract, body = [], []
    for block in manuscript.content:
        if isinstance(block, pf.Div) and "abstract" in block.classes:
            abstract.append(block)
        elif isinstance(block, pf.Div) and "title-note" in block.classes:
            continue  # the thesis's title-page note has no place in a journal manuscript
        else:
            body.append(block)
    _shift_headings(body, 1)
    blocks = [pf.Header(*words(title), level=1, classes=["unnumbered"])]
    if abstract:
        blocks += [pf.Header(pf.Str("Abstract"), level=2, classes=["unnumbered"]), *abstract]
    keywords = doc.get_metadata("keywords", [])
    if keywords:
        blocks.append(pf.Div(para(pf.Emph(pf.Str("Keywords:")), pf.Space(), ", ".join(map(str, keywords))),
                             classes=["keywords"]))
    blocks.append(page_break())
    for block in body:
        if isinstance(block, pf.Header) and "references" in block.classes:
            blocks.append(page_break())
        blocks.append(block)
    return blocks


def title_page(doc: pf.Doc, ctx: Context, title: str, counts: dict) -> list:
    meta = ctx.project.metadata
    affiliations = [str(a) for a in meta.get("affiliations") or []]
    marks = ",".join(str(i) for i in range(1, len(affiliations) + 1))
    declaration = _section_text(doc, "declaration")
    blocks = [
        pf.Header(*words(title), level=1, classes=["unnumbered"]),
        pf.Div(
            para(str(meta["author"]), pf.Superscript(pf.Str(marks)) if marks else []),
            *[para(pf.Superscript(pf.Str(str(i))), a) for i, a in enumerate(affiliations, start=1)],
            classes=["paper-title-page"]),
        _statement("Corresponding author", f"{meta['author']}, {meta.get('correspondence', '')} "
                                           f"Email: {meta.get('email', '')}"),
        _statement("Word count", f"abstract {number(counts.get('abstract', 0))}; main text "
                                 f"{number(counts.get('main', 0))} "
                                 f"({str(ctx.profile.get('main-count-label', MAIN_COUNT_LABEL)).lower()})"),
        _statement("Funding", str(meta.get("funding") or "[to be completed by the author]")),
        _statement("Disclosure statement", declaration or "[to be completed by the author]"),
        _statement("Data availability statement", str(meta.get("data-availability") or
                                                       "[to be completed by the author]")),
    ]
    if meta.get("acknowledgements"):
        blocks.append(_statement("Acknowledgements", str(meta["acknowledgements"])))
    return blocks


def _statement(name: str, text: str) -> pf.Para:
    return para(pf.Strong(*words(name + ".")), pf.Space(), text)


def _section_text(doc: pf.Doc, word: str) -> str:
    """The text under the first heading whose title contains `word` (e.g. the declaration of interest)."""
    blocks = list(doc.content)
    for i, block in enumerate(blocks):
        if isinstance(block, pf.Header) and word in pf.stringify(block).lower():
            texts = []
            for follower in blocks[i + 1:]:
                if isinstance(follower, pf.Header):
                    break
                texts.append(pf.stringify(follower))
            return " ".join(texts).strip()
    return ""


def _one_per_page(floats: list) -> list:
    out = []
    for i, float_ in enumerate(floats):
        if i:
            out.append(page_break())
        out.append(float_)
    return out


def figure_captions(figures: list) -> list:
    blocks = [pf.Header(pf.Str("Figure"), pf.Space(), pf.Str("Captions"), level=1, classes=["unnumbered"])]
    for figure in figures:
        label = next(b for b in figure.content if "float-label" in getattr(b, "classes", []))
        title = next(b for b in figure.content if "float-title" in getattr(b, "classes", []))
        note = [b for b in figure.content if "float-note" in getattr(b, "classes", [])]
        inlines = [pf.Strong(*words(pf.stringify(label).strip() + ".")), pf.Space(), *title.content[0].content]
        blocks.append(pf.Para(*inlines))
        for n in note:
            blocks.extend(n.content)
    return blocks


def write_docx(doc: pf.Doc, ctx: Context, path: Path, title: str, scrub: bool = True) -> None:
    for module in filters.stage("lower"):
        module.run(doc, ctx, "docx")
    cache = ctx.project.root / "build" / ".cache"
    pandoc.convert(doc, ["-t", "docx", f"--reference-doc={reference_docx(cache)}", "-o", str(path)],
                   cwd=ctx.project.root)
    from .pipeline import finish_docx

    finish_docx(path)
    if scrub:
        scrub_docx(path, title)


def write_figures(figures: list, ctx: Context, folder: Path) -> list[Path]:
    """figure-N.png at the profile's resolution and figure-N.svg, rendered by typst from the figure's
    own content, so pictures and figures made of text come out alike."""
    if not figures:
        return []
    import typst

    folder.mkdir(parents=True, exist_ok=True)
    dpi = int(ctx.profile.get("figure-dpi", 300))
    root = ctx.project.root
    work = atomic.staging(root / "build", "figures")  # typst reads inside its root only
    written = []
    try:
        template = (Path(__file__).parent / "templates" / "figure.typ").read_text()
        for n, figure in enumerate(figures, start=1):
            body = next(b for b in figure.content if "float-body" in getattr(b, "classes", []))
            doc = pf.Doc(*copy.deepcopy(list(body.content)))
            for module in filters.stage("lower"):
                module.run(doc, ctx, "typst")
            out, _ = pandoc.convert(doc, ["-t", "typst-citations", "--wrap=none"])
            source = work / f"figure-{n}.typ"
            source.write_text(template.replace("$body$", out.decode("utf-8")), encoding="utf-8")
            for fmt, kwargs in (("png", {"ppi": dpi}), ("svg", {})):
                target = folder / f"figure-{n}.{fmt}"
                typst.compile(str(source), output=str(target), root=str(root), format=fmt,
                              ignore_system_fonts=True, **kwargs)
                if fmt == "png":
                    _stamp_dpi(target, dpi)
                written.append(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return written


# ---------------------------------------------------------------- the checklist

def checklist(doc, manuscript, ctx, document, counts, article, folder, terms, tables, supplementary, figures,
              figure_files, blinded) -> list[Rule]:
    profile = ctx.profile
    limits = (profile.get("limits") or {}).get(article) or {}
    rules: list[Rule] = []
    where = str(document.files[0]) if document.files else document.id

    main, limit = counts.get("main", 0), limits.get("main")
    if limit:
        rules.append(Rule(f"Main text at most {limit:,} words ({article or 'paper'})",
                          "pass" if main <= limit else "fail",
                          f"{document.id} — {main:,} words" + (f", {main - limit:,} over" if main > limit else "")))
    abstract, abstract_limit = counts.get("abstract", 0), limits.get("abstract")
    if abstract_limit:
        rules.append(Rule(f"Abstract at most {abstract_limit} words", "pass" if abstract <= abstract_limit else "fail",
                          f"{where} — {abstract} words"))
    keywords = doc.get_metadata("keywords", []) or []
    bounds = profile.get("keywords") or {}
    if bounds:
        low, high = bounds.get("min", 0), bounds.get("max", 99)
        rules.append(Rule(f"Between {low} and {high} keywords", "pass" if low <= len(keywords) <= high else "fail",
                          f"{where} — {len(keywords)} keywords"))
    caps = profile.get("floats") or {}
    for name, items in (("tables", tables), ("figures", figures)):
        if name in caps:
            moved = sum(1 for s in supplementary if ("apa-table" in s.classes) == (name == "tables"))
            rules.append(Rule(f"At most {caps[name]} {name} with the article", "pass" if len(items) <= caps[name] else "fail",
                              f"{document.id} — {len(items)} {name} kept" +
                              (f"; {moved} moved to supplementary material (see supplementary.docx)" if moved else "")))
    rules.append(Rule("Each table and figure uploaded separately, its place marked in the text", "pass",
                      f"{document.id} — {len(tables) + len(figures)} callouts; no table left in manuscript.docx"))
    low_dpi = [f for f in figure_files if f.suffix == ".png" and round(_dpi(f)) < int(profile.get("figure-dpi", 300))]
    if figure_files:
        rules.append(Rule(f"Figures at {profile.get('figure-dpi', 300)} dpi or more", "fail" if low_dpi else "pass",
                          f"{document.id} — " + ", ".join(f.name for f in figure_files)))

    text = pf.stringify(manuscript)
    for statement in (profile.get("statements") or {}).get(article, []) or []:
        match = re.search(statement["pattern"], text, re.S)
        found_at = ctx.locate(document, " ".join(match.group(0).split()[:3])) if match else where
        rules.append(Rule(statement["rule"], "pass" if match else "fail",
                          f"{found_at} — " + (f'found: "{_excerpt(text, match)}"' if match else
                                              "not found in the manuscript; " + statement.get("fix", "add it"))))

    lint_rules = profile.get("lints") or {}
    findings: list[lints.Finding] = []
    if "participants-language" in lint_rules:
        words_ = lint_rules["participants-language"]
        findings += lints.participant_language(manuscript, ctx, document, words_.get("error", []))
        findings += lints.participant_language(manuscript, ctx, document, words_.get("review", []),
                                               rule="participants-language-review")
    if "double-quotes" in lint_rules:
        findings += lints.single_quotes(manuscript, ctx, document)
    if "consistent-spelling" in lint_rules:
        findings += lints.mixed_spelling(manuscript, ctx, document)
    descriptions = {"participants-language": 'Study participants called "participants", not "subjects"',
                    "participants-language-review": '"Patients" used only where it does not mean study participants',
                    "double-quotes": "Double quotation marks for quotations",
                    "consistent-spelling": "One spelling style throughout"}
    names = [*lint_rules, *(["participants-language-review"] if "participants-language" in lint_rules else [])]
    for name in names:
        hits = [f for f in findings if f.rule == name]
        hard = name == "participants-language"
        status = "fail" if hard else "author to confirm"
        if hits:
            for hit in hits:
                rules.append(Rule(descriptions[name], status, f"{hit.where} — {hit.text}", hard=hard))
        else:
            rules.append(Rule(descriptions[name], "pass", f"{document.id} — none found in the authors' prose",
                              hard=hard))

    manuscript_file = folder / "manuscript.docx"
    leaks = scan_docx(manuscript_file, terms)
    rules.append(Rule("No author names, affiliations or emails in the manuscript (body, headers, properties)",
                      "fail" if leaks else "pass",
                      f"{document.id} — " + ("; ".join(leaks[:5]) if leaks else
                                             f"every XML part searched; {blinded} identifying terms blinded")))
    names = [p.name for p in folder.rglob("*") if p.is_file()]
    bad_names = [n for n in names if any(t and t.lower() in n.lower() for t in terms)]
    rules.append(Rule("No author names in file names", "fail" if bad_names else "pass",
                      f"{document.id} — " + (", ".join(bad_names) if bad_names else ", ".join(sorted(names)))))
    rules.append(Rule("Word files, not PDF", "pass", f"{document.id} — every document is .docx"))
    for item in profile.get("confirm") or []:
        rules.append(Rule(str(item), "author to confirm", "not checkable by the build", hard=False))
    return rules


def _stamp_dpi(path: Path, dpi: int) -> None:
    """typst renders at the asked resolution but does not record it; Word and journals read it."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        stamped = image.copy()
    stamped.save(path, dpi=(dpi, dpi))


def _dpi(path: Path) -> float:
    from PIL import Image

    with Image.open(path) as image:
        return float(image.info.get("dpi", (0, 0))[0])


def _excerpt(text: str, match) -> str:
    start, end = max(match.start() - 40, 0), min(match.end() + 40, len(text))
    return " ".join(text[start:end].split())


def render_checklist(rules: list[Rule], title: str, doc_id: str, target: str) -> str:
    lines = [f"# Submission checklist: {doc_id} ({target})", "", f"*{title}*", "",
             "| Rule | Status | Evidence |", "|---|---|---|"]
    for rule in rules:
        status = {"pass": "pass", "fail": "**FAIL**", "author to confirm": "author to confirm"}[rule.status]
        evidence = rule.evidence.replace("|", "\\|").replace(" — ", ": ")
        lines.append(f"| {rule.rule} | {status} | {evidence} |")
    failed = [r for r in rules if r.status == "fail"]
    lines += ["", f"{len(rules)} rules: {sum(r.status == 'pass' for r in rules)} pass, {len(failed)} fail, "
                  f"{sum(r.status == 'author to confirm' for r in rules)} to confirm by the author."]
    return "\n".join(lines) + "\n"
