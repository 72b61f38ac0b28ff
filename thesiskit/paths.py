"""One rule for every path a source names and every name the build writes under.

A path named in the sources (a chapter or folder of the plan, an included file, an image, a data file,
the bibliography, the citation style, a profile's or a tool's file) must lead to a regular file or
folder inside the project once symbolic links are resolved: not an absolute path, not '..' out of
the project, not a link that points out, not a URL (the build never uses the network), not a named
pipe or a device (reading one would wait for ever). A name the build writes under (a target, a
document's id) is a plain name: letters, digits, '-', '_' and '.', not starting with a dot.

`confine` returns the resolved path or None, with one error that says which rule the path broke and
what to do; everything that reads a named file goes through it.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .problems import Problems

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # http:, https:, file:, ftp:, data:, ... (not C:\ on Windows)
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def is_url(text: str) -> bool:
    return bool(URL.match(text)) and not re.match(r"^[A-Za-z]:[\\/]", text)


def confine(root: Path, rel, where: str, problems: Problems, what: str = "data files", label: str = "",
            relative_to: str = "the project folder", folder: bool = False, shown: str | None = None) -> Path | None:
    """The real path of a file (or, with folder, a file or folder) that a source names, relative to
    root; None, with an error at where, if it breaks the rule (see the module's docstring). label
    starts the message ("image ", "bibliography "); the fix names what to keep inside (what) and
    what paths are relative to (relative_to); shown is the path as the author wrote it, when text
    is that path made relative to the project."""
    if not isinstance(rel, (str, os.PathLike)) or isinstance(rel, bool):
        problems.error(where, f"{label}{rel!r} is not a path; write a file name relative to {relative_to} "
                       "(in quotes if it looks like a number)")
        return None
    text = str(rel)
    shown = f"{label}'{text if shown is None else shown}'"
    if is_url(text):
        problems.error(where, f"{shown} is a URL; put the file in the project and name its path (relative to "
                       f"{relative_to}): the build never uses the network or reads outside the project")
        return None
    if os.path.isabs(text) or text.startswith("~"):
        problems.error(where, f"{shown} is an absolute path; name files relative to {relative_to}, inside the "
                       "project")
        return None
    root_real = Path(os.path.realpath(root))
    full = Path(os.path.realpath(Path(root) / text))
    if full != root_real and root_real not in full.parents:
        problems.error(where, f"{shown} leads outside the project folder; keep {what} inside it "
                       "(a symbolic link out of the project counts as outside)")
        return None
    if not regular(full, folder):
        problems.error(where, f"{shown} is not a regular file (a named pipe, device or socket), which the build "
                       "would wait on for ever; put an ordinary file there")
        return None
    return full


def regular(path: Path, folder: bool = False) -> bool:
    """True when path does not exist (that is another error), or is a regular file (or a folder,
    when allowed); False for a named pipe, a device or a socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return True
    return stat.S_ISREG(mode) or (folder and stat.S_ISDIR(mode))


def plain_name(name) -> bool:
    """A name safe to use as a file or folder name in build/: no path, no leading dot."""
    return isinstance(name, str) and bool(PLAIN_NAME.match(name)) and ".." not in name


def output_folder_problem(root: Path, target: str) -> tuple[str, str] | None:
    """(where, message) when build/, build/.cache or build/<target> cannot be written into: a symbolic
    link (which would take the outputs out of the project) or a file where a folder belongs; None
    when they can (a missing folder is made)."""
    for rel in ("build", "build/.cache", f"build/{target}"):
        path = Path(root) / rel
        if path.is_symlink():
            return rel, ("is a symbolic link; the build writes only inside the project: remove the link "
                         "(the next build makes the folder)")
        if path.exists() and not path.is_dir():
            return rel, "is a file, where the build keeps its outputs; move or rename it"
    return None
