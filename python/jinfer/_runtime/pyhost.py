"""The CPython side of the ``python`` backend: Java calls real Python models through JPype.

When jinfer starts the JVM it installs a ``io.jinfer.python.PythonRuntime`` implemented here
(this module registers :func:`install` as a start hook of :mod:`.jvm`).
Java hands tensors over as numpy views of its buffers (no copy) and takes the results back the
same way. A Python exception inside a model reaches Java as ``io.jinfer.python.PythonException``
with the Python type, message and traceback.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import json
import threading
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import jpype
import numpy as np

from .._dtypes import dtype_by_name
from .._estimators import call, final_estimator
from .._exceptions import JinferError
from .._manifest import Artifact, Manifest, TensorSpec, utc_now
from ..tensor import _buffer_view, _direct_buffer, _java_strings, _strings_array
from . import wire
from .jvm import on_start

__all__ = ["DependencyWarning", "check_requirements", "install", "model_callable", "register", "unregister"]

_registry: dict[str, Any] = {}
_lock = threading.Lock()
_installed = False
_proxy_classes: dict[str, Any] = {}


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _override(method: _Method) -> _Method:
    """``jpype.JOverride`` (untyped), typed: the method as it was, marked as Java's interface method."""
    return cast(_Method, jpype.JOverride(method))


class DependencyWarning(UserWarning):
    """A library the Python artifact needs has another version here than at export."""


def install() -> None:
    """Install the runtime in the (started) JVM, once."""
    global _installed
    with _lock:
        if _installed:
            return
        _define_proxies()
        jpype.JClass("io.jinfer.python.PythonRuntimes").install(_proxy_classes["runtime"]())
        _installed = True


def _define_proxies() -> None:
    # looked up once, not on every call: each JPype lookup or conversion costs microseconds
    objects = jpype.JArray(jpype.JObject)
    longs = jpype.JArray(jpype.JLong)

    @jpype.JImplements("io.jinfer.python.PythonModel")
    class _ModelProxy:
        """A model as Java calls it (see ``io.jinfer.python.PythonModel``): bare buffers in manifest
        order, dtypes from the manifest, every input shape in one ``long[]``, and small results
        copied into one buffer Java allocated. Each JPype conversion costs a microsecond or more,
        so a call makes as few as it can."""

        def __init__(self, fn: Callable[[dict[str, np.ndarray]], Mapping[str, Any]], manifest: Manifest) -> None:
            self._fn = fn
            self._json = manifest.to_json().decode("utf-8")
            self._inputs = [
                (s.name, len(s.shape), s.dtype == "string", dtype_by_name(s.dtype).numpy) for s in manifest.inputs
            ]
            self._outputs = manifest.outputs
            # a result of this dtype and inner shape needs no conforming (None: always conform)
            self._ready = [
                (dtype_by_name(s.dtype).numpy, tuple(s.shape[1:]))
                if s.dtype != "string" and s.shape and -1 not in s.shape[1:]
                else None
                for s in manifest.outputs
            ]
            # Java knows these outputs' shapes from the batch, so they travel without a long[]
            self._fixed = all(-1 not in s.shape[1:] for s in manifest.outputs)

        @_override
        def predict(self, inputs: Any, shapes: Any, small: Any) -> Any:
            try:
                dims = np.asarray(shapes).tolist()
                arrays: dict[str, np.ndarray] = {}
                at = 0
                for i, (name, rank, is_string, dtype) in enumerate(self._inputs):
                    shape = tuple(dims[at : at + rank])
                    at += rank
                    arrays[name] = (
                        _strings_array(inputs[i], shape) if is_string else _buffer_view(inputs[i], dtype, shape)
                    )
                out = self._fn(arrays)
                results = self._results(out, dims[0])
                if small is not None:
                    wire.pack_into(np.frombuffer(small, dtype=np.uint8), results)
                    return None
                return self._hand_over(results)
            except jpype.JException:
                raise
            except BaseException as e:  # noqa: BLE001 - every Python error crosses as PythonException
                raise _java_exception(e) from None

        def _results(self, out: Any, batch: int) -> list[np.ndarray]:
            """The model's outputs in manifest order, each in its spec's dtype and shape."""
            if type(out) is not dict and not isinstance(out, Mapping):
                raise TypeError(
                    f"the Python model returned {type(out).__name__}; expected a dict of output name "
                    f"to array, with {[s.name for s in self._outputs]}"
                )
            results = []
            for spec, ready in zip(self._outputs, self._ready):
                arr = _ready(out.get(spec.name), ready, batch) if ready else None
                results.append(_conform(spec, out, batch) if arr is None else arr)
            return results

        def _hand_over(self, results: list[np.ndarray]) -> Any:
            """The results as Java takes them: numpy's memory as direct buffers, strings as String[]."""
            handed: list[Any] = [
                _java_strings(a) if spec.dtype == "string" else _direct_buffer(a) if a.size else None
                for spec, a in zip(self._outputs, results)
            ]
            if not self._fixed:
                handed.append(longs([d for a in results for d in a.shape]))
            return objects(handed)

        @_override
        def manifestJson(self) -> str:  # noqa: N802 - Java's name
            return self._json

    @jpype.JImplements("io.jinfer.python.PythonRuntime")
    class _Runtime:
        @_override
        def load(self, data: Any, manifest_json: Any, artifact_json: Any) -> Any:
            try:
                manifest = Manifest.from_json(str(manifest_json))
                artifact = json.loads(str(artifact_json))
                check_requirements(artifact.get("details", {}))
                import joblib

                model = joblib.load(io.BytesIO(bytes(data)))
                fn = model_callable(model, manifest, artifact.get("details", {}).get("callable"))
                return _ModelProxy(fn, manifest)
            except jpype.JException:
                raise
            except BaseException as e:  # noqa: BLE001
                raise _java_exception(e) from None

        @_override
        def lookup(self, name: Any) -> Any:
            with _lock:
                entry = _registry.get(str(name))
            return None if entry is None else _ModelProxy(*entry)

        @_override
        def names(self) -> Any:
            with _lock:
                return jpype.JArray(jpype.JString)(sorted(_registry))

    _proxy_classes["runtime"] = _Runtime


