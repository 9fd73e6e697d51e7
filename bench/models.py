"""The benchmark's models: trained here, deterministically, and exported with ``jinfer.export``.

- ``rf``: RandomForestClassifier, 100 trees of depth at most 8 (DESIGN.md's reference model);
- ``logreg``: LogisticRegression;
- ``mlp``: MLPClassifier, 2 hidden layers of 256 (a model whose own work is dense arithmetic);
- ``mixed``: a scikit-learn Pipeline whose ColumnTransformer scales 6 float columns and one-hot
  encodes 3 string columns of a pandas DataFrame, into a LogisticRegression: the everyday
  tabular model, whose bundle takes 9 inputs (one per column, strings included);

all on one synthetic 20-feature, two-class dataset (``mixed``'s table is made from its columns),
with float32 numbers. Each bundle carries every artifact that exports and passes parity here
(ONNX, PMML, Python), so every backend runs the same model. :meth:`BenchModel.feeds` gives one
batch in the form each side takes (the array or the table, jinfer's inputs, onnxruntime's feed).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import jinfer
from common import log
from jinfer import TensorSpec

FEATURES = 20
FORMATS = tuple(f for f in ("onnx", "pmml", "python") if f in jinfer._export.FORMATS)
TITLES = {
    "rf": "RandomForest, 100 trees, depth 8",
    "logreg": "LogisticRegression",
    "mlp": "MLPClassifier, 2 hidden layers of 256",
    "mixed": "ColumnTransformer (6 float, 3 string columns) + LogisticRegression",
}
NUMERIC = tuple(f"x{i}" for i in range(6))  # mixed's float columns: the dataset's first 6 features
CATEGORIES = {"region": 4, "plan": 6, "channel": 12}  # its string columns, each a binned feature


@dataclass(frozen=True)
class Feeds:
    """One batch of a model's rows in the form each side takes (built before any timing)."""

    own: np.ndarray | pd.DataFrame  # the model's own input: scikit-learn's, the REST anchor's
    jinfer: np.ndarray | dict[str, np.ndarray]  # jinfer's Model.predict: the array, or an array per input
    ort: dict[str, np.ndarray]  # onnxruntime's run: ONNX input name -> the same array, at its rank
    frame: pd.DataFrame  # jpmml-evaluator-python's evaluateAll: the rows with the PMML field names


@dataclass
class BenchModel:
    name: str
    title: str
    estimator: Any  # the fitted scikit-learn model (n_jobs=None when predicting)
    bundle: Path  # the jinfer bundle
    joblib_path: Path  # the same model for the REST server
    onnx: bytes  # the bundle's model.onnx, for the raw-runtime anchors
    X: np.ndarray | pd.DataFrame  # the rows to predict on (tiled to each batch size): float32, or a table
    backends: tuple[str, ...]  # the bundle's artifacts
    pmml_path: Path | None  # the bundle's model.pmml, for jpmml-evaluator-python
    inputs: tuple[TensorSpec, ...]  # the bundle's inputs
    ort_inputs: dict[str, tuple[str, int]]  # input name -> its ONNX input's name and rank

    def rows(self, batch: int) -> np.ndarray | pd.DataFrame:
        """``batch`` rows of real data: C-contiguous float32, or the table's rows."""
        if isinstance(self.X, pd.DataFrame):
            return self.X.iloc[np.arange(batch) % len(self.X)].reset_index(drop=True)
        return np.ascontiguousarray(np.take(self.X, np.arange(batch) % len(self.X), axis=0))

    def feeds(self, batch: int) -> Feeds:
        """``batch`` rows for every side. A table becomes one array per column, as pandas gives
        them (float32, and object arrays of ``str``), the same arrays for jinfer and onnxruntime."""
        own = self.rows(batch)
        if isinstance(own, np.ndarray):
            ((native, _),) = self.ort_inputs.values()
            return Feeds(own, own, {native: own}, pd.DataFrame(own, columns=list(self.inputs[0].columns or ())))
        arrays = {s.name: own[s.name].to_numpy() for s in self.inputs}
        ort = {
            nat: a.reshape(-1, 1) if rank == 2 else a
            for a, (nat, rank) in zip(arrays.values(), self.ort_inputs.values())
        }
        return Feeds(own, arrays, ort, own)


