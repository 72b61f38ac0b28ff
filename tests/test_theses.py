"""Three small theses written from scratch with the documented syntax only (tests/theses/), each built
end to end with its numbers checked against what was computed by hand from the data written for it,
in the DOCX text, report.json and `thesiskit values`. They share nothing with the worked example:

    a-two-reviews     two reviews (CASP with a second reviewer; JBI with its word ids, a Not
                      applicable answer, the team's own studies headings mapped with columns:,
                      both PRISMA columns) and no empirical study; an appendix shows paper 2's
                      checklist with from="paper2"
    b-one-study       one interview study whose participants have a role (declared categories),
                      a diagnosis group (one pooled row), an age in bands (one merged), and two
                      numbers whose means land on a half (4.25 and 34.5); no interview lengths
    c-coauthored      CSL-JSON and CSL-YAML references, Quarto cross-references, a co-authored
                      paper with a Quarto-style author list (ORCIDs, affiliations) and abstract: in
                      its YAML; built as the thesis and as a masked journal submission

Then the example itself with its sample columns renamed: one clear line, and no "0 participants".

Builds run in-process (cli.main), one per thesis and target for the module, in copies under tmp.
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from .conftest import ROOT, build_in_process, copy_project
from .test_scaffold import PATTERN as EXAMPLE_WORDS

THESES = Path(__file__).parent / "theses"


def copy_thesis(name: str, dest: Path) -> Path:
    shutil.copytree(THESES / name, dest, ignore=shutil.ignore_patterns("build", "__pycache__"))
    return dest


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if p.text.strip()]


def tables(path: Path) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in docx.Document(str(path)).tables]


def all_text(path: Path) -> str:
    """Every text of a DOCX, as Word keeps it: body, tables, notes, headers, properties."""
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xml")]
    return re.sub(r"<[^>]+>", " ", " ".join(parts))


def values_by_document(project: Path) -> dict[str, dict[str, str]]:
    """`thesiskit values`, as {document: {name: value}} from its '# paper1: ...' sections."""
    code, out, err = build_in_process(project, "values")
    assert code == 0, err
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in out.splitlines():
        if line.startswith("# "):
            current = line[2:].split(":")[0]
            sections[current] = {}
        elif " = " in line:
            name, value = line.split(" = ", 1)
            sections[current][name] = value
    return sections


def build(tmp_path_factory, name: str, *targets: str):
    project = copy_thesis(name, tmp_path_factory.mktemp(name) / "project")
    runs = {target: build_in_process(project, target) for target in targets}
    return project, runs


def test_the_theses_share_nothing_with_the_example():
    for path in THESES.rglob("*"):
        if path.is_file() and "build" not in path.parts:
            found = sorted({m.group(0) for m in EXAMPLE_WORDS.finditer(path.read_text(encoding="utf-8"))})
            assert not found, (path, found)


# ---------------------------------------------------------------- A: two reviews, no study

@pytest.fixture(scope="module")
def two_reviews(tmp_path_factory):
    return build(tmp_path_factory, "a-two-reviews", "thesis")


def halves(project: Path) -> tuple[list[str], list[str], list[str]]:
    """The thesis's paragraphs before paper 1, in paper 1, and from paper 2 on (title pages split them)."""
    text = paragraphs(project / "build/thesis/thesis.docx")
    first = next(i for i, p in enumerate(text) if p.startswith("Paper 1\n"))
    second = next(i for i, p in enumerate(text) if p.startswith("Paper 2\n"))
    return text[:first], text[first:second], text[second:]


def test_a_builds_clean(two_reviews):
    _project, runs = two_reviews
    code, out, err = runs["thesis"]
    assert code == 0, out + err
    assert "0 errors, 0 warnings" in out + err  # screener_notes mapped to null: no unknown-column warning


