"""The wrappers people pickle, and the objects jinfer cannot export, through the API and the CLI.

A ``{"metadata": ..., "model": ...}`` dict exports its model and keeps the metadata in the
manifest; anything else is refused with an ``UnsupportedModelError`` that names the type and the
supported families, and ``jinfer export`` prints one line and exits 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import jinfer
from models import MODELS, fitted

X_IRIS = MODELS["logreg"][1]
METADATA = {"version": "2024-05-01", "author": "ml-team", "metrics": {"accuracy": 0.97}, "description": "churn v3"}


def py_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jinfer", *args], capture_output=True, text=True, cwd=cwd)


def test_a_pickled_dict_exports_its_model_and_keeps_the_metadata(tmp_path: Path) -> None:
    wrapper = {"metadata": METADATA, "model": fitted("logreg"), "features": ["a", "b", "c", "d"]}
    bundle = jinfer.export(wrapper, X_IRIS, tmp_path / "w.jinfer", name="churn")
    m = bundle.manifest
    assert m.task == "classification" and m.artifacts[0].backend == "onnx"
    assert m.description == "churn v3"
    assert m.producer["metadata"] == {**METADATA, "features": ["a", "b", "c", "d"]}
    with jinfer.load(bundle.path) as jm:
        out = jm.predict(X_IRIS.astype(np.float32))
    np.testing.assert_array_equal(out["label"], fitted("logreg").predict(X_IRIS.astype(np.float32)))


def test_the_cli_exports_a_pickled_dict(tmp_path: Path) -> None:
    joblib.dump({"metadata": {"trained": np.datetime64("2024-05-01")}, "model": fitted("logreg")}, tmp_path / "m.pkl")
    np.save(tmp_path / "sample.npy", X_IRIS)
    r = py_cli("export", "m.pkl", "--sample", "sample.npy", "-o", "m.jinfer", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    m = jinfer.Bundle.open(tmp_path / "m.jinfer").manifest
    assert m.name == "m" and m.producer["metadata"] == {"trained": "2024-05-01"}  # made JSON-safe


UNSUPPORTED: dict[str, tuple[Any, str]] = {
    "a plain dict": ({"weights": [1, 2], "bias": 0.5}, "keys ['bias', 'weights'] is not a model"),
    "a function": (os.path.join, "cannot export the function posixpath.join"),
    "an unfitted estimator": (LogisticRegression(), "LogisticRegression is not fitted"),
    "a string": ("model.pkl", "cannot export a builtins.str"),
}


@pytest.mark.parametrize("what", UNSUPPORTED)
def test_unsupported_objects_are_refused_naming_the_type(what: str, tmp_path: Path) -> None:
    obj, says = UNSUPPORTED[what]
    with pytest.raises(jinfer.UnsupportedModelError) as info:
        jinfer.export(obj, X_IRIS, tmp_path / "u.jinfer")
    assert says in str(info.value) and info.value.code == "UNSUPPORTED_MODEL"
    assert isinstance(info.value, TypeError)
    if what != "an unfitted estimator":
        assert "scikit-learn estimators" in str(info.value) or "'model'" in str(info.value)
    assert not (tmp_path / "u.jinfer").exists()


@pytest.mark.parametrize("what", ["a plain dict", "a function", "an unfitted estimator"])
def test_the_cli_refuses_them_in_one_line_with_exit_code_2(what: str, tmp_path: Path) -> None:
    obj, says = UNSUPPORTED[what]
    joblib.dump(obj, tmp_path / "thing.joblib")
    np.save(tmp_path / "sample.npy", X_IRIS)
    r = py_cli("export", "thing.joblib", "--sample", "sample.npy", "-o", "t.jinfer", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jinfer: error: ") and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "t.jinfer").exists()


def test_a_file_that_cannot_be_unpickled_is_one_line_too(tmp_path: Path) -> None:
    (tmp_path / "broken.pkl").write_bytes(b"\x80\x04not a pickle at all")
    np.save(tmp_path / "sample.npy", X_IRIS)
    r = py_cli("export", "broken.pkl", "--sample", "sample.npy", "-o", "t.jinfer", cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "broken.pkl: cannot be loaded with joblib" in r.stderr and "Traceback" not in r.stderr
    debug = py_cli("--debug", "export", "broken.pkl", "--sample", "sample.npy", "-o", "t.jinfer", cwd=tmp_path)
    assert debug.returncode == 2 and "Traceback" in debug.stderr
