"""An ``onnx.ModelProto`` made elsewhere, exported as given.

A graph that is recognisably a classifier (an integer or string vector and a float matrix out)
gives ``label`` and ``probabilities``; one that is recognisably a regressor (a table in, one float
output ``[n]`` or ``[n, t]``) gives ``prediction``. A ZipMap output (a sequence of maps) is taken
off: the probability matrix it reads becomes the output, and its class labels the bundle's
classes. Any other graph, and any graph with ``task="transform"``, is a *transform*: its inputs
and outputs keep the graph's own names (made safe where a manifest cannot hold them, the mapping
recorded in the artifact's details), dtypes and shapes, scalars and side inputs included. An
input is batched when its first dimension is dynamic (and shares the batch's symbol), an output
when its first dimension follows the batch; the others keep their size whatever the batch.

The expected outputs come from ONNX Runtime's Python package running the same graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._convert.formats import Converted
from .._dtypes import Array, dtype_by_name
from .._exceptions import InputError
from .._manifest import TensorSpec
from .._optional import require_release, version_of
from .base import Family, Prepared, classifier_outputs, refuse_classes, regressor_outputs
from .onnx_io import JAVA_CARRIERS, PYTHON_STAND_INS, dims_of, elem_dtype, graph_inputs, retyped, safe_names
from .sample import Sample, numeric_sample

__all__ = ["GivenOnnx", "OnnxFamily"]

TASKS = ("classification", "regression", "transform")


@dataclass(frozen=True)
class GivenOnnx:
    """The graph as it goes into the bundle, with the names of its inputs and outputs behind the canonical ones."""

    data: bytes
    input_names: dict[str, str]
    output_names: dict[str, str]
    carried: dict[str, str] = field(default_factory=dict)  # native name -> its dtype, carried by a Cast


class OnnxFamily(Family):
    """An ``onnx.ModelProto``: exported as it is (a ZipMap output becomes a plain probability
    matrix); its outputs map to ``prediction``, to ``label`` + ``probabilities``, or keep their
    names (a transform)."""

    key = "onnx"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("onnx",)

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        import onnx

        if task is not None and task not in TASKS:
            raise ValueError(f"task: expected one of {list(TASKS)} for an ONNX model, got {task!r}")
        # the expected outputs come from Python's onnxruntime: it must be the release Java runs, or
        # a graph one of them cannot read (a newer IR version or opset) fails on one side only
        require_release(
            "onnxruntime",
            "exporting an ONNX model as given",
            "the ONNX Runtime release of jinfer's Java side, which must reproduce what it computes",
        )
        onx = onnx.ModelProto()
        onx.CopyFrom(model)
        zip_classes = _strip_zipmap(onx)
        inputs = graph_inputs(onx.graph)
        for vi in inputs:
            elem_dtype(vi, "input")
        for vo in onx.graph.output:
            elem_dtype(vo, "output")
        tabular = (
            task != "transform"
            and len(inputs) == 1
            and len(dims_of(inputs[0]) or ()) == 2
            and elem_dtype(inputs[0], "input") != "string"
        )
        if tabular:
            X = X_sample
            if isinstance(X, Mapping):
                X = _only(X, inputs[0].name)
            columns = list(X.columns) if hasattr(X, "columns") else None
            sample = numeric_sample(X, elem_dtype(inputs[0], "input"), max_rows, columns)
            native_feeds = {inputs[0].name: sample.feeds["features"]}
            batched = {inputs[0].name: True}
        else:
            native_feeds, batched = _graph_feeds(inputs, X_sample, max_rows)
        outs = _run_python(onx, native_feeds)
        names = [o.name for o in onx.graph.output]
        rows = next((len(native_feeds[n]) for n, b in batched.items() if b), -1)
        table = all(batched.values()) and all(a.ndim <= 2 for a in native_feeds.values())
        found = task or _recognise(outs, table, rows)
        if found == "transform":
            if tabular:  # a table in, but nothing a classifier or regressor gives out
                native_feeds, batched = _graph_feeds(inputs, native_feeds, max_rows)
            refuse_classes(classes, "a transform ONNX model")
            return self._transform(onx, inputs, native_feeds, batched, outs)
        if not tabular:
            batch = [n for n, b in batched.items() if b]
            if len(batch) != len(native_feeds):
                raise InputError(
                    f"X_sample: a {found} ONNX model takes a batch of rows in every input; inputs "
                    f"{[n for n in native_feeds if n not in batch]} have no batch dimension; export it with "
                    "task='transform'",
                    code="SHAPE_MISMATCH",
                )
            specs = tuple(
                TensorSpec(name, elem_dtype(vi, "input"), (-1, *native_feeds[name].shape[1:]))
                for name, vi in zip(native_feeds, inputs)
            )
            sample = Sample(native_feeds, specs, native_feeds, list(native_feeds))
        input_names = {s.name: vi.name for s, vi in zip(sample.specs, inputs)}
        out_dtype = elem_dtype(onx.graph.output[-1 if found == "classification" else 0], "output")
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
        else:
            if len(outs) != 1:
                raise TypeError(
                    f"jinfer maps one ONNX output to 'prediction'; this model has {names}: leave task unset "
                    "(or pass task='transform') to keep the graph's outputs, or 'classification' for a "
                    "label and probabilities"
                )
            refuse_classes(classes, "a regression ONNX model")
            expected, outputs, cls_t = regressor_outputs(outs[0], out_dtype)
            output_names = {"prediction": names[0]}
        return Prepared(
            GivenOnnx(onx.SerializeToString(), input_names, output_names),
            sample,
            found,
            expected,
            outputs,
            cls_t,
            onx.graph.name or "onnx-model",
            version_of("onnx", "onnxruntime"),
        )

    def _transform(
        self,
        onx: Any,
        inputs: list[Any],
        native_feeds: dict[str, Array],
        batched: dict[str, bool],
        outs: list[Array],
    ) -> Prepared:
        """The graph with its own inputs and outputs: names made safe, dtypes and shapes as declared
        (dynamic dimensions -1), batch dimensions where the batch runs."""
        in_names = safe_names([vi.name for vi in inputs], "input")
        out_names = safe_names([vo.name for vo in onx.graph.output], "output")
        rows = next((len(native_feeds[n]) for n, b in batched.items() if b), None)
        symbol = next((_first_dim(vi) for vi in inputs if batched[vi.name]), None)
        specs = []
        feeds = {}
        for (name, native), vi in zip(in_names.items(), inputs):
            arr = native_feeds[native]
            specs.append(_spec(name, vi, arr, 0 if batched[native] else -1, "input"))
            feeds[name] = arr
        out_specs = []
        expected = {}
        for name, vo, value in zip(out_names, onx.graph.output, outs):
            first = _first_dim(vo)
            follows = (
                rows is not None
                and value.ndim > 0
                and value.shape[0] == rows
                and not isinstance(first, int)
                and (not isinstance(first, str) or not isinstance(symbol, str) or first == symbol)
            )
            out_specs.append(_spec(name, vo, value, 0 if follows else -1, "output"))
            expected[name] = value
        carried_in = {n: d for n, d in _dtypes_in(onx).items() if d in JAVA_CARRIERS}
        carried_out = {n: d for n, d in _dtypes_out(onx).items() if d in JAVA_CARRIERS}
        for_java = retyped(
            onx,
            {n: JAVA_CARRIERS[d] for n, d in carried_in.items()},
            {n: JAVA_CARRIERS[d] for n, d in carried_out.items()},
        )
        carried = {**carried_in, **carried_out}
        sample = Sample(feeds, tuple(specs), native_feeds, list(feeds))
        return Prepared(
            GivenOnnx(for_java.SerializeToString(), in_names, out_names, carried),
            sample,
            "transform",
            expected,
            tuple(out_specs),
            None,
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
        details: dict[str, Any] = {
            "opset": opsets.get("", 0),
            "ml_opset": opsets.get("ai.onnx.ml", 0),
            "converter": f"onnx {onnx.__version__} (the model as given)",
            "input_names": given.input_names,
            "output_names": given.output_names,
        }
        if given.carried:
            details["carried_as"] = {n: JAVA_CARRIERS[d] for n, d in given.carried.items()}
        return given.data, details


def _only(X: Mapping[str, Any], name: str) -> Any:
    """The one array of a single-input model's sample given as ``{name: array}``."""
    if list(X) != [name]:
        raise InputError(
            f"X_sample: this ONNX model takes one input, {name!r}; got a dict of {sorted(map(str, X))}",
            code="UNKNOWN_INPUT" if name not in X else "SHAPE_MISMATCH",
        )
    return X[name]


