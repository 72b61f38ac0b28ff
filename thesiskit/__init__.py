"""thesiskit: build a thesis and journal submissions from Markdown, data and BibTeX."""

__version__ = "0.1.0"
