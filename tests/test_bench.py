"""bench/bench.py's pure helpers: the one-paragraph edit, the targets' verdicts, and the report that
keeps its hand-written notes. Nothing here is timed (the bench measures; tests never do)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_under_test", ROOT / "bench" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_an_edit_adds_one_sentence_to_the_first_prose_paragraph():
    text = "# Title\n\n::: note\nshort\n:::\n\nThe first paragraph is long enough to be prose here. More.\n\nAnother one."
    new = bench.edited(text, "Edited sentence number 3 Previewmark3x1.")
    assert new.replace(" Edited sentence number 3 Previewmark3x1.", "", 1) == text
    assert "here. Edited sentence number 3 Previewmark3x1. More." in new
    assert bench.edited("# Only a heading\n", "X.") == "# Only a heading\n"  # nothing to edit: unchanged


def test_the_edited_chapter_is_a_papers_and_has_prose(tmp_path):
    for name, text in {"appendices/transcript.md": "Q: one\nA: two\n", "paper1/10-intro.md": "\n\nNo.\n",
                       "paper2/10-intro.md": "# H\n\nThis paragraph is long enough to take the edit. Yes.\n",
                       "paper2/20-method.md": "Just a line\n"}.items():
        (tmp_path / "chapters" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "chapters" / name).write_text(text)
    # the middle of the papers' files is paper2/10-intro.md (index 1 of 3)
    assert bench.edited_chapter(tmp_path) == tmp_path / "chapters/paper2/10-intro.md"
    chapter = bench.edit_one_paragraph(tmp_path, 7, "Mark")
    assert "take the edit. Edited sentence number 7 Mark. Yes." in chapter.read_text()


def results(**over):
    def entry(seconds, mib=100.0):
        return {"seconds": seconds, "peak_mib": mib, "runs": [seconds]}
    r = {"example": {"cold": entry(4.0), "check": entry(0.8), "preview": entry(0.4)},
         "large": {"floor": entry(20.0, 500), "cold": entry(16.0, 800), "warm": entry(8.0), "check": entry(4.5),
                   "preview": entry(1.2)}}
    for key, value in over.items():
        thesis, name = key.split("__")
        r[thesis][name] = entry(*value)
    return r


def test_each_target_is_met_missed_or_not_measured():
    got = {(v["thesis"], v["target"]): (round(v["measured"], 3) if v["measured"] is not None else None, v["verdict"])
           for v in bench.verdicts(results())}
    assert got[("example", "edit-to-preview")] == (0.4, "met")
    assert got[("large", "edit-to-preview / cold")] == (0.075, "met")
    assert got[("large", "warm / cold")] == (0.5, "missed")
    assert got[("example", "check / cold")] == (0.2, "met")
    assert got[("large", "check / cold")] == (0.281, "missed")
    assert got[("large", "peak memory / pandoc's (tree)")] == (1.6, "missed")
    assert got[("large", "cold / floor")] == (0.8, "met")
    quick = bench.verdicts({"example": results()["example"]})
    assert {v["verdict"] for v in quick if v["thesis"] == "large"} == {"not measured"}


def test_the_report_keeps_its_hand_written_notes():
    r = results()
    r.update(machine={"platform": "Linux", "cpus": 2, "python": "3.11", "pandoc_version": "3.9", "load": "0.1"},
             date="2026-11-29 12:00", reps=1, edits=3, quick=False, profiles={},
             verdicts=bench.verdicts(r))
    r["large"]["holds"] = {"words_in_sources": 100, "references": 5, "tables": 1, "figures": 1}
    for thesis in ("example", "large"):
        r[thesis]["preview"].update(first_page_s=2.0, server_build_s=[0.3, None])
    text = bench.performance_md(r, "## Notes\n\nBy hand.\n")
    assert text.endswith(bench.KEEP + "\n## Notes\n\nBy hand.\n")
    assert "| large | warm / cold | 0.50 | 0.35 or less | **missed** |" in text
    assert "| example | edit-to-preview | 0.40 | 0.5 or less | met |" in text
