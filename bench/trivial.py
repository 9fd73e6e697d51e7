"""The trivial model of DESIGN.md's Python-backend target, shared by the backend and the REST anchor."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin


def trivial_model(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The sum of each row's features: a model whose own cost is next to nothing."""
    return {"prediction": inputs["features"].sum(axis=1, dtype=np.float32)}


class TrivialRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn is untyped
    """:func:`trivial_model` as an estimator, so that ``jinfer.export`` can pickle it into a python
    artifact that both hosts of the python backend (Jep, JPype) load (``bench/jep_host.py``)."""

    def fit(self, X: np.ndarray, y: object = None) -> TrivialRegressor:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted as made: it learns nothing (``jinfer.export`` refuses an estimator not fitted)."""
        return True

    def predict(self, X: np.ndarray) -> np.ndarray:
        total: np.ndarray = np.asarray(X).sum(axis=1, dtype=np.float32)
        return total


def trivial_call(model: object, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The bundle's ``callable=``: :func:`trivial_model` itself, as the live object and FastAPI call it."""
    return trivial_model(inputs)
