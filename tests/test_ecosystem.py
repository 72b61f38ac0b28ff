"""Conventions authors bring from pandoc, Quarto and papaja: CSL-JSON and CSL-YAML bibliographies,
`abstract:` in a paper's front matter, Quarto's cross-references (@tbl-x, {#tbl-x}), data tables read
as the text written (YAML 1.2, not 1.1), and {{ values }} in prose only, never inside code."""
from __future__ import annotations

from pathlib import Path

from thesiskit.yamlschema import CoreLoader, TextLoader, load

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
