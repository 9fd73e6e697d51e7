"""The benchmark's harness (bench/) on its mixed-type model: every side gets the same rows, and the
Java harness measures every series on a bundle of several inputs, strings included. No timing is
asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import numpy as np
import onnxruntime
import pytest

import jinfer

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_module(name: str) -> ModuleType:
    """bench/NAME.py under the name ``bench_NAME`` (tests/ has a ``models`` of its own); its own
    imports (``common``) are found on bench/, put last on the path."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    models = _bench_module("models")
    return models.make_models(tmp_path_factory.mktemp("bench"), only=("mixed",))["mixed"]


def test_the_mixed_bundle_takes_a_column_per_input_strings_included(mixed: Any) -> None:
    assert [(s.name, s.dtype, s.shape) for s in mixed.inputs] == [
        *((f"x{i}", "float32", (-1,)) for i in range(6)),
        *((c, "string", (-1,)) for c in ("region", "plan", "channel")),
    ]
    assert set(mixed.backends) >= {"onnx", "pmml"}  # issue 17 item 6 runs the PMML suites on it


@pytest.mark.parametrize("batch", [1, 7])
def test_every_side_predicts_the_same_rows(mixed: Any, batch: int) -> None:
    """jinfer (both backends) on the arrays, onnxruntime on the same arrays at its ranks,
    scikit-learn on the table: one answer; and jpmml-evaluator-python's frame holds the PMML's fields."""
    x = mixed.feeds(batch)
    assert isinstance(x.jinfer, dict) and x.jinfer["region"].dtype == object and len(x.own) == batch
    expected = mixed.estimator.predict_proba(x.own)
    for backend in ("onnx", "pmml"):
        with jinfer.load(mixed.bundle, backend=backend) as m:
            np.testing.assert_allclose(m.predict(x.jinfer)["probabilities"], expected, atol=1e-5)
    ort = onnxruntime.InferenceSession(mixed.onnx, providers=["CPUExecutionProvider"]).run(None, x.ort)
    np.testing.assert_allclose(ort[1], expected, atol=1e-5)
    # jpmml-evaluator-python's evaluateAll reads the frame's columns by the PMML's field names
    # (it is not run here: its JPype backend imports java.io, which the repository's java/ shadows)
    fields = [f.get("name") for f in ElementTree.parse(mixed.pmml_path).iter() if f.tag.endswith("DataField")]
    assert ["target", *x.frame.columns] == fields
    assert x.frame is x.own


def test_the_java_harness_measures_every_series_on_the_mixed_model(mixed: Any, tmp_path: Path) -> None:
    root = BENCH.parent
    subprocess.run(["gradle", "--console=plain", "-q", "benchClasspath"], cwd=root, check=True, capture_output=True)
    classpath = (root / "build" / "bench" / "classpath.txt").read_text().strip()
    out = tmp_path / "java.json"
    args = ["--batches", "1,3", "--pmml-batches", "1,3", "--rounds", "1", "--prewarm-ms", "1"]
    args += ["--block-ms", "1", "--warmup-ms", "1", "--thread-batches", "2", "--thread-rounds", "1"]
    args += ["--round-ms", "5", "--out", str(out), "--bundle", f"mixed={mixed.bundle}"]
    subprocess.run(["java", "-cp", classpath, "io.jinfer.bench.JavaBench", *args], check=True, capture_output=True)
    data = json.loads(out.read_text())
    assert data["skipped"] == []
    latency = {(r["series"], r["batch"]) for r in data["latency"] if r["model"] == "mixed"}
    series = ("jinfer-java", "jinfer-java-run", "ort-java", "jinfer-pmml-java", "jpmml-java")
    assert latency == {(s, b) for s in series for b in (1, 3)}
    threads = {(r["series"], r["threads"]) for r in data["threads"] if r["model"] == "mixed"}
    assert threads == {(s, t) for s in ("jinfer-java", "ort-java", "jinfer-pmml-java") for t in (1, 2)}
    assert all(v > 0 for r in data["latency"] for v in r["seconds"])