def _graph_feeds(inputs: list[Any], X_sample: Any, max_rows: int) -> tuple[dict[str, Array], dict[str, bool]]:
    """The sample as the graph takes it, by native input name, cast to the graph's dtypes and
    checked against its declared shapes; and for each input whether it is batched."""
    if isinstance(X_sample, Mapping):
        given = {str(k): v for k, v in X_sample.items()}
    elif len(inputs) == 1:
        given = {inputs[0].name: X_sample.to_numpy() if hasattr(X_sample, "to_numpy") else X_sample}
    else:
        raise InputError(
            f"X_sample: this ONNX model takes {len(inputs)} inputs ({[i.name for i in inputs]}); pass a dict "
            "of arrays by input name",
            code="MISSING_INPUT",
        )
    known = {vi.name for vi in inputs}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(f"X_sample: unknown inputs {unknown}; the model takes {sorted(known)}", code="UNKNOWN_INPUT")
    feeds: dict[str, Array] = {}
    batched: dict[str, bool] = {}
    symbol: Any = None
    rows = None
    for vi in inputs:
        if vi.name not in given:
            raise InputError(
                f"X_sample: missing input {vi.name!r} (the model takes {[i.name for i in inputs]})",
                code="MISSING_INPUT",
            )
        dtype = elem_dtype(vi, "input")
        arr = _as_dtype(np.asarray(given[vi.name]), dtype, vi.name)
        dims = dims_of(vi)
        if dims is not None:
            if arr.ndim != len(dims):
                raise InputError(
                    f"X_sample input {vi.name!r}: expected rank {len(dims)} {_show(dims)}, got shape {list(arr.shape)}",
                    code="RANK_MISMATCH",
                )
            for i, (want, got) in enumerate(zip(dims, arr.shape)):
                if isinstance(want, int) and want != got:
                    raise InputError(
                        f"X_sample input {vi.name!r}: dimension {i} expected {want}, got {got} "
                        f"(expected {_show(dims)}, got {list(arr.shape)})",
                        code="SHAPE_MISMATCH",
                    )
        first = dims[0] if dims else None
        is_batch = bool(dims) and not isinstance(first, int) and arr.shape[0] > 0
        if is_batch and rows is not None:
            is_batch = arr.shape[0] == rows and (
                not isinstance(first, str) or not isinstance(symbol, str) or first == symbol
            )
        if is_batch and rows is None:
            rows, symbol = arr.shape[0], first
        batched[vi.name] = is_batch
        arr = arr[:max_rows] if is_batch else arr
        feeds[vi.name] = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)  # (which makes 0-d 1-d)
    return feeds, batched


