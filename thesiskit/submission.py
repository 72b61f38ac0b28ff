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
from dataclasses import dataclass
from pathlib import Path

import panflute as pf

from . import atomic, transforms, figures, lints, masking, pandoc, people, privacy
from .assemble import number, page_break
from .inlines import para, words
from .context import Context
from .reference_docx import reference_docx


@dataclass
class Rule:
    rule: str
    status: str  # "pass", "fail" or "author to confirm"
    evidence: str
    hard: bool = True


# ---------------------------------------------------------------- the package

def write_packages(docs: dict[str, pf.Doc], ctx: Context, result, counts: dict[str, dict]) -> None:
    root = ctx.project.root
    out_dir = root / "build" / ctx.target
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = atomic.staging(out_dir)
    checklists, drawn = {}, []
    try:
        for document in ctx.project.documents:
            if document.kind != "paper":
                continue
            folder = staging / document.id
            folder.mkdir()
            work = atomic.staging(root / "build", "figures")  # typst and pandoc read images inside the project only
            try:
                rules = package(docs[document.id], ctx, document, counts[document.id], folder, work)
                for source in sorted(work.glob("figure-*.typ")):  # text figures, drawn as pixels and outlines
                    text = source.read_text(encoding="utf-8")
                    drawn += [(f"build/{ctx.target}/{document.id}/figures/{source.stem}.png", text),
                              *figures.drawn_texts(root, text)]
            finally:
                shutil.rmtree(work, ignore_errors=True)
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
        privacy.scan(staging, privacy.matcher(root), ctx.problems, f"build/{ctx.target}", root, drawn=drawn)
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


def package(doc: pf.Doc, ctx: Context, document, counts: dict, folder: Path, work: Path) -> list[Rule]:
    meta = ctx.project.metadata
    article = str(doc.get_metadata("kind", ""))
    ident = masking.identity(ctx.project, document, ctx.profile) if ctx.profile.mask else None
    source, blinded = doc, 0
    if ident is not None:  # everything reviewers get is made from the masked copy
        source, blinded = masking.blind_doc(doc, ident.matcher)
        masking.clean_images(source, ctx.project.root, work, ident.matcher)
    title = str(source.get_metadata("title", document.id))
    manuscript, tables, supplementary, figures = split_floats(source)
    body = manuscript_blocks(manuscript, title, source)
    matcher = ident.matcher if ident else None
    reviewed = [folder / "manuscript.docx"]
    write_docx(pf.Doc(*body, metadata={"lang": meta.get("lang", "en-GB")}), ctx, reviewed[0], title, matcher)
    real_title = str(doc.get_metadata("title", document.id))
    write_docx(pf.Doc(*title_page(doc, ctx, document, real_title, counts)), ctx, folder / "title-page.docx", real_title)
    if tables:
        reviewed.append(folder / "tables.docx")
        write_docx(pf.Doc(*_one_per_page(tables)), ctx, reviewed[-1], title, matcher)
    if supplementary:
        heading = pf.Header(pf.Str("Supplementary"), pf.Space(), pf.Str("Material"), level=1)
        reviewed.append(folder / "supplementary.docx")
        write_docx(pf.Doc(heading, *_one_per_page(supplementary)), ctx, reviewed[-1], title, matcher)
    figure_files = write_figures(figures, ctx, folder / "figures", work)
    reviewed += figure_files
    if figures:
        reviewed.append(folder / "figure-captions.docx")
        write_docx(pf.Doc(*figure_captions(figures)), ctx, reviewed[-1], title, matcher)

    rules = checklist(doc, manuscript, ctx, document, counts, article, folder, tables, supplementary,
                      figures, figure_files)
    rules += masking_rules(ctx, document, ident, blinded, reviewed, folder, work)
    rules += [Rule(str(item), "author to confirm", "not checkable by the build", hard=False)
              for item in ctx.profile.confirm]
    (folder / "checklist.md").write_text(render_checklist(rules, title, document.id, ctx.target), encoding="utf-8")
    return rules


