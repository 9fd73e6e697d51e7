"""``jinfer.export``: a fitted model and a sample in, one bundle out, parity proven through Java."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._bundle import Bundle, npz_bytes, write_bundle
from ._exceptions import InputError, ParityError
from ._manifest import Artifact, Manifest, TensorSpec, utc_now
from ._model import load
from ._parity import DEFAULT_ATOL, DEFAULT_RTOL, compare
from ._version import __version__

__all__ = ["export", "ExportWarning", "FORMATS"]

FORMATS = ("onnx",)
_LIBRARIES = ("scikit-learn", "skl2onnx", "onnx", "onnxruntime", "numpy", "JPype1", "joblib")


class ExportWarning(UserWarning):
    """An artifact was dropped from a bundle (conversion failed or parity missed); says why."""


def export(
    model: Any,
    X_sample: Any,
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    version: str = "0.0.0",
    description: str = "",
    formats: Sequence[str] | None = None,
    dtype: str = "float32",
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    max_parity_rows: int = 1000,
    as_directory: bool = False,
) -> Bundle:
    """Export a fitted scikit-learn model to a bundle at ``path`` and return it, opened.

    Each format in ``formats`` (default: all, best first) is converted, loaded through the Java
    backend in the JVM, and run on ``X_sample`` (up to ``max_parity_rows`` rows). Its outputs are
    compared with the model's own; the figures go into the manifest. An artifact that fails to
    convert or misses parity is dropped with an :class:`ExportWarning`. If none passes,
    :class:`ParityError` is raised and nothing is written. The bundle is written atomically.

    ``dtype`` is ``"float32"`` (default) or ``"float64"``: the input and floating output type.
    """
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    wanted = tuple(formats) if formats is not None else FORMATS
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ValueError(f"formats: expected some of {list(FORMATS)}, got {list(wanted)}")
    X, columns = _sample(X_sample, dtype, max_parity_rows)
    task = _task(model)
    expected, outputs, classes = _expected(model, _as_fitted(model, X, columns), task, dtype)
    inputs = (TensorSpec("features", dtype, (-1, X.shape[1]), columns),)
    base = Manifest(
        name=name or type(model).__name__,
        version=version,
        task=task,
        inputs=inputs,
        outputs=outputs,
        artifacts=(),
        classes=classes,
        created_at=utc_now(),
        description=description,
        producer=_producer(),
    )
    parity_files = {"parity/inputs.npz": npz_bytes({"features": X}), "parity/expected.npz": npz_bytes(expected)}
    passed: list[Artifact] = []
    files: dict[str, bytes] = dict(parity_files)
    failures: list[str] = []
    for fmt in wanted:
        try:
            data, filename, details = _convert(fmt, model, X, task, dtype)
        except Exception as e:  # noqa: BLE001 - every converter error means "drop this format"
            failures.append(f"{fmt}: conversion failed: {type(e).__name__}: {e}")
            warnings.warn(f"jinfer: no {fmt} artifact: conversion failed: {type(e).__name__}: {e}", ExportWarning,
                          stacklevel=2)
            continue
        artifact = Artifact.of(fmt, filename, data, details=details)
        parity = _java_parity(base.with_artifacts([artifact]), {**parity_files, filename: data}, fmt, X,
                              expected, rtol, atol)
        artifact = Artifact.of(fmt, filename, data, details=details, parity=parity)
        if parity["passed"]:
            passed.append(artifact)
            files[filename] = data
        else:
            failures.append(f"{fmt}: parity failed: {_summary(parity)}")
            warnings.warn(f"jinfer: dropped the {fmt} artifact: parity through Java failed: {_summary(parity)}",
                          ExportWarning, stacklevel=2)
    if not passed:
        raise ParityError(f"no artifact of {type(model).__name__} matched the model within rtol={rtol}, "
                          f"atol={atol}: " + "; ".join(failures))
    write_bundle(path, base.with_artifacts(passed), files, as_directory=as_directory)
    return Bundle.open(path)


def _sample(X_sample: Any, dtype: str, max_rows: int) -> tuple[np.ndarray, tuple[str, ...] | None]:
    columns = None
    if hasattr(X_sample, "columns") and hasattr(X_sample, "to_numpy"):
        columns = tuple(str(c) for c in X_sample.columns)
        X_sample = X_sample.to_numpy()
    X = np.asarray(X_sample)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"X_sample: expected a non-empty 2-D array [rows, features], got shape {list(X.shape)}",
                         code="SHAPE_MISMATCH")
    if X.dtype.kind not in "fiub":
        raise InputError(f"X_sample: expected numbers, got dtype {X.dtype}; mixed-type tables need the PMML "
                         "backend", code="DTYPE_MISMATCH")
    return np.ascontiguousarray(X[:max_rows], dtype=dtype), columns


def _as_fitted(model: Any, X: np.ndarray, columns: tuple[str, ...] | None) -> Any:
    """X as the model saw it in ``fit``: a DataFrame with its column names when it was fitted on one."""
    if columns is not None and getattr(model, "feature_names_in_", None) is not None:
        import pandas as pd

        return pd.DataFrame(X, columns=list(columns))
    return X


def _task(model: Any) -> str:
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(model):
        return "classification"
    if is_regressor(model):
        return "regression"
    if hasattr(model, "transform"):
        return "transform"
    raise TypeError(f"{type(model).__name__} is neither a classifier, a regressor nor a transformer")


def _expected(model: Any, X: np.ndarray, task: str, dtype: str
              ) -> tuple[dict[str, np.ndarray], tuple[TensorSpec, ...], tuple[int | str, ...] | None]:
    """The model's own outputs on X (canonical names), their specs, and the classes."""
    if task == "classification":
        classes = list(getattr(model, "classes_", []))
        cls: tuple[int | str, ...]
        if all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_)) for c in classes):
            label_dtype, cls = "int64", tuple(int(c) for c in classes)
            label = np.asarray(model.predict(X)).astype(np.int64)
        elif all(isinstance(c, str) for c in classes):
            label_dtype, cls = "string", tuple(str(c) for c in classes)
            label = np.asarray(model.predict(X)).astype(str)
        else:
            raise TypeError(f"classes {classes!r}: jinfer supports integer or string class labels")
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        outputs = (TensorSpec("label", label_dtype, (-1,)), TensorSpec("probabilities", dtype, (-1, len(cls))))
        return {"label": label, "probabilities": proba}, outputs, cls
    if task == "regression":
        pred = np.asarray(model.predict(X), dtype=np.float64)
        shape = (-1,) if pred.ndim == 1 else (-1, pred.shape[1])
        return {"prediction": pred}, (TensorSpec("prediction", dtype, shape),), None
    out = np.asarray(model.transform(X), dtype=np.float64)
    return {"transformed": out}, (TensorSpec("transformed", dtype, (-1, out.shape[1])),), None


