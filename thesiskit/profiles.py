"""Targets as data: profiles/<name>.yaml says what a target builds and which rules it checks."""
from __future__ import annotations

from pathlib import Path

from .problems import Problems
from .project import load_yaml

OUTPUT_FORMATS = ("docx", "pdf", "html")


def profile_names(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "profiles").glob("*.yaml"))


def targets(root: Path) -> dict[str, str]:
    """target name -> profile name (a profile may name its target, e.g. jmh.yaml -> jmh-submission)."""
    found = {}
    for name in profile_names(root):
        profile = load_yaml((root / "profiles" / f"{name}.yaml").read_text(encoding="utf-8-sig"), "", 1, Problems()) or {}
        found[str(profile.get("target", name)) if isinstance(profile, dict) else name] = name
    return found


def load_profile(root: Path, target: str, problems: Problems) -> dict | None:
    names = targets(root)
    if target not in names:
        problems.error("", f"unknown target '{target}'; targets: {', '.join(sorted(names)) or 'none (add profiles/*.yaml)'}")
        return None
    rel = f"profiles/{names[target]}.yaml"
    profile = load_yaml((root / rel).read_text(encoding="utf-8-sig"), rel, 1, problems)
    if profile is None:
        return None
    if not isinstance(profile, dict):
        problems.error(f"{rel}:1", "a profile must be a mapping of keys to values")
        return None
    for fmt in profile.get("outputs", []):
        if fmt not in OUTPUT_FORMATS:
            problems.error(f"{rel}", f"output '{fmt}' is not one of {', '.join(OUTPUT_FORMATS)}")
    limits = profile.get("limits", {})
    for kind, parts in (limits or {}).items():
        for part, value in (parts or {}).items():
            if not isinstance(value, int) or value <= 0:
                problems.error(f"{rel}", f"limit {kind}.{part} is '{value}'; a limit is a positive whole number of words")
    profile.setdefault("name", names[target])
    return profile
