"""NaN and ±Inf: one policy on every backend. By default ``predict`` refuses them with
``INVALID_VALUE``, naming the input, the row and the column, as scikit-learn refuses them;
``allow_non_finite=True`` lets them through, and a row the model cannot score is still refused
by name rather than given a label."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jinfer
from jinfer import InputError
from models import MODELS, fitted

X = MODELS["logreg"][1][:6].astype(np.float32)
BACKENDS = ["onnx", "pmml", "python"]


@pytest.fixture(scope="module")
def python_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nonfinite") / "logreg-python.jinfer"
    return jinfer.export(fitted("logreg"), MODELS["logreg"][1], out, name="logreg", formats=("python",)).path


def load(backend: str, bundles: dict[str, Path], python_bundle: Path, **kw: Any) -> jinfer.Model:
    path = python_bundle if backend == "python" else bundles["logreg-float32"]
    return jinfer.load(path, backend=backend, trust_python=backend == "python", **kw)


@pytest.mark.parametrize("bad, shown", [(np.nan, "NaN"), (np.inf, "+Inf"), (-np.inf, "-Inf")], ids=str)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch", [6, 2000], ids=["staged", "handed-over"])
def test_non_finite_values_are_refused_by_every_backend(
    backend: str, bad: float, shown: str, batch: int, bundles: dict[str, Path], python_bundle: Path
) -> None:
    rows = np.resize(X, (batch, 4))
    rows[3, 2] = bad
    with load(backend, bundles, python_bundle) as m:
        with pytest.raises(InputError) as info:
            m.predict(rows)
        e = info.value
        assert e.code == "INVALID_VALUE", e
        assert "input 'features', row 3, column 2 ('x3'): " + shown in str(e), e
        assert "allow_non_finite=True" in str(e)
        np.testing.assert_array_equal(m.predict(X)["label"], fitted("logreg").predict(X))  # still serves


@pytest.mark.parametrize("backend", BACKENDS)
def test_allowed_nan_reaches_the_model_and_an_unscorable_row_is_named(
    backend: str, bundles: dict[str, Path], python_bundle: Path
) -> None:
    """Logistic regression has no missing-value handling: ONNX Runtime computes NaN
    probabilities (which the caller then sees), while JPMML and scikit-learn refuse the row."""
    rows = X.copy()
    rows[4, 0] = np.nan
    with load(backend, bundles, python_bundle, allow_non_finite=True) as m:
        if backend == "onnx":
            out = m.predict(rows)
            assert np.isnan(out["probabilities"][4]).all()
            np.testing.assert_array_equal(out["label"][:4], fitted("logreg").predict(X[:4]))
        elif backend == "pmml":
            with pytest.raises(InputError, match="row 4: the PMML model gives no prediction") as info:
                m.predict(rows)
            assert info.value.code == "INVALID_VALUE"
        else:
            with pytest.raises(jinfer.BackendError, match="NaN"):
                m.predict(rows)
        np.testing.assert_array_equal(m.predict(X)["label"], fitted("logreg").predict(X))