def test_a_each_paper_prints_its_own_reviews_numbers(two_reviews):
    project, _runs = two_reviews
    preface, paper1, paper2 = halves(project)
    one, two = " ".join(paper1), " ".join(paper2)
    # paper 1: 5 studies; 12 + 9 + 15 + 6 + 20 = 62 participants; women 7 + 4 + 9 + 0 + 11 = 31,
    # men 5 + 4 + 6 + 0 + 8 = 23, not reported 0 + 1 + 0 + 6 + 1 = 8; samples 6 to 20
    assert "Five studies with 62 participants met the inclusion criteria" in one  # the abstract
    assert ("In this review, five studies with 62 participants (31 women, 23 men, 8 not reported) were "
            "included; samples ranged from 6 to 20 (Table 2).") in one
    # paper 2: 8 studies; 10 + 14 + 7 + 22 + 18 + 9 + 16 + 12 = 108; women 8 + 9 + 6 + 15 + 0 + 5 + 10 + 8
    # = 61, men 2 + 5 + 1 + 6 + 0 + 4 + 5 + 4 = 27, not reported 1 + 18 + 1 = 20; samples 7 to 22
    assert "Eight studies with 108 participants were included" in two
    assert ("In this review, eight studies with 108 participants (61 women, 27 men, 20 not reported) were "
            "included; samples ranged from 7 to 22 (Table 2).") in two
    for number in ("62 participants", "five studies with", "328 records"):
        assert number not in two, number
    for number in ("108 participants", "eight studies", "655 records"):
        assert number not in one, number
    # the preface names each by its id: paper1.review..., paper2.review..., and 5 + 8 = 13
    assert ("The first paper reviews five studies of adults who used a smartphone application to manage "
            "tinnitus, with 62 participants in all. The second reviews eight studies") in " ".join(preface)
    assert "with 108 participants. Between them the two reviews appraised 13 studies." in " ".join(preface)


def test_a_appraisal_and_prisma_in_prose(two_reviews):
    project, _runs = two_reviews
    _preface, paper1, paper2 = halves(project)
    one, two = " ".join(paper1), " ".join(paper2)
    # CASP: 8, 7, 9, 5.5, 8.5; the second reviewer rated studies 2 and 4 and differed on one item of
    # 18 (study 2, q3): 17/18 = 94.4%; kappa = (306 - 129) / (324 - 129) = 177/195 = .91 (lead
    # Yes 10, Partial 3, Can't tell 2, No 3; second Yes 11, Partial 2, Can't tell 2, No 3 of 18)
    assert ("We searched PsycINFO, MEDLINE and CINAHL in March 2023 and screened 328 records. Studies were "
            "appraised with the CASP checklist (Table 1); a second reviewer rated two studies, agreeing on "
            "94.4% of the scored items (κ = .91).") in one
    assert "CASP scores ranged from 5.5 to 9 (Table 3). The synthesis found four constructs in two concepts" in one
    # PRISMA, one column: 412 + 18 - 97 - 5 = 328 screened; 328 - 301 = 27 sought, 27 - 2 = 25
    # assessed; excluded 12 + 5 + 3 = 20; 25 - 20 = 5 included
    assert "Of the 25 reports assessed, 20 were excluded, 12 of them because they were not qualitative" in one
    # JBI: 8, 10, 7, 9, 7 (of 9: Not applicable), 6, 9, 9; bands High 8+, Moderate 6+
    assert ("JBI scores ranged from 6 to 10 (Table 3); five studies were rated high and three moderate. The "
            "synthesis found five constructs in three concepts") in two
    # PRISMA, two columns: 640 from databases (300 + 250 + 90), 4 + 2 + 9 = 15 by other methods;
    # 640 - 180 = 460 screened, 40 sought, 37 assessed, 18 + 9 + 4 = 31 excluded: 6 included;
    # other methods 6 sought, 5 assessed, 3 excluded: 2; 6 + 2 = 8
    assert ("The searches identified 655 records in all. Of the 37 reports found through databases, 31 were "
            "excluded (18 reported quantitative data only) and six were included; other methods added two "
            "(Figure 1).") in two
    assert "also websites, organisations and reference lists (15 records)" in two


