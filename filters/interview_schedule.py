#!/usr/bin/env python3
"""interview-schedule: paper 2's interview schedule from data/interview-schedule.yaml, so that the
condensed schedule in the paper (Figure 1) and the revisions in Appendix J come from one file.

    ::: {#fig:interview-schedule .interview-schedule title="Initial Interview Schedule (Condensed)"}
    :::

    ::: {.interview-schedule version="second"}
    :::

version="initial" (the default) gives the opening and the numbered questions with their prompts in
italics; version="second" or "final" gives the topics added after the third or the sixth interview,
as a list. A directive of this project, not of thesiskit: the build finds it in filters/, and it runs
on its own as a pandoc filter too (`pandoc --filter filters/interview_schedule.py chapter.md`).
"""
import sys

from thesiskit.data import read_yaml_file
from thesiskit.directives import DirectiveError, run_standalone
from thesiskit.directives.options import choice, text
from thesiskit.pandoc import DATA_MARKDOWN, parse_markdown

NAME = "interview-schedule"
OPTIONS = {"version": choice("initial", "second", "final"), "src": text}
DEFAULTS = {"version": "initial", "src": "data/interview-schedule.yaml"}
DATA = None


def render(options, _data, ctx):
    schedule = read_yaml_file(ctx.project.root, options["src"], ctx.where, ctx.problems)
    if not isinstance(schedule, dict) or options["version"] not in schedule:
        raise DirectiveError(f"{options['src']} has no '{options['version']}:' schedule; add it")
    version = schedule[options["version"]]
    if options["version"] == "initial":
        lines = [f"**Opening.** {version['opening']}", ""]
        for number, item in enumerate(version["questions"], start=1):
            prompt = f" *{item['prompt']}*" if item.get("prompt") else ""
            lines.append(f"{number}. {item['question']}{prompt}")
    else:
        lines = [f"- **{item['topic']}.** {item['text']}" for item in version]
    return list(parse_markdown("\n".join(lines) + "\n", DATA_MARKDOWN).content)


def main(doc=None):
    return run_standalone(sys.modules[__name__], doc)


if __name__ == "__main__":
    main()
