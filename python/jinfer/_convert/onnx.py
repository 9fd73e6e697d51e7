"""scikit-learn → ONNX with skl2onnx: float32 by default, float64 on request, no ZipMap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._dtypes import Array
from .._estimators import final_estimator, has_trees, holds
from .._manifest import TensorSpec
from .skl2onnx_setup import allowed_options, dedupe_opsets, prepare_skl2onnx

__all__ = ["TARGET_OPSET", "convert_sklearn", "jinfer_dtype", "onnx_output_dtype", "refused_categories"]

# Opsets that ONNX Runtime 1.29 (Java and Python) runs and skl2onnx 1.20 converts to.
TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}


def convert_sklearn(
    model: Any,
    inputs: Sequence[TensorSpec],
    dtype: str,
    task: str,
    outputs: Sequence[TensorSpec] = (),
    feeds: Mapping[str, Array] | None = None,
    expected: Mapping[str, Array] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The ONNX bytes of a fitted scikit-learn model, and the artifact details.

    ``inputs`` is one 2-D ``features`` spec, or one 1-D spec per column of a mixed-type table
    (each becomes an ``[n, 1]`` ONNX input, the form skl2onnx's ColumnTransformer expects).
    Classifiers are converted with ``zipmap=False`` so probabilities are a plain ``[n, k]`` tensor.
    ``outputs`` are the bundle's canonical outputs (default: a classifier's ``label`` and
    ``probabilities``, a regressor's ``prediction``); for ``scores``, ``feeds`` and ``expected``
    (the sample and the model's own outputs on it) say which of skl2onnx's score columns, and which
    sign, is the estimator's ``decision_function`` (see :func:`scores_output`).
    """
    import skl2onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType, StringTensorType

    for module, name, why in _CRASHES:
        if holds(model, module, name):
            raise TypeError(f"skl2onnx's graph of {name} {why}; jinfer makes no ONNX artifact of it")
    prepare_skl2onnx(model)  # onnxmltools' converters for XGBoost/LightGBM steps; skl2onnx fixes

    # ONNX Runtime's tree ensembles compute in float32 only, as scikit-learn's trees do (they cast
    # X to float32 first). A float64 bundle of a tree model therefore takes and returns float64
    # but runs the trees in float32: skl2onnx's own double trees are refused by the runtime, or
    # compare double X against float32 thresholds and pick other leaves than scikit-learn.
    wrap_double = dtype == "float64" and has_trees(model) and len(inputs) == 1
    types = {
        "float32": FloatTensorType,
        "float64": FloatTensorType if wrap_double else DoubleTensorType,
        "int64": Int64TensorType,
        "string": StringTensorType,
    }
    initial_types = []
    for spec in inputs:
        if spec.dtype not in types:
            raise TypeError(f"input {spec.name!r}: no ONNX conversion for dtype {spec.dtype}")
        width = spec.shape[1] if len(spec.shape) == 2 else 1
        initial_types.append((spec.name, types[spec.dtype]([None, width])))
    options: dict[Any, Any] = {}
    if task == "classification" and "zipmap" in allowed_options(final_estimator(model)):
        options = {id(final_estimator(model)): {"zipmap": False}}
    onx = dedupe_opsets(
        skl2onnx.to_onnx(model, initial_types=initial_types, options=options, target_opset=TARGET_OPSET)
    )
    if wrap_double:
        onx = _as_double_io(onx)
    outs = [o.name for o in onx.graph.output]
    input_names = {spec.name: inp.name for spec, inp in zip(inputs, onx.graph.input)}
    wanted = [o.name for o in outputs] or (["label", "probabilities"] if task == "classification" else ["prediction"])
    if task == "classification":
        output_names = {"label": outs[0]}
        if "probabilities" in wanted:
            output_names["probabilities"] = outs[1]
        if "scores" in wanted:
            native = _native_feeds(onx, input_names, feeds or {})
            onx, output_names["scores"] = scores_output(onx, outs[1], native, (expected or {})["scores"])
    else:
        output_names = {"prediction": outs[0]}
    opsets = {d.domain or "": int(d.version) for d in onx.opset_import}
    details: dict[str, Any] = {
        "opset": opsets.get("", 0),
        "ml_opset": opsets.get("ai.onnx.ml", 0),
        "converter": f"skl2onnx {skl2onnx.__version__}",
        "input_names": input_names,
        "output_names": output_names,
    }
    refused = refused_categories(onx, input_names)
    if refused:
        details["refused_categories"] = refused
    return onx.SerializeToString(), details


