"""An ``onnx.ModelProto`` made elsewhere, exported as given.

A ZipMap output (a sequence of maps) is taken off: the probability matrix it reads becomes the
output, and its class labels become the bundle's classes. Two outputs (an integer or string
vector, a float matrix) are ``label`` and ``probabilities``; one output is ``prediction``. The
expected outputs come from ONNX Runtime's Python package running the same graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._convert.formats import Converted
from .._convert.onnx import jinfer_dtype, onnx_output_dtype
from .._dtypes import Array
from .._exceptions import InputError
from .._manifest import TensorSpec
from .._optional import require_release, version_of
from .base import Family, Prepared, classifier_outputs, refuse_classes, regressor_outputs
from .sample import Sample, numeric_sample

__all__ = ["GivenOnnx", "OnnxFamily"]


@dataclass(frozen=True)
class GivenOnnx:
    """The graph as it goes into the bundle, with the names of its inputs and outputs behind the canonical ones."""

    data: bytes
    input_names: dict[str, str]
    output_names: dict[str, str]


class OnnxFamily(Family):
    """An ``onnx.ModelProto``: exported as it is (a ZipMap output becomes a plain probability
    matrix); its outputs map to ``prediction``, or to ``label`` + ``probabilities``."""

    key = "onnx"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("onnx",)

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        import onnx

        # the expected outputs come from Python's onnxruntime: it must be the release Java runs, or
        # a graph one of them cannot read (a newer IR version or opset) fails on one side only
        ort = require_release(
            "onnxruntime",
            "exporting an ONNX model as given",
            "the ONNX Runtime release of jinfer's Java side, which must reproduce what it computes",
        )
        onx = onnx.ModelProto()
        onx.CopyFrom(model)
        zip_classes = _strip_zipmap(onx)
        inits = {i.name for i in onx.graph.initializer}
        graph_inputs = [i for i in onx.graph.input if i.name not in inits]
        data = onx.SerializeToString()
        if len(graph_inputs) == 1 and len(_dims(graph_inputs[0])) == 2:
            in_dtype = _elem_dtype(graph_inputs[0])
            columns = list(X_sample.columns) if hasattr(X_sample, "columns") else None
            sample = numeric_sample(X_sample, in_dtype, max_rows, columns)
            input_names = {"features": graph_inputs[0].name}
            feeds_native = {graph_inputs[0].name: sample.feeds["features"]}
        else:
            if not isinstance(X_sample, dict):
                raise InputError(
                    f"X_sample: this ONNX model takes {len(graph_inputs)} inputs "
                    f"({[i.name for i in graph_inputs]}); pass a dict of arrays by input name",
                    code="MISSING_INPUT",
                )
            feeds: dict[str, Array] = {}
            specs = []
            for gi in graph_inputs:
                if gi.name not in X_sample:
                    raise InputError(f"X_sample: missing input {gi.name!r}", code="MISSING_INPUT")
                arr = np.ascontiguousarray(np.asarray(X_sample[gi.name])[:max_rows]).astype(_elem_dtype(gi))
                feeds[gi.name] = arr
                specs.append(TensorSpec(gi.name, _elem_dtype(gi), (-1, *arr.shape[1:])))
            sample = Sample(feeds, tuple(specs), feeds, [s.name for s in specs])
            input_names = {n: n for n in feeds}
            feeds_native = feeds
        session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
        outs = session.run(None, feeds_native)
        names = [o.name for o in onx.graph.output]
        looks_classifier = (
            len(outs) == 2
            and outs[0].ndim in (1, 2)
            and outs[1].ndim == 2
            and outs[0].dtype.kind in "iuOUS"
            and outs[1].dtype.kind == "f"
        )
        found = task or ("classification" if looks_classifier else "regression")
        out_dtype = onnx_output_dtype(data, names[-1] if found == "classification" else names[0])
        if out_dtype not in ("float32", "float64"):
            out_dtype = "float32"
        if found == "classification":
            if len(outs) != 2:
                raise TypeError(f"an ONNX classifier has two outputs (label, probabilities); this one has {names}")
            proba = outs[1]
            cls = list(classes) if classes is not None else (zip_classes or list(range(proba.shape[1])))
            if len(cls) != proba.shape[1]:
                raise ValueError(
                    f"classes: {len(cls)} given, but the model's probabilities have {proba.shape[1]} columns"
                )
            label = outs[0].reshape(len(proba))
            expected, outputs, cls_t = classifier_outputs(proba, label, cls, out_dtype)
            output_names = {"label": names[0], "probabilities": names[1]}
        elif found == "regression":
            if len(outs) != 1:
                raise TypeError(
                    f"jinfer maps one ONNX output to 'prediction' or two to 'label' and "
                    f"'probabilities'; this model has {names}: pass task='classification' or export a "
                    "model with one output"
                )
            refuse_classes(classes, "a regression ONNX model")
            expected, outputs, cls_t = regressor_outputs(outs[0], out_dtype)
            output_names = {"prediction": names[0]}
        else:
            raise ValueError(f"task: expected 'classification' or 'regression' for an ONNX model, got {task!r}")
        return Prepared(
            GivenOnnx(data, input_names, output_names),
            sample,
            found,
            expected,
            outputs,
            cls_t,
            onx.graph.name or "onnx-model",
            version_of("onnx", "onnxruntime"),
        )

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        import onnx

        if fmt != "onnx":
            raise TypeError(f"an ONNX model is exported as ONNX only, not {fmt}")
        given: GivenOnnx = prepared.model
        onx = onnx.load_from_string(given.data)
        opsets = {d.domain or "": int(d.version) for d in onx.opset_import}
        return given.data, {
            "opset": opsets.get("", 0),
            "ml_opset": opsets.get("ai.onnx.ml", 0),
            "converter": f"onnx {onnx.__version__} (the model as given)",
            "input_names": given.input_names,
            "output_names": given.output_names,
        }


def _dims(value_info: Any) -> list[int]:
    return [d.dim_value if d.HasField("dim_value") else -1 for d in value_info.type.tensor_type.shape.dim]


def _elem_dtype(value_info: Any) -> str:
    elem = value_info.type.tensor_type.elem_type
    found = jinfer_dtype(elem)
    if found is None:
        raise TypeError(f"ONNX input {value_info.name!r}: element type {elem} has no jinfer dtype")
    return found


def _strip_zipmap(onx: Any) -> list[Any] | None:
    """Take a ZipMap (a sequence of maps) off the graph: the probability matrix it reads becomes
    the output in its place. Returns the classes it named, or None when the graph has no ZipMap."""
    from onnx import TensorProto, helper

    for node in list(onx.graph.node):
        if node.op_type != "ZipMap":
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        classes: list[Any] = [int(c) for c in attrs.get("classlabels_int64s", [])] or [
            c.decode() if isinstance(c, bytes) else str(c) for c in attrs.get("classlabels_strings", [])
        ]
        for i, out in enumerate(onx.graph.output):
            if out.name == node.output[0]:
                onx.graph.output[i].CopyFrom(
                    helper.make_tensor_value_info(
                        node.input[0], TensorProto.FLOAT, [None, len(classes)] if classes else None
                    )
                )
        onx.graph.node.remove(node)
        return classes
    return None
