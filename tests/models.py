"""The reference models of the test suites: trained here, deterministically, on small data."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_BIN, Y_BIN = make_classification(n_samples=300, n_features=12, n_informative=6, random_state=7)
X_REG, Y_REG = make_regression(n_samples=300, n_features=10, noise=5.0, random_state=3)


def _fit(model: Any, X: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    return lambda: model.fit(X, y)


@cache
def fitted(name: str) -> Any:
    """The reference model ``name``, fitted once per process."""
    return MODELS[name][0]()


MODELS: dict[str, tuple[Callable[[], Any], np.ndarray]] = {
    "logreg": (_fit(LogisticRegression(max_iter=1000), X_IRIS, Y_IRIS), X_IRIS),
    "forest": (_fit(RandomForestClassifier(n_estimators=100, random_state=0), X_BIN, Y_BIN), X_BIN),
    "gbr": (_fit(GradientBoostingRegressor(random_state=0), X_REG, Y_REG), X_REG),
    "pipeline": (
        _fit(
            Pipeline(
                [("scale", StandardScaler()), ("pca", PCA(n_components=3)), ("clf", LogisticRegression(max_iter=1000))]
            ),
            X_IRIS,
            Y_IRIS,
        ),
        X_IRIS,
    ),
}
