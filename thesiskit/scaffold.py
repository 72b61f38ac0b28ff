"""`thesiskit new DIR`: a thesis project that builds at once, copied from thesiskit/builtin/scaffold.

Files stored as `dot-name` become `.name` (package data leaves hidden files out). A folder that is
not empty needs --force, and even then no existing file is overwritten: the ones already there are
kept and listed.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

SCAFFOLD = Path(__file__).parent / "builtin" / "scaffold"


def files() -> list[tuple[Path, str]]:
    """(the file in the package, where it goes in the project) for every file of the scaffold."""
    out = []
    for path in sorted(SCAFFOLD.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = "/".join(part.replace("dot-", ".", 1) if part.startswith("dot-") else part
                           for part in path.relative_to(SCAFFOLD).parts)
            out.append((path, rel))
    return out


# The files that say where thesiskit comes from (CI installs it, pre-commit clones it), with the
# placeholder filled in when thesiskit was installed from a git repository.
PINNED = (".github/workflows/thesis.yml", ".pre-commit-config.yaml")
PLACEHOLDER_URL, PLACEHOLDER_REV = "https://github.com/OWNER/thesiskit", "v0.1.0"


def installed_from() -> tuple[str, str] | None:
    """(repository URL, tag or commit) when this thesiskit was installed from git (pip records it in
    direct_url.json, PEP 610): `pip install "thesiskit @ git+https://github.com/x/thesiskit@v0.1.0"`."""
    import json
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        recorded = json.loads(distribution("thesiskit").read_text("direct_url.json") or "{}")
    except (PackageNotFoundError, ValueError):
        return None
    vcs = recorded.get("vcs_info") or {}
    url = str(recorded.get("url") or "")
    if vcs.get("vcs") != "git" or not url.startswith(("https://", "http://")):
        return None
    return url, str(vcs.get("requested_revision") or vcs.get("commit_id") or "")


def pin(text: str, url: str, rev: str) -> str:
    """A scaffold file with the placeholder repository and tag replaced."""
    text = text.replace(PLACEHOLDER_URL, url)
    return text.replace(f"@{PLACEHOLDER_REV}\"", f"@{rev}\"").replace(f"rev: {PLACEHOLDER_REV}", f"rev: {rev}") if rev else text


def new(folder: Path, force: bool = False) -> int:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        print(f"{folder}: error: is a file, not a folder; give the name of a new folder", file=sys.stderr)
        return 1
    if folder.is_dir() and any(folder.iterdir()) and not force:
        print(f"{folder}: error: the folder is not empty; give a new folder, or add --force to add the project's "
              "files beside what is there (no existing file is overwritten)", file=sys.stderr)
        return 1
    written, kept = [], []
    where_from = installed_from()
    for source, rel in files():
        target = folder / rel
        if target.exists():
            kept.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in PINNED and where_from:
            target.write_text(pin(source.read_text(encoding="utf-8"), *where_from), encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(rel)
    print(f"wrote a thesis project in {folder}: {len(written)} files" + (f"; kept {len(kept)} that were already "
          f"there: {', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''}" if kept else ""))
    print(f"next: cd {folder} && python build.py thesis   (then open build/thesis/thesis.docx; README.md says what is where)")
    if not where_from:
        print("for CI and the git hooks: say where thesiskit comes from in .github/workflows/thesis.yml (THESISKIT) "
              "and .pre-commit-config.yaml (repo, rev), where they say OWNER")
    return 0