def _convert(fmt: str, model: Any, X: np.ndarray, task: str, dtype: str) -> tuple[bytes, str, dict[str, Any]]:
    if fmt == "onnx":
        from ._onnx import convert_sklearn

        data, details = convert_sklearn(model, X.shape[1], dtype, task, "features")
        return data, "model.onnx", details
    raise ValueError(f"unknown format {fmt!r}")


def _java_parity(manifest: Manifest, files: dict[str, bytes], fmt: str, X: np.ndarray,
                 expected: dict[str, np.ndarray], rtol: float, atol: float) -> dict[str, Any]:
    """Load a staging bundle through the Java backend and compare its outputs with ``expected``."""
    with tempfile.TemporaryDirectory(prefix="jinfer-export-") as tmp:
        staged = write_bundle(Path(tmp) / "staged", manifest, files, as_directory=True)
        with load(staged, backend=fmt) as m:
            actual = {k: np.array(v) for k, v in m.predict({"features": X}).items()}
    return compare(expected, actual, rtol=rtol, atol=atol)


def _summary(parity: dict[str, Any]) -> str:
    parts = []
    for name, f in parity["outputs"].items():
        if "error" in f:
            parts.append(f"{name}: {f['error']}")
        else:
            parts.append(f"{name}: {f['mismatches']} mismatches, max abs error {f['max_abs_error']}")
    return ", ".join(parts)


def _producer() -> dict[str, Any]:
    libs = {}
    for lib in _LIBRARIES:
        try:
            libs[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            pass
    return {"jinfer": __version__, "python": platform.python_version(), "platform": platform.platform(),
            "libraries": libs}
