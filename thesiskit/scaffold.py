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
    for source, rel in files():
        target = folder / rel
        if target.exists():
            kept.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(rel)
    print(f"wrote a thesis project in {folder}: {len(written)} files" + (f"; kept {len(kept)} that were already "
          f"there: {', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''}" if kept else ""))
    print(f"next: cd {folder} && python build.py thesis   (then open build/thesis/thesis.docx; README.md says what is where)")
    return 0
