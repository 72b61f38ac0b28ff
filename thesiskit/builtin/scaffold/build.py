#!/usr/bin/env python3
"""Build this thesis: `python build.py thesis` (or `thesiskit build thesis`). See README.md."""
import sys
from pathlib import Path

from thesiskit.cli import main

if __name__ == "__main__":
    sys.exit(main(root=Path(__file__).resolve().parent))
