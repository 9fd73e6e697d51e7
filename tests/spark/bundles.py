"""The bundles the Spark tests score, exported here from the reference models of the suites.

- ``forest.jinfer``: tests/models.py's forest (100 trees, 12 features, input ``features`` [n, 12]
  with the columns x1..x12);
- ``mixed.jinfer``: tests/tables.py's mixed-type pipeline (a string column and two numbers, one
  input per column).

``python tests/spark/bundles.py DIR`` writes them for the Java tests (``make test-spark``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

import jinfer
import tables
from models import X_BIN, fitted


def make(out: Path) -> dict[str, Path]:
    """Export the bundles into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"forest": out / "forest.jinfer", "mixed": out / "mixed.jinfer"}
    jinfer.export(fitted("forest"), X_BIN, paths["forest"], name="forest", formats=("onnx",))
    df, _ = tables.table()
    jinfer.export(tables.mixed(), df, paths["mixed"], name="mixed", formats=("onnx",))
    return paths


if __name__ == "__main__":
    for name, path in make(Path(sys.argv[1])).items():
        print(f"{name}: {path}")
