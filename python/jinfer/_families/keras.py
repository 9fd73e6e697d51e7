"""TensorFlow/Keras models → ONNX, through Keras 3's ``model.export(format="onnx")`` (tf2onnx).

A ``keras.Model`` (Keras 3, the TensorFlow backend), a SavedModel directory, a loaded SavedModel
or one of its signatures (a ``ConcreteFunction``) is converted with a dynamic batch dimension.
What the bundle gives comes from the model's last layer:

- a softmax over ``k >= 2`` classes: ``label`` (the class of the largest probability) and
  ``probabilities``, with ``classes`` naming them (default ``0..k-1``);
- a sigmoid over one unit: a binary classifier, ``probabilities`` ``[1 - p, p]`` and ``label`` 1
  when ``p >= 0.5``;
- anything else: ``prediction`` for one output, or a ``transform`` keeping the outputs' names.

The expected outputs are the model's own (``model.predict``, or the signature called); parity is
then proven through Java. A layer whose TensorFlow op tf2onnx has no converter for is named,
with the op; a SavedModel with several signatures says how to pick one.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._convert.capture import captured
from .._convert.formats import Converted
from .._dtypes import Array
from .._exceptions import InputError
from .._manifest import TensorSpec
from .._optional import require, version_of
from .base import Family, Prepared, classifier_outputs, regressor_outputs
from .heads import label_head
from .sample import Sample, bad_shape

__all__ = ["KerasFamily", "is_saved_model_dir"]

OPSET = 17


def is_saved_model_dir(model: Any) -> bool:
    """Whether ``model`` is the path of a SavedModel directory."""
    return isinstance(model, (str, os.PathLike)) and (Path(model) / "saved_model.pb").is_file()


@dataclass(frozen=True)
class KerasModel:
    """The converted graph, with the names of its inputs and outputs behind the canonical ones."""

    onnx: bytes
    input_names: dict[str, str]
    output_names: dict[str, str]
    converter: str


class KerasFamily(Family):
    """A Keras model or a TensorFlow SavedModel (signature), converted to ONNX."""

    key = "keras"
    extra = "tf"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("onnx",)

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        tf = require("tensorflow", "exporting a TensorFlow/Keras model", "tf")
        require("tf2onnx", "converting a TensorFlow/Keras model to ONNX", "tf")
        model = _resolve(tf, model)
        fn, layers = _callable(model)
        specs = _input_specs(tf, model)
        feeds = _feeds(X_sample, specs, max_rows)
        signature = [tf.TensorSpec((None, *s.shape[1:]), s.dtype, name=name) for name, s in specs.items()]
        raw = _outputs(fn(*[tf.constant(feeds[n]) for n in specs]))
        head = _head(layers, raw, task)
        found = task or ("classification" if head else ("regression" if len(raw) == 1 else "transform"))
        with tempfile.TemporaryDirectory(prefix="jinfer-keras-") as tmp:
            onx = _convert(tf, fn, signature, layers, Path(tmp))
        native_in = {name: gi.name for name, gi in zip(specs, _graph_inputs(onx))}
        native_out = [o.name for o in onx.graph.output]
        out_dtype = "float32"
        if found == "classification":
            if len(raw) != 1:
                raise ValueError(f"task='classification': the model has {len(raw)} outputs; a classifier has one")
            if head is None:
                raise ValueError(
                    "task='classification': the last layer is no softmax over classes nor a sigmoid unit, "
                    "so its outputs are not probabilities; leave task unset for a prediction"
                )
            p = raw[0][1]
            probabilities = np.column_stack([1 - p[:, 0], p[:, 0]]) if head == "sigmoid" else p
            k = probabilities.shape[1]
            cls = list(classes) if classes is not None else list(range(k))
            if len(cls) != k:
                raise ValueError(f"classes: {len(cls)} given, but the model gives {k} probabilities")
            index = (p[:, 0] >= 0.5).astype(np.int64) if head == "sigmoid" else probabilities.argmax(axis=1)
            expected, outputs, cls_t = classifier_outputs(probabilities, np.array(cls)[index], cls, out_dtype)
            output_names = label_head(onx, native_out[0], cls, sigmoid=head == "sigmoid")
        elif found == "regression":
            if len(raw) != 1:
                raise ValueError(f"task='regression': the model has {len(raw)} outputs; name them with a transform")
            expected, outputs, cls_t = regressor_outputs(raw[0][1], out_dtype)
            output_names = {"prediction": native_out[0]}
        elif found == "transform":
            expected = {name: np.asarray(v, dtype=np.float64) for name, v in raw}
            outputs = tuple(TensorSpec(name, out_dtype, (-1, *v.shape[1:])) for name, v in raw)
            cls_t = None
            output_names = {name: native for (name, _), native in zip(raw, native_out)}
        else:
            raise ValueError(f"task: expected 'classification', 'regression' or 'transform', got {task!r}")
        sample = Sample(
            dict(feeds),
            tuple(TensorSpec(n, _dtype(s.dtype), (-1, *s.shape[1:])) for n, s in specs.items()),
            feeds,
            list(specs),
        )
        data = onx.SerializeToString()
        tf2onnx = require("tf2onnx", "converting a TensorFlow/Keras model to ONNX", "tf")
        converter = f"tf2onnx {tf2onnx.__version__} (Keras export)" if layers else f"tf2onnx {tf2onnx.__version__}"
        return Prepared(
            KerasModel(data, native_in, output_names, converter),
            sample,
            found,
            expected,
            outputs,
            cls_t,
            model.name if layers else "tf-savedmodel",
            version_of("tensorflow-cpu", "tensorflow", "keras", "tf2onnx", "onnx"),
        )

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        if fmt != "onnx":
            raise TypeError(f"a TensorFlow/Keras model is exported as ONNX only, not {fmt}")
        k: KerasModel = prepared.model
        import onnx

        opsets = {d.domain or "": int(d.version) for d in onnx.load_from_string(k.onnx).opset_import}
        return k.onnx, {
            "opset": opsets.get("", 0),
            "converter": k.converter,
            "input_names": k.input_names,
            "output_names": k.output_names,
        }


# ---------------------------------------------------------------- the model as a function


def _resolve(tf: Any, model: Any) -> Any:
    """The Keras model, or the one signature (a ConcreteFunction) of a SavedModel."""
    loaded = tf.saved_model.load(str(model)) if is_saved_model_dir(model) else model
    if hasattr(loaded, "signatures") and not hasattr(loaded, "layers"):  # a loaded SavedModel
        names = sorted(loaded.signatures.keys())
        if len(names) != 1:
            pick = (names or ["NAME"])[0]
            raise ValueError(
                f"the SavedModel has {len(names)} signatures {names}; pick one: loaded = tf.saved_model.load(DIR), "
                f"then jinfer.export(loaded.signatures[{pick!r}], X_sample, ...) while `loaded` is referenced "
                "(a signature's variables live as long as the loaded object)"
            )
        signature = loaded.signatures[names[0]]
        signature._jinfer_owner = loaded  # keep the variables alive as long as the signature
        return signature
    return loaded


def _callable(model: Any) -> tuple[Any, list[Any]]:
    """A function of the model's input tensors, and its layers (empty for a signature)."""
    if hasattr(model, "structured_input_signature"):  # a ConcreteFunction: called with keywords
        keywords = [s.name for s in _signature_specs(model)]
        return (lambda *xs: model(**dict(zip(keywords, xs)))), []
    if not getattr(model, "built", True) or not getattr(model, "inputs", None):
        raise ValueError(
            f"{type(model).__name__} has no input shape yet: build it (call it once, or start it with keras.Input)"
        )
    return (lambda *xs: model(list(xs) if len(xs) > 1 else xs[0], training=False)), list(model.layers)