def masking_rules(ctx: Context, document, ident, blinded: int, reviewed: list[Path], folder: Path,
                  work: Path) -> list[Rule]:
    """The masked-review rules: nothing that names the authors in any file reviewers get (read back
    as their programs read it, the typst sources of text figures included), self-citations masked,
    and supervisors' works left for the author to judge."""
    if ident is None:
        return [Rule("Manuscript masked for review", "pass", f"{document.id} — the profile does not ask for "
                     "masked review (mask: false); the manuscript names its authors", hard=False)]
    drawn = []  # a figure's words, before typst or matplotlib drew them as pixels
    for source in sorted(work.glob("figure-*.typ")):
        text = source.read_text(encoding="utf-8")
        drawn += [(f"figures/{source.stem}.png", text), *figures.drawn_texts(ctx.project.root, text)]
    leaks = masking.scan_files([p for p in reviewed if p.exists()], folder, ident.matcher)
    leaks += [masking.Leak(f"{figure} (drawn from its text)", term, excerpt)
              for figure, text in drawn for term, excerpt in ident.matcher.scan(text)]
    rules = []
    names = ", ".join(p.relative_to(folder).as_posix() for p in reviewed)
    if leaks:
        for leak in leaks[:5]:
            where = _source_line(ctx, document, leak.term) or document.id
            rules.append(Rule("Nothing in the files for reviewers names the authors (text, properties, links, media)",
                              "fail", f"{where} — '{leak.term}' is readable in {leak.file}: \"{leak.excerpt}\"; "
                              "mask it, or add it to blinded-terms"))
    else:
        rules.append(Rule("Nothing in the files for reviewers names the authors (text, properties, links, media)",
                          "pass", f"{document.id} — {blinded} identifying term{'s' * (blinded != 1)} blinded; "
                          f"searched every part of {names} for {len(ident.terms)} terms"))
    found = ctx.self_citations.get(document.id)
    masked = sorted(found.masked) if found else []
    omitted = ctx.profile.self_citations == "omit"
    rules.append(Rule("Self-citations masked (APA 7: cited as Author, details omitted in the reference list)", "pass",
                      f"{document.id} — " + (f"{len(masked)} work{'s' * (len(masked) != 1)} by the authors cited as "
                                             f"\"Author\" and {'left out of' if omitted else 'masked in'} the "
                                             f"reference list: {', '.join(masked)}" if masked else
                                             "no work by the paper's authors is cited")))
    for key, people_ in sorted((found.others if found else {}).items()):
        rules.append(Rule("Works by supervisors or advisers who are not authors of this paper", "author to confirm",
                          f"{document.id} — {key} ({', '.join(people_)}): cited in full; mask it if citing it "
                          "would identify the authors", hard=False))
    return rules


def _source_line(ctx: Context, document, term: str) -> str | None:
    """The first line of the paper's sources (or of the data and thesis.md) that holds the term."""
    from .terms import Matcher

    matcher = Matcher([term])
    for rel in [*document.files, Path("thesis.md")]:
        try:
            lines = (ctx.project.root / rel).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, start=1):
            if matcher.search(line):
                return f"{Path(rel).as_posix()}:{number}"
    return None


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


