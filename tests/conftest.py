"""Shared test set-up: the tests folder on sys.path (for ``models``), and no class-data archive for
the JVMs the tests start (``JINFER_CDS=0``): each would write one into the user's cache as it exits;
tests/jvm/test_cds.py turns it on, in a cache of its own."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("JINFER_CDS", "0")
