#!/usr/bin/env python3
"""Build the thesis or a journal submission: `python build.py thesis`. See README.md."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if __name__ == "__main__":
    try:  # Ctrl-C while Python is still importing: nothing was written yet
        from thesiskit.cli import main
    except KeyboardInterrupt:
        print("interrupted: build/ holds the last complete outputs, nothing half-written", file=sys.stderr)
        sys.exit(130)
    sys.exit(main(root=Path(__file__).resolve().parent))
