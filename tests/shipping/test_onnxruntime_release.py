"""jinfer pins onnxruntime to the ONNX Runtime release its Java side runs. A user can still end up
with another one (``pip install --no-deps``, a later ``pip install onnxruntime==...``). Two
runtimes of different releases sit in one process without harm (the Python module carries its
own copy of the library), but they do not read the same graphs: where Python's onnxruntime
computes what Java must reproduce (an ONNX model exported as given), the other release either
refuses a graph that Java runs, or accepts one that Java cannot. There the error names the release
to install.

The other release here is a real one, onnxruntime 1.22.0 from PyPI, put ahead of the venv's on
PYTHONPATH: a graph of IR version 11, which ONNX Runtime 1.29 reads and 1.22 does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from ship import clean_env, run
from skl2onnx import to_onnx
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jinfer
from jinfer._optional import pinned_release

OTHER = "1.22.0"

EXPORT = """
import sys
import numpy as np
import onnx
import onnxruntime
import jinfer
from jinfer._optional import pinned_release
print("onnxruntime", onnxruntime.__version__)
model = onnx.load(sys.argv[1])
try:
    jinfer.export(model, np.load(sys.argv[2]), sys.argv[3])
except ImportError as e:
    print("ImportError:", e)
"""


@pytest.fixture(scope="module")
def other_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("onnxruntime-other")
    run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, f"onnxruntime=={OTHER}"],
        cwd=target,
    )
    return target


@pytest.fixture(scope="module")
def newer_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A logistic regression as an ONNX graph of IR version 11 (as a newer exporter writes), and its
    sample rows."""
    d = tmp_path_factory.mktemp("ir11")
    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    onx = to_onnx(
        LogisticRegression(max_iter=500).fit(X, y),
        X[:1],
        target_opset={"": 21, "ai.onnx.ml": 3},
        options={"zipmap": False},
    )
    onx.ir_version = 11
    onnx.save(onx, d / "model.onnx")
    np.save(d / "X.npy", X)
    return d / "model.onnx", d / "X.npy"


def test_the_pinned_release_exports_the_graph_and_java_runs_it(newer_graph: tuple[Path, Path], tmp_path: Path) -> None:
    assert onnxruntime.__version__ == pinned_release("onnxruntime")
    model, X = newer_graph
    bundle = jinfer.export(onnx.load(model), np.load(X), tmp_path / "m.jinfer")
    assert [a.backend for a in bundle.manifest.artifacts] == ["onnx"]
    assert bundle.manifest.artifacts[0].parity["passed"]  # Java ran it, and matched


def test_another_release_is_told_which_one_to_install(
    other_release: Path, newer_graph: tuple[Path, Path], tmp_path: Path
) -> None:
    model, X = newer_graph
    env = {**clean_env(), "PYTHONPATH": str(other_release)}
    r = run([sys.executable, "-c", EXPORT, model, X, tmp_path / "m.jinfer"], cwd=tmp_path, env=env)
    want = pinned_release("onnxruntime")
    assert f"onnxruntime {OTHER}" in r.stdout, r.stdout + r.stderr
    assert (
        f"ImportError: exporting an ONNX model as given needs onnxruntime {want}, the ONNX Runtime release of "
        f"jinfer's Java side, which must reproduce what it computes; this Python has onnxruntime {OTHER}: "
        f"pip install 'onnxruntime=={want}'"
    ) in r.stdout, r.stdout + r.stderr
    assert not (tmp_path / "m.jinfer").exists()


def test_without_the_check_the_other_release_fails_on_the_graph_itself(
    other_release: Path, newer_graph: tuple[Path, Path]
) -> None:
    """What the check saves the user from: onnxruntime 1.22 refuses a graph that Java's runs."""
    model, _ = newer_graph
    code = "import sys, onnxruntime as o; o.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])"
    env = {**clean_env(), "PYTHONPATH": str(other_release)}
    r = subprocess.run([sys.executable, "-c", code, str(model)], capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "Unsupported model IR version" in r.stderr, r.stderr
