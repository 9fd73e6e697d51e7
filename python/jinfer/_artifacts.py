"""The classes that live inside python artifacts. FROZEN: do not move, rename or reshape them.

A python artifact is a joblib pickle, and a pickle names each class by its module path. Bundles
written with these classes unpickle only while ``jinfer._artifacts.TorchPredictor`` and
``jinfer._artifacts.PyfuncModel`` exist with the same attributes. Bundles of jinfer 0.1.0 name
the older homes ``jinfer._torch`` and ``jinfer._mlflow``, which stay as aliases of this module
(``tests/jvm/test_old_bundles.py`` loads such bundles). Torch bundles also store the callable
``jinfer._torch:predict_outputs`` in their manifest.

Layer L0 (contracts): numpy only at import time; torch, mlflow and pandas are imported when a
model runs, never when this module (or an alias of it) is imported.
"""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._dtypes import Array

__all__ = ["PyfuncModel", "TorchPredictor", "TorchTransform", "predict_outputs", "transform_outputs"]


class TorchPredictor:
    """A module with what its outputs mean: the python artifact, and the source of the expected
    outputs (so both compute them the same way)."""

    def __init__(self, module: Any, task: str, classes: Sequence[Any] | None, input_name: str) -> None:
        self.module = module
        self.task = task
        self.classes = list(classes) if classes is not None else None
        self.input_name = input_name

    def raw(self, X: Array) -> Array:
        import torch  # the torch extra: only where a torch model runs

        with torch.no_grad():
            out = self.module(torch.from_numpy(np.ascontiguousarray(X)))
        if not isinstance(out, torch.Tensor):
            raise TypeError(
                f"{type(self.module).__name__}.forward returned {type(out).__name__}; jinfer exports "
                "modules that return one tensor"
            )
        return np.asarray(out.detach().cpu().numpy())

    def outputs(self, X: Array) -> dict[str, Array]:
        out = self.raw(X)
        if self.task == "regression":
            return {"prediction": out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out}
        logits = out.astype(np.float64)
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba = z / z.sum(axis=1, keepdims=True)
        idx = out.argmax(axis=1)
        classes = self.classes if self.classes is not None else list(range(out.shape[1]))
        return {"label": np.asarray(classes)[idx], "probabilities": proba}


def predict_outputs(predictor: TorchPredictor, inputs: dict[str, Array]) -> dict[str, Array]:
    """The python artifact's callable: the canonical outputs of ``predictor`` on ``inputs``."""
    return predictor.outputs(inputs[predictor.input_name])


class TorchTransform:
    """A module whose outputs keep names of their own (a transform): a tensor, a tuple of them or
    a dict of them, ``names`` in the order the module returns them. Added in 0.2.0."""

    def __init__(self, module: Any, names: Sequence[str], input_name: str) -> None:
        self.module = module
        self.names = list(names)
        self.input_name = input_name

    def outputs(self, X: Array) -> dict[str, Array]:
        import torch  # the torch extra: only where a torch model runs

        with torch.no_grad():
            out = self.module(torch.from_numpy(np.ascontiguousarray(X)))
        values = list(out.values()) if isinstance(out, dict) else list(out) if isinstance(out, (tuple, list)) else [out]
        if len(values) != len(self.names) or not all(isinstance(v, torch.Tensor) for v in values):
            raise TypeError(
                f"{type(self.module).__name__}.forward returned {type(out).__name__} of {len(values)} values; "
                f"the bundle has the tensors {self.names}"
            )
        return {name: np.asarray(v.detach().cpu().numpy()) for name, v in zip(self.names, values)}


def transform_outputs(predictor: TorchTransform, inputs: dict[str, Array]) -> dict[str, Array]:
    """The python artifact's callable for a transform module: its outputs by name."""
    return predictor.outputs(inputs[predictor.input_name])


class PyfuncModel:
    """An MLflow ``python_function`` model as a python artifact: the directory's files travel in
    the pickle, and ``mlflow.pyfunc.load_model`` loads them again wherever it is unpickled."""

    def __init__(self, directory: Path, columns: list[str] | None) -> None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(directory.rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(directory).as_posix())
        self.files = buf.getvalue()
        self.columns = columns
        self._loaded: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"files": self.files, "columns": self.columns}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.files, self.columns, self._loaded = state["files"], state["columns"], None

    def _model(self) -> Any:
        if self._loaded is None:
            import mlflow.pyfunc  # the mlflow extra: only where a pyfunc model runs

            where = tempfile.mkdtemp(prefix="jinfer-mlflow-")
            atexit.register(shutil.rmtree, where, True)
            with zipfile.ZipFile(io.BytesIO(self.files)) as z:
                z.extractall(where)  # our own zip, written above: relative paths only
            self._loaded = mlflow.pyfunc.load_model(where)
        return self._loaded

    def predict(self, X: Any) -> Array:
        if not hasattr(X, "columns") and self.columns is not None:
            import pandas as pd

            X = pd.DataFrame(np.asarray(X), columns=self.columns)
        out = self._model().predict(X)
        return np.asarray(out.to_numpy() if hasattr(out, "to_numpy") else out)
