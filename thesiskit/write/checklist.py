"""A journal's rules, each stated in the package's checklist.md as pass, **FAIL** or author to
confirm, with its evidence (a count, the file and line where a statement was found, the files
searched). A failed rule that the build can check is also an error (exit 1) once the package and its
checklist are written, so the author sees both.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import panflute as pf

from .. import figures, lints, masking
from ..context import Context
from ..profiles import PATTERN_SECONDS, StatementTimeout
from ..terms import Matcher
from .typst import dpi_of


@dataclass
class Rule:
    rule: str
    status: str  # "pass", "fail" or "author to confirm"
    evidence: str
    hard: bool = True


# ---------------------------------------------------------------- the package

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
                          f"{document.id} — {plural(main, 'word')}" + (f", {main - limit:,} over" if main > limit else "")))
    abstract, abstract_limit = counts.get("abstract", 0), limits.get("abstract")
    if abstract_limit:
        rules.append(Rule(f"Abstract at most {abstract_limit} words", "pass" if abstract <= abstract_limit else "fail",
                          f"{where} — {plural(abstract, 'word')}"))
    keywords = doc.get_metadata("keywords", []) or []
    bounds = profile.keywords
    if bounds:
        low, high = bounds.min, bounds.max if bounds.max is not None else 99
        rules.append(Rule(f"Between {low} and {high} keywords", "pass" if low <= len(keywords) <= high else "fail",
                          f"{where} — {plural(len(keywords), 'keyword')}"))
    caps = profile.floats
    for name, items in (("tables", tables), ("figures", figures)):
        if getattr(caps, name) is not None:
            moved = sum(1 for s in supplementary if ("apa-table" in s.classes) == (name == "tables"))
            rules.append(Rule(f"At most {getattr(caps, name)} {name} with the article", "pass" if len(items) <= getattr(caps, name) else "fail",
                              f"{document.id} — {plural(len(items), name[:-1])} kept" +
                              (f"; {moved} moved to supplementary material (see supplementary.docx)" if moved else "")))
    rules.append(Rule("Each table and figure uploaded separately, its place marked in the text", "pass",
                      f"{document.id} — {plural(len(tables) + len(figures), 'callout')}; no table left in manuscript.docx"))
    low_dpi = [f for f in figure_files if f.suffix == ".png" and round(dpi_of(f)) < profile.figure_dpi]
    if figure_files:
        rules.append(Rule(f"Figures at {profile.figure_dpi} dpi or more", "fail" if low_dpi else "pass",
                          f"{document.id} — " + ", ".join(f.name for f in figure_files)))

    text = pf.stringify(manuscript)
    for statement in profile.statements.get(article, []):
        try:
            match = statement.search(text)
        except StatementTimeout:
            ctx.problems.error(statement.source or profile.path, f"the pattern of '{statement.rule}' took more than "
                               f"{PATTERN_SECONDS:g} s on {document.id}'s text; simplify it (nested repeats such as "
                               "(\\w+\\s?)+ try every way of splitting the text)")
            rules.append(Rule(statement.rule, "fail", f"{where} — the pattern took too long; see the error"))
            continue
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


def plural(count: int, word: str) -> str:
    """'1 table', '4 tables': the count with its noun."""
    return f"{count:,} {word}{'s' * (count != 1)}"


def _excerpt(text: str, match) -> str:
    start, end = max(match.start() - 40, 0), min(match.end() + 40, len(text))
    return " ".join(text[start:end].split())


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
                          f"searched every part of {names} for {plural(len(ident.terms), 'term')}"))
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
