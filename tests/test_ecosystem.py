"""Conventions authors bring from pandoc, Quarto and papaja: CSL-JSON and CSL-YAML bibliographies,
`abstract:` in a paper's front matter, Quarto's cross-references (@tbl-x, {#tbl-x}), data tables read
as the text written (YAML 1.2, not 1.1), and {{ values }} in prose only, never inside code."""
from __future__ import annotations

import json
from pathlib import Path

import docx
import panflute as pf
import pytest

from thesiskit import masking, values
from thesiskit.bibliography import check_fields, read_entries
from thesiskit.problems import Problems
from thesiskit.transforms.crossref import as_written, canonical, is_label
from thesiskit.yamlschema import CoreLoader, TextLoader, load

from .conftest import make_project, run_build

# ---------------------------------------------------------------- YAML as written


def test_data_yaml_is_read_as_yaml_1_2():
    data = load("a: [Yes, No, on, off, 1.10, 0123, 2020-01-01, 1:30, true, ~, '', 12, 0o17, 0x1F, 2.5]\nb:\n")
    assert data == {"a": ["Yes", "No", "on", "off", 1.1, 123, "2020-01-01", "1:30", True, None, "", 12, 15, 31, 2.5],
                    "b": None}


def test_a_data_table_is_read_as_the_text_written():
    data = load("rows:\n  - [Yes, 1.10, 0123, 2020-01-01, No, on, '', ~, null, [a, 7]]\nwidths: [1, 2.5]\n", TextLoader)
    assert data["rows"] == [["Yes", "1.10", "0123", "2020-01-01", "No", "on", "", None, None, ["a", "7"]]]
    assert data["widths"] == ["1", "2.5"]


def test_the_example_data_reads_the_same_under_yaml_1_2():
    """Nothing the example's data files say changes meaning (their outputs are compared elsewhere)."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("data/**/*.yaml"), *root.glob("thesiskit/builtin/tools/*.yaml")]:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=CoreLoader) == yaml.safe_load(text), path


# ---------------------------------------------------------------- bibliographies in every format

CSL_JSON = """[
  {
    "id": "smith2020",
    "type": "article-journal",
    "title": "Peer Work",
    "author": [{"family": "Vugt", "non-dropping-particle": "van", "given": "Mark D."},
               {"literal": "Department of Health and Social Care"}],
    "container-title": "Journal of Tests",
    "issued": {"date-parts": [[2020, 3]]},
    "DOI": "10.1000/x"
  },
  {"id": "nodoi2019", "type": "article-journal", "title": "T", "author": [{"family": "Jones", "given": "A"}],
   "container-title": "J", "issued": {"date-parts": [[2019]]}},
  {"id": "undated", "type": "book", "title": "B", "editor": [{"family": "Ed", "given": "A"}]},
  {"id": "nojournal", "type": "article-journal", "title": "T", "author": [{"family": "Jones", "given": "A"}]}
]
"""

CSL_YAML = """---
references:
- id: jones2019
  type: chapter
  title: A Chapter
  author:
  - family: Jones
    given: Bob
  issued: 2019-05-01

- type: book
  title: No id
