"""How the research data's YAML is read: YAML 1.2, not PyYAML's YAML 1.1.

PyYAML follows YAML 1.1, where `Yes`, `No`, `on` and `off` are booleans, `0123` is the octal number 83,
`1:30` is 90 (sexagesimal) and `2020-01-01` a date. Written into a table or a label, that prints
"True", "83" or "90" where the author wrote something else. Two loaders instead:

- CoreLoader, YAML 1.2's core schema (what pandoc and most YAML tools read today): only true/false
  are booleans, only null and ~ (and an empty value) are null, numbers are decimal (0o17 and 0x1F
  for the other bases), and everything else, dates included, is text. The data files (review.yaml,
  synthesis.yaml, prisma.yaml, study.yaml, appraisal tools) are read with it.
- TextLoader: every plain scalar is the text the author wrote, except an empty value, null or ~,
  which is nothing. The written tables of data/tables/ are read with it, so a cell `1.10` prints
  "1.10" and `Yes` prints "Yes"; what must be a number (a table's widths) is converted where it is used.
"""
from __future__ import annotations

import re

import yaml

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_MERGE = "tag:yaml.org,2002:merge"


def _without_implicit_types(loader: type, keep: tuple[str, ...]) -> dict:
    """The loader's implicit resolvers, only those whose tag is in keep."""
    return {first: [(tag, regexp) for tag, regexp in resolvers if tag in keep]
            for first, resolvers in loader.yaml_implicit_resolvers.items()}


class CoreLoader(yaml.SafeLoader):
    """YAML 1.2's core schema."""

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)  # "0123" is 123, not YAML 1.1's octal 83


CoreLoader.yaml_implicit_resolvers = _without_implicit_types(yaml.SafeLoader, (_MERGE,))
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
CoreLoader.add_constructor("tag:yaml.org,2002:int", CoreLoader.construct_yaml_int)


class TextLoader(yaml.SafeLoader):
    """Every plain scalar as the text written; null, ~ and an empty value as None."""


TextLoader.yaml_implicit_resolvers = _without_implicit_types(yaml.SafeLoader, (_MERGE,))
TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])


def load(text: str, loader: type = CoreLoader):
    """The document in text, by YAML 1.2's core schema unless another loader is given."""
    return yaml.load(text, Loader=loader)  # noqa: S506 - both loaders are SafeLoader subclasses