def test_a_each_papers_tables_are_its_own(two_reviews):
    project, _runs = two_reviews
    found = tables(project / "build/thesis/thesis.docx")
    grades1, studies1, scores1, grid1, grades2, studies2, scores2, grid2, checklist = found
    assert grades1[0] == ["Grade", "Likelihood of methodological flaws", "Score on CASP"]
    assert grades2 == [["Grade", "Score on JBI"], ["High", "8 or more Yes answers"], ["Moderate", "6 or 7"],
                       ["Low", "Fewer than 6"]]  # no band gives flaws: no empty column
    assert [row[0] for row in studies1[1:]] == ["1", "2", "3", "4", "5"] and studies1[0][-1] == "CASP"
    assert [row[2] for row in studies1[1:]] == [
        "12 (7 female, 5 male)", "9 (4 female, 4 male, 1 other or not reported)", "15 (9 female, 6 male)",
        "6 (gender not reported)", "20 (11 female, 8 male, 1 other or not reported)"]
    assert [row[-1] for row in studies1[1:]] == ["8 (B)", "7 (B)", "9 (A)", "5.5 (B)", "8.5 (A)"]
    # paper 2's file says no, bibkey, who, n, women, ...: mapped, every column shows
    assert [row[0] for row in studies2[1:]] == [str(n) for n in range(1, 9)] and studies2[0][-1] == "JBI"
    assert studies2[1][1:5] == ["Achebe and Lund (2017), Sweden", "10 (8 female, 2 male)", "Paediatric diabetes clinic",
                                "Interviews"]
    assert studies2[5][2] == "18 (gender not reported)"
    assert [row[-1] for row in studies2[1:]] == ["8 (High)", "10 (High)", "7 (Moderate)", "9 (High)", "7 (Moderate)",
                                                  "6 (Moderate)", "9 (High)", "9 (High)"]
    assert scores1[0] == ["CASP question", "1", "2", "3", "4", "5"]
    assert scores1[-1] == ["Total score (out of 9)", "8", "7", "9", "5.5", "8.5"]
    assert scores2[0][0] == "JBI question" and scores2[1][5] == "Not applicable"
    assert scores2[-1] == ["Total score (out of 10)", "8", "10", "7", "9", "7 (out of 9)", "6", "9", "9"]
    assert grid1[1][2:] == ["Tracking as reassurance", "Learning the triggers", "Relief through masking",
                            "Fatigue with reminders"] and len(grid1) == 2 + 5
    assert len(grid2) == 2 + 8 and grid2[0][2:] == ["Vigilance redistributed"] * 2 + ["Negotiating independence"] * 2 \
        + ["Trust in numbers"]
    # the appendix shows paper 2's checklist (from="paper2"): Not applicable, the comments, 7 of 9
    assert checklist[0] == ["Question", "Answer", "Reviewer’s comment"]
    assert checklist[1][1:] == ["Not applicable", "A descriptive study of written accounts that claims no "
                                "philosophical perspective."]
    assert checklist[7][2] == "The authors moderated the forum they sampled." and checklist[2][2] == "—"
    assert checklist[-1][:2] == ["Total score", "7 out of 9 (Moderate)"]


def test_a_prisma_second_column_only_in_paper_2(two_reviews):
    project, _runs = two_reviews
    page = (project / "build/thesis/thesis.html").read_text(encoding="utf-8")  # the diagrams' text is text
    assert page.count("Identification of studies via databases and") == 2
    assert page.count("Identification of studies via other methods") == 1
    assert "Websites (<tspan" in page and "Citation searching" in page


def test_a_report_and_values(two_reviews):
    project, _runs = two_reviews
    report = json.loads((project / "build/thesis/report.json").read_text(encoding="utf-8"))
    assert report["ok"] and report["problems"] == [] and report["citations"]["unresolved"] == []
    for paper in ("paper1", "paper2"):
        assert (report["documents"][paper]["tables"], report["documents"][paper]["figures"]) == (4, 1)
    assert report["documents"]["appendices"]["tables"] == 1
    listed = values_by_document(project)
    one, two = listed["paper1"], listed["paper2"]
    assert (one["review.studies.count"], one["review.participants.total"], one["review.sample.min"]) == ("5", "62", "6")
    assert (one["review.casp.agreement.agreed"], one["review.casp.agreement.pairs"]) == ("17", "18")
    assert one["review.prisma.dbr_excluded_by_reason.not_qualitative"] == "12" and one["review.prisma.other_column"] == "False"
    assert (two["review.studies.count"], two["review.participants.total"], two["review.sample.max"]) == ("8", "108", "22")
    assert (two["review.participants.not_reported"], two["review.casp.maximum"]) == ("20", "10.0")
    assert two["review.casp.scores.oduya2020"] == "7.0" and two["review.casp.grade_counts.High"] == "5"
    assert (two["review.prisma.identified"], two["review.prisma.other_identified"], two["review.prisma.other_included"]) \
        == ("655", "15", "2")
    assert two["review.casp.agreement.share"].startswith("(no value: no study was rated by a second reviewer")


