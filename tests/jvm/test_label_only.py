"""Classifiers without predict_proba, clusterers and outlier detectors, exported and run through Java.

A classifier with ``decision_function`` but no ``predict_proba`` gives ``label`` and ``scores``
(``[n]`` for two classes, ``[n, k]`` otherwise); clusterers and outlier detectors give their
``label`` (and ``scores`` where they have a decision function). Each case asserts the backends
the bundle ends with and why the others were dropped, then runs every artifact through Java on
fresh rows: labels exact, scores within 1e-5 of their scale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from parity_record import export_and_check
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import load_iris, make_classification
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import PassiveAggressiveClassifier, Perceptron, RidgeClassifier, SGDClassifier
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import SVC, LinearSVC, OneClassSVM

import jinfer

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_BIN, Y_BIN = make_classification(n_samples=300, n_features=8, n_informative=5, random_state=4)
NO_PMML = {"pmml": "gives its labels but not its decision_function"}


def fresh(X: np.ndarray, seed: int = 3) -> np.ndarray:
    """Rows the export never saw (the training rows, jittered), in the bundle's float32."""
    rng = np.random.default_rng(seed)
    return (X + rng.normal(0.0, 0.05 * X.std(axis=0), X.shape)).astype(np.float32)


def truth(model: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    X = X.astype(np.float64)  # the same values (KMeans fitted on float64 refuses float32 ones)
    out = {"label": model.predict(X)}
    if hasattr(model, "decision_function"):
        out["scores"] = model.decision_function(X)
    return out


# name -> (estimator, X, y or None, the backends the bundle ends with, dropped reasons)
CASES: dict[str, tuple[Callable[[], Any], np.ndarray, np.ndarray | None, list[str], dict[str, str]]] = {
    "SVC()": (SVC, X_IRIS, Y_IRIS, ["onnx"], NO_PMML),
    "LinearSVC()": (LinearSVC, X_IRIS, Y_IRIS, ["onnx"], NO_PMML),
    "RidgeClassifier()": (RidgeClassifier, X_IRIS, Y_IRIS, ["onnx"], NO_PMML),
    "SGDClassifier()": (lambda: SGDClassifier(random_state=0), X_IRIS, Y_IRIS, ["onnx"], NO_PMML),
    "Perceptron()": (lambda: Perceptron(random_state=0), X_IRIS, Y_IRIS, ["onnx"], NO_PMML),
    "PassiveAggressiveClassifier()": (
        lambda: PassiveAggressiveClassifier(random_state=0),
        X_IRIS,
        Y_IRIS,
        ["onnx"],
        NO_PMML,
    ),
    "KMeans(n_clusters=3)": (
        lambda: KMeans(n_clusters=3, n_init=3, random_state=0),
        X_IRIS,
        None,
        ["onnx", "pmml"],
        {},
    ),
    "MiniBatchKMeans(n_clusters=3)": (
        lambda: MiniBatchKMeans(n_clusters=3, n_init=3, random_state=0),
        X_IRIS,
        None,
        ["onnx", "pmml"],
        {},
    ),
    "IsolationForest()": (lambda: IsolationForest(random_state=0), X_IRIS, None, ["onnx"], NO_PMML),
}
BINARY = ("SVC()", "LinearSVC()", "RidgeClassifier()", "SGDClassifier()", "Perceptron()")


def _run(
    case: str,
    name: str,
    make: Callable[[], Any],
    X: np.ndarray,
    y: Any,
    backends: list[str],
    why: dict[str, str],
    tmp: Path,
) -> jinfer.Bundle:
    model = make().fit(X, y) if y is not None else make().fit(X)
    X_new = fresh(X)
    return export_and_check(
        case,
        "scikit-learn",
        name,
        lambda: jinfer.export(model, X, tmp / f"{case}.jinfer", name=case),
        X_new,
        truth(model, X_new),
        backends=backends,
        dropped_reasons=why,
    )


# scikit-learn 1.8 deprecates PassiveAggressiveClassifier (removed in 1.10); jinfer supports it until then
@pytest.mark.filterwarnings("ignore:Class PassiveAggressiveClassifier is deprecated:FutureWarning")
@pytest.mark.parametrize("name", list(CASES))
def test_multiclass_or_unsupervised(name: str, tmp_path: Path) -> None:
    make, X, y, backends, why = CASES[name]
    case = "label-only-" + name.split("(")[0].lower() + ("-multiclass" if y is not None else "")
    bundle = _run(case, name + (" (3 classes)" if y is not None else ""), make, X, y, backends, why, tmp_path)
    outputs = {o.name: o.shape for o in bundle.manifest.outputs}
    model = make()
    if hasattr(model, "decision_function"):
        assert outputs == {"label": (-1,), "scores": (-1, 3) if y is not None else (-1,)}
    else:
        assert outputs == {"label": (-1,)}
    expected_classes = (0, 1, 2) if y is not None or "KMeans" in name else (-1, 1)
    assert bundle.manifest.classes == expected_classes


@pytest.mark.parametrize("name", BINARY)
def test_binary(name: str, tmp_path: Path) -> None:
    make, _, _, backends, why = CASES[name]
    case = "label-only-" + name.split("(")[0].lower() + "-binary"
    bundle = _run(case, name + " (2 classes)", make, X_BIN, Y_BIN, backends, why, tmp_path)
    assert {o.name: o.shape for o in bundle.manifest.outputs} == {"label": (-1,), "scores": (-1,)}


def test_outlier_detectors_onnx_cannot_match_fall_back_to_python(tmp_path: Path) -> None:
    """OneClassSVM's float32 graph flips a label at the boundary; LocalOutlierFactor's scores
    differ by 2e-3 of their scale: neither ONNX artifact passes parity, the python one does."""
    for case, model in (
        ("label-only-oneclasssvm", OneClassSVM().fit(X_IRIS)),
        ("label-only-localoutlierfactor", LocalOutlierFactor(novelty=True).fit(X_IRIS)),
    ):
        X_new = fresh(X_IRIS)
        bundle = export_and_check(
            case,
            "scikit-learn",
            f"{type(model).__name__}{'(novelty=True)' if case.endswith('factor') else '()'}",
            lambda m=model, c=case: jinfer.export(m, X_IRIS, tmp_path / f"{c}.jinfer"),
            X_new,
            truth(model, X_new),
            backends=["python"],
            trust_python=True,
            dropped_reasons={"onnx": "parity through Java failed", **NO_PMML},
        )
        assert bundle.manifest.classes == (-1, 1)


class Voter(ClassifierMixin, BaseEstimator):
    """A classifier with predict only: no probabilities, no decision function."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> Voter:
        self.classes_ = np.unique(y)
        self.threshold_ = float(np.median(X[:, 2]))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(X)[:, 2] > self.threshold_, self.classes_[-1], self.classes_[0])


def test_a_classifier_with_neither_gives_label_alone(tmp_path: Path) -> None:
    model = Voter().fit(X_IRIS, Y_IRIS)
    bundle = jinfer.export(model, X_IRIS, tmp_path / "voter.jinfer", formats=("python",))
    assert [o.name for o in bundle.manifest.outputs] == ["label"] and bundle.manifest.classes == (0, 1, 2)
    assert bundle.manifest.artifacts[0].details["callable"] == "predict"
    with jinfer.load(bundle.path, trust_python=True) as m:
        out = m.predict(X_IRIS.astype(np.float32))
    assert list(out) == ["label"]
    np.testing.assert_array_equal(out["label"], model.predict(X_IRIS.astype(np.float32)))
