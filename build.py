#!/usr/bin/env python3
"""Build the thesis or a journal submission: `python build.py thesis`. See README.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from thesiskit.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parent))
