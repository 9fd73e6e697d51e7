"""Export → load in the JVM → predict, against scikit-learn itself, for every reference model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jinfer
from models import MODELS, fitted

CASES = [f"{name}-{dtype}" for name in MODELS for dtype in ("float32", "float64")]


@pytest.mark.parametrize("case", CASES)
def test_java_matches_scikit_learn(case: str, bundles: dict[str, Path]) -> None:
    name, dtype = case.rsplit("-", 1)
    model = fitted(name)
    X = MODELS[name][1]
    with jinfer.load(bundles[case]) as m:
        assert m.backend == "onnx"
        out = m.predict(X.astype(dtype))
    if m.manifest.task == "classification":
        assert out["probabilities"].dtype == np.dtype(dtype)
        np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(out["label"], model.predict(X))
        assert list(m.manifest.classes) == [int(c) for c in model.classes_]
    else:
        assert out["prediction"].dtype == np.dtype(dtype)
        expected = model.predict(X)  # within 1e-5 of the output's magnitude
        np.testing.assert_allclose(out["prediction"], expected, rtol=0, atol=1e-5 * np.abs(expected).max())


def test_a_graph_that_declares_a_batch_of_one_runs_on_any_batch(tmp_path: Path) -> None:
    """skl2onnx declares the label of a TfidfTransformer pipeline as [1]; ONNX Runtime gives [n]."""
    import onnx
    from sklearn.datasets import load_iris
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    X, y = load_iris(return_X_y=True)
    model = Pipeline([("tfidf", TfidfTransformer()), ("clf", LogisticRegression(max_iter=1000))]).fit(X, y)
    bundle = jinfer.export(model, X, tmp_path / "tfidf.jinfer", formats=["onnx"])
    graph = onnx.load_from_string(bundle.read("model.onnx"))
    declared = [[d.dim_value for d in o.type.tensor_type.shape.dim] for o in graph.graph.output]
    assert [1] in declared  # the case this is about
    with jinfer.load(bundle.path) as m:
        X32 = X.astype(np.float32)
        np.testing.assert_array_equal(m.predict(X32)["label"], model.predict(X32))


@pytest.mark.parametrize("case", ["forest-float32", "gbr-float64"])
def test_manifest_records_what_was_proven(case: str, bundles: dict[str, Path]) -> None:
    b = jinfer.Bundle.open(bundles[case])
    m = b.manifest
    assert m.format_version == 1
    assert [(a.backend, a.path) for a in m.artifacts] == [("onnx", "model.onnx"), ("pmml", "model.pmml")]
    onnx, pmml = m.artifacts
    assert onnx.details["converter"].startswith("skl2onnx") and onnx.details["opset"] > 0
    assert pmml.details["converter"].startswith("sklearn2pmml") and pmml.details["pmml_version"]
    for artifact in m.artifacts:
        data = b.read_artifact(artifact)  # checks size and sha256
        assert len(data) == artifact.bytes
        parity = artifact.parity
        assert parity["passed"] is True and parity["checked_with"] == "java"
        assert parity["rows"] == len(MODELS[case.split("-")[0]][1])
        for figures in parity["outputs"].values():
            assert figures["mismatches"] == 0
    libs = m.producer["libraries"]
    assert {"scikit-learn", "skl2onnx", "onnx", "numpy", "sklearn2pmml"} <= set(libs)
    names = [o.name for o in m.outputs]
    assert names == (["label", "probabilities"] if m.task == "classification" else ["prediction"])
    assert set(b.parity_inputs()) == {"features"}
    assert set(b.parity_expected()) == set(names)


def test_bundle_inspects_without_a_jvm(bundles: dict[str, Path], tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import jinfer, jpype, sys; b = jinfer.Bundle.open(sys.argv[1]); "
        "print(b.manifest.name, [a.backend for a in b.manifest.artifacts]); assert not jpype.isJVMStarted()"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(bundles["logreg-float32"])], capture_output=True, text=True, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "logreg ['onnx', 'pmml']"


def test_export_writes_directory_bundles_too(tmp_path: Path) -> None:
    X = MODELS["logreg"][1]
    b = jinfer.export(fitted("logreg"), X, tmp_path / "dir-bundle", name="d", as_directory=True)
    assert (tmp_path / "dir-bundle" / "manifest.json").is_file()
    with jinfer.load(b.path) as m:
        np.testing.assert_array_equal(m.predict(X.astype(np.float32))["label"], fitted("logreg").predict(X))


def test_export_never_leaves_a_half_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When no artifact passes parity, nothing is written, and an existing bundle stays intact."""
    X = MODELS["logreg"][1]
    target = tmp_path / "m.jinfer"
    jinfer.export(fitted("logreg"), X, target, name="ok")
    before = target.read_bytes()
    with (
        pytest.raises(jinfer.ParityError, match="parity failed"),
        pytest.warns(jinfer.ExportWarning, match="dropped the onnx artifact"),
    ):
        # an impossible tolerance: float32 cannot match float64 probabilities to 0
        jinfer.export(fitted("logreg"), X, target, name="strict", rtol=0.0, atol=0.0)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.jinfer"]


def test_python_threads_share_one_model(bundles: dict[str, Path]) -> None:
    """Four Python threads predict on one loaded model at once, each its own rows, one at a time
    (each call crosses into Java once with its own buffers): every answer is that row's own."""
    from concurrent.futures import ThreadPoolExecutor

    model = fitted("forest")
    X = MODELS["forest"][1].astype(np.float32)
    expected = model.predict_proba(X)
    with jinfer.load(bundles["forest-float32"]) as m:

        def rows(start: int) -> int:
            wrong = 0
            for i in range(start, start + 2 * len(X), 4):
                r = i % len(X)
                out = m.predict(X[r : r + 1])
                wrong += int(not np.allclose(out["probabilities"][0], expected[r], rtol=1e-5, atol=1e-5))
                wrong += int(out["label"][0] != model.classes_[np.argmax(expected[r])])
            return wrong

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(rows, range(4))) == [0, 0, 0, 0]