def mixed_table(X: np.ndarray) -> pd.DataFrame:
    """The mixed model's table: 6 float32 columns, and 3 string columns, each a feature of ``X``
    cut at its quantiles into categories (``"plan-3"``), so that they carry signal."""
    df = pd.DataFrame(X[:, : len(NUMERIC)], columns=list(NUMERIC))
    for j, (name, k) in enumerate(CATEGORIES.items()):
        feature = X[:, len(NUMERIC) + j]
        bins = np.digitize(feature, np.quantile(feature, np.linspace(0, 1, k + 1)[1:-1]))
        df[name] = np.array([f"{name}-{b}" for b in bins], dtype=object)
    return df


def mixed_pipeline() -> Pipeline:
    prep = ColumnTransformer(
        [
            ("scale", StandardScaler(), list(NUMERIC)),
            ("onehot", OneHotEncoder(handle_unknown="ignore"), list(CATEGORIES)),
        ]
    )
    return Pipeline([("prep", prep), ("clf", LogisticRegression(max_iter=1000))])


def make_models(out: Path, only: tuple[str, ...] | None = None) -> dict[str, BenchModel]:
    """Every bench model (or those named in ``only``), trained and exported into ``out``."""
    X, y = make_classification(n_samples=5000, n_features=FEATURES, n_informative=10, n_redundant=4, random_state=0)
    X = X.astype(np.float32)
    estimators: dict[str, tuple[Any, np.ndarray | pd.DataFrame]] = {
        "rf": (RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0, n_jobs=-1), X),
        "logreg": (LogisticRegression(max_iter=1000), X),
        "mlp": (MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=200, random_state=0), X),
        "mixed": (mixed_pipeline(), mixed_table(X)),
    }
    models = {}
    for name, (est, data) in estimators.items():
        if only is not None and name not in only:
            continue
        log(f"train and export {name} ({TITLES[name]})")
        est.fit(data, y)
        if hasattr(est, "n_jobs"):
            est.set_params(n_jobs=None)  # predict as a single-process service would
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", jinfer.ExportWarning)
            bundle = jinfer.export(
                est, data[:500], out / f"{name}.jinfer", name=f"bench-{name}", version="1.0.0", formats=FORMATS
            )
        for w in caught:
            if issubclass(w.category, jinfer.ExportWarning):
                log(f"  {name}: {w.message}")
        arts = {a.backend: a for a in bundle.manifest.artifacts}
        onnx = bundle.read_artifact(arts["onnx"])
        pmml_path = None
        if "pmml" in arts:
            pmml_path = out / f"{name}.pmml"
            pmml_path.write_bytes(bundle.read_artifact(arts["pmml"]))
        inputs = bundle.manifest.inputs
        native = arts["onnx"].details.get("input_names", {})
        bundle.close()
        joblib_path = out / f"{name}.joblib"
        joblib.dump(est, joblib_path)
        models[name] = BenchModel(
            name,
            TITLES[name],
            est,
            out / f"{name}.jinfer",
            joblib_path,
            onnx,
            data,
            tuple(arts),
            pmml_path,
            inputs,
            _ort_inputs(onnx, inputs, native),
        )
    return models


def _ort_inputs(onnx: bytes, inputs: tuple[TensorSpec, ...], native: dict[str, str]) -> dict[str, tuple[str, int]]:
    """Each input's ONNX input, by the artifact's name map, and that input's rank (a column of a
    table is ``[n]`` in the bundle, ``[n, 1]`` in skl2onnx's graph)."""
    import onnx as onnx_lib

    graph = onnx_lib.load_model_from_string(onnx).graph
    ranks = {i.name: len(i.type.tensor_type.shape.dim) for i in graph.input}
    return {s.name: (native.get(s.name, s.name), ranks[native.get(s.name, s.name)]) for s in inputs}
