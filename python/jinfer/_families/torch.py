"""PyTorch ``nn.Module`` → ONNX with ``torch.onnx.export`` (torch.export, a dynamic batch dimension).

The module takes one tensor, ``features`` when it is 2-D and ``input`` otherwise, whose first
dimension is the batch. Its output is ``prediction`` (a regression head, or an embedding);
with ``task="classification"``, the output is taken as logits and the graph gets ``Softmax`` →
``probabilities`` and ``ArgMax`` → ``label`` (through the ``classes``), computed exactly as the
expected outputs are. A module that returns several tensors (a tuple, or a dict by name), or any
module with ``task="transform"``, is a transform: its outputs keep names (the dict's keys, else
``output`` or ``output_0``, ``output_1``...), batched where their first dimension is the batch's.

A module that torch.export cannot trace (data-dependent control flow, an op with no ONNX
function) fails with the reason torch gives, naming the op or the line of ``forward``. The python
artifact (the module itself, run by CPython under ``jinfer run-java``) is the fallback.
"""

from __future__ import annotations

import copy
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._artifacts import TorchPredictor, TorchTransform
from .._bundle import scratch_dir
from .._convert.capture import captured
from .._convert.formats import Converted
from .._convert.python import pickle_model
from .._dtypes import Array, dtype_of
from .._manifest import TensorSpec
from .._optional import require, version_of
from .base import Family, Prepared, classifier_outputs, regressor_outputs
from .onnx_io import safe_names
from .sample import Sample, bad_dtype, bad_shape

__all__ = ["TorchFamily", "to_onnx", "untraceable_reason"]

OPSET = 18
# The python artifact's callable, written into manifests: frozen, as bundles carry it (jinfer._torch is its alias).
_CALLABLE = "jinfer._torch:predict_outputs"
_TRANSFORM_CALLABLE = "jinfer._artifacts:transform_outputs"


class TorchFamily(Family):
    key = "torch"
    extra = "torch"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("onnx", "python")

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        torch = require("torch", "exporting a PyTorch module", "torch")
        if isinstance(X_sample, (tuple, list, dict)):
            raise TypeError(
                "X_sample: jinfer exports PyTorch modules that take one tensor; got a "
                f"{type(X_sample).__name__} of inputs"
            )
        X = X_sample.detach().cpu().numpy() if isinstance(X_sample, torch.Tensor) else np.asarray(X_sample)
        if X.ndim < 2 or X.shape[0] == 0:
            raise bad_shape("a batch of examples, at least 2-D [rows, ...]", X.shape)
        if X.dtype.kind == "f":
            in_dtype = dtype
        elif X.dtype.kind in "iu":
            in_dtype = "int64"
        else:
            raise bad_dtype(X.dtype)
        X = np.ascontiguousarray(X[:max_rows].astype(in_dtype))
        if task not in (None, "regression", "classification", "transform"):
            raise ValueError(
                "task: expected 'regression', 'classification' (logits) or 'transform' for a PyTorch "
                f"module, got {task!r}"
            )
        module = copy.deepcopy(model).eval().to(torch.float64 if dtype == "float64" else torch.float32)
        name = "features" if X.ndim == 2 else "input"
        named = _named_outputs(module, X)
        if task is None:
            task = "regression" if named is None else "transform"
        if task == "transform":
            if classes is not None:
                raise ValueError("classes: only with task='classification'")
            return self._transform(model, module, X, name, in_dtype, named or _named_outputs(module, X, single=True))
        if named is not None:
            raise TypeError(
                f"{type(model).__name__}.forward returns {len(named)} tensors ({list(named)}); a "
                f"{task} module returns one: leave task unset (or pass task='transform') to keep them all"
            )
        predictor = TorchPredictor(module, task, classes, name)
        out = predictor.raw(X)
        if out.shape[:1] != X.shape[:1]:
            raise ValueError(
                f"{type(model).__name__}: output shape {list(out.shape)} has no batch dimension of "
                f"{X.shape[0]} (the input's first dimension)"
            )
        if task == "classification":
            if out.ndim != 2:
                raise ValueError(
                    f"task='classification': the module's output must be logits [n, k], got shape {list(out.shape)}"
                )
            if classes is not None and len(classes) != out.shape[1]:
                raise ValueError(f"classes: {len(classes)} given, but the module gives {out.shape[1]} logits")
            got = predictor.outputs(X)
            expected, outputs, cls = classifier_outputs(
                got["probabilities"], got["label"], predictor.classes or list(range(out.shape[1])), dtype
            )
        else:
            if classes is not None:
                raise ValueError("classes: only with task='classification'")
            expected, outputs, cls = regressor_outputs(out, dtype)
        sample = _sample(name, in_dtype, X)
        return Prepared(
            predictor,
            sample,
            task,
            expected,
            outputs,
            cls,
            type(model).__name__,
            version_of("torch", "onnxscript", "onnx"),
        )

    def _transform(
        self, model: Any, module: Any, X: Array, name: str, in_dtype: str, named: dict[str, Array] | None
    ) -> Prepared:
        """A module whose outputs keep their names: batched where their first dimension is X's."""
        assert named is not None
        canonical = safe_names(named, "output")
        predictor = TorchTransform(module, list(canonical), name)
        outputs = tuple(
            TensorSpec(c, dtype_of(v).name, (-1, *v.shape[1:]))
            if v.ndim and v.shape[0] == len(X)
            else TensorSpec(c, dtype_of(v).name, v.shape, batch_dim=-1)
            for c, v in zip(canonical, named.values())
        )
        expected = dict(zip(canonical, named.values()))
        return Prepared(
            predictor,
            _sample(name, in_dtype, X),
            "transform",
            expected,
            outputs,
            None,
            type(model).__name__,
            version_of("torch", "onnxscript", "onnx"),
        )

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        predictor = prepared.model
        if fmt == "onnx":
            return to_onnx(predictor, prepared.sample.feeds[predictor.input_name], prepared.classes)
        if fmt == "python":
            default = _TRANSFORM_CALLABLE if isinstance(predictor, TorchTransform) else _CALLABLE
            return pickle_model(predictor, callable_spec or default)
        raise TypeError(f"there is no {fmt.upper()} converter for PyTorch modules; use ONNX")