def test_a_bare_review_in_the_preface_is_ambiguous(two_reviews, tmp_path):
    project = copy_thesis("a-two-reviews", tmp_path / "p")
    preface = project / "chapters/preface/preface.md"
    preface.write_text(preface.read_text(encoding="utf-8") + "\nIn all {{ review.studies.count }} studies.\n",
                       encoding="utf-8")
    code, _out, err = build_in_process(project, "thesis")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 1 and errors == [
        "chapters/preface/preface.md:21: error: 'review' is ambiguous here: paper1 and paper2 each have a review; "
        "write {{ paper1.review... }} or {{ paper2.review... }}"], err


def test_a_directive_in_the_appendices_says_whose_review(two_reviews, tmp_path):
    project = copy_thesis("a-two-reviews", tmp_path / "p")
    appendix = project / "chapters/appendices/jbi-checklist.md"
    appendix.write_text(appendix.read_text(encoding="utf-8").replace(' from="paper2"', ""), encoding="utf-8")
    code, _out, err = build_in_process(project, "thesis")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert code == 1 and errors == [
        "chapters/appendices/jbi-checklist.md:5: error: casp-checklist needs a review, and paper1 and paper2 each "
        'have one; say whose it shows with from="paper1" or from="paper2" on the div'], err


# ---------------------------------------------------------------- B: one study, its own characteristics

@pytest.fixture(scope="module")
def one_study(tmp_path_factory):
    return build(tmp_path_factory, "b-one-study", "thesis")


def test_b_builds_clean(one_study):
    _project, runs = one_study
    code, out, err = runs["thesis"]
    assert code == 0 and "0 errors, 0 warnings" in out + err, out + err


def test_b_demographics_table(one_study):
    project, _runs = one_study
    demographics, topics = tables(project / "build/thesis/thesis.docx")
    assert demographics == [
        ["Characteristic", "n (total 12)"],
        ["Role at work", ""], ["Employee", "5"], ["Manager", "4"], ["Self-employed", "3"],  # declared order
        ["Diagnosis group", ""], ["Crohn’s disease", "5"], ["Ulcerative colitis", "4"],  # 'crohn's disease' too
        ["Another diagnosis group or not stated", "3"],  # IBD unclassified 2 + microscopic colitis 1, pooled
        ["Age (years)", ""], ["18–29", "3"], ["30–44", "4"], ["45 and over", "5"],  # 60 and over (1) merged
        ["Years since diagnosis", ""], ["Range", "1 to 9"], ["Mean", "4.3"],  # 51 / 12 = 4.25, half up
        ["Contracted hours per week", ""], ["Range", "less than 10 to more than 45"], ["Mean", "35"],  # 414 / 12 = 34.5
    ]
    assert topics == [["Topic", "Asked of everyone", "Version"],
                      ["Telling a manager about the diagnosis", "Yes", "1.10"],
                      ["Toilet access at work", "Yes", "1.10"], ["Working from home during a flare", "No", "2.0"]]


def test_b_values_in_prose_match_the_table(one_study):
    project, _runs = one_study
    text = " ".join(paragraphs(project / "build/thesis/thesis.docx"))
    assert ("In all, 12 adults took part (Table 1): five employees (41.7%), four managers and three self-employed "
            "people; none of the apprentices invited took part (0). Five had Crohn’s disease and four ulcerative "
            "colitis; three had another diagnosis. Three were aged 18 to 29 and five were 45 or over. They had "
            "lived with the diagnosis for a mean of 4.3 years (range 1 to 9) and were contracted for a mean of 35 "
            "hours a week.") in text  # 5/12 = 41.67%
    assert "This thesis reports one interview study with 12 employed adults" in text  # the preface's bare study.*


