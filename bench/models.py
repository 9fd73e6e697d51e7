"""The benchmark's models: trained here, deterministically, and exported with ``jinfer.export``.

- ``rf``: RandomForestClassifier, 100 trees of depth at most 8 (DESIGN.md's reference model);
- ``logreg``: LogisticRegression;
- ``mlp``: MLPClassifier, 2 hidden layers of 256 (a model whose own work is dense arithmetic);

all on one synthetic 20-feature, two-class dataset, with float32 inputs. Each bundle carries
every artifact that exports and passes parity here (ONNX, PMML, Python), so every backend runs
the same model.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

import jinfer
from common import log

FEATURES = 20
FORMATS = tuple(f for f in ("onnx", "pmml", "python") if f in jinfer._export.FORMATS)
TITLES = {
    "rf": "RandomForest, 100 trees, depth 8",
    "logreg": "LogisticRegression",
    "mlp": "MLPClassifier, 2 hidden layers of 256",
}


@dataclass
class BenchModel:
    name: str
    title: str
    estimator: Any  # the fitted scikit-learn model (n_jobs=None when predicting)
    bundle: Path  # the jinfer bundle
    joblib_path: Path  # the same model for the REST server
    onnx: bytes  # the bundle's model.onnx, for the raw-runtime anchors
    X: np.ndarray  # float32 rows to predict on (tiled to each batch size)
    backends: tuple[str, ...]  # the bundle's artifacts
    pmml_path: Path | None  # the bundle's model.pmml, for jpmml-evaluator-python
    columns: tuple[str, ...]  # the input's column names (the PMML fields)

    def rows(self, batch: int) -> np.ndarray:
        """``batch`` rows of real data, C-contiguous float32."""
        return np.ascontiguousarray(np.take(self.X, np.arange(batch) % len(self.X), axis=0))


def make_models(out: Path) -> dict[str, BenchModel]:
    X, y = make_classification(n_samples=5000, n_features=FEATURES, n_informative=10, n_redundant=4, random_state=0)
    X = X.astype(np.float32)
    estimators: dict[str, Any] = {
        "rf": RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0, n_jobs=-1),
        "logreg": LogisticRegression(max_iter=1000),
        "mlp": MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=200, random_state=0),
    }
    models = {}
    for name, est in estimators.items():
        log(f"train and export {name} ({TITLES[name]})")
        est.fit(X, y)
        if hasattr(est, "n_jobs"):
            est.set_params(n_jobs=None)  # predict as a single-process service would
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", jinfer.ExportWarning)
            bundle = jinfer.export(
                est, X[:500], out / f"{name}.jinfer", name=f"bench-{name}", version="1.0.0", formats=FORMATS
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
        columns = tuple(bundle.manifest.inputs[0].columns or ())
        bundle.close()
        joblib_path = out / f"{name}.joblib"
        joblib.dump(est, joblib_path)
        models[name] = BenchModel(
            name, TITLES[name], est, out / f"{name}.jinfer", joblib_path, onnx, X, tuple(arts), pmml_path, columns
        )
    return models
