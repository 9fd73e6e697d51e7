"""`make test-compat`: this venv (build/venv-compat) holds the oldest versions pyproject.toml
accepts, and a python artifact crosses between it and the newest venv (.venv, the one `make test`
uses, whose Python comes as JINFER_OTHER_PYTHON). The side that loads it says which versions
differ, its own and the exporter's. Made here, it predicts there what it predicted at export; made
under numpy 2, it cannot load under numpy 1 (numpy 2 pickles name ``numpy._core``), and the error
says so after the warning.

The model is a GaussianNB, whose fitted attributes are the same from scikit-learn 1.1 to 1.8 (a
LogisticRegression of 1.8 has no ``multi_class`` for 1.1's ``predict``)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import tomllib
from pathlib import Path

import numpy as np
import pytest
from packaging.version import Version
from sklearn.datasets import load_iris
from sklearn.naive_bayes import GaussianNB

import jinfer

ROOT = Path(__file__).resolve().parents[2]
OTHER = os.environ.get("JINFER_OTHER_PYTHON")
pytestmark = pytest.mark.skipif(
    not OTHER, reason="make test-compat runs these, with the newest venv's Python as JINFER_OTHER_PYTHON"
)

EXPORT = """
import sys
from sklearn.datasets import load_iris
from sklearn.naive_bayes import GaussianNB
import jinfer
X, y = load_iris(return_X_y=True)
model = GaussianNB().fit(X, y)
jinfer.export(model, X, sys.argv[1], name="iris", formats=("python",))
"""

LOAD = """
import sys, warnings
import numpy as np
import jinfer
with jinfer.Bundle.open(sys.argv[1]) as b:
    X, expected = b.parity_inputs()["features"], b.parity_expected()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with jinfer.load(sys.argv[1], trust_python=True) as m:
        out = m.predict(X)
for w in caught:
    if issubclass(w.category, jinfer.DependencyWarning):
        print("DependencyWarning:", w.message)
np.testing.assert_array_equal(out["label"], expected["label"])
np.testing.assert_allclose(out["probabilities"], expected["probabilities"], rtol=1e-6, atol=1e-7)
print("predicts as at export")
"""


def other(script: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OTHER
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([OTHER, "-c", script, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def sklearn_of(python: str) -> str:
    code = "import importlib.metadata as m; print(m.version('scikit-learn'))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_this_venv_holds_the_oldest_supported_versions() -> None:
    spec = importlib.util.spec_from_file_location("oldest_requirements", ROOT / "scripts" / "oldest_requirements.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    oldest = script.oldest(project["dependencies"] + project["optional-dependencies"]["pmml"])
    assert {"scikit-learn", "numpy", "pandas", "onnx", "skl2onnx"} <= oldest.keys()
    installed = {name: importlib.metadata.version(name) for name in oldest}
    assert {n: Version(v) for n, v in installed.items()} == {n: Version(v) for n, v in oldest.items()}, installed


def test_exported_here_loaded_by_the_newest(tmp_path: Path) -> None:
    assert OTHER
    old, new = importlib.metadata.version("scikit-learn"), sklearn_of(OTHER)
    assert old != new
    X, y = load_iris(return_X_y=True)
    bundle = jinfer.export(GaussianNB().fit(X, y), X, tmp_path / "old.jinfer", formats=("python",))
    r = other(LOAD, bundle.path, cwd=tmp_path)
    assert "DependencyWarning: jinfer: the Python artifact was exported with other library versions" in r.stdout
    assert f"scikit-learn {new} (exported with {old})" in r.stdout, r.stdout
    assert "predicts as at export" in r.stdout


def test_exported_by_the_newest_loaded_here(tmp_path: Path) -> None:
    assert OTHER
    old, new = importlib.metadata.version("scikit-learn"), sklearn_of(OTHER)
    path = tmp_path / "new.jinfer"
    other(EXPORT, path, cwd=tmp_path)
    with jinfer.Bundle.open(path) as b:
        X, expected = b.parity_inputs()["features"], b.parity_expected()
        numpy_then = b.manifest.artifacts[0].details["requirements"]["numpy"]
    warned = pytest.warns(jinfer.DependencyWarning, match=rf"scikit-learn {old} \(exported with {new}\)")
    if Version(numpy_then).major > Version(np.__version__).major:
        with warned, pytest.raises(jinfer.BackendError, match=r"No module named 'numpy\._core'"):
            jinfer.load(path, trust_python=True)
        return
    with warned, jinfer.load(path, trust_python=True) as m:
        out = m.predict(X)
    np.testing.assert_array_equal(out["label"], expected["label"])
    np.testing.assert_allclose(out["probabilities"], expected["probabilities"], rtol=1e-6, atol=1e-7)