def test_b_report_and_values(one_study):
    project, _runs = one_study
    report = json.loads((project / "build/thesis/report.json").read_text(encoding="utf-8"))
    assert report["ok"] and report["documents"]["interviews"]["tables"] == 1
    listed = values_by_document(project)["interviews"]
    assert {k: v for k, v in listed.items() if not k.startswith("study.age")} == {
        "study.participants.total": "12", "study.min_cell_size": "3",
        "study.role.employee": "5", "study.role.manager": "4", "study.role.self_employed": "3",
        "study.role.apprentice": "0",
        "study.diagnosis.crohn_s_disease": "5", "study.diagnosis.ulcerative_colitis": "4",
        "study.diagnosis.another": "3",
        "study.diagnosis.ibd_unclassified": "(withheld; write {{ study.diagnosis.another }} instead)",
        "study.diagnosis.microscopic_colitis": "(withheld; write {{ study.diagnosis.another }} instead)",
        "study.years.min": "1.0", "study.years.max": "9.0", "study.years.mean": "4.3",
        "study.hours.min": "<10", "study.hours.max": ">45", "study.hours.mean": "35"}
    assert listed['study.age["18-29"]'] == "3" and listed['study.age["45 and over"]'] == "5"
    assert listed['study.age["60 and over"]'] == '(withheld; write {{ study.age["45 and over"] }} instead)'


# ---------------------------------------------------------------- C: CSL, Quarto, co-authors

AUTHORS = ("Almeida", "Strand", "Keiko", "Whitcombe", "Jonah", "Oduro", "Priyanka", "0000-0002-1694-233X",
           "0000-0001-5109-3700", "harbourview", "Harbourview", "Lakeshore")


@pytest.fixture(scope="module")
def coauthored(tmp_path_factory):
    return build(tmp_path_factory, "c-coauthored", "thesis", "jmh-submission")


def test_c_builds_clean(coauthored):
    _project, runs = coauthored
    for target, (code, out, err) in runs.items():
        assert code == 0 and "0 errors, 0 warnings" in out + err, (target, out + err)


def test_c_title_pages_show_the_authors_and_their_orcids(coauthored):
    project, _runs = coauthored
    thesis = paragraphs(project / "build/thesis/thesis.docx")
    page = paragraphs(project / "build/jmh-submission/paper1/title-page.docx")
    for text in (thesis, page):
        assert "Keiko Almeida-Strand1, Jonah Whitcombe1,2, and Priyanka Oduro2" in text  # numbers as superscripts
        assert "Keiko Almeida-Strand: https://orcid.org/0000-0002-1694-233X" in text
        assert "Jonah Whitcombe: https://orcid.org/0000-0001-5109-3700" in text
        assert "1Harbourview University" in text and "2Lakeshore Children’s Hospital" in text
    assert "Written by: Keiko Almeida-Strand" in thesis  # a name, not a Python repr of the mapping
    assert docx.Document(str(project / "build/thesis/thesis.docx")).core_properties.author == "Keiko Almeida-Strand"
    assert "Corresponding author. Keiko Almeida-Strand Email: k.almeida-strand@harbourview.example.edu" in page


def test_c_the_masked_manuscript_names_no_author(coauthored):
    project, _runs = coauthored
    package = project / "build/jmh-submission/paper1"
    for name in ("manuscript.docx", "tables.docx", "figure-captions.docx"):
        text = all_text(package / name)
        assert not [term for term in AUTHORS if term in text], name
    manuscript = paragraphs(package / "manuscript.docx")
    assert any("(Author, 2021; Garrity, 2019)" in p for p in manuscript)  # the co-author's own work, masked
    assert "Author. (2021). [Details omitted for masked review]." in manuscript
    assert any(p.endswith("reproduced in full in the thesis.") for p in manuscript)  # the appendix, thesis only


def test_c_quarto_cross_references_resolve(coauthored):
    project, _runs = coauthored
    text = " ".join(paragraphs(project / "build/thesis/thesis.docx"))
    assert "(see Analysis for how this was modelled)" in text  # @sec-analysis
    assert "Each kept an online diary for 14 days (Table 1)." in text  # @tbl-schedule on a data-table div
    assert "Diary completion stayed high across both weeks (Table 2; Figure 1)." in text  # pipe-table caption, picture
    assert "The schedule in Table 1 kept" in text and "reproduced in full in the thesis (see Appendix A)." in text
    assert not re.search(r"@(tbl|fig|sec|app)-|\?\?", text)
    manuscript = " ".join(paragraphs(project / "build/jmh-submission/paper1/manuscript.docx"))
    assert "(Table 2; Figure 1)" in manuscript and "[Insert Figure 1 about here]" in manuscript


