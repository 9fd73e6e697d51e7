"""The default dtype: float32, unless a scikit-learn model given float64 rows needs float64."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

import jinfer

X, Y = load_iris(return_X_y=True)


def exported(model: object, path: Path, **kw: object) -> tuple[jinfer.Bundle, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundle = jinfer.export(model, X, path, **kw)
    return bundle, [str(w.message) for w in caught if issubclass(w.category, jinfer.ExportWarning)]


def test_an_encoder_of_float64_values_gets_a_float64_bundle(tmp_path: Path) -> None:
    model = Pipeline([("enc", OrdinalEncoder()), ("clf", LogisticRegression(max_iter=1000))]).fit(X, Y)
    with pytest.raises(ValueError, match="unknown categories"):
        model.predict(X.astype(np.float32))  # float32 rows are not the values it was fitted on
    bundle, said = exported(model, tmp_path / "enc.jinfer")
    assert bundle.manifest.inputs[0].dtype == "float64"
    assert any("takes float64 inputs" in s and "float32 fails" in s for s in said), said
    assert {"onnx", "pmml"} & {a.backend for a in bundle.manifest.artifacts}
    with jinfer.load(bundle.path) as m:
        out = m.predict(X)
    np.testing.assert_array_equal(out["label"], model.predict(X))
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_an_explicit_float32_is_kept_and_fails_as_the_model_does(tmp_path: Path) -> None:
    model = Pipeline([("enc", OrdinalEncoder()), ("clf", LogisticRegression(max_iter=1000))]).fit(X, Y)
    with pytest.raises(jinfer.InputError, match="unknown categories") as e:
        jinfer.export(model, X, tmp_path / "enc.jinfer", dtype="float32")
    assert e.value.code == "DTYPE_MISMATCH"
    assert "Pipeline refuses the export sample as float32" in str(e.value) and "dtype='float64'" in str(e.value)
    assert not (tmp_path / "enc.jinfer").exists()


def test_a_model_float32_serves_stays_float32(tmp_path: Path) -> None:
    model = LogisticRegression(max_iter=1000).fit(X, Y)
    bundle, said = exported(model, tmp_path / "lr.jinfer")
    assert bundle.manifest.inputs[0].dtype == "float32"
    assert not any("float64" in s for s in said), said
