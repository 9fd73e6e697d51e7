"""``jinfer.export``: a fitted model and a sample in, one bundle out, parity proven through Java."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._bundle import Bundle, npz_bytes, write_bundle
from ._exceptions import InputError, JinferError, ParityError
from ._manifest import Artifact, Manifest, TensorSpec, utc_now
from ._model import load
from ._parity import DEFAULT_ATOL, DEFAULT_RTOL, compare
from ._version import __version__

__all__ = ["export", "ExportWarning", "FORMATS"]

FORMATS = ("onnx", "pmml", "python")
_LIBRARIES = {
    "onnx": ("skl2onnx", "onnx", "onnxruntime"),
    "pmml": ("sklearn2pmml", "jpmml-evaluator"),
    "python": ("joblib",),
}


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
    callable: str | None = None,
    dtype: str = "float32",
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    max_parity_rows: int = 1000,
    as_directory: bool = False,
    task: str | None = None,
    classes: Sequence[Any] | None = None,
) -> Bundle:
    """Export a fitted model to a bundle at ``path`` and return it, opened.

    ``model`` is a scikit-learn estimator or Pipeline (XGBoost's and LightGBM's scikit-learn
    wrappers included), an XGBoost or LightGBM ``Booster``, a PyTorch ``nn.Module`` (``X_sample``
    is then its example input) or an ``onnx.ModelProto``; ``jinfer.from_mlflow`` exports MLflow
    model directories. docs/models.md lists what each family exports to, with measured parity.

    ``X_sample`` is a 2-D array, a pandas DataFrame, or a dict of column arrays. A numeric table
    becomes one ``features`` input ``[n, d]`` with its column names; a table that mixes types
    becomes one input per column (string columns as ``string`` tensors), named by the columns.

    Each format in ``formats`` (default ``("onnx", "pmml")``, best first; PMML where
    ``jinfer[pmml]`` is installed) is converted, loaded
    through the Java backend in the JVM, and run on the sample (up to ``max_parity_rows`` rows).
    Its outputs are compared with the model's own; the figures go into the manifest. An artifact
    that fails to convert or misses parity is dropped with an :class:`ExportWarning` that says
    why. If none passes, :class:`ParityError` is raised and nothing is written. The bundle is
    written atomically.

    When neither ONNX nor PMML passes, the model itself is stored with joblib as a ``python``
    artifact, run in CPython when Python hosts the JVM (``jinfer run-java``); ask for it alone
    with ``formats=("python",)``. ``callable`` (``"module:function"``, called as
    ``function(model, inputs) -> dict of outputs``) replaces the default mapping of
    ``predict_proba``/``predict`` to the canonical outputs.

    ``dtype`` is ``"float32"`` (default) or ``"float64"``: the floating input and output type.

    ``task`` says what a PyTorch module's (or an ONNX graph's) output is: ``"regression"``
    (default: ``prediction``) or ``"classification"`` (the output is logits; the bundle gives
    ``label`` and softmax ``probabilities``, with ``classes`` naming the columns, default
    ``0..k-1``). For other models ``task`` must agree with the model, and ``classes`` is refused.
    """
    from ._families import Family, family_of

    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    family = family_of(model) or Family()  # Family(): scikit-learn, through the functions below
    wanted = tuple(formats) if formats is not None else family.formats(model)
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ValueError(f"formats: expected some of {list(FORMATS)}, got {list(wanted)}")
    prep = family.prepare(model, X_sample, dtype, max_parity_rows, task=task, classes=classes)
    sample, task, expected, outputs = prep.sample, prep.task, prep.expected, prep.outputs
    base = Manifest(
        name=name or prep.name,
        version=version,
        task=task,
        inputs=sample.specs,
        outputs=outputs,
        artifacts=(),
        classes=prep.classes,
        created_at=utc_now(),
        description=description,
        producer=_producer(wanted, prep.libraries, prep.source),
    )
    parity_files = {"parity/inputs.npz": npz_bytes(sample.feeds), "parity/expected.npz": npz_bytes(expected)}
    passed: list[Artifact] = []
    files: dict[str, bytes] = dict(parity_files)
    failures: list[str] = []
    for fmt in wanted:
        if fmt == "python" and formats is None and passed:
            break  # the python artifact is the last resort, only when nothing else passed
        try:
            data, filename, details = family.convert(fmt, prep, dtype, callable)
        except Exception as e:  # noqa: BLE001 - every converter error means "drop this format"
            reason = f"conversion failed: {type(e).__name__}: {_first_line(e)}"
            failures.append(f"{fmt}: {reason}")
            warnings.warn(f"jinfer: no {fmt} artifact: {reason}", ExportWarning, stacklevel=2)
            continue
        artifact = Artifact.of(fmt, filename, data, details=details)
        try:
            parity = _java_parity(base.with_artifacts([artifact]), {**parity_files, filename: data}, fmt,
                                  sample.feeds, expected, rtol, atol)
        except JinferError as e:  # the Java backend refused the artifact: drop it, say why
            reason = f"the Java {fmt} backend refused it: {e.code}: {_first_line(e)}"
            failures.append(f"{fmt}: {reason}")
            warnings.warn(f"jinfer: dropped the {fmt} artifact: {reason}", ExportWarning, stacklevel=2)
            continue
        artifact = Artifact.of(fmt, filename, data, details=details, parity=parity)
        if parity["passed"]:
            passed.append(artifact)
            files[filename] = data
        else:
            failures.append(f"{fmt}: parity failed: {_summary(parity)}")
            warnings.warn(f"jinfer: dropped the {fmt} artifact: parity through Java failed: {_summary(parity)}",
                          ExportWarning, stacklevel=2)
    if not passed:
        raise ParityError(f"no artifact of {prep.name} matched the model within rtol={rtol}, "
                          f"atol={atol}: " + "; ".join(failures))
    write_bundle(path, base.with_artifacts(passed), files, as_directory=as_directory)
    return Bundle.open(path)


def _available_formats() -> tuple[str, ...]:
    """The default formats: all, but PMML only where its optional converter is installed."""
    import importlib.util

    return tuple(f for f in FORMATS if f != "pmml" or importlib.util.find_spec("sklearn2pmml") is not None)


@dataclass
class _Sample:
    """The export sample in every form the export needs."""

    feeds: dict[str, np.ndarray]        # canonical inputs, as Java gets them
    specs: tuple[TensorSpec, ...]
    for_model: Any                      # the same values as the model takes them (ndarray or DataFrame)
    columns: list[str]                  # the table's column names, in order (PMML's input fields)


def _sample(model: Any, X_sample: Any, dtype: str, max_rows: int) -> _Sample:
    if isinstance(X_sample, Mapping):
        import pandas as pd

        X_sample = pd.DataFrame({str(k): np.asarray(v) for k, v in X_sample.items()})
    if hasattr(X_sample, "columns") and hasattr(X_sample, "dtypes"):
        df = X_sample.iloc[:max_rows]
        if len(df) == 0 or len(df.columns) == 0:
            raise InputError(f"X_sample: expected a non-empty table, got shape {list(df.shape)}", code="SHAPE_MISMATCH")
        columns = [str(c) for c in df.columns]
        if all(np.dtype(t).kind in "fiub" for t in df.dtypes if not _is_categorical(t)) and \
                not any(_is_categorical(t) for t in df.dtypes):
            X = np.ascontiguousarray(df.to_numpy(dtype=dtype))
            return _tabular(model, X, columns, dtype)
        return _columnar(df, columns, dtype)
    X = np.asarray(X_sample)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"X_sample: expected a non-empty 2-D array [rows, features], got shape {list(X.shape)}",
                         code="SHAPE_MISMATCH")
    if X.dtype.kind not in "fiub":
        raise InputError(f"X_sample: expected numbers, got dtype {X.dtype}; pass a pandas DataFrame for a table "
                         "that mixes types", code="DTYPE_MISMATCH")
    names = getattr(model, "feature_names_in_", None)
    columns = [str(c) for c in names] if names is not None else [f"x{i + 1}" for i in range(X.shape[1])]
    return _tabular(model, np.ascontiguousarray(X[:max_rows], dtype=dtype), columns, dtype)


def _tabular(model: Any, X: np.ndarray, columns: list[str], dtype: str) -> _Sample:
    spec = TensorSpec("features", dtype, (-1, X.shape[1]), tuple(columns))
    for_model: Any = X
    if getattr(model, "feature_names_in_", None) is not None:
        import pandas as pd

        for_model = pd.DataFrame(X, columns=columns)
    return _Sample({"features": X}, (spec,), for_model, columns)


def _columnar(df: Any, columns: list[str], dtype: str) -> _Sample:
    import pandas as pd

    feeds: dict[str, np.ndarray] = {}
    specs = []
    for col, src in zip(columns, df.columns):
        values = df[src]
        kind = "O" if _is_categorical(values.dtype) else np.dtype(values.dtype).kind
        if kind in "OUS":
            arr = values.astype(str).to_numpy().astype(str)
            specs.append(TensorSpec(col, "string", (-1,)))
        elif kind == "f":
            arr = values.to_numpy(dtype=dtype)
            specs.append(TensorSpec(col, dtype, (-1,)))
        elif kind in "iub":
            arr = values.to_numpy(dtype=np.int64)
            specs.append(TensorSpec(col, "int64", (-1,)))
        else:
            raise InputError(f"X_sample column {col!r}: dtype {values.dtype} is not supported; expected numbers "
                             "or strings", code="DTYPE_MISMATCH")
        feeds[col] = np.ascontiguousarray(arr)
    for_model = pd.DataFrame({src: feeds[col] for col, src in zip(columns, df.columns)})
    return _Sample(feeds, tuple(specs), for_model, columns)


def _is_categorical(t: Any) -> bool:
    return str(t) == "category" or str(t).startswith("string") or str(t) == "str"


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


def _convert(fmt: str, model: Any, sample: _Sample, task: str, dtype: str,
             callable_spec: str | None = None) -> tuple[bytes, str, dict[str, Any]]:
    if fmt == "onnx":
        from ._onnx import convert_sklearn

        data, details = convert_sklearn(model, sample.specs, dtype, task)
        return data, "model.onnx", details
    if fmt == "pmml":
        from ._pmml import convert_pmml

        data, details = convert_pmml(model, sample.columns, task)
        return data, "model.pmml", details
    if fmt == "python":
        from ._pyartifact import pickle_model

        data, details = pickle_model(model, callable_spec)
        return data, "model.joblib", details
    raise ValueError(f"unknown format {fmt!r}")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _java_parity(manifest: Manifest, files: dict[str, bytes], fmt: str, feeds: dict[str, np.ndarray],
                 expected: dict[str, np.ndarray], rtol: float, atol: float) -> dict[str, Any]:
    """Load a staging bundle through the Java backend and compare its outputs with ``expected``."""
    with tempfile.TemporaryDirectory(prefix="jinfer-export-") as tmp:
        staged = write_bundle(Path(tmp) / "staged", manifest, files, as_directory=True)
        with load(staged, backend=fmt, trust_python=True) as m:  # our own pickle, just made
            actual = {k: np.array(v) for k, v in m.predict(feeds).items()}
    return compare(expected, actual, rtol=rtol, atol=atol)


def _summary(parity: dict[str, Any]) -> str:
    parts = []
    for name, f in parity["outputs"].items():
        if "error" in f:
            parts.append(f"{name}: {f['error']}")
        else:
            parts.append(f"{name}: {f['mismatches']} mismatches, max abs error {f['max_abs_error']}")
    return ", ".join(parts)


def _producer(formats: Sequence[str], extra: Mapping[str, str] | None = None,
              source: dict[str, Any] | None = None) -> dict[str, Any]:
    libs = dict(extra or {})
    names = ["scikit-learn", "numpy", "pandas", "JPype1", "joblib"]
    names += [lib for fmt in formats for lib in _LIBRARIES.get(fmt, ())]
    for lib in names:
        try:
            libs[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            pass
    producer = {"jinfer": __version__, "python": platform.python_version(), "platform": platform.platform(),
                "libraries": libs}
    if source:
        producer["source"] = source
    return producer