def test_c_csl_references_and_the_yaml_abstract(coauthored):
    project, _runs = coauthored
    text = paragraphs(project / "build/thesis/thesis.docx")
    start = max(i for i, p in enumerate(text) if p == "References")  # the list's heading, not the contents' line
    references = text[start + 1:text.index("Appendices", start)]
    assert [r.split(",")[0] for r in references] == ["Almeida-Strand", "Garrity", "Kessling", "Whitlow"]
    assert "Kessling, R. (2018). Separating within-person and between-person effects in diary data." in references[2]
    assert references[3] == "Whitlow, M., & Sen, I. (2020). Intensive longitudinal methods for developmental research. " \
                            "Northgate Press."
    front = (project / "chapters/paper1/00-front.md").read_text(encoding="utf-8")
    abstract = front[front.index("abstract: |"):front.index("---", 4)].split("\n", 1)[1]
    words = len(abstract.split())  # an independent count of the YAML abstract: 96
    assert words == 96 and f"Word count for abstract: {words}" in text
    report = json.loads((project / "build/thesis/report.json").read_text(encoding="utf-8"))
    assert report["documents"]["paper1"]["counted"]["abstract"] == words
    assert report["documents"]["paper1"]["tables"] == 2 and report["documents"]["paper1"]["figures"] == 1
    checklist = (project / "build/jmh-submission/paper1/checklist.md").read_text(encoding="utf-8")
    assert "| Ethics committee named, with the approval's reference number | pass |" in checklist
    assert "(IRB #2023-0456)" in checklist and "0 fail" in checklist


def test_c_outputs_share_nothing_with_the_example(coauthored, two_reviews, one_study):
    for project, _runs in (coauthored, two_reviews, one_study):
        for path in (project / "build").rglob("*.docx"):
            found = sorted({m.group(0) for m in EXAMPLE_WORDS.finditer(all_text(path))})
            assert not found, (path, found)


# ---------------------------------------------------------------- the example's own headings renamed

RENAMED = "n,female,male,unreported"


def test_renamed_sample_columns_stop_the_build_and_a_mapping_restores_it(tmp_path):
    project = copy_project(tmp_path / "example")
    studies = project / "data/studies.csv"
    text = studies.read_text(encoding="utf-8")
    studies.write_text(text.replace("sample_size,females,males,gender_other", RENAMED, 1), encoding="utf-8")

    code, out, err = build_in_process(project, "thesis")
    errors = [line for line in err.splitlines() if ": error: " in line]
    warnings = [line for line in err.splitlines() if ": warning: " in line and "studies.csv" in line]
    assert code == 1 and errors == [
        "chapters/paper1/30-results.md:10: error: review.participants.total needs the study column sample_size, which "
        "data/studies.csv does not have; add it, or say which of your columns holds it in data/review.yaml (studies: "
        "{file: data/studies.csv, columns: {your heading: sample_size}})"], err
    assert [w.split(": warning: ")[1].split(";")[0] for w in warnings] == [
        f"column '{h}' is not a study column the build knows" for h in RENAMED.split(",")]
    assert "columns: {n: sample_size}" in warnings[0] and "columns: {unreported: gender_other}" in warnings[3]
    assert not (project / "build/thesis").exists()  # nothing written, so nothing says "0 participants"
    assert not re.search(r"\b0 participants|= 0$", out + err, re.M)
    listed = values_by_document(project)["paper1"]
    assert listed["review.participants.total"].startswith("(no value: review.participants.total needs the study "
                                                          "column sample_size")
    assert listed["review.sample.min"].startswith("(no value:")

    review = project / "data/review.yaml"
    review.write_text(review.read_text(encoding="utf-8").replace(
        "studies: data/studies.csv",
        "studies:\n  file: data/studies.csv\n  columns: {n: sample_size, female: females, male: males, "
        "unreported: gender_other}", 1), encoding="utf-8")
    code, out, err = build_in_process(project, "thesis")
    assert code == 0 and "studies.csv" not in err, err
    assert values_by_document(project)["paper1"] == values_by_document(ROOT)["paper1"]  # the example's numbers
    text = " ".join(paragraphs(project / "build/thesis/thesis.docx"))
    assert "Across the 12 studies, 171 peer workers took part." in text and "0 participants" not in text
    characteristics = next(t for t in tables(project / "build/thesis/thesis.docx") if t[0][:3] == ["Study",
                                                                                                   "Authors, year, country",
                                                                                                   "Sample"])
    assert characteristics[1][2] == "13 (6 female, 7 male)"
