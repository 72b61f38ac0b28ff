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

Every YAML the build reads (thesis.md, profiles, data, CSL-YAML bibliographies, and the chapters'
front matter before pandoc sees it) refuses aliases (`*name`): thesis files have no need of them, and
nine lines of aliases expand to a billion values (a "billion laughs"), which took PyYAML gigabytes and
made pandoc hang. A lone surrogate (`"\ud800"`, half of a character) is refused too: no output can
hold it. Both are an error at their line (`refusal`).
"""
from __future__ import annotations

import hashlib
import pickle
import re
import threading

import yaml

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_MERGE = "tag:yaml.org,2002:merge"
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Refused(yaml.MarkedYAMLError):
    """YAML the build will not read: an alias, or half of a character. The problem says why."""


def _surrogate_message(text: str) -> str:
    char = _SURROGATE.search(text).group()
    return (f"holds '\\u{ord(char):04x}', half of a character (a lone surrogate); write the character itself, "
            "or both halves of its escape")


class Strict:
    """A loader (or composer) that refuses aliases and lone surrogates, at their line."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise Refused(None, None, f"uses a YAML alias (*{event.anchor}); thesis files have no need of aliases: "
                          "write the value out where it is used", event.start_mark)
        return super().compose_node(parent, index)

    def compose_scalar_node(self, anchor):
        node = super().compose_scalar_node(anchor)
        if _SURROGATE.search(node.value):
            raise Refused(None, None, _surrogate_message(node.value), node.start_mark)
        return node


class StrictLoader(Strict, yaml.SafeLoader):
    """PyYAML's safe loader (YAML 1.1 types), without aliases: for thesis.md and the profiles."""


def compose(text: str):
    """The node tree of a YAML document, aliases refused."""
    return yaml.compose(text, Loader=StrictLoader)


def refusal(exc: Exception) -> str | None:
    """The message of a Refused error (an alias, a lone surrogate), None for other YAML errors."""
    return exc.problem if isinstance(exc, Refused) else None


def aliases_in(text: str) -> tuple[int, str] | None:
    """(line, message) of the first alias or lone surrogate in a YAML text, read as events so that
    nothing is expanded; None if there is none or the text is not YAML (pandoc reports that)."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line, (f"uses a YAML alias (*{event.anchor}); thesis files have no need of "
                                               "aliases: write the value out where it is used")
            if isinstance(event, yaml.ScalarEvent) and _SURROGATE.search(event.value):
                return event.start_mark.line, _surrogate_message(event.value)
    except yaml.YAMLError:
        return None
    return None


def _without_implicit_types(loader: type, keep: tuple[str, ...]) -> dict:
    """The loader's implicit resolvers, only those whose tag is in keep."""
    return {first: [(tag, regexp) for tag, regexp in resolvers if tag in keep]
            for first, resolvers in loader.yaml_implicit_resolvers.items()}


class CoreLoader(Strict, yaml.SafeLoader):
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


class TextLoader(Strict, yaml.SafeLoader):
    """Every plain scalar as the text written; null, ~ and an empty value as None."""


TextLoader.yaml_implicit_resolvers = _without_implicit_types(yaml.SafeLoader, (_MERGE,))
TextLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])


_LOADED: dict[tuple, bytes] = {}  # (loader, digest of the text) -> what it loads to, pickled
_LOADING = threading.Lock()


def load(text: str, loader: type = CoreLoader):
    """The document in text, by YAML 1.2's core schema unless another loader is given.

    Loaded once per process and text (the loaders are pure Python: a data file of the example takes
    10 ms, and every directive reading it, every target of `check` and every save in the preview
    read it again); each caller gets its own copy, which it may change. What fails to load is not
    kept: it fails again, with its message, for each caller."""
    key = (loader, hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    with _LOADING:
        kept = _LOADED.pop(key, None)
        if kept is not None:
            _LOADED[key] = kept  # the most recently used last
    if kept is None:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - both loaders are SafeLoader subclasses
        kept = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        with _LOADING:
            _LOADED[key] = kept
            while len(_LOADED) > 128:
                del _LOADED[next(iter(_LOADED))]
    return pickle.loads(kept)  # noqa: S301 - what this process pickled a moment ago
