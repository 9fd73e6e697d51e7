"""Makes the tiny ONNX models the Java unit tests load. Run once, commit the outputs:

    .venv/bin/python java/src/test/resources/models/make_models.py

- ``add_mul.onnx``: inputs ``x`` float32 [N, 3] and ``z`` float64 [N, 2]; outputs
  ``y = x + [1, 2, 3]`` (float32 [N, 3]) and ``w = 2 * z`` (float64 [N, 2]). Opset 17.
- ``iris_lr.onnx``: scikit-learn LogisticRegression on iris through skl2onnx (zipmap=False), input
  ``features`` float32 [N, 4], outputs ``label`` int64 [N] and ``probabilities`` float32 [N, 3];
  with ``iris_inputs.npz`` (30 rows) and ``iris_expected.npz`` (scikit-learn's own outputs).
- ``row_sum.onnx``: input ``x`` float32 [N, M], both dimensions free; output ``s`` float32 [N],
  the sum of each row. Opset 17. Calls with different M cannot share a batch.
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent


def add_mul() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    z = helper.make_tensor_value_info("z", TensorProto.DOUBLE, ["N", 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    w = helper.make_tensor_value_info("w", TensorProto.DOUBLE, ["N", 2])
    bias = numpy_helper.from_array(np.array([1, 2, 3], dtype=np.float32), "bias")
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float64), "two")
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["y"]), helper.make_node("Mul", ["z", "two"], ["w"])],
        "add_mul", [x, z], [y, w], initializer=[bias, two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="jinfer-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    (HERE / "add_mul.onnx").write_bytes(model.SerializeToString())


def row_sum() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "M"])
    s = helper.make_tensor_value_info("s", TensorProto.FLOAT, ["N"])
    axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
    graph = helper.make_graph(
        [helper.make_node("ReduceSum", ["x", "axes"], ["s"], keepdims=0)], "row_sum", [x], [s], initializer=[axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="jinfer-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    (HERE / "row_sum.onnx").write_bytes(model.SerializeToString())


def iris_lr() -> None:
    from skl2onnx import to_onnx
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    clf = LogisticRegression(max_iter=500).fit(X, y)
    onx = to_onnx(clf, X[:1], target_opset={"": 17, "ai.onnx.ml": 3},
                  options={id(clf): {"zipmap": False}}, final_types=None)
    onx.graph.input[0].name = "features"
    for node in onx.graph.node:
        node.input[:] = ["features" if i == "X" else i for i in node.input]
    onnx.checker.check_model(onx)
    (HERE / "iris_lr.onnx").write_bytes(onx.SerializeToString())
    sample = X[::5]
    np.savez(HERE / "iris_inputs.npz", features=sample)
    np.savez(HERE / "iris_expected.npz", label=clf.predict(sample).astype(np.int64),
             probabilities=clf.predict_proba(sample).astype(np.float32))


if __name__ == "__main__":
    add_mul()
    row_sum()
    iris_lr()
