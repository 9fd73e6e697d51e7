"""Builds outside this one that use the published io.jinfer:jinfer from build/repo, and nothing else
of this repository: examples/consumers/gradle (the integration-test recipe of docs/gradle.md) and
examples/consumers/maven, with ONNX alone, and with the optional JPMML for a PMML-only bundle."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ship import GRADLE, ROOT, VERSION, run
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import jinfer

CONSUMERS = ROOT / "examples" / "consumers"
X, Y = load_iris(return_X_y=True)
X32 = X.astype(np.float32)


def test_gradle_build_exports_with_python_then_its_junit_test_loads_the_bundle(repo: Path, wheel_venv: Path) -> None:
    """The recipe end to end, with the Python of a user's venv (the wheel installed in a fresh one):
    exportBundles runs export_model.py, and the JUnit test predicts what the Python model did."""
    project = CONSUMERS / "gradle"
    r = run(
        [
            GRADLE,
            "--console=plain",
            "--rerun-tasks",  # the export and the test run each time, never UP-TO-DATE
            "test",
            f"-Ppython={wheel_venv / 'python'}",
            f"-PjinferRepo={repo.as_uri()}",
            f"-PjinferVersion={VERSION}",
        ],
        cwd=project,
    )
    assert ":exportBundles" in r.stdout and "exported " in r.stdout, r.stdout
    [report] = (project / "build" / "test-results" / "test").glob("TEST-*.xml")
    suite = ET.parse(report).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "2",
        "0",
        "0",
        "0",
    )


def mvn(
    repo: Path, maven_local: Path, bundle: Path, tmp: Path, *profiles: str, check: bool = True
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Runs the Maven consumer's Predict on ``bundle`` with the iris rows: the run, and the file of
    outputs it writes."""
    np.save(tmp / "X.npy", X32)
    out = tmp / "out.npz"
    r = run(
        [
            "mvn",
            "--batch-mode",
            "--quiet",
            "-Dstyle.color=never",
            f"-Dmaven.repo.local={maven_local}",
            f"-Djinfer.repo={repo.as_uri()}",
            f"-Djinfer.version={VERSION}",
            *(f"-P{p}" for p in profiles),
            "compile",
            "exec:exec",
            f"-Dbundle={bundle}",
            f"-Dinput={tmp / 'X.npy'}",
            f"-Doutput={out}",
        ],
        cwd=CONSUMERS / "maven",
        check=check,
    )
    return r, out


def assert_predicts(out: Path, model: Any) -> None:
    """The outputs Java wrote are the scikit-learn model's own predictions."""
    got = np.load(out)
    np.testing.assert_array_equal(got["label"], model.predict(X32))
    np.testing.assert_allclose(got["probabilities"], model.predict_proba(X32), rtol=1e-5, atol=1e-6)


def test_maven_build_predicts_an_onnx_bundle_without_jpmml(repo: Path, maven_local: Path, tmp_path: Path) -> None:
    model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X32, Y)
    bundle = jinfer.export(model, X32, tmp_path / "iris.jinfer", formats=("onnx",)).path
    r, out = mvn(repo, maven_local, bundle, tmp_path)
    assert "backend: onnx" in r.stdout
    assert_predicts(out, model)


@pytest.fixture(scope="module")
def pmml_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A model whose bundle has a PMML artifact and nothing else: no ONNX to fall back on."""
    model = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression(max_iter=500)).fit(X32, Y)
    path = tmp_path_factory.mktemp("pmml") / "log1p.jinfer"
    bundle = jinfer.export(model, X32, path, formats=("pmml",))
    assert [a.backend for a in bundle.manifest.artifacts] == ["pmml"]
    return bundle.path, model


def test_maven_build_with_the_optional_jpmml_predicts_a_pmml_bundle(
    repo: Path, maven_local: Path, pmml_only: tuple[Path, Any], tmp_path: Path
) -> None:
    bundle, model = pmml_only
    r, out = mvn(repo, maven_local, bundle, tmp_path, "pmml")
    assert "backend: pmml" in r.stdout
    assert_predicts(out, model)


def test_maven_build_without_jpmml_is_told_which_artifact_to_add(
    repo: Path, maven_local: Path, pmml_only: tuple[Path, Any], tmp_path: Path
) -> None:
    bundle, _ = pmml_only
    r, out = mvn(repo, maven_local, bundle, tmp_path, check=False)
    assert r.returncode != 0 and not out.exists()
    assert (
        "JPMML-Evaluator is not on the classpath; add the Maven artifact org.jpmml:pmml-evaluator-metro:"
        in r.stdout + r.stderr
    )