def _java_exception(e: BaseException) -> Any:
    if isinstance(e, JinferError) and e.code in ("MISSING_DEPENDENCY", "UNTRUSTED_ARTIFACT"):
        code = jpype.JClass("io.jinfer.ErrorCode").valueOf(e.code)
        return jpype.JClass("io.jinfer.BundleException")(code, str(e))
    tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    qualname = f"{type(e).__module__}.{type(e).__qualname__}"
    return jpype.JClass("io.jinfer.python.PythonException")(qualname, str(e), tb)


def _ready(value: Any, ready: tuple[np.dtype, tuple[int, ...]], batch: int) -> np.ndarray | None:
    """``value`` when it is already an ndarray of the spec's dtype and shape (the common case), else None."""
    if (
        type(value) is np.ndarray
        and value.dtype == ready[0]
        and value.shape[1:] == ready[1]
        and value.ndim
        and value.shape[0] == batch
    ):
        return value
    return None


def _conform(spec: TensorSpec, out: Mapping[str, Any], batch: int) -> np.ndarray:
    """The model's output ``spec.name`` in the spec's dtype, with a shape that fits the spec."""
    if spec.name not in out:
        raise KeyError(f"the Python model returned {sorted(out)} but the manifest declares output {spec.name!r}")
    arr = np.asarray(out[spec.name])
    if spec.dtype == "string":
        arr = arr.astype(str)
    elif arr.dtype != np.dtype(spec.dtype):
        arr = arr.astype(spec.dtype)
    if len(spec.shape) == 1 and arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if (
        arr.ndim != len(spec.shape)
        or any(want not in (-1, got) for want, got in zip(spec.shape[1:], arr.shape[1:]))
        or (arr.ndim and arr.shape[0] != batch)
    ):
        want = [batch, *spec.shape[1:]] if spec.shape else []
        raise ValueError(
            f"the Python model returned output {spec.name!r} with shape {list(arr.shape)} for a batch of "
            f"{batch}, but the manifest declares {want} (-1: any size)"
        )
    return arr