def _as_dtype(arr: Array, dtype: str, name: str) -> Array:
    if dtype == "string":
        if arr.dtype.kind not in "USO":
            raise InputError(f"X_sample input {name!r}: expected strings, got dtype {arr.dtype}", code="DTYPE_MISMATCH")
        return arr.astype(str)
    if arr.dtype.kind in "USO":
        raise InputError(f"X_sample input {name!r}: expected {dtype} numbers, got strings", code="DTYPE_MISMATCH")
    target = dtype_by_name(dtype).numpy
    if arr.dtype.kind == "V" and target.kind == "V":
        return arr.view(target)
    return arr.astype(target)


def _show(dims: list[Any]) -> str:
    return "[" + ", ".join(str(d) if isinstance(d, int) else "?" for d in dims) + "]"


def _spec(name: str, value_info: Any, value: Array, batch_dim: int, kind: str) -> TensorSpec:
    declared = dims_of(value_info)
    if declared is None or len(declared) != value.ndim:
        shape = tuple(-1 for _ in value.shape)
    else:
        shape = tuple(d if isinstance(d, int) else -1 for d in declared)
    if batch_dim >= 0:
        shape = (-1, *shape[1:])
    return TensorSpec(name, elem_dtype(value_info, kind), shape, batch_dim=batch_dim)


def _run_python(onx: Any, feeds: dict[str, Array]) -> list[Array]:
    """The graph's outputs on ``feeds``, from ONNX Runtime's Python package (bfloat16 inputs and
    outputs through float32 casts, which that package needs and which change no value)."""
    import onnxruntime as ort

    outs_in = _dtypes_out(onx)
    view = retyped(
        onx,
        {n: PYTHON_STAND_INS[d] for n, d in _dtypes_in(onx).items() if d in PYTHON_STAND_INS},
        {n: PYTHON_STAND_INS[d] for n, d in outs_in.items() if d in PYTHON_STAND_INS},
    )
    session = ort.InferenceSession(view.SerializeToString(), providers=["CPUExecutionProvider"])
    fed = {n: a.astype(np.float32) if a.dtype.kind == "V" else a for n, a in feeds.items()}
    results = session.run(None, fed)
    out = []
    for vo, value in zip(onx.graph.output, results):
        if not isinstance(value, np.ndarray):
            raise TypeError(f"ONNX output {vo.name!r} is a {type(value).__name__}, not a tensor")
        dtype = outs_in[vo.name]
        out.append(value.astype(str) if dtype == "string" else value.astype(dtype_by_name(dtype).numpy))
    return out


def _dtypes_in(onx: Any) -> dict[str, str]:
    return {vi.name: elem_dtype(vi, "input") for vi in graph_inputs(onx.graph)}


def _dtypes_out(onx: Any) -> dict[str, str]:
    return {vo.name: elem_dtype(vo, "output") for vo in onx.graph.output}


def _first_dim(value_info: Any) -> int | str | None:
    """The declared first dimension (a size, a symbol, or None: dynamic or undeclared)."""
    dims = dims_of(value_info)
    return dims[0] if dims else None


def _recognise(outs: list[Array], table: bool, rows: int) -> str:
    """classification, regression or transform, from what the graph gave on the sample: a label
    vector and a probability matrix are a classifier's; one float output ``[n]`` or ``[n, t]`` of
    a table (every input ``[n]`` or ``[n, d]``) is a regressor's."""
    if (
        len(outs) == 2
        and outs[0].ndim in (1, 2)
        and outs[1].ndim == 2
        and outs[0].dtype.kind in "iuOUS"
        and outs[1].dtype.kind == "f"
        and len(outs[0]) == len(outs[1]) == rows
    ):
        return "classification"
    if table and len(outs) == 1 and outs[0].ndim in (1, 2) and outs[0].dtype.kind == "f" and len(outs[0]) == rows:
        return "regression"
    return "transform"


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