def _signature_specs(fn: Any) -> list[Any]:
    args, kwargs = fn.structured_input_signature
    return [*args, *sorted(kwargs.values(), key=lambda s: s.name)]


def _input_specs(tf: Any, model: Any) -> dict[str, Any]:
    """The model's inputs by name: a ``tf.TensorSpec`` each, the first dimension the batch."""
    if hasattr(model, "structured_input_signature"):
        specs = _signature_specs(model)
    else:
        specs = [tf.TensorSpec(t.shape, t.dtype, name=t.name) for t in model.inputs]
    out = {}
    for i, s in enumerate(specs):
        name = (s.name or f"input_{i}").split(":")[0]
        name = "features" if len(specs) == 1 and len(s.shape) == 2 else (name if len(specs) > 1 else "input")
        out[name] = s
    return out


def _dtype(tf_dtype: Any) -> str:
    name = getattr(tf_dtype, "name", str(tf_dtype))
    if name not in ("float32", "float64", "int32", "int64", "uint8", "bool"):
        raise TypeError(f"a model input of dtype {name} has no jinfer dtype")
    return str(name)


def _feeds(X_sample: Any, specs: dict[str, Any], max_rows: int) -> dict[str, Array]:
    """``X_sample`` as the model's inputs: an array for a single-input model, else a dict by name."""
    if isinstance(X_sample, Mapping):
        given = dict(X_sample)
    elif len(specs) == 1:
        given = {next(iter(specs)): X_sample}
    else:
        raise InputError(
            f"X_sample: this model takes inputs {list(specs)}; pass a dict of arrays", code="MISSING_INPUT"
        )
    feeds = {}
    for name, spec in specs.items():
        if name not in given:
            raise InputError(f"X_sample: missing input {name!r}; the model takes {list(specs)}", code="MISSING_INPUT")
        x = np.asarray(given[name])
        want = tuple(spec.shape)
        if x.ndim != len(want) or any(w is not None and w != d for w, d in zip(want[1:], x.shape[1:])):
            raise bad_shape(f"input {name!r} of shape {[d if d is not None else -1 for d in want]}", x.shape)
        feeds[name] = np.ascontiguousarray(x[:max_rows].astype(_dtype(spec.dtype)))
    return feeds


