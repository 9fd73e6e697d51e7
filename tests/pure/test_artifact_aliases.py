"""Python artifacts pickle jinfer's classes by module path: the paths bundles of earlier releases
name keep resolving to the classes' one home, ``jinfer._artifacts``, without importing torch or mlflow."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np

from jinfer import _artifacts

# (module, name) as pickles and manifests of jinfer 0.1.0 name them
OLD_PATHS = [
    ("jinfer._torch", "TorchPredictor"),
    ("jinfer._torch", "predict_outputs"),
    ("jinfer._mlflow", "PyfuncModel"),
]


def test_the_old_paths_are_the_classes_of_today() -> None:
    for module, name in OLD_PATHS:
        assert getattr(importlib.import_module(module), name) is getattr(_artifacts, name), f"{module}.{name}"


def test_a_pickle_naming_an_old_path_unpickles_to_the_class_of_today(tmp_path: Path) -> None:
    predictor = _artifacts.TorchPredictor(None, "classification", ["a", "b"], "features")
    data = pickle.dumps(predictor, protocol=0).replace(b"jinfer._artifacts", b"jinfer._torch")
    assert b"jinfer._torch" in data
    back = pickle.loads(data)
    assert type(back) is _artifacts.TorchPredictor
    assert (back.task, back.classes, back.input_name) == ("classification", ["a", "b"], "features")
    pyfunc = _artifacts.PyfuncModel(_write(tmp_path), ["a"])
    back_pyfunc = pickle.loads(pickle.dumps(pyfunc, protocol=0).replace(b"jinfer._artifacts", b"jinfer._mlflow"))
    assert type(back_pyfunc) is _artifacts.PyfuncModel
    assert (back_pyfunc.files, back_pyfunc.columns) == (pyfunc.files, ["a"])


def test_the_torch_callable_of_the_manifests_resolves() -> None:
    module, _, name = "jinfer._torch:predict_outputs".partition(":")
    fn = getattr(importlib.import_module(module), name)

    class Doubling:
        input_name = "x"

        def outputs(self, X: np.ndarray) -> dict[str, np.ndarray]:
            return {"prediction": 2 * X}

    out = fn(Doubling(), {"x": np.arange(3.0)})
    np.testing.assert_array_equal(out["prediction"], [0.0, 2.0, 4.0])


def test_importing_the_aliases_imports_neither_torch_nor_mlflow(tmp_path: Path) -> None:
    code = (
        "import sys, jinfer._torch, jinfer._mlflow; print(sorted(m for m in ('torch', 'mlflow') if m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.stdout.strip() == "[]", r.stderr


def _write(folder: Path) -> Path:
    d = folder / "pyfunc"
    d.mkdir()
    (d / "MLmodel").write_text("flavors: {}\n", encoding="utf-8")
    return d
