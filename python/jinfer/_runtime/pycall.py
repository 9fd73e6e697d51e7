"""A Python model as Java calls it, whichever host carries the call: JPype or Jep.

The python backend has two hosts. :mod:`.pyhost` serves a JVM that this CPython started (JPype);
:mod:`.jephost` serves a plain JVM that embeds CPython (Jep). Both load an artifact, map its
callable to the canonical outputs and conform what the model returns to the manifest in the same
way, here; each host only moves the tensors across its own bridge.

- :func:`load_artifact`: a python artifact's bytes (already checked against the manifest) to a
  :class:`Call`, refusing missing libraries first (:func:`check_requirements`).
- :class:`Call`: the callable with the manifest's inputs and outputs; ``call(arrays, batch)``
  gives the results in manifest order, each in its spec's dtype and shape.
- :func:`model_callable`: ``predict_proba``/``predict``, a ``"module:function"``, or a plain callable.
- :func:`error_fields`: a Python exception as both hosts report it to Java.

Layer L1a (runtime), beside :mod:`jinfer.tensor`: numpy and the contracts only, none of JPype's
side of jinfer, so that the Jep host can use it (Jep and JPype never share a process).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import json
import traceback
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._dtypes import dtype_by_name
from .._estimators import call, final_estimator
from .._exceptions import JinferError
from .._manifest import Manifest, TensorSpec

__all__ = [
    "BUNDLE_ERRORS",
    "Call",
    "DependencyWarning",
    "check_requirements",
    "error_fields",
    "load_artifact",
    "model_callable",
]

BUNDLE_ERRORS = ("MISSING_DEPENDENCY", "UNTRUSTED_ARTIFACT")
"""The :class:`JinferError` codes that reach Java as ``io.jinfer.BundleException`` (the bundle's
fault), not as ``io.jinfer.python.PythonException``."""


class DependencyWarning(UserWarning):
    """A library the Python artifact needs has another version here than at export."""


class Call:
    """One model or callable with its manifest: what a host needs to run a call from Java.

    ``inputs`` lists the manifest's inputs in its order as ``(name, rank, is_string, numpy dtype)``,
    so that a host can turn what Java sent into arrays; :meth:`__call__` runs the model on them
    and returns the outputs in manifest order, conformed to their specs.
    """

    def __init__(self, fn: Callable[[dict[str, np.ndarray]], Mapping[str, Any]], manifest: Manifest) -> None:
        self.fn = fn
        self.manifest = manifest
        self.inputs = [
            (s.name, len(s.shape), s.dtype == "string", dtype_by_name(s.dtype).numpy) for s in manifest.inputs
        ]
        self.outputs = manifest.outputs
        # a result of this dtype and inner shape needs no conforming (None: always conform)
        self._ready = [
            (dtype_by_name(s.dtype).numpy, tuple(s.shape[1:]))
            if s.dtype != "string" and s.shape and -1 not in s.shape[1:]
            else None
            for s in manifest.outputs
        ]
        # Java knows these outputs' shapes from the batch, so they travel back without their shapes
        self.fixed = all(-1 not in s.shape[1:] for s in manifest.outputs)

    def __call__(self, arrays: dict[str, np.ndarray], batch: int) -> list[np.ndarray]:
        """The model's outputs on ``arrays`` (a batch of ``batch`` rows) in manifest order, each in
        its spec's dtype and shape."""
        out = self.fn(arrays)
        if type(out) is not dict and not isinstance(out, Mapping):
            raise TypeError(
                f"the Python model returned {type(out).__name__}; expected a dict of output name "
                f"to array, with {[s.name for s in self.outputs]}"
            )
        results = []
        for spec, ready in zip(self.outputs, self._ready):
            arr = _ready(out.get(spec.name), ready, batch) if ready else None
            results.append(_conform(spec, out, batch) if arr is None else arr)
        return results


def load_artifact(data: bytes, manifest_json: str, artifact_json: str) -> Call:
    """The python artifact ``data`` (its size and sha256 checked by Java) unpickled with joblib,
    after its libraries and modules are checked, as a :class:`Call`.

    Raises :class:`JinferError` ``MISSING_DEPENDENCY`` before unpickling when one is missing.
    """
    manifest = Manifest.from_json(manifest_json)
    details = json.loads(artifact_json).get("details", {})
    check_requirements(details)
    import joblib  # a dependency of jinfer, needed only here

    model = joblib.load(io.BytesIO(data))
    return Call(model_callable(model, manifest, details.get("callable")), manifest)


def error_fields(e: BaseException) -> tuple[str | None, str, str, str]:
    """``(code, type, message, traceback)`` of ``e`` for Java: ``code`` is a
    :data:`BUNDLE_ERRORS` code for a bundle's fault (``io.jinfer.BundleException``), else None
    (``io.jinfer.python.PythonException``, with the qualified type and the formatted traceback)."""
    code = e.code if isinstance(e, JinferError) and e.code in BUNDLE_ERRORS else None
    tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    return code, f"{type(e).__module__}.{type(e).__qualname__}", str(e), tb


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