def model_callable(model: Any, manifest: Manifest, spec: str | None) -> Callable[[dict[str, np.ndarray]], Any]:
    """The function Java calls: ``predict_proba``/``predict`` mapped to the canonical outputs, or
    a ``"module:function"`` called as ``function(model, inputs) -> dict of outputs``."""
    if spec and ":" in spec:
        module, _, name = spec.partition(":")
        fn = getattr(importlib.import_module(module), name)
        return lambda inputs: fn(model, inputs)
    if callable(model) and not hasattr(model, "predict"):
        return lambda inputs: model(inputs)

    def frame(inputs: dict[str, np.ndarray]) -> Any:
        if len(manifest.inputs) == 1 and len(manifest.inputs[0].shape) == 2:
            X = inputs[manifest.inputs[0].name]
            cols = manifest.inputs[0].columns
            if cols and getattr(model, "feature_names_in_", None) is not None:
                import pandas as pd

                return pd.DataFrame(X, columns=list(cols))
            return X
        import pandas as pd

        return pd.DataFrame({s.name: inputs[s.name] for s in manifest.inputs})

    names = {o.name for o in manifest.outputs}
    if manifest.task == "classification" and "probabilities" not in names:
        # a classifier without predict_proba (or a clusterer, an outlier detector): its labels, and
        # its decision_function as the scores where the bundle has them
        def label_scores(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            X = frame(inputs)
            out = {"label": call(model.predict, X)}
            if "scores" in names:
                out["scores"] = call(model.decision_function, X)
            return out

        return label_scores
    if manifest.task == "classification" and _label_is_argmax(model):
        classes = np.asarray(model.classes_)

        def classify(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            proba = model.predict_proba(frame(inputs))  # the model runs once, not twice
            return {"label": classes.take(np.argmax(proba, axis=1)), "probabilities": proba}

        return classify
    if manifest.task == "classification":
        return lambda inputs: (lambda X: {"label": model.predict(X), "probabilities": model.predict_proba(X)})(
            frame(inputs)
        )
    if manifest.task == "regression":
        return lambda inputs: {"prediction": call(model.predict, frame(inputs))}
    return lambda inputs: {manifest.outputs[0].name: model.transform(frame(inputs))}


def _label_is_argmax(model: Any) -> bool:
    """Whether ``model.predict`` is, by scikit-learn's own definition, the class of the highest
    ``predict_proba`` (ties aside): then the label is taken from the probabilities and the model
    runs once per call. Not so for SVC, whose probabilities come from Platt scaling, nor for
    estimators jinfer does not know, which keep calling both methods."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

    known = (
        RandomForestClassifier,
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        DecisionTreeClassifier,
        ExtraTreeClassifier,
        LogisticRegression,
        KNeighborsClassifier,
        MLPClassifier,
    )
    classes = getattr(model, "classes_", None)
    return type(final_estimator(model)) in known and classes is not None and np.ndim(classes) == 1


def check_requirements(details: Mapping[str, Any]) -> None:
    """Refuse missing libraries (naming them) and warn on other versions than at export."""
    missing, other = [], []
    for dist, wanted in details.get("requirements", {}).items():
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            missing.append(f"{dist}=={wanted}")
            continue
        if have != wanted:
            other.append(f"{dist} {have} (exported with {wanted})")
    for module in details.get("modules", []):
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(f"module {module}")
    if missing:
        raise JinferError(
            f"the Python artifact needs {', '.join(missing)}, which this Python lacks; "
            f"install them (pip install ...) or put the modules on sys.path",
            code="MISSING_DEPENDENCY",
        )
    if other:
        warnings.warn(
            f"jinfer: the Python artifact was exported with other library versions: {', '.join(other)}; "
            "results may differ",
            DependencyWarning,
            stacklevel=2,
        )


def register(
    name: str,
    model: Any,
    *,
    inputs: Sequence[TensorSpec | Mapping[str, Any]],
    outputs: Sequence[TensorSpec | Mapping[str, Any]],
    task: str | None = None,
    callable_spec: str | None = None,
) -> None:
    """Make a live Python object available to Java as ``Models.load("python:NAME")``, with no file.

    ``model`` is a fitted estimator (its ``predict_proba``/``predict`` are mapped to the canonical
    outputs) or a callable ``f(inputs: dict[str, ndarray]) -> dict[str, ndarray]``. ``inputs`` and
    ``outputs`` are tensor specs (``TensorSpec`` or ``{"name", "dtype", "shape"}``).
    """
    ins = tuple(s if isinstance(s, TensorSpec) else TensorSpec.from_dict(dict(s), "inputs") for s in inputs)
    outs = tuple(s if isinstance(s, TensorSpec) else TensorSpec.from_dict(dict(s), "outputs") for s in outputs)
    names = [o.name for o in outs]
    if task is None:
        task = "classification" if "probabilities" in names else "regression" if "prediction" in names else "transform"
    classes = None
    if task == "classification":
        found = getattr(model, "classes_", None)
        classes = (
            tuple(c.item() if hasattr(c, "item") else c for c in found)
            if found is not None
            else tuple(range(next(o.shape[-1] for o in outs if o.name == "probabilities")))
        )
    manifest = Manifest(
        name=name,
        version="live",
        task=task,
        inputs=ins,
        outputs=outs,
        artifacts=(Artifact("python", f"live/{name}", "0" * 64, 0, {"live": True}),),
        classes=classes,
        created_at=utc_now(),
        description=f"live Python object {name!r}",
    )
    manifest.validate()
    # No JVM is started here: the runtime, installed whenever jinfer starts the JVM, looks the
    # name up at load time. Starting it here would fix its classpath before run_java(classpath=...).
    fn = model_callable(model, manifest, callable_spec)
    with _lock:
        _registry[name] = (fn, manifest)


def unregister(name: str) -> None:
    """Remove a live object; Java can no longer load ``python:NAME``."""
    with _lock:
        _registry.pop(name, None)


on_start(install)  # once the JVM is up, Java can call Python models (at the end: install needs all above)