def _outputs(result: Any) -> list[tuple[str, Array]]:
    """The model's outputs, named: a dict keeps its keys, a list is output_0, output_1..."""
    if isinstance(result, Mapping):
        return [(str(k), np.asarray(v)) for k, v in result.items()]
    if isinstance(result, (list, tuple)):
        return [(f"output_{i}", np.asarray(v)) for i, v in enumerate(result)]
    return [("output", np.asarray(result))]


def _head(layers: list[Any], raw: list[tuple[str, Array]], task: str | None) -> str | None:
    """``softmax`` or ``sigmoid`` when the last layer makes the model a classifier, else None."""
    if task not in (None, "classification") or len(raw) != 1 or not layers:
        return None
    activation = getattr(getattr(layers[-1], "activation", None), "__name__", "")
    out = raw[0][1]
    if activation == "softmax" and out.ndim == 2 and out.shape[1] >= 2:
        return "softmax"
    if activation == "sigmoid" and out.ndim == 2 and out.shape[1] == 1:
        return "sigmoid"
    return None


# ---------------------------------------------------------------- conversion


class _Unsupported(logging.Handler):
    """Collects tf2onnx's "Tensorflow op [NAME: OP] is not supported" (it logs them and goes on)."""

    PATTERN = re.compile(r"Tensorflow op \[(?P<name>[^:\]]+): (?P<op>[^\]]+)\] is not supported")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.found: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        m = self.PATTERN.search(record.getMessage())
        if m:
            self.found.append((m.group("name"), m.group("op")))


def _convert(tf: Any, fn: Any, signature: list[Any], layers: list[Any], tmp: Path) -> Any:
    """The ONNX graph of ``fn`` (tf2onnx, the way Keras 3's export drives it)."""
    import onnx
    import tf2onnx

    path = tmp / "model.onnx"
    unsupported = _Unsupported()
    log = logging.getLogger("tf2onnx")
    log.addHandler(unsupported)
    try:
        with captured(tmp / "tf2onnx.log"):
            from keras.src.export.tf2onnx_lib import patch_tf2onnx

            with warnings.catch_warnings():  # the patch probes np.object, which numpy 2 warns of
                warnings.simplefilter("ignore", FutureWarning)
                patch_tf2onnx()  # Keras's own fix of tf2onnx for numpy 2
            function = tf.function(fn)
            tf2onnx.convert.from_function(function, input_signature=signature, opset=OPSET, output_path=str(path))
    finally:
        log.removeHandler(unsupported)
    if unsupported.found:
        name, op = unsupported.found[0]
        raise TypeError(
            f"tf2onnx cannot convert {_layer_of(name, layers)}: TensorFlow op {op} ({name}) has no ONNX converter"
        )
    return onnx.load(str(path))


def _layer_of(node: str, layers: list[Any]) -> str:
    """The layer a TensorFlow node belongs to, by the name scopes in its name."""
    names = {layer.name: type(layer).__name__ for layer in layers}
    for part in node.split("/"):
        base = re.sub(r"_\d+$", "", part)
        for candidate in (part, base):
            if candidate in names:
                return f"layer {candidate!r} ({names[candidate]})"
    return f"node {node!r}"


def _graph_inputs(onx: Any) -> list[Any]:
    inits = {i.name for i in onx.graph.initializer}
    return [i for i in onx.graph.input if i.name not in inits]