def _sample(name: str, in_dtype: str, X: Array) -> Sample:
    spec = TensorSpec(
        name, in_dtype, (-1, *X.shape[1:]), tuple(f"x{i + 1}" for i in range(X.shape[1])) if X.ndim == 2 else None
    )
    return Sample({name: X}, (spec,), X, list(spec.columns or ()))


def _named_outputs(module: Any, X: Array, *, single: bool = False) -> dict[str, Array] | None:
    """The module's outputs on X by name when it returns several tensors (a tuple, a list or a dict
    of them): the dict's keys, else ``output_0``, ``output_1``...; None when it returns one tensor,
    unless ``single`` (then ``{"output": ...}``)."""
    torch = require("torch", "exporting a PyTorch module", "torch")
    with torch.no_grad():
        out = module(torch.from_numpy(np.ascontiguousarray(X)))
    if isinstance(out, torch.Tensor):
        return {"output": out.detach().cpu().numpy()} if single else None
    if isinstance(out, dict):
        items = [(str(k), v) for k, v in out.items()]
    elif isinstance(out, (tuple, list)):
        items = [(f"output_{i}", v) for i, v in enumerate(out)]
    else:
        items = []
    if not items or not all(isinstance(v, torch.Tensor) for _, v in items):
        raise TypeError(
            f"{type(module).__name__}.forward returned {type(out).__name__}; jinfer exports modules that "
            "return a tensor, a tuple of tensors or a dict of them"
        )
    return {k: v.detach().cpu().numpy() for k, v in items}