# Converters whose graphs crash ONNX Runtime's native code, killing the process that runs them (a
# service's JVM, or the exporting Python during the parity check), rather than raising an error.
_CRASHES = (
    (
        "sklearn.impute",
        "KNNImputer",
        "makes ONNX Runtime 1.29 divide by zero (SIGFPE) on any batch without a missing value, which kills the process",
    ),
)

# Operators that hand a string column on unchanged, between a graph input and its encoder.
_PASS_THROUGH = {"Identity", "Reshape", "Cast", "Flatten", "Squeeze", "Unsqueeze"}


def refused_categories(onx: Any, input_names: dict[str, str]) -> list[dict[str, Any]]:
    """The string categories of each ONNX ``OneHotEncoder`` that refuses any other (``zeros=0``,
    scikit-learn's ``handle_unknown="error"``), traced back to the canonical input and column it
    encodes: ``[{"input", "column", "categories"}]``. ONNX Runtime reports only "Unknown Category";
    with these, the Java backend names the row, the input and the value."""
    canonical = {native: name for name, native in input_names.items()}
    producers = {out: node for node in onx.graph.node for out in node.output}
    constants = {t.name: t for t in onx.graph.initializer}
    found = []
    for node in onx.graph.node:
        if node.op_type != "OneHotEncoder":
            continue
        attrs = {a.name: a for a in node.attribute}
        if "zeros" not in attrs or attrs["zeros"].i != 0 or "cats_strings" not in attrs:
            continue  # zeros=1 (the default) scores an unknown category as none
        name, column = node.input[0], 0
        while name in producers:
            step = producers[name]
            axis = next((a.i for a in step.attribute if a.name == "axis"), 0)
            if step.op_type == "Gather" and axis == 1 and step.input[1] in constants:  # one column of a table
                from onnx import numpy_helper

                picked = numpy_helper.to_array(constants[step.input[1]]).reshape(-1)
                if len(picked) != 1:
                    break
                column = int(picked[0])
            elif step.op_type not in _PASS_THROUGH:
                break
            name = step.input[0]
        if name in canonical:
            found.append(
                {
                    "input": canonical[name],
                    "column": column,
                    "categories": sorted(c.decode("utf-8") for c in attrs["cats_strings"].strings),
                }
            )
    return found


