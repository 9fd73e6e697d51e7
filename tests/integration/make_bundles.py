"""Export the bundles the Java integration tests load (`gradle integrationTest` runs this first).

Usage: python tests/integration/make_bundles.py OUT_DIR   (writes OUT_DIR/sklearn/, mixed/ and kinds/)
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


def kinds(root: Path) -> None:
    """Models of other kinds: a classifier with scores and no probabilities, and an ONNX transform
    graph (float16 rows, a side input without a batch, a scalar output)."""
    import numpy as np
    import onnx
    from onnx import TensorProto as T
    from onnx import helper
    from sklearn.svm import LinearSVC

    from models import X_BIN, Y_BIN

    out = root / "kinds"
    out.mkdir(parents=True, exist_ok=True)
    jinfer.export(LinearSVC().fit(X_BIN, Y_BIN), X_BIN, out / "linearsvc.jinfer", name="linearsvc")
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["offset"], ["offset16"], to=T.FLOAT16),
            helper.make_node("Add", ["x", "offset16"], ["shifted"]),
            helper.make_node("ReduceSum", ["offset"], ["total"], keepdims=0),
        ],
        "shift",
        [
            helper.make_tensor_value_info("x", T.FLOAT16, ["N", 3]),
            helper.make_tensor_value_info("offset", T.FLOAT, [3]),
        ],
        [
            helper.make_tensor_value_info("shifted", T.FLOAT16, ["N", 3]),
            helper.make_tensor_value_info("total", T.FLOAT, []),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=9)
    onnx.checker.check_model(model)
    rows = np.random.default_rng(1).normal(size=(40, 3)).astype(np.float16)
    jinfer.export(model, {"x": rows, "offset": np.array([1.0, -2.0, 0.5], np.float32)}, out / "shift.jinfer")
    print("exported kinds/linearsvc.jinfer, kinds/shift.jinfer")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    kinds(Path(sys.argv[1]))