"""


def read(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    problems = Problems()
    entries = read_entries(tmp_path, [Path(n) for n in files], problems)
    return entries, [p.line() for p in problems.items]


def test_csl_json_entries_are_entries_like_bibtex_ones(tmp_path):
    entries, problems = read(tmp_path, {"refs.json": CSL_JSON})
    assert problems == []
    smith = entries["smith2020"]
    assert (smith.type, smith.file, smith.line) == ("article", "refs.json", 3)  # the line of its id
    assert smith.fields["title"] == "Peer Work" and smith.fields["journal"] == "Journal of Tests"
    assert smith.fields["doi"] == "10.1000/x" and smith.fields["year"] == "2020"
    assert smith.fields["author"] == "van Vugt, Mark D. and {Department of Health and Social Care}"
    assert masking.bib_names(smith)[0] == ("van Vugt", "Mark D.")  # self-citation masking reads it
    assert [entries[k].line for k in ("nodoi2019", "undated", "nojournal")] == [12, 14, 15]
    assert entries["undated"].type == "book" and entries["undated"].fields["editor"] == "Ed, A"


def test_csl_entries_are_checked_like_bibtex_ones_with_csl_field_names(tmp_path):
    entries, _ = read(tmp_path, {"refs.json": CSL_JSON})
    problems = Problems()
    check_fields(list(entries), entries, problems)
    assert [p.line() for p in problems.items] == [
        "refs.json:14: warning: entry 'undated' has no year or date, so APA shows (n.d.); add "
        '"issued": {"date-parts": [[...]]} if the work has one',
        "refs.json:15: error: entry 'nojournal' has no container-title or container-title, which its APA reference "
        'needs; add "container-title": "..." to the entry',
        "refs.json:15: warning: entry 'nojournal' has no year or date, so APA shows (n.d.); add "
        '"issued": {"date-parts": [[...]]} if the work has one',
    ]


def test_csl_yaml_entries_have_the_line_of_their_id(tmp_path):
    entries, problems = read(tmp_path, {"refs.yaml": CSL_YAML})
    assert entries["jones2019"].line == 3 and entries["jones2019"].type == "incollection"
    assert entries["jones2019"].fields["year"] == "2019" and entries["jones2019"].fields["author"] == "Jones, Bob"
    assert problems == ['refs.yaml:11: error: item 2 has no id; give every item its citation key as "id"']
    bare, problems = read(tmp_path, {"bare.yml": "- id: a2018\n  type: book\n  title: T\n  issued: 2018\n"})
    assert bare["a2018"].line == 1 and bare["a2018"].fields["year"] == "2018" and problems == []


def test_a_key_in_two_formats_is_a_duplicate(tmp_path):
    bib = "@book{jones2019,\n  title = {B},\n  author = {Jones, B.},\n  year = {2019}\n}\n"
    _entries, problems = read(tmp_path, {"refs.bib": bib, "refs.yaml": CSL_YAML})
    assert problems[0] == ("refs.yaml:3: error: duplicate key 'jones2019' (also refs.bib:1); give one of the entries "
                           "another key")


def test_biblatex_fields_satisfy_the_checks(tmp_path):
    bib = ("@article{a2020,\n  title = {T},\n  author = {A, B},\n  journaltitle = {J},\n  date = {2020-01},\n"
           "  doi = {10.1/x}\n}\n")
    entries, problems = read(tmp_path, {"refs.bib": bib})
    check = Problems()
    check_fields(list(entries), entries, check)
    assert problems == [] and check.items == []


def test_citeproc_cache_key_covers_a_csl_files_content(tmp_path):
    from thesiskit import pandoc

    refs = tmp_path / "refs.json"
    refs.write_text(CSL_JSON, encoding="utf-8")
    args = ["--citeproc", f"--bibliography={refs.resolve()}"]
    before = pandoc._key(args, b"{}", None)
    refs.write_text(CSL_JSON.replace("Peer Work", "Peer Work, Revised"), encoding="utf-8")
    assert pandoc._key(args, b"{}", None) != before


@pytest.mark.parametrize("name, text, expected", [
    ("refs.json", '[\n  {"id": "a", "type": "book",}\n]\n',
     "refs.json:2: error: is not valid JSON (Expecting property name enclosed in double quotes at column 30); "),
    ("refs.json", '{"id": "a"}\n', "refs.json:1: error: a CSL-JSON bibliography is a list of items"),
    ("refs.yaml", "references:\n- id: a\n  title: [unclosed\n", "refs.yaml:4: error: the YAML is malformed"),
    ("refs.yaml", "title: not a list\n", "refs.yaml:1: error: a CSL-YAML bibliography is a list of items"),
])
def test_a_broken_csl_file_is_one_error_with_its_line(tmp_path, name, text, expected):
    entries, problems = read(tmp_path, {name: text})
    assert entries == {} and len(problems) == 1 and problems[0].startswith(expected), problems


# ---------------------------------------------------------------- cross-references in Quarto's form

def test_quarto_labels_are_labels_unless_the_bibliography_has_the_key():
    assert is_label("tbl:x") and is_label("tbl-x") and is_label("fig-flow") and is_label("sec-method")
    assert not is_label("fig-2020", {"fig-2020"}) and is_label("fig:2020", {"fig:2020"})
    assert not is_label("smith2020") and not is_label("figgis2020")
    assert canonical("tbl-casp-scores") == "tbl:casp-scores" and canonical("tbl:casp") == "tbl:casp"
    assert as_written("tbl:casp-scores", "tbl-casp-scroes") == "tbl-casp-scores"
    assert as_written("tbl:casp-scores", "tbl:casp-scroes") == "tbl:casp-scores"


# ---------------------------------------------------------------- abstract: in a paper's front matter

def test_read_abstracts_takes_inlines_and_blocks(tmp_path):
    from thesiskit import read
    from thesiskit.project import Document, Project

    (tmp_path / "a.md").write_text("---\nabstract: One line.\n---\n", encoding="utf-8")
    documents = [Document(id="p", kind="paper", files=[Path("a.md")], options={})]
    project = Project(root=tmp_path, metadata={}, documents=documents, bibliography=[])
    doc = pf.Doc(pf.Para(pf.Str("Body")), metadata={"abstract": pf.MetaInlines(pf.Str("One"), pf.Space(),
                                                                               pf.Str("line."))})
    problems = Problems()
    read.read_abstracts(project, {"p": doc}, problems)
    assert problems.items == [] and "abstract" not in doc.metadata.content
    assert isinstance(doc.content[0], pf.Div) and doc.content[0].classes == ["abstract"]
    assert pf.stringify(doc.content[0]).strip() == "One line."
    listed = pf.Doc(metadata={"abstract": pf.MetaList(pf.MetaInlines(pf.Str("x")))})
    read.read_abstracts(project, {"p": listed}, problems)
    assert [p.line() for p in problems.items] == ["a.md:2: error: abstract: in the front matter is not text; write "
                                                  "the abstract after it (abstract: |, then the paragraphs indented "
                                                  "below)"]


# ---------------------------------------------------------------- values in prose only

def shielded(text: str) -> str:
    return values.shield_code(text).replace(values.SHIELD, "§")


def test_values_in_code_are_shielded_and_prose_is_not():
    text = ("---\ntitle: x\nabstract: |\n    {{ a }} in the front matter\n---\n\n"
            "Prose {{ b }}, `{{ c }}` and ``{{ d `x` }}``.\n\n"
            "```yaml\nos: {{ matrix.os }}\n```\n\n~~~~\n{% if x %}\n~~~\n~~~~\n\n"
            "- item\n\n    {{ e }} continues the item\n\nText\n\n    {{ f }} indented code\n\n    {{ g }} still code\n"
            "{{ h }}\n\n[^1]: A note.\n\n    {{ i }} its second paragraph\n\n```\nunclosed {{ j }}\n")
    out = shielded(text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    for prose in ("{{ a }}", "{{ b }}", "{{ e }}", "{{ h }}", "{{ i }}", "{{ j }}"):
        assert prose in out, prose
    for code in ("{{ c }}", "{{ d ", "{{ matrix.os }}", "{% if x %}", "{{ f }}", "{{ g }}"):
        assert code.replace("{", "§") in out, code


def test_a_value_inside_code_is_printed_as_written():
    problems = Problems()
    text = "Before {{ n }}.\n\n```yaml\nos: {{ matrix.os }}\n{% raw %}\n```\n\nInline `{{ x.y }}`.\n"
    out = values.render(text, {"n": 3}, "ch.md", problems)
    assert problems.items == []
    assert out == "Before 3.\n\n```yaml\nos: {{ matrix.os }}\n{% raw %}\n```\n\nInline `{{ x.y }}`.\n"
    only_code = "```\n{{ matrix.os }}\n```\n"
    assert values.render(only_code, {}, "ch.md", problems) == only_code and problems.items == []


def test_errors_after_code_keep_their_line():
    problems = Problems()
    values.render("One.\n\n```\n{{ a }}\n{{ b }}\n```\n\nTwo {{ review.cuont }}.\n", {"review": {}}, "ch.md",
                  problems)
    assert [p.line() for p in problems.items] == [
        "ch.md:8: error: undefined value 'cuont' in {{ review.cuont }}; run `python build.py values` to list the "
        "values you can use"]


def test_an_included_file_keeps_its_code_as_written(tmp_path):
    (tmp_path / "shared.md").write_text("Value {{ n }}.\n\n```\n{{ matrix.os }}\n```\n", encoding="utf-8")
    problems = Problems()
    out = values.render('{% include "shared.md" %}\n', {"n": 2}, "ch.md", problems, values.environment(tmp_path))
    assert problems.items == [] and out == "Value 2.\n\n```\n{{ matrix.os }}\n```\n\n"


# ---------------------------------------------------------------- a small project, built

CHAPTER = """---
title: Ecosystem Inputs
keywords: [tests]
abstract: |
  An abstract for the {{ thesis.degree }}, written in the front matter.

  Its second paragraph.