def title_page(doc: pf.Doc, ctx: Context, document, title: str, counts: dict) -> list:
    """The journal's title page: the one file that names the authors, so it is never masked."""
    from .assemble import affiliation_lines, byline, orcid_lines

    meta = ctx.project.metadata
    authors = document.authors or ctx.project.authors
    names_line, order = byline(authors)
    contact = people.corresponding(authors)
    declaration = _section_text(doc, "declaration")
    blocks = [
        pf.Header(*words(title), level=1, classes=["unnumbered"]),
        pf.Div(pf.Para(*names_line), *affiliation_lines(order), classes=["paper-title-page"]),
        *orcid_lines(authors),
    ]
    if contact:
        blocks.append(_statement("Corresponding author", ", ".join(x for x in (contact.name, contact.address) if x)
                                 + (f" Email: {contact.email}" if contact.email else "")))
    blocks += [
        _statement("Word count", f"abstract {number(counts.get('abstract', 0))}; main text "
                                 f"{number(counts.get('main', 0))} "
                                 f"({ctx.profile.main_count_label.lower()})"),
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


def write_docx(doc: pf.Doc, ctx: Context, path: Path, title: str, matcher=None) -> None:
    """One file of the package; with the identity matcher (a masked file), its properties and media
    are scrubbed of anything naming the authors."""
    for module in transforms.stage("lower"):
        module.run(doc, ctx, "docx")
    cache = ctx.project.root / "build" / ".cache"
    pandoc.convert(doc, ["-t", "docx", f"--reference-doc={reference_docx(cache)}", "-o", str(path)],
                   cwd=ctx.project.root)
    from .pipeline import finish_docx

    finish_docx(path)
    if matcher is not None:
        masking.scrub_docx(path, title, matcher)


def write_figures(figures: list, ctx: Context, folder: Path, work: Path) -> list[Path]:
    """figure-N.png at the profile's resolution and figure-N.svg, rendered by typst from the figure's
    own content, so pictures and figures made of text come out alike. The typst sources stay in the
    work folder (inside the project: typst reads inside its root only) for the identity scan."""
    if not figures:
        return []
    import typst

    folder.mkdir(parents=True, exist_ok=True)
    dpi = ctx.profile.figure_dpi
    root = ctx.project.root
    written = []
    template = (Path(__file__).parent / "templates" / "figure.typ").read_text()
    for n, figure in enumerate(figures, start=1):
        body = next(b for b in figure.content if "float-body" in getattr(b, "classes", []))
        doc = pf.Doc(*copy.deepcopy(list(body.content)))
        for module in transforms.stage("lower"):
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
    return written


# ---------------------------------------------------------------- the checklist

def checklist(doc, manuscript, ctx, document, counts, article, folder, tables, supplementary, figures,
              figure_files) -> list[Rule]:
    profile = ctx.profile
    limits = profile.limits.get(article) or {}
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
    bounds = profile.keywords
    if bounds:
        low, high = bounds.min, bounds.max if bounds.max is not None else 99
        rules.append(Rule(f"Between {low} and {high} keywords", "pass" if low <= len(keywords) <= high else "fail",
                          f"{where} — {len(keywords)} keywords"))
    caps = profile.floats
    for name, items in (("tables", tables), ("figures", figures)):
        if getattr(caps, name) is not None:
            moved = sum(1 for s in supplementary if ("apa-table" in s.classes) == (name == "tables"))
            rules.append(Rule(f"At most {getattr(caps, name)} {name} with the article", "pass" if len(items) <= getattr(caps, name) else "fail",
                              f"{document.id} — {len(items)} {name} kept" +
                              (f"; {moved} moved to supplementary material (see supplementary.docx)" if moved else "")))
    rules.append(Rule("Each table and figure uploaded separately, its place marked in the text", "pass",
                      f"{document.id} — {len(tables) + len(figures)} callouts; no table left in manuscript.docx"))
    low_dpi = [f for f in figure_files if f.suffix == ".png" and round(_dpi(f)) < profile.figure_dpi]
    if figure_files:
        rules.append(Rule(f"Figures at {profile.figure_dpi} dpi or more", "fail" if low_dpi else "pass",
                          f"{document.id} — " + ", ".join(f.name for f in figure_files)))

    text = pf.stringify(manuscript)
    for statement in profile.statements.get(article, []):
        match = re.search(statement.pattern, text, re.S)
        found_at = ctx.locate(document, " ".join(match.group(0).split()[:3])) if match else where
        rules.append(Rule(statement.rule, "pass" if match else "fail",
                          f"{found_at} — " + (f'found: "{_excerpt(text, match)}"' if match else
                                              "not found in the manuscript; " + statement.fix)))

    lint = profile.lints
    findings: list[lints.Finding] = []
    descriptions: dict[str, str] = {}
    if lint.participants_language:
        refused, queried = lint.participants_language.error, lint.participants_language.review
        findings += lints.participant_language(manuscript, ctx, document, refused)
        findings += lints.participant_language(manuscript, ctx, document, queried, rule="participants-language-review")
        descriptions["participants-language"] = ('Study participants called "participants", not '
                                                 + " or ".join(f'"{w}"' for w in refused))
        if queried:
            descriptions["participants-language-review"] = (" or ".join(f'"{w.capitalize()}"' for w in queried)
                                                            + " used only where it does not mean study participants")
    if lint.double_quotes:
        findings += lints.single_quotes(manuscript, ctx, document)
        descriptions["double-quotes"] = "Double quotation marks for quotations"
    if lint.consistent_spelling:
        findings += lints.mixed_spelling(manuscript, ctx, document)
        descriptions["consistent-spelling"] = "One spelling style throughout"
    names = list(descriptions)
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

    rules.append(Rule("Word files, not PDF", "pass", f"{document.id} — every document is .docx"))
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
