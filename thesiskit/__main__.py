"""`python -m thesiskit ...`: the same as the `thesiskit` command."""
import sys

from .cli import main

sys.exit(main())
