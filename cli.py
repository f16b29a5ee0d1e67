#!/usr/bin/env python
"""Run nnfw from a checkout without installing it: `python cli.py train ...`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nnfw.cli.main import entry  # noqa: E402

if __name__ == "__main__":
    entry()
