"""Classifier heads added to an ONNX graph: the label from the probabilities, as the model's own
library decides it, and the class labels in place of indices. Shared by the families whose
converters give probabilities alone, or another label rule (H2O, Keras)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["label_head"]


def label_head(
    onx: Any, proba: str, classes: Sequence[Any], *, threshold: float | None = None, sigmoid: bool = False
) -> dict[str, str]:
    """Make ``label`` (and ``probabilities``) the graph's outputs, from its output ``proba``:

    - by default ``proba`` is ``[n, k]`` and the label is the class of the largest;
    - with ``threshold``, class 1 when column 1 reaches it (H2O's binomial rule);
    - with ``sigmoid``, ``proba`` is one unit ``[n, 1]``: probabilities become ``[1 - p, p]`` and
      the label is class 1 when ``p >= 0.5``.

    Returns the canonical output names → the graph's."""
    from onnx import TensorProto, helper, numpy_helper

    g = onx.graph
    (out,) = [o for o in g.output if o.name == proba]
    elem = out.type.tensor_type.elem_type
    del g.output[:]
    nodes = []
    if sigmoid:
        g.initializer.append(numpy_helper.from_array(np.array(1, dtype=np.float32), "jinfer_unit"))
        nodes += [
            helper.make_node("Sub", ["jinfer_unit", proba], ["jinfer_p0"]),
            helper.make_node("Concat", ["jinfer_p0", proba], ["jinfer_probabilities"], axis=1),
        ]
        proba, threshold = "jinfer_probabilities", 0.5
        out = helper.make_tensor_value_info(proba, elem, ["batch", 2])
    strings = not all(isinstance(c, (int, np.integer)) for c in classes)
    values = np.array([str(c) for c in classes], dtype=object) if strings else np.array(classes, dtype=np.int64)
    g.initializer.append(numpy_helper.from_array(values, "jinfer_classes"))
    if threshold is None:
        nodes.append(helper.make_node("ArgMax", [proba], ["jinfer_index"], axis=1, keepdims=0))
    else:
        g.initializer.append(numpy_helper.from_array(np.array(1, dtype=np.int64), "jinfer_one"))
        g.initializer.append(numpy_helper.from_array(np.array(threshold, dtype=np.float32), "jinfer_threshold"))
        nodes += [
            helper.make_node("Gather", [proba, "jinfer_one"], ["jinfer_p1"], axis=1),
            helper.make_node("GreaterOrEqual", ["jinfer_p1", "jinfer_threshold"], ["jinfer_positive"]),
            helper.make_node("Cast", ["jinfer_positive"], ["jinfer_index"], to=TensorProto.INT64),
        ]
    nodes.append(helper.make_node("Gather", ["jinfer_classes", "jinfer_index"], ["jinfer_label"], axis=0))
    g.node.extend(nodes)
    label_type = TensorProto.STRING if strings else TensorProto.INT64
    g.output.extend([helper.make_tensor_value_info("jinfer_label", label_type, ["batch"]), out])
    return {"label": "jinfer_label", "probabilities": proba}