def to_onnx(predictor: TorchPredictor | TorchTransform, X: Array, classes: Sequence[Any] | None) -> Converted:
    """The ONNX bytes of the module, with the classification head when the task asks for one; a
    transform's outputs are named as the bundle names them."""
    torch = require("torch", "exporting a PyTorch module", "torch")
    require("onnxscript", "exporting a PyTorch module to ONNX (torch.onnx.export)", "torch")
    from torch.export import Dim

    # torch.export specialises a dimension of size 0 or 1: trace with at least two rows
    x = torch.from_numpy(np.ascontiguousarray(X[:8] if len(X) >= 2 else np.concatenate([X, X])))
    name = predictor.input_name
    names = predictor.names if isinstance(predictor, TorchTransform) else ["output"]
    with tempfile.TemporaryDirectory(prefix="jinfer-torch-", dir=scratch_dir()) as tmp:  # the export's own
        log = Path(tmp) / "torch.onnx.log"
        try:
            with captured(log):
                program = torch.onnx.export(
                    predictor.module,
                    (x,),
                    None,
                    input_names=[name],
                    output_names=names,
                    dynamic_shapes=({0: Dim("batch")},),
                    dynamo=True,
                    opset_version=OPSET,
                    verbose=False,
                )
        except Exception as e:
            raise RuntimeError(
                f"torch.onnx.export cannot export {type(predictor.module).__name__}: {untraceable_reason(e)}"
            ) from e
    onx = program.model_proto
    if isinstance(predictor, TorchTransform):
        output_names = {c: o.name for c, o in zip(names, onx.graph.output)}
    elif predictor.task == "classification":
        output_names = _classification_head(onx, list(classes or []))
    else:
        output_names = {"prediction": onx.graph.output[0].name}
    opsets = {d.domain or "": int(d.version) for d in onx.opset_import}
    details = {
        "opset": opsets.get("", 0),
        "ml_opset": opsets.get("ai.onnx.ml", 0),
        "converter": f"torch.onnx.export (torch {torch.__version__}, dynamo)",
        "input_names": {name: onx.graph.input[0].name},
        "output_names": output_names,
    }
    return onx.SerializeToString(), details


def _classification_head(onx: Any, classes: list[Any]) -> dict[str, str]:
    """Softmax and ArgMax (then the class labels) after the logits output."""
    from onnx import TensorProto, helper, numpy_helper

    g = onx.graph
    logits = g.output[0]
    elem = logits.type.tensor_type.elem_type
    k = len(classes)
    del g.output[:]
    nodes = [
        helper.make_node("Softmax", [logits.name], ["probabilities"], axis=-1, name="jinfer_softmax"),
        helper.make_node("ArgMax", [logits.name], ["label_index"], axis=1, keepdims=0, name="jinfer_argmax"),
    ]
    label_type = TensorProto.INT64
    if classes and classes != list(range(k)):
        strings = not all(isinstance(c, (int, np.integer)) for c in classes)
        values = np.array([str(c) for c in classes], dtype=object) if strings else np.array(classes, dtype=np.int64)
        g.initializer.append(numpy_helper.from_array(values, "jinfer_classes"))
        nodes.append(
            helper.make_node("Gather", ["jinfer_classes", "label_index"], ["label"], axis=0, name="jinfer_label")
        )
        label_type = TensorProto.STRING if strings else TensorProto.INT64
    else:
        nodes.append(helper.make_node("Identity", ["label_index"], ["label"], name="jinfer_label"))
    g.node.extend(nodes)
    g.output.extend(
        [
            helper.make_tensor_value_info("label", label_type, ["batch"]),
            helper.make_tensor_value_info("probabilities", elem, ["batch", k or None]),
        ]
    )
    return {"label": "label", "probabilities": "probabilities"}


def untraceable_reason(e: BaseException) -> str:
    """One line that says why torch could not export: the exception summary torch prints (which
    names the op, or the data-dependent guard), and the line of ``forward`` that raised it."""
    text = str(e)
    lines = [ln.strip() for ln in text.splitlines()]
    reason = ""
    if "## Exception summary" in text:
        after = lines[lines.index("## Exception summary") + 1 :]
        first = next((ln for ln in after if ln), "")
        m = re.match(r"<class '([\w.]+)'>: (.*)", first)
        reason = f"{m.group(1).rsplit('.', 1)[-1]}: {m.group(2)}" if m else first
    if not reason:
        reason = f"{type(e).__name__}: {next((ln for ln in lines if ln), '')}"
    if "The following call raised this error:" in lines:
        at = lines.index("The following call raised this error:")
        where = [ln for ln in lines[at + 1 : at + 3] if ln]
        loc = re.match(r'File "([^"]+)", line (\d+), in (\w+)', where[0]) if where else None
        if loc:
            code = f": {where[1]}" if len(where) > 1 else ""
            reason += f" (at {Path(loc.group(1)).name}:{loc.group(2)} in {loc.group(3)}{code})"
    return reason.replace("\x1b[96m", "").replace("\x1b[0m", "")
