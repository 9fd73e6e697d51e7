"""Export the bundles the Java integration tests load (`gradle integrationTest` runs this first).

Usage: python tests/integration/make_bundles.py OUT_DIR   (writes OUT_DIR/sklearn/ and OUT_DIR/mixed/)
Each bundle carries its parity sample and scikit-learn's outputs on it; the Java tests run the
sample through io.jinfer.Models and compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jinfer
from models import MODELS, fitted
from tables import mixed, table


def main(root: Path) -> None:
    out = root / "sklearn"
    out.mkdir(parents=True, exist_ok=True)
    for name, (_, X) in MODELS.items():
        model = fitted(name)
        for dtype in ("float32", "float64"):
            path = out / f"{name}-{dtype}.jinfer"
            jinfer.export(model, X, path, name=name, version="1.0.0", dtype=dtype)
            print(f"exported {path.name}")
    # one directory bundle, to prove both forms load in Java
    jinfer.export(
        fitted("logreg"), MODELS["logreg"][1], out / "logreg-dir", name="logreg", version="1.0.0", as_directory=True
    )
    print("exported logreg-dir/")
    # mixed-type tables: one input per column, a string column among them
    tables = root / "mixed"
    tables.mkdir(exist_ok=True)
    for handle_unknown in ("ignore", "error"):
        path = tables / f"mixed-{handle_unknown}.jinfer"
        jinfer.export(mixed("logreg", handle_unknown), table()[0], path, name=f"mixed-{handle_unknown}")
        print(f"exported {path.name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