---

# Introduction {#sec-intro}

As @smith2020 found, and @fig-2020 agrees [@vanvugt2012]. See @tbl-answers, @tbl-pipe and @fig-flow, and
@sec-intro [see also @sec:intro].

::: {#tbl-answers .data-table src="data/tables/answers.yaml" title="Answers"}
:::

| A | B |
|---|---|
| 1 | 2 |

: A Pipe Table {#tbl-pipe}

::: {#fig-flow title="Flow"}
A text figure.
:::

```yaml
os: {{ matrix.os }}
```

Inline `{{ not.a.value }}` code, and {{ thesis.degree }} in prose.
"""

REFERENCES_JSON = """[
  {"id": "smith2020", "type": "article-journal", "title": "Peer work", "author": [{"family": "Smith", "given": "Jane"}],
   "container-title": "Journal of Tests", "volume": "3", "page": "1-10", "issued": {"date-parts": [[2020]]},
   "DOI": "10.1000/x"},
  {"id": "fig-2020", "type": "book", "title": "Figs and their uses", "author": [{"family": "Fig", "given": "Anna"}],
   "issued": {"date-parts": [[2020]]}}
]
"""

MORE_YAML = """references:
- id: vanvugt2012
  type: article-journal
  title: Consumer-providers
  author:
  - family: Vugt
    non-dropping-particle: van
    given: M. D.
  container-title: Psychiatric Services
  volume: 63
  page: 23-31
  issued: 2012
  DOI: 10.1176/appi.ps.201000549
"""

ANSWERS = """columns: [Question, Answer, Version, Code, Date, Empty]
widths: [2, 1, 1, 1, 1, 1]
rows:
  - [Consent given, Yes, 1.10, 0123, 2020-01-01, ~]
  - [Withdrawn, No, on, off, "", null]
"""


def ecosystem_project(dest: Path, chapter: str = CHAPTER) -> Path:
    project = make_project(dest, chapter)
    (project / "bib/references.bib").unlink()
    (project / "bib/references.json").write_text(REFERENCES_JSON, encoding="utf-8")
    (project / "bib/more.yaml").write_text(MORE_YAML, encoding="utf-8")
    plan = (project / "thesis.md").read_text(encoding="utf-8")
    (project / "thesis.md").write_text(plan.replace("bibliography: bib/references.bib",
                                                    "bibliography: [bib/references.json, bib/more.yaml]"))
    (project / "data/tables").mkdir(parents=True)
    (project / "data/tables/answers.yaml").write_text(ANSWERS, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = ecosystem_project(tmp_path_factory.mktemp("ecosystem") / "p")
    result = run_build(project, "thesis")
    assert result.returncode == 0, result.stderr
    assert "0 errors, 0 warnings" in result.stdout + result.stderr
    return project


def docx_text(project: Path) -> tuple[list[str], list[list[str]]]:
    document = docx.Document(str(project / "build/thesis/thesis.docx"))
    return ([p.text for p in document.paragraphs],
            [[c.text for c in row.cells] for table in document.tables for row in table.rows])


def test_csl_references_are_cited_and_listed(built):
    paragraphs, _tables = docx_text(built)
    text = "\n".join(paragraphs)
    assert "As Smith (2020) found, and Fig (2020) agrees (van Vugt, 2012)." in text  # @fig-2020 is in the .json
    assert "Smith, J. (2020). Peer work. Journal of Tests, 3, 1–10. https://doi.org/10.1000/x" in paragraphs
    assert any(p.startswith("van Vugt, M. D. (2012). Consumer-providers.") for p in paragraphs)


def test_quarto_cross_references_resolve(built):
    text = "\n".join(docx_text(built)[0])
    assert "See Table 1, Table 2 and Figure 1, and Introduction (see also Introduction)." in text
    assert "A Pipe Table" in text


def test_front_matter_abstract_is_the_papers_abstract(built):
    paragraphs, _tables = docx_text(built)
    start = paragraphs.index("Abstract", paragraphs.index("Word count for abstract: 13"))
    assert paragraphs[start + 1:start + 3] == ["An abstract for the DClinPsy, written in the front matter.",
                                               "Its second paragraph."]
    report = json.loads((built / "build/thesis/report.json").read_text())
    assert report["documents"]["paper1"]["words"]["abstract"] == 13
    assert "An abstract for the" not in "\n".join(paragraphs[start + 3:])  # shown once


def test_data_table_cells_print_as_written(built):
    _paragraphs, tables = docx_text(built)
    assert ["Consent given", "Yes", "1.10", "0123", "2020-01-01", ""] in tables
    assert ["Withdrawn", "No", "on", "off", "", ""] in tables


def test_values_inside_code_are_left_as_written(built):
    paragraphs, _tables = docx_text(built)
    assert "os: {{ matrix.os }}" in paragraphs
    assert "Inline {{ not.a.value }} code, and DClinPsy in prose." in paragraphs


def test_abstract_given_twice_is_an_error(tmp_path):
    chapter = (CHAPTER.replace("See @tbl-answers,", "See @tbl-answer,")
               .replace("# Introduction {#sec-intro}", "# Introduction {#sec-intro}\n\n::: abstract\nAgain.\n:::"))
    project = ecosystem_project(tmp_path / "p", chapter)
    result = run_build(project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("chapters/paper1/00-paper.md:4: error: the paper's abstract is given twice, as abstract: here and as a "
            "'::: abstract' block (chapters/paper1/00-paper.md:12); keep one of them") in result.stderr


def test_unknown_quarto_reference_suggests_the_quarto_label(tmp_path):
    project = ecosystem_project(tmp_path / "p", CHAPTER.replace("See @tbl-answers,", "See @tbl-answer,"))
    result = run_build(project, "check")
    assert result.returncode == 1
    assert ("chapters/paper1/00-paper.md:12: error: unknown cross-reference @tbl-answer; did you mean "
            "@tbl-answers?") in result.stderr


def test_a_quarto_looking_key_in_neither_labels_nor_bibliography_says_both(tmp_path):
    project = ecosystem_project(tmp_path / "p", CHAPTER.replace("@fig-2020 agrees", "@sec-2019 agrees"))
    result = run_build(project, "check")
    assert result.returncode == 1
    assert ("chapters/paper1/00-paper.md:12: error: unknown cross-reference @sec-2019; labels of this kind here: "
            "@sec-intro; or, if @sec-2019 is a citation, add its entry to the bibliography") in result.stderr


def test_a_label_written_in_quarto_form_is_located_at_its_line(tmp_path):
    project = ecosystem_project(tmp_path / "p", CHAPTER.replace('::: {#fig-flow title="Flow"}', "::: {#fig-flow}"))
    result = run_build(project, "check")
    assert result.returncode == 1
    assert "chapters/paper1/00-paper.md:24: error: figure 'fig:flow' has no title" in result.stderr
