"""Makes the tiny ONNX models the Java unit tests load. Run once, commit the outputs:

    .venv/bin/python java/src/test/resources/models/make_models.py

- ``add_mul.onnx``: inputs ``x`` float32 [N, 3] and ``z`` float64 [N, 2]; outputs
  ``y = x + [1, 2, 3]`` (float32 [N, 3]) and ``w = 2 * z`` (float64 [N, 2]). Opset 17.
- ``side_input.onnx``: inputs ``x`` float16 [N, 1], ``shape`` int64 [2] (no batch: the shape to
  expand ``x`` to) and ``ids`` int32 [N] (a uint32 input on its int32 carrier, as jinfer's
  exporter writes it); outputs ``y = Expand(x, shape)`` float16 [N, ?], ``count`` int64 [] (the
  number of elements of ``y``) and ``next_ids = ids + 1`` int32 [N] (uint32 in the manifest). Opset 18.
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


def side_input() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT16, ["N", 1])
    shape = helper.make_tensor_value_info("shape", TensorProto.INT64, [2])
    ids = helper.make_tensor_value_info("ids", TensorProto.INT32, ["N"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT16, ["N", None])
    count = helper.make_tensor_value_info("count", TensorProto.INT64, [])
    next_ids = helper.make_tensor_value_info("next_ids", TensorProto.INT32, ["N"])
    one = numpy_helper.from_array(np.array(1, dtype=np.uint32), "one")
    nodes = [
        helper.make_node("Expand", ["x", "shape"], ["y"]),
        helper.make_node("Size", ["y"], ["count"]),
        helper.make_node("Cast", ["ids"], ["ids_u"], to=TensorProto.UINT32),
        helper.make_node("Add", ["ids_u", "one"], ["next_u"]),
        helper.make_node("Cast", ["next_u"], ["next_ids"], to=TensorProto.INT32),
    ]
    graph = helper.make_graph(nodes, "side_input", [x, shape, ids], [y, count, next_ids], initializer=[one])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="jinfer-tests")
    model.ir_version = 9
    onnx.checker.check_model(model)
    (HERE / "side_input.onnx").write_bytes(model.SerializeToString())


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
    side_input()
    iris_lr()
