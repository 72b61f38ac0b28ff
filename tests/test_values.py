"""Values in prose: APA number filters, the sandbox, and errors that name the file and line."""
import pytest

from thesiskit import values
from thesiskit.problems import Problems


@pytest.mark.parametrize("value, grouped, expected", [
    (0, False, "zero"), (9, False, "nine"), (10, False, "10"), (12, False, "12"), (4, True, "4"),
    (5041, False, "5,041"), (7.5, False, "7.5"), (9.0, False, "nine"), (171, False, "171"),
])
def test_apa_numbers(value, grouped, expected):
    assert values.apa_number(value, grouped) == expected


def test_other_filters():
    assert values.percent(35 / 36) == "97.2%"
    assert values.percent(80, of=100) == "80.0%"  # a percentage already: said, not guessed from the value
    assert values.percent(35, of=36) == "97.2%"
    assert values.decimals(0.9117) == ".91"
    assert values.decimals(1.234) == "1.23"
    assert values.thousands(2322) == "2,322"
    assert values.capitalize("twelve") == "Twelve"
    assert values.join_and(["A", "B", "C"]) == "A, B and C"
    assert values.join_and(["A", "B"]) == "A and B"


def render(text, context=None):
    problems = Problems()
    out = values.render(text, context or {}, "chapters/paper1/30-results.md", problems)
    return out, [p.line() for p in problems.items]


def test_values_and_filters_render():
    context = {"review": {"studies": {"count": 12}, "casp": {"agreement": {"share": 35 / 36}}}}
    out, problems = render("{{ review.studies.count | apa | cap }} studies; {{ review.casp.agreement.share | pct }}.",
                           context)
    assert (out, problems) == ("12 studies; 97.2%.", [])


def test_pandoc_attributes_are_not_jinja_comments():
    out, problems = render("# Method {#sec:method}\n\n{{ n }} studies {#tbl:x}\n", {"n": 3})
    assert out == "# Method {#sec:method}\n\n3 studies {#tbl:x}\n" and problems == []


def test_undefined_value_names_file_and_line():
    out, problems = render("One.\n\nTwo {{ review.studies.cuont }}.\n", {"review": {"studies": {"count": 12}}})
    assert problems == ["chapters/paper1/30-results.md:3: error: undefined value 'cuont' in "
                        "{{ review.studies.cuont }}; run `python build.py values` to list the values you can use"]


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_python_internals_are_out_of_reach(template):
    out, problems = render("x\n" + template + "\n")
    assert len(problems) == 1 and problems[0].startswith("chapters/paper1/30-results.md:2: error:")
    assert out == "x\n" + template + "\n"  # the source is left as it was: nothing computed leaks out


def test_imports_are_refused():
    out, problems = render("{% import 'os' as os %}{{ os.system('true') }}")
    assert len(problems) == 1 and ": error: " in problems[0]


def test_syntax_error_names_the_line():
    out, problems = render("a\nb\n{{ review.studies.count \n")
    assert problems[0].startswith("chapters/paper1/30-results.md:3: error: template error")


def test_word_count_placeholder_is_one_word():
    words = values.Words(["preface"])
    placeholder = words.preface.main
    assert len(placeholder.split()) == 1 and values.PLACEHOLDER.fullmatch(placeholder)
    with pytest.raises(AttributeError):
        words.prefase  # noqa: B018


def test_values_command_lists_names_and_values(built_example):
    from .conftest import run_build

    result = run_build(built_example, "values")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "review.studies.count = 12" in lines
    assert "review.participants.total = 171" in lines
    assert "review.casp.agreement.agreed = 35" in lines and "review.casp.agreement.pairs = 36" in lines
    assert "study.gender.female = 6" in lines and 'study.age["31–50"] = 5' in lines
    assert "words.preface.main = (counted after citeproc)" in lines


def test_an_include_brings_in_a_shared_passage_with_its_values(tmp_path):
    from thesiskit import values
    from thesiskit.problems import Problems

    (tmp_path / "chapters/shared").mkdir(parents=True)
    (tmp_path / "chapters/shared/note.md").write_text("Shared: {{ n | apa }} studies.\n")
    problems = Problems()
    out = values.render('Before.\n{% include "chapters/shared/note.md" %}After.\n', {"n": 3}, "chapters/a.md",
                        problems, values.environment(tmp_path))
    assert out == "Before.\nShared: three studies.\nAfter.\n" and problems.items == []


def test_values_piped_into_head_ends_quietly(built_example):
    """`python build.py values | head`: the closed pipe is no internal error."""
    import subprocess
    import sys

    done = subprocess.run(f"'{sys.executable}' build.py values | head -1", shell=True, cwd=built_example,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.count("\n") == 1 and "error" not in done.stderr, done.stderr
