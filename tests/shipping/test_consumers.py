"""Builds outside this one that use the published io.jinfer:jinfer from build/repo, and nothing else
of this repository: examples/consumers/gradle (the integration-test recipe of docs/gradle.md) and
examples/consumers/maven, with ONNX alone, with the optional JPMML for a PMML-only bundle, and
repackaged as a Spring Boot executable jar."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
import zipfile
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


def maven(repo: Path, maven_local: Path) -> list[str]:
    """``mvn`` quiet, on the published artifact in ``repo``, with a local repository of the tests' own."""
    return [
        "mvn",
        "--batch-mode",
        "--quiet",
        "-Dstyle.color=never",
        f"-Dmaven.repo.local={maven_local}",
        f"-Djinfer.repo={repo.as_uri()}",
        f"-Djinfer.version={VERSION}",
    ]


def mvn(
    repo: Path, maven_local: Path, bundle: Path, tmp: Path, *profiles: str, check: bool = True
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Runs the Maven consumer's Predict on ``bundle`` with the iris rows: the run, and the file of
    outputs it writes."""
    np.save(tmp / "X.npy", X32)
    out = tmp / "out.npz"
    r = run(
        [
            *maven(repo, maven_local),
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


def test_a_spring_boot_executable_jar_predicts_an_onnx_bundle(repo: Path, maven_local: Path, tmp_path: Path) -> None:
    """The way a Spring Boot service ships: jinfer and ONNX Runtime nested in BOOT-INF/lib, loaded by
    Boot's launcher, started with ``java -jar`` as systemd or Kubernetes would: ONNX Runtime's native
    libraries come out of a jar inside the jar, into a cache of the run's own, with its telemetry on
    (a service's default)."""
    model = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X32, Y)
    bundle = jinfer.export(model, X32, tmp_path / "iris.jinfer", formats=("onnx",)).path
    project = CONSUMERS / "maven"
    run(
        [
            *maven(repo, maven_local),
            "-Pboot",
            "-DskipTests",
            "clean",
            "package",
        ],
        cwd=project,
    )
    app = project / "target" / "jinfer-consumer-maven-1.0.0.jar"
    with zipfile.ZipFile(app) as z:  # a Boot jar: the launcher at the top, jinfer nested
        names = z.namelist()
    assert any(n.startswith("org/springframework/boot/loader/") for n in names), names[:20]
    assert f"BOOT-INF/lib/jinfer-{VERSION}.jar" in names, [n for n in names if n.startswith("BOOT-INF/lib/")]
    np.save(tmp_path / "X.npy", X32)
    out, tmp, cache = tmp_path / "out.npz", tmp_path / "tmp", tmp_path / "cache"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "JAVA_TOOL_OPTIONS")}
    env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache))
    r = run(["java", f"-Djava.io.tmpdir={tmp}", "-jar", app, bundle, tmp_path / "X.npy", out], cwd=tmp_path, env=env)
    assert "backend: onnx" in r.stdout, r.stdout + r.stderr
    assert_predicts(out, model)
    assert list((cache / "jinfer" / "native").iterdir()), "ONNX Runtime's libraries were not cached"
    assert [n for n in os.listdir(tmp) if n.startswith(("mat-debug", "onnxruntime-java"))] == []


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
