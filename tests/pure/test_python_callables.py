"""The function the python backend calls for a fitted classifier (``jinfer._runtime.pyhost.model_callable``):
where scikit-learn defines ``predict`` as the class of the highest ``predict_proba``, the model runs
once per call and the label comes from the probabilities; elsewhere both methods run. Either way
the answers are the model's own. No JVM is needed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from jinfer._manifest import Artifact, Manifest, TensorSpec, utc_now
from jinfer._runtime.pyhost import model_callable

X, Y = make_classification(n_samples=400, n_features=8, n_informative=5, n_classes=3, random_state=1)
LABELS = np.array(["ant", "bee", "cat"])[Y]  # string classes: the label must be a class, not an index


def manifest(n_classes: int) -> Manifest:
    return Manifest(
        name="m",
        version="1",
        task="classification",
        inputs=(TensorSpec("features", "float64", (-1, X.shape[1])),),
        outputs=(TensorSpec("label", "string", (-1,)), TensorSpec("probabilities", "float64", (-1, n_classes))),
        artifacts=(Artifact("python", "model.joblib", "0" * 64, 0, {}),),
        classes=tuple(range(n_classes)),
        created_at=utc_now(),
    )


class Counting:
    """Counts calls of a fitted model's ``predict`` and ``predict_proba``."""

    def __init__(self, model: Any) -> None:
        self.calls = {"predict": 0, "predict_proba": 0}
        for name in self.calls:
            setattr(model, name, self._counted(name, getattr(model, name)))

    def _counted(self, name: str, method: Any) -> Any:
        def call(*args: Any) -> Any:
            self.calls[name] += 1
            return method(*args)

        return call


ONCE = [
    RandomForestClassifier(n_estimators=20, random_state=0),
    GradientBoostingClassifier(random_state=0),
    HistGradientBoostingClassifier(random_state=0),
    DecisionTreeClassifier(random_state=0),
    LogisticRegression(max_iter=2000),
    KNeighborsClassifier(),
    MLPClassifier(max_iter=2000, random_state=0),
    make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
]


@pytest.mark.parametrize("model", ONCE, ids=lambda m: type(m).__name__)
def test_known_classifiers_run_once_and_answer_as_predict(model: Any) -> None:
    model.fit(X, LABELS)
    expected_label, expected_proba = model.predict(X), model.predict_proba(X)
    counting = Counting(model)
    out = model_callable(model, manifest(3), None)({"features": X})
    assert counting.calls == {"predict": 0, "predict_proba": 1}
    np.testing.assert_array_equal(out["label"], expected_label)
    np.testing.assert_array_equal(out["probabilities"], expected_proba)


def test_svc_keeps_its_own_predict() -> None:
    """SVC's probabilities come from Platt scaling: their argmax is not always its ``predict``."""
    model = SVC(probability=True, random_state=0).fit(X, LABELS)
    expected = model.predict(X)
    assert (model.classes_[model.predict_proba(X).argmax(axis=1)] != expected).any()  # why it must
    counting = Counting(model)
    out = model_callable(model, manifest(3), None)({"features": X})
    assert counting.calls == {"predict": 1, "predict_proba": 1}
    np.testing.assert_array_equal(out["label"], expected)
