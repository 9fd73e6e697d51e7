"""Shared test set-up: the tests folder on sys.path (for ``models``)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
