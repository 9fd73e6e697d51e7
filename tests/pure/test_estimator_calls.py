"""Estimator calls that scikit-learn refuses in float32 are made with the same values in float64."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris
from sklearn.decomposition import NMF
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from jinfer._estimators import call

X, Y = load_iris(return_X_y=True)
X32 = X.astype(np.float32)


def test_kmeans_fitted_on_float64_labels_float32_rows() -> None:
    model = KMeans(n_clusters=3, n_init=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):
        model.predict(X32)
    np.testing.assert_array_equal(call(model.predict, X32), model.predict(X32.astype(np.float64)))


def test_nmf_before_a_classifier_takes_float32_rows() -> None:
    model = make_pipeline(NMF(n_components=2, max_iter=500, random_state=0), LogisticRegression()).fit(X, Y)
    with pytest.raises(TypeError, match="same dtype as X"):
        model.predict(X32)
    np.testing.assert_array_equal(call(model.predict, X32), model.predict(X32.astype(np.float64)))


def test_other_errors_are_not_retried() -> None:
    def refuse(X: np.ndarray) -> None:
        raise ValueError(f"no, not {X.dtype}")

    with pytest.raises(ValueError, match="no, not float32"):
        call(refuse, X32)
