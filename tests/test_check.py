"""`python build.py check`: limits and citations for every target, nothing written."""
from __future__ import annotations

import json
import re

from thesiskit.problems import Problems

from .conftest import ROOT, copy_project, run_build


def test_check_on_the_example_is_clean_and_writes_nothing(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_build(project, "check")
    assert result.returncode == 0, result.stderr
    assert re.search(r"paper1\s+[\d,]+\s+8,000\s+\d+%\s+\d+/200", result.stdout)
    assert "0 errors" in result.stdout
    assert not (project / "build/thesis").exists()


def test_check_json_prints_the_report(tmp_path):
    project = copy_project(tmp_path / "p")
    result = run_build(project, "check", "--json")
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    paper2 = reports["thesis"]["documents"]["paper2"]
    assert paper2["limits"] == {"main": 8000, "abstract": 200} and paper2["counted"]["main"] > 4000
    assert reports["thesis"]["ok"] is True


def test_over_the_limit_names_the_document_the_limit_and_the_excess(tmp_path):
    project = copy_project(tmp_path / "p")
    extra = ("Padding words added here for the limit test. " * 1125).strip()  # 8 x 1,125 = 9,000 words
    discussion = project / "chapters/paper2/40-discussion.md"
    discussion.write_text(discussion.read_text(encoding="utf-8") + "\n\n" + extra + "\n", encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 1
    match = re.search(r"paper2: error: main text has ([\d,]+) words, over the 8,000-word limit of the thesis profile "
                      r"by ([\d,]+); shorten it", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    words, excess = (int(g.replace(",", "")) for g in match.groups())
    assert words - 8000 == excess and words > 15000
    assert "Traceback" not in result.stderr


def test_a_running_head_over_apas_50_characters_is_a_warning_at_the_short_title(tmp_path):
    """APA 7 allows a running head of 50 characters at most: a paper's short-title longer than that is
    a warning (nothing fails) at its line, in the targets that print running heads; the thesis's own
    short-title, where it heads the papers, likewise."""
    project = copy_project(tmp_path / "p")
    front = project / "chapters/paper2/00-front.md"
    long_title = "SERVICE USER READINESS FOR INITIAL AND SUSTAINED CO-PRODUCTION"  # 62 characters
    front.write_text(front.read_text(encoding="utf-8").replace(
        '"SERVICE USER READINESS FOR CO-PRODUCTION"', f'"{long_title}"'), encoding="utf-8")
    profile = project / "profiles/thesis.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "\nrunning-head: true\n", encoding="utf-8")
    plan = project / "thesis.md"
    plan.write_text(plan.read_text(encoding="utf-8").replace("---\n", "---\nshort-title: " + "A" * 51 + "\n", 1),
                    encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert (f"chapters/paper2/00-front.md:3: warning: the running head of paper2 (its short-title, '{long_title}') "
            "has 62 characters; APA 7 allows at most 50, spaces included: write a shorter short-title: in the "
            "paper's front matter") in said, said
    assert "thesis.md:2: warning: the thesis's running head (its short-title" in said, said
    assert "running head of paper1" not in said  # 42 characters


def test_unknown_key_names_the_key_the_file_and_the_line(tmp_path):
    project = copy_project(tmp_path / "p")
    chapter = project / "chapters/paper1/40-discussion.md"
    lines = chapter.read_text(encoding="utf-8").splitlines()
    lines.insert(4, "As shown elsewhere [@nosuchkey2099].")
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 1
    assert ("chapters/paper1/40-discussion.md:5: error: unknown citation key @nosuchkey2099; "
            "add the entry to the .bib (export it from Zotero) or fix the key") in result.stderr


def test_included_study_must_be_cited_in_the_review(tmp_path):
    project = copy_project(tmp_path / "p")
    for chapter in (project / "chapters/paper1").glob("*.md"):
        text = chapter.read_text(encoding="utf-8").replace("@salzer2002", "@salzer2002x")
        # the characteristics table cites every included study itself: leave its authors column out here
        text = text.replace(".study-characteristics ", '.study-characteristics columns="study sample rating" ')
        chapter.write_text(text, encoding="utf-8")
    (project / "bib/references.bib").write_text(
        (project / "bib/references.bib").read_text(encoding="utf-8") +
        "\n@misc{salzer2002x,\n  title = {Stand-in},\n  author = {Other, A.},\n  year = {2002}\n}\n", encoding="utf-8")
    result = run_build(project, "check")
    assert result.returncode == 1
    assert "included study 'salzer2002' is not in paper1's reference list; cite it in the paper" in result.stderr


LINT_BIB = r"""@article{novolume,
  title = {T}, author = {A, B.}, year = {2021}, journal = {J One}, doi = {10/1}
}
@article{online,
  title = {T}, author = {A, B.}, year = {2021}, journal = {J One}, pubstate = {Advance online publication}, doi = {10/2}
}
@article{nopages,
  title = {T}, author = {A, B.}, year = {2019}, journal = {J Two}, volume = {19}, number = {1}, doi = {10/3}
}
@article{onepage,
  title = {T}, author = {A, B.}, year = {2014}, journal = {J Three}, volume = {14}, pages = {80}, doi = {10/4}
}
@article{elocator,
  title = {T}, author = {A, B.}, year = {2021}, journal = {J Four}, volume = {16}, pages = {e0248558}, doi = {10/5}
}
@article{asissue,
  title = {T}, author = {A, B.}, year = {2021}, journal = {J Five}, volume = {16}, number = {e0248558}, doi = {10/6}
}
@article{early,
  title = {T}, author = {A, B.}, year = {2017}, journal = {J Six}, volume = {27}, pages = {1--9}, doi = {10/7}
}
@article{right1,
  title = {T}, author = {A, B.}, year = {2018}, journal = {J Six}, volume = {27}, pages = {10--19}, doi = {10/8}
}
@article{right2,
  title = {T}, author = {A, B.}, year = {2018}, journal = {{J} Six}, volume = {27}, pages = {20--29}, doi = {10/9}
}
"""


def test_reference_lint_names_what_the_bib_can_put_right(tmp_path):
    from thesiskit.bibliography import read_entries, reference_lint

    (tmp_path / "refs.bib").write_text(LINT_BIB, encoding="utf-8")
    entries = read_entries(tmp_path, ["refs.bib"], Problems())
    found = {key: reference_lint(entry, entries) for key, entry in entries.items()}
    assert "add pubstate = {Advance online publication}" in found["novolume"][0]
    assert found["online"] == [] and found["elocator"] == []  # an e-locator is printed "Article e0248558"
    assert "neither pages nor an article number" in found["nopages"][0]
    assert "write eid = {80} instead" in found["onepage"][0]
    assert "printed as the issue; an article number goes in eid = {e0248558}" in found["asissue"][0]
    assert found["early"] == ["journal article 'early' is dated 2017, but volume 27 of this journal is 2018 in "
                              "'right1' (refs.bib:22); a year and volume that disagree usually mean the year it "
                              "appeared online; give the year of the volume it was published in, or correct the volume"]
    assert found["right1"] == found["right2"] == []  # the majority is not blamed


def test_the_examples_bib_passes_the_reference_lint_but_for_what_seed_corrections_explains():
    from thesiskit.bibliography import read_entries, reference_lint

    entries = read_entries(ROOT, ["bib/references.bib"], Problems())
    flagged = {key for key, entry in entries.items() if reference_lint(entry, entries)}
    explained = (ROOT / "docs/seed-corrections.md").read_text(encoding="utf-8")
    assert flagged == {"campbell2011", "fan2019", "france2016", "jacob2015", "scanlan2020"}
    assert all(f"`{key}`" in explained for key in flagged)


# Each target's check in its own process (thesiskit/fanout.py, issue 16)


def _one_paper(tmp_path):
    from .conftest import make_project

    return make_project(tmp_path / "p", "# Paper\n\nA few words, cited [@a].\n",
                        "@article{a, author = {A. Author}, title = {T}, journal = {J}, year = {2020}, "
                        "volume = {1}, pages = {1--2}, doi = {10.1/x}}\n")


def test_each_target_is_checked_in_its_own_process_with_what_a_build_here_gives(tmp_path, monkeypatch):
    import os

    from thesiskit import fanout, pipeline
    from thesiskit.profiles import targets

    project = _one_paper(tmp_path)
    known = targets(project)
    here = [pipeline.build(project, t, write=False) for t in known]

    def build(*args, **kwargs):  # what the children run, with their process id
        result = pipeline.build(*args, **kwargs)
        result.parts["pid"] = str(os.getpid())
        return result

    monkeypatch.setattr(fanout, "build", build)
    there = fanout.build_each(project, known, write=False)
    assert fanout.can_fork() and len(known) >= 2
    assert len({r.parts["pid"] for r in there} | {str(os.getpid())}) == len(known) + 1
    for a, b in zip(here, there):
        assert (b.target, b.problems.items, b.report, b.skipped) == (a.target, a.problems.items, a.report, a.skipped)
        assert [name for name, _ in b.timings] == [name for name, _ in a.timings]


def test_a_bug_while_checking_a_target_is_an_internal_error_as_before(tmp_path, monkeypatch):
    from thesiskit import fanout

    from .conftest import build_in_process

    class Unpicklable(Exception):  # a class of a function's own cannot be pickled: sent by its name
        pass

    def build(root, target, **_):
        raise (ValueError("boom") if target == "thesis" else Unpicklable("no pickle"))

    project = _one_paper(tmp_path)
    monkeypatch.setattr(fanout, "build", build)
    code, _out, err = build_in_process(project, "check")
    assert code == 3 and "internal error: Unpicklable: no pickle (a bug in thesiskit" in err, err
    monkeypatch.setattr(fanout, "build", lambda root, target, **_: (_ for _ in ()).throw(ValueError("boom")))
    code, _out, err = build_in_process(project, "check")
    assert code == 3 and "internal error: ValueError: boom (a bug" in err, err


def test_a_target_interrupted_interrupts_the_check(tmp_path, monkeypatch):
    from thesiskit import fanout

    from .conftest import build_in_process

    def build(root, target, **kwargs):
        if target == "thesis":
            raise KeyboardInterrupt
        return fanout.__dict__["_real_build"](root, target, **kwargs)

    project = _one_paper(tmp_path)
    monkeypatch.setitem(fanout.__dict__, "_real_build", fanout.build)
    monkeypatch.setattr(fanout, "build", build)
    code, out, err = build_in_process(project, "check")
    assert code == 130 and "interrupted" in err and "checked" not in out, (out, err)