def scores_output(onx: Any, native: str, feeds: Mapping[str, Array], want: Array) -> tuple[Any, str]:
    """The graph, and the name of its output that is the estimator's ``decision_function``.

    skl2onnx writes a classifier's scores in a form of its own: for two classes ``[n, 2]`` or
    ``[n, 1]`` (declared ``[n, 2]`` at times), the decision function in one column with either sign
    (SVC's first column is ``decision_function``, a linear model's second, ``raw_scores`` swaps
    them). Rather than follow each converter's choice, the graph is run on the sample (ONNX
    Runtime's Python package) and the column and sign that reproduce ``want`` are taken; a
    ``Gather`` (and a ``Neg``) after skl2onnx's output then gives the ``[n]`` vector scikit-learn
    gives. ``[n, k]`` scores are taken as they are. Parity through Java checks the result, as for
    every output."""
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    got = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"]).run([native], dict(feeds))[
        0
    ]
    want = np.asarray(want, dtype=np.float64)
    if want.ndim != 1:
        return onx, native
    n = len(want)
    cols = np.asarray(got, dtype=np.float64).reshape(n, -1)
    scale = max(1e-12, float(np.abs(want).max()) if n else 1.0)
    column, sign = min(
        ((j, s) for j in range(cols.shape[1]) for s in (1.0, -1.0)),
        key=lambda js: float(np.abs(js[1] * cols[:, js[0]] - want).max() / scale) if n else 0.0,
    )
    if np.ndim(got) == 1 and sign > 0:
        return onx, native
    g = onx.graph
    g.initializer.append(numpy_helper.from_array(np.array(column, dtype=np.int64), "jinfer_score_column"))
    out = "jinfer_scores"  # skl2onnx may have named its own output "scores"
    picked = out if sign > 0 else "jinfer_scores_negated"
    g.node.append(helper.make_node("Gather", [native, "jinfer_score_column"], [picked], axis=1, name="jinfer_scores"))
    if sign < 0:
        g.node.append(helper.make_node("Neg", [picked], [out], name="jinfer_scores_sign"))
    elem = next(o.type.tensor_type.elem_type for o in g.output if o.name == native)
    g.output.append(helper.make_tensor_value_info(out, elem, [None]))
    return onx, out


def _native_feeds(onx: Any, input_names: Mapping[str, str], feeds: Mapping[str, Array]) -> dict[str, Array]:
    """The sample by the graph's input names, in the graph's rank (a table's column as ``[n, 1]``)."""
    rank = {i.name: len(i.type.tensor_type.shape.dim) for i in onx.graph.input}
    out = {}
    for name, arr in feeds.items():
        native = input_names.get(name, name)
        a = np.asarray(arr)
        out[native] = a.reshape(len(a), -1) if rank.get(native) == 2 and a.ndim == 1 else a
    return out


def _as_double_io(onx: Any) -> Any:
    """The same graph behind a float64 input and float64 outputs (Cast nodes at both ends)."""
    from onnx import TensorProto, helper

    g = onx.graph
    inp = g.input[0]
    inner_in = inp.name + "_f32"
    for node in g.node:
        node.input[:] = [inner_in if n == inp.name else n for n in node.input]
    casts = [helper.make_node("Cast", [inp.name], [inner_in], to=TensorProto.FLOAT, name="jinfer_in_cast")]
    inp.type.tensor_type.elem_type = TensorProto.DOUBLE
    for out in g.output:
        if out.type.tensor_type.elem_type != TensorProto.FLOAT:
            continue
        inner_out = out.name + "_f32"
        for node in g.node:
            node.output[:] = [inner_out if n == out.name else n for n in node.output]
        casts.append(
            helper.make_node("Cast", [inner_out], [out.name], to=TensorProto.DOUBLE, name=f"jinfer_{out.name}_cast")
        )
        out.type.tensor_type.elem_type = TensorProto.DOUBLE
    g.node.extend(casts)
    return onx


def jinfer_dtype(elem_type: int) -> str | None:
    """The jinfer dtype name of an ONNX tensor element type, or None when jinfer has none."""
    from onnx import TensorProto

    table: dict[int, str] = {
        TensorProto.FLOAT: "float32",
        TensorProto.DOUBLE: "float64",
        TensorProto.INT64: "int64",
        TensorProto.INT32: "int32",
        TensorProto.STRING: "string",
        TensorProto.BOOL: "bool",
    }
    return table.get(elem_type)


def onnx_output_dtype(onnx_bytes: bytes, native_name: str) -> str:
    """The jinfer dtype name of an ONNX graph output."""
    import onnx

    m = onnx.load_from_string(onnx_bytes)
    for o in m.graph.output:
        if o.name == native_name:
            found = jinfer_dtype(o.type.tensor_type.elem_type)
            if found is None:
                raise KeyError(f"{native_name}: ONNX element type {o.type.tensor_type.elem_type}")
            return found
    raise KeyError(native_name)
