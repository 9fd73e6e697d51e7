"""The python backend as a user runs it: Java programs under `jinfer run-java` calling real CPython.

Every Java program here (tests/jvm/javasrc/*.java) is compiled once (a module fixture) against jinfer's jars
and run in a subprocess, through `jinfer run-java` (or a Python script calling `jinfer.run_java`,
or a plain `java`), with tests/pyfixtures on its PYTHONPATH. The tests check exit statuses,
printed numbers against scikit-learn's own, error classes and codes, and files on disk.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris

import jinfer
from jinfer import Bundle, write_bundle
from jinfer._runtime.jvm import classpath
from models import fitted

ROOT = Path(__file__).resolve().parents[2]
JAVA_SOURCES = Path(__file__).parent / "javasrc"
PYFIXTURES = ROOT / "tests" / "pyfixtures"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(PYFIXTURES))

import custom_models as cm  # noqa: E402 - from tests/pyfixtures, put on sys.path just above

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X32 = X_IRIS.astype(np.float32)


# ---------------------------------------------------------------- running things as a user does


def child_env(pyfixtures: bool = True, **extra: str) -> dict[str, str]:
    """This environment without jinfer's trust or marker variables, tests/pyfixtures on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("JINFER_TRUST_PYTHON", "JINFER_TEST_MARKER")}
    paths = ([str(PYFIXTURES)] if pyfixtures else []) + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


def run_java(
    classes: Path,
    main: str,
    *args: object,
    cwd: Path,
    timeout: float = 120,
    pyfixtures: bool = True,
    command: tuple[str, ...] = (sys.executable, "-m", "jinfer"),
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """``python -m jinfer run-java -cp CLASSES MAIN ARGS...`` (or another ``jinfer`` command)."""
    cmd = [*command, "run-java", "-cp", str(classes), main, *map(str, args)]
    return subprocess.run(
        cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout, env=child_env(pyfixtures, **env)
    )


def run_script(script: str, *args: object, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A Python program (that registers objects and calls ``jinfer.run_java``) in its own process."""
    cmd = [sys.executable, "-c", textwrap.dedent(script), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout, env=child_env())


def plain_java(classes: Path, main: str, *args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``java -cp JARS:CLASSES MAIN ARGS...``: a JVM that no Python process hosts."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    assert java, "no `java` on PATH and no JAVA_HOME"
    cp = os.pathsep.join([*classpath(), str(classes)])
    return subprocess.run(
        [java, "-cp", cp, main, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120, env=child_env()
    )


def outputs(stdout: str) -> dict[str, np.ndarray]:
    """The ``out NAME DTYPE D0xD1 v v ...`` lines that PyPredict prints, as arrays."""
    found = {}
    for line in stdout.splitlines():
        if line.startswith("out "):
            _, name, dtype, shape, *values = line.split(" ")
            dims = tuple(int(d) for d in shape.split("x"))
            if dtype == "string":
                arr = np.array(values)
            elif dtype.startswith("float"):
                arr = np.array([float(v) for v in values], dtype=dtype)
            else:
                arr = np.array([int(v) for v in values], dtype=dtype)
            found[name] = arr.reshape(dims)
    return found


def facts(stdout: str) -> dict[str, str]:
    """``name=value`` lines."""
    return dict(line.split("=", 1) for line in stdout.splitlines() if re.fullmatch(r"[\w.]+=.*", line))


def assert_matches_sklearn(out: dict[str, np.ndarray], model: Any, X: np.ndarray) -> None:
    """Labels exact, probabilities within 1e-6 of scikit-learn's own, on the same inputs."""
    np.testing.assert_array_equal(out["label"], model.predict(X))
    assert out["probabilities"].shape == (len(X), 3)
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- fixtures: compiled once, exported once


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/jvm/javasrc/*.java, compiled against jinfer's jars."""
    return javac(JAVA_SOURCES.glob("*.java"), tmp_path_factory.mktemp("java-classes"))


def javac(sources: Iterable[Path], out: Path) -> Path:
    """Compiles ``sources`` against jinfer's jars into ``out``; returns ``out``."""
    r = subprocess.run(
        ["javac", "--release", "17", "-d", str(out), "-cp", os.pathsep.join(classpath()), *sorted(map(str, sources))],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundles and input files, and the working directory of the subprocesses."""
    d = tmp_path_factory.mktemp("pybackend")
    np.savez(d / "iris32.npz", features=X32)
    np.savez(d / "iris64.npz", features=X_IRIS)
    return d


@pytest.fixture(scope="module")
def custom_model() -> Any:
    return cm.custom_pipeline(X_IRIS, Y_IRIS)


@pytest.fixture(scope="module")
def custom_export(work: Path, custom_model: Any) -> tuple[Path, list[str]]:
    """The custom pipeline exported with the default formats, and the ExportWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b = jinfer.export(custom_model, X_IRIS, work / "custom.jinfer", name="custom")
    return b.path, [str(w.message) for w in caught if issubclass(w.category, jinfer.ExportWarning)]


@pytest.fixture(scope="module")
def tripwire_bundle(work: Path) -> Path:
    """A python-only bundle whose model leaves a marker file when it is unpickled."""
    model = cm.custom_pipeline(X_IRIS, Y_IRIS, tripwire=True)
    return jinfer.export(model, X_IRIS, work / "tripwire.jinfer", name="tripwire", formats=("python",)).path


def marker_env(path: Path) -> dict[str, str]:
    return {"JINFER_TEST_MARKER": str(path)}


def patched(src: Path, dst: Path, **details: object) -> Path:
    """``src`` re-written with its artifacts' details updated; checksums stay right."""
    with Bundle.open(src) as b:
        files = {n: b.read(n) for n in b.names() if n != "manifest.json"}
        artifacts = [dataclasses.replace(a, details={**a.details, **details}) for a in b.manifest.artifacts]
        manifest = b.manifest.with_artifacts(artifacts)
    return write_bundle(dst, manifest, files)


# ---------------------------------------------------------------- 1. run-java itself


@pytest.mark.parametrize("case", ["return", "exit", "throw", "missing", "no-main"])
def test_run_java_exit_status(case: str, java_classes: Path, tmp_path: Path) -> None:
    if case == "return":
        r = run_java(java_classes, "ExitStatus", "ok", "a", "b c", cwd=tmp_path)
        assert (r.returncode, r.stdout) == (0, "ran with ok a b c\n"), r.stderr
    elif case == "exit":
        r = run_java(java_classes, "ExitStatus", "exit", 7, cwd=tmp_path)
        assert (r.returncode, r.stdout) == (7, "exiting with 7\n"), r.stderr
    elif case == "throw":
        r = run_java(java_classes, "ExitStatus", "throw", cwd=tmp_path)
        assert r.returncode == 1, r.stdout + r.stderr
        assert 'Exception in thread "main" java.lang.IllegalStateException: boom from Java' in r.stderr
        assert re.search(r"at ExitStatus\.fail\(ExitStatus\.java:\d+\)", r.stderr), r.stderr
        assert re.search(r"at ExitStatus\.main\(ExitStatus\.java:\d+\)", r.stderr), r.stderr
    elif case == "missing":
        r = run_java(java_classes, "NoSuchMain", "x", cwd=tmp_path)
        assert r.returncode == 2, r.stdout + r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert "cannot load main class NoSuchMain" in lines[0] and str(java_classes) in lines[0]
    else:
        r = run_java(java_classes, "java.lang.Object", cwd=tmp_path)
        assert r.returncode == 2, r.stdout + r.stderr
        assert r.stderr.strip().splitlines() == [
            "jinfer: error: class java.lang.Object has no main method; expected public static void main(String[] args)"
        ]


def test_the_jinfer_script_runs_java(java_classes: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "jinfer"
    assert script.is_file(), "the `jinfer` console script is not installed in this environment"
    r = run_java(java_classes, "ExitStatus", "ok", "x", cwd=tmp_path, command=(str(script),))
    assert (r.returncode, r.stdout) == (0, "ran with ok x\n"), r.stderr
    r = run_java(java_classes, "ExitStatus", "exit", "5", cwd=tmp_path, command=(str(script),))
    assert r.returncode == 5, r.stderr


def test_run_java_from_python(java_classes: Path, tmp_path: Path) -> None:
    """``jinfer.run_java`` returns the status, and may be called again; System.exit ends the process."""
    r = run_script(
        """
        import sys, jinfer
        cp = [sys.argv[1]]
        print("returned", jinfer.run_java("ExitStatus", ["ok", "1"], classpath=cp), flush=True)
        print("returned", jinfer.run_java("ExitStatus", ["throw"], classpath=cp), flush=True)
        print("returned", jinfer.run_java("NoSuchMain", [], classpath=cp), flush=True)
        print("returned", jinfer.run_java("ExitStatus", ["ok", "2"], classpath=cp), flush=True)
        jinfer.run_java("ExitStatus", ["exit", "9"], classpath=cp)
        print("not reached", flush=True)
    """,
        java_classes,
        cwd=tmp_path,
    )
    assert r.returncode == 9, r.stderr
    assert r.stdout.splitlines() == [
        "ran with ok 1",
        "returned 0",
        "returned 1",
        "returned 2",
        "ran with ok 2",
        "returned 0",
        "exiting with 9",
    ]
    assert "java.lang.IllegalStateException: boom from Java" in r.stderr
    assert "cannot load main class NoSuchMain" in r.stderr


# ---------------------------------------------------------------- 2. a python bundle, from Java


def test_custom_pipeline_falls_back_to_python_and_java_predicts(
    custom_export: tuple[Path, list[str]], custom_model: Any, java_classes: Path, work: Path
) -> None:
    path, dropped = custom_export
    assert any(re.search(r"no onnx artifact: conversion failed.*FunctionTransformer", m) for m in dropped), dropped
    if importlib.util.find_spec("sklearn2pmml") is not None:
        assert any("no pmml artifact" in m for m in dropped), dropped
    with Bundle.open(path) as b:
        [artifact] = b.manifest.artifacts
        assert (artifact.backend, artifact.path) == ("python", "model.joblib")
        assert artifact.details["callable"] == "predict_proba/predict"
        assert artifact.details["modules"] == ["custom_models"]
        assert artifact.details["requirements"]["scikit-learn"] == importlib.metadata.version("scikit-learn")
        assert artifact.parity["passed"] and artifact.parity["rows"] == 150

    r = run_java(java_classes, "PyPredict", "predict", path, "iris32.npz", "trust", cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()
    out = outputs(r.stdout)
    assert out["label"].dtype == np.int64 and out["probabilities"].dtype == np.float32
    assert_matches_sklearn(out, custom_model, X32)


# ---------------------------------------------------------------- 3-5. trust, checksums, libraries


def test_untrusted_python_artifact_is_refused_and_never_unpickled(
    tripwire_bundle: Path, java_classes: Path, work: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "unpickled.txt"
    r = run_java(
        java_classes, "PyPredict", "predict", tripwire_bundle, "iris32.npz", "default", cwd=work, **marker_env(marker)
    )
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("error io.jinfer.BundleException UNTRUSTED_ARTIFACT model.joblib is a pickled Python")
    assert "trustPython(true)" in r.stdout and "JINFER_TRUST_PYTHON=1" in r.stdout
    assert not marker.exists(), marker.read_text()

    r = run_java(
        java_classes, "PyPredict", "predict", tripwire_bundle, "iris32.npz", "trust", cwd=work, **marker_env(marker)
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Tripwire unpickled" in marker.read_text()
    assert_matches_sklearn(outputs(r.stdout), cm.custom_pipeline(X_IRIS, Y_IRIS, tripwire=True), X32)


def test_trust_from_the_environment(tripwire_bundle: Path, java_classes: Path, work: Path, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled.txt"
    r = run_java(
        java_classes,
        "PyPredict",
        "predict",
        tripwire_bundle,
        "iris32.npz",
        "default",
        cwd=work,
        JINFER_TRUST_PYTHON="1",
        **marker_env(marker),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()
    assert marker.is_file()
    assert_matches_sklearn(outputs(r.stdout), cm.custom_pipeline(X_IRIS, Y_IRIS, tripwire=True), X32)


def test_tampered_joblib_is_refused_before_unpickling(
    tripwire_bundle: Path, java_classes: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "tampered.jinfer"
    with zipfile.ZipFile(tripwire_bundle) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "model.joblib":
                data = bytearray(data)
                data[len(data) // 2] ^= 0x01
                data = bytes(data)
            dst.writestr(info, data)
    with zipfile.ZipFile(bad) as z, zipfile.ZipFile(tripwire_bundle) as orig:
        assert z.read("manifest.json") == orig.read("manifest.json")
        assert z.read("model.joblib") != orig.read("model.joblib")
    out = refused_before_unpickling(java_classes, bad, tmp_path)
    assert out.startswith("error io.jinfer.BundleException CHECKSUM_MISMATCH"), out
    assert "model.joblib" in out


def refused_before_unpickling(java_classes: Path, bundle: Path, tmp_path: Path) -> str:
    """PyPredict on ``bundle``, trusted, must fail (exit 3) before the model is unpickled (no
    marker file); returns what it printed."""
    np.savez(tmp_path / "in.npz", features=X32[:3])
    marker = tmp_path / "unpickled.txt"
    r = run_java(java_classes, "PyPredict", "predict", bundle, "in.npz", "trust", cwd=tmp_path, **marker_env(marker))
    assert r.returncode == 3, r.stdout + r.stderr
    assert not marker.exists()
    return r.stdout


def test_a_missing_library_is_refused_by_name(tripwire_bundle: Path, java_classes: Path, tmp_path: Path) -> None:
    with Bundle.open(tripwire_bundle) as b:
        requirements = dict(b.manifest.artifacts[0].details["requirements"])
    bundle = patched(
        tripwire_bundle, tmp_path / "needs-more.jinfer", requirements={**requirements, "no-such-dist-xyz": "1.0"}
    )
    out = refused_before_unpickling(java_classes, bundle, tmp_path)
    assert out.startswith("error io.jinfer.BundleException MISSING_DEPENDENCY"), out
    assert "no-such-dist-xyz==1.0" in out


def test_a_missing_module_is_refused_by_name(tripwire_bundle: Path, java_classes: Path, tmp_path: Path) -> None:
    np.savez(tmp_path / "in.npz", features=X32[:3])
    r = run_java(
        java_classes, "PyPredict", "predict", tripwire_bundle, "in.npz", "trust", cwd=tmp_path, pyfixtures=False
    )
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("error io.jinfer.BundleException MISSING_DEPENDENCY"), r.stdout
    assert "module custom_models" in r.stdout and "sys.path" in r.stdout


def test_another_library_version_loads_with_a_warning(
    tripwire_bundle: Path, java_classes: Path, tmp_path: Path
) -> None:
    with Bundle.open(tripwire_bundle) as b:
        requirements = dict(b.manifest.artifacts[0].details["requirements"])
    bundle = patched(
        tripwire_bundle, tmp_path / "old-sklearn.jinfer", requirements={**requirements, "scikit-learn": "0.0.1"}
    )
    np.savez(tmp_path / "in.npz", features=X32[:5])
    r = run_java(java_classes, "PyPredict", "predict", bundle, "in.npz", "trust", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    have = importlib.metadata.version("scikit-learn")
    assert "DependencyWarning" in r.stderr, r.stderr
    assert f"scikit-learn {have} (exported with 0.0.1)" in r.stderr, r.stderr
    assert_matches_sklearn(outputs(r.stdout), cm.custom_pipeline(X_IRIS, Y_IRIS, tripwire=True), X32[:5])


# ---------------------------------------------------------------- 6. a Python exception inside the model


def test_python_exception_reaches_java_and_both_runtimes_go_on(
    custom_model: Any, java_classes: Path, work: Path
) -> None:
    bundle = jinfer.export(
        custom_model, X_IRIS, work / "strict.jinfer", formats=("python",), callable="custom_models:strict_predict"
    ).path
    with Bundle.open(bundle) as b:
        assert b.manifest.artifacts[0].details["callable"] == "custom_models:strict_predict"
    r = run_java(java_classes, "PyPredict", "recover", bundle, "iris32.npz", cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert "caught io.jinfer.python.PythonException backend=true code=BACKEND_FAILURE" in lines
    assert "pythonType builtins.ValueError" in lines
    message = "strict_predict: row 0 has feature x1=-5000.0, at or below the sentinel -1000.0"
    assert f"pythonMessage {message}" in lines
    assert f"message Python model raised builtins.ValueError: {message}" in lines
    traceback = r.stdout.split("traceback-begin\n", 1)[1].split("traceback-end", 1)[0]
    assert traceback.startswith("Traceback (most recent call last):")
    assert re.search(r'custom_models\.py", line \d+, in strict_predict', traceback), traceback
    assert f"ValueError: {message}" in traceback
    assert lines[-1] == "recovered"
    assert_matches_sklearn(outputs(r.stdout), custom_model, X32)  # the prediction made after the error


# ---------------------------------------------------------------- 7. live objects


def test_live_objects_registered_from_python(custom_model: Any, java_classes: Path, tmp_path: Path) -> None:
    a = np.array([[1.5, -2.0, 0.0], [3.0, 4.0, 5.0], [-1.0, -1.0, 2.25]], dtype=np.float32)
    b = np.array([10, -3, 7], dtype=np.int64)
    np.savez(tmp_path / "mixed.npz", a=a, b=b)
    np.savez(tmp_path / "iris64.npz", features=X_IRIS)
    r = run_script(
        """
        import sys, jinfer, custom_models as cm
        from sklearn.datasets import load_iris
        X, y = load_iris(return_X_y=True)
        jinfer.register("iris", cm.custom_pipeline(X, y),
                        inputs=[{"name": "features", "dtype": "float64", "shape": [-1, 4]}],
                        outputs=[{"name": "label", "dtype": "int64", "shape": [-1]},
                                 {"name": "probabilities", "dtype": "float64", "shape": [-1, 3]}])
        jinfer.register("mixed", cm.mixed,
                        inputs=[{"name": "a", "dtype": "float32", "shape": [-1, 3]},
                                {"name": "b", "dtype": "int64", "shape": [-1]}],
                        outputs=[{"name": "total", "dtype": "float64", "shape": [-1]},
                                 {"name": "count", "dtype": "int64", "shape": [-1]},
                                 {"name": "tag", "dtype": "string", "shape": [-1]}])
        cp = [sys.argv[1]]
        for name, inputs in (("iris", "iris64.npz"), ("mixed", "mixed.npz"), ("nope", "mixed.npz")):
            print("== python:" + name, flush=True)
            rc = jinfer.run_java("PyPredict", ["predict", "python:" + name, inputs, "default"], classpath=cp)
            print("status", rc, flush=True)
    """,
        java_classes,
        cwd=tmp_path,
    )
    iris, mixed, nope = r.stdout.split("== python:")[1:]
    assert iris.startswith("iris\nbackend python\n") and "status 0" in iris, r.stdout + r.stderr
    out = outputs(iris)
    assert out["probabilities"].dtype == np.float64
    assert_matches_sklearn(out, custom_model, X_IRIS)

    out = outputs(mixed)
    assert "status 0" in mixed, r.stdout + r.stderr
    np.testing.assert_array_equal(out["total"], a.astype(np.float64).sum(axis=1) + b)
    np.testing.assert_array_equal(out["count"], [1, 3, 1])
    np.testing.assert_array_equal(out["tag"], ["row10", "row-3", "row7"])

    # PyPredict ends the process with System.exit(3) on an error
    assert r.returncode == 3, r.stdout + r.stderr
    assert "error io.jinfer.BackendException NO_USABLE_BACKEND no Python object is registered as 'nope'" in nope
    assert "[iris, mixed]" in nope and "jinfer.register" in nope


# ---------------------------------------------------------------- 8. a plain JVM


def test_plain_java_refuses_a_python_only_bundle_and_says_what_to_do(
    custom_export: tuple[Path, list[str]], java_classes: Path, work: Path
) -> None:
    r = plain_java(java_classes, "PyPredict", "predict", custom_export[0], "iris32.npz", "trust", cwd=work)
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("error io.jinfer.BackendException NO_USABLE_BACKEND"), r.stdout
    assert "python: the python backend runs the real Python model" in r.stdout
    assert "jinfer run-java" in r.stdout

    r = plain_java(java_classes, "PyPredict", "predict", "python:iris", "iris32.npz", "trust", cwd=work)
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("error io.jinfer.BackendException BACKEND_UNAVAILABLE python:iris:"), r.stdout
    assert "jinfer run-java" in r.stdout


def test_plain_java_takes_the_other_artifact(java_classes: Path, work: Path) -> None:
    model = fitted("logreg")
    b = jinfer.export(model, X_IRIS, work / "python-then-onnx.jinfer", formats=("python", "onnx"))
    assert [a.backend for a in b.manifest.artifacts] == ["python", "onnx"]
    r = plain_java(java_classes, "PyPredict", "predict", b.path, "iris32.npz", "trust", cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend onnx" in r.stdout.splitlines()
    out = outputs(r.stdout)
    np.testing.assert_array_equal(out["label"], model.predict(X32))
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X32), rtol=0, atol=1e-5)
    # hosted by Python and trusted, the same bundle runs its first artifact: the real model
    r = run_java(java_classes, "PyPredict", "predict", b.path, "iris32.npz", "trust", cwd=work)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()
    assert_matches_sklearn(outputs(r.stdout), model, X32)


# ---------------------------------------------------------------- 9. concurrency


def test_eight_java_threads_call_one_live_python_model(java_classes: Path, tmp_path: Path) -> None:
    r = run_script(
        """
        import sys, jinfer, custom_models as cm
        spec = {"dtype": "float64", "shape": [-1, 4]}
        jinfer.register("affine", cm.affine, inputs=[{"name": "x", **spec}], outputs=[{"name": "y", **spec}])
        rc = jinfer.run_java("Hammer", ["affine", "8", "1000"], classpath=[sys.argv[1]])
        print("python saw", cm.calls, "calls")
        sys.exit(rc)
    """,
        java_classes,
        cwd=tmp_path,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^threads=8 calls=8000 ok=8000 mismatches=0 errors=0 seconds=", r.stdout, re.M), r.stdout
    assert "first problem" not in r.stdout
    assert "python saw 8000 calls" in r.stdout


def test_eight_java_threads_call_one_python_bundle(
    custom_export: tuple[Path, list[str]], custom_model: Any, java_classes: Path, work: Path
) -> None:
    np.savez(
        work / "expected32.npz",
        label=custom_model.predict(X32).astype(np.int64),
        probabilities=custom_model.predict_proba(X32).astype(np.float32),
    )
    r = run_java(
        java_classes,
        "Hammer",
        "bundle",
        custom_export[0],
        "iris32.npz",
        "expected32.npz",
        8,
        150,
        cwd=work,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^threads=8 calls=1200 ok=1200 mismatches=0 errors=0 seconds=", r.stdout, re.M), r.stdout


# ---------------------------------------------------------------- 10. zero copy


def test_tensors_cross_without_copies(java_classes: Path, tmp_path: Path) -> None:
    n = 1_000_000
    r = run_script(
        """
        import sys, jinfer, custom_models as cm
        matrix = {"dtype": "float64", "shape": [-1, -1]}
        column = {"dtype": "float64", "shape": [-1]}
        for name, out in (("identity", matrix), ("doubled", matrix), ("where", column), ("keep", column),
                          ("peek", column)):
            jinfer.register(name, getattr(cm, name), inputs=[{"name": "x", **matrix}], outputs=[{"name": "y", **out}])
        rc = jinfer.run_java("ZeroCopy", [sys.argv[2]], classpath=[sys.argv[1]])
        f = cm.facts
        print("python.same_memory=" + str(f["doubled_output_addresses"] == f["where_input_addresses"]))
        print("python.identity_input_writeable=" + str(f["identity_input_writeable"]))
        sys.exit(rc)
    """,
        java_classes,
        n,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    got = facts(r.stdout)
    # Python's answer comes back as a direct buffer, with every one of the 1e6 values right
    assert got["identity.direct"] == "true" and got["identity.wrong"] == "0"
    assert got["identity.shape"] == f"[1, {n}]"
    assert got["python.identity_input_writeable"] == "False"  # Python sees Java's tensor read-only
    assert got["doubled.direct"] == "true" and got["doubled.wrong"] == "0"
    assert float(got["where.sum"]) == n * (n - 1) / 2
    # a fresh numpy result goes to Java and back to Python at the same address: no copy either way
    assert got["python.same_memory"] == "True"
    # Python keeps a view of Java's input; Java writes its buffer afterwards; the view sees it
    assert (got["keep.first"], got["peek.first"]) == ("0.0", "42.0")


def small_result(batch: int) -> bool:
    """Whether odd_layout's results at ``batch`` fit the buffer Java allocates for small results
    (io.jinfer.python.PythonSession: 16 KiB; outputs in order, each at a multiple of 8 bytes)."""
    return ((batch + 7) & ~7) + 16 * batch <= 16 << 10


def test_results_of_every_layout_cross_back(java_classes: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    edge = max(b for b in range(1, 2000) if small_result(b))
    batches = [1, 3, edge, edge + 1, 5000]  # copied into Java's buffer up to `edge` rows, handed over above
    assert small_result(edge) and not small_result(edge + 1)
    for b in batches:
        np.savez(tmp_path / f"x{b}.npz", x=rng.normal(size=(b, 3)).astype(np.float32))
    np.savez(tmp_path / "wide.npz", x=rng.normal(size=(4, 5)))
    np.savez(tmp_path / "empty.npz", x=np.zeros((4, 0)))
    r = run_script(
        """
        import sys, jinfer, custom_models as cm
        jinfer.register("odd", cm.odd_layout, inputs=[{"name": "x", "dtype": "float32", "shape": [-1, 3]}],
                        outputs=[{"name": "sign", "dtype": "int8", "shape": [-1]},
                                 {"name": "scaled", "dtype": "float64", "shape": [-1, 2]}])
        ragged = {"name": "x", "dtype": "float64", "shape": [-1, -1]}
        jinfer.register("ragged", cm.ragged, inputs=[ragged], outputs=[{**ragged, "name": "y"}])
        jinfer.register("long", cm.one_row_too_many, inputs=[ragged], outputs=[{**ragged, "name": "y"}])
        runs = [("odd", f"x{b}.npz") for b in sys.argv[2:]] + [
            ("ragged", "wide.npz"), ("ragged", "empty.npz"), ("long", "wide.npz")]
        for name, inputs in runs:
            print("== " + name + " " + inputs, flush=True)
            print("status", jinfer.run_java("PyPredict", ["predict", "python:" + name, inputs, "default"],
                                            classpath=[sys.argv[1]]), flush=True)
    """,
        java_classes,
        *batches,
        cwd=tmp_path,
    )
    runs = dict(part.split("\n", 1) for part in r.stdout.split("== ")[1:])
    for b in batches:
        x = np.load(tmp_path / f"x{b}.npz")["x"]
        assert "status 0" in runs[f"odd x{b}.npz"], r.stdout + r.stderr
        out = outputs(runs[f"odd x{b}.npz"])
        expected = cm.odd_layout({"x": x})
        assert out["sign"].shape == (b,) and out["scaled"].shape == (b, 2)
        np.testing.assert_array_equal(out["sign"], expected["sign"])
        np.testing.assert_array_equal(out["scaled"], expected["scaled"].astype(np.float64))

    wide = np.load(tmp_path / "wide.npz")["x"]
    out = outputs(runs["ragged wide.npz"])
    assert out["y"].shape == (4, 5), runs["ragged wide.npz"]
    np.testing.assert_array_equal(out["y"], wide * 2.0)
    empty = runs["ragged empty.npz"]
    assert "status 0" in empty and "out y float64 4x0" in empty, r.stdout + r.stderr

    long = runs["long wide.npz"]  # PyPredict ends the process with System.exit(3) on an error
    assert r.returncode == 3 and (
        "error io.jinfer.python.PythonException BACKEND_FAILURE" in long
        and "output 'y' with shape [5, 5] for a batch of 4, but the manifest declares [4, -1]" in long
    ), long


def test_a_result_that_is_not_a_dict_is_named(java_classes: Path, tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", x=np.ones((2, 3)))
    r = run_script(
        """
        import sys, jinfer
        spec = {"name": "x", "dtype": "float64", "shape": [-1, 3]}
        jinfer.register("listy", lambda inputs: [inputs["x"]], inputs=[spec], outputs=[{**spec, "name": "y"}])
        sys.exit(jinfer.run_java("PyPredict", ["predict", "python:listy", "x.npz", "default"], classpath=[sys.argv[1]]))
    """,
        java_classes,
        cwd=tmp_path,
    )
    assert r.returncode == 3, r.stdout + r.stderr
    assert "error io.jinfer.python.PythonException BACKEND_FAILURE" in r.stdout
    assert "the Python model returned list; expected a dict of output name to array, with ['y']" in r.stdout


# ---------------------------------------------------------------- the example


def _run_example(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)


def test_example_runs(tmp_path: Path) -> None:
    bundle = tmp_path / "custom.jinfer"
    env = child_env(pyfixtures=False)
    r = _run_example([sys.executable, str(EXAMPLES / "python_model.py"), str(bundle)], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "python: parity through Java passed on 150 rows" in r.stdout
    assert "no onnx artifact" in r.stdout
    python_rows = re.findall(r"-> class (\d) p=\[(.*)\]", r.stdout)

    # compiled here from the example's sources, so that classes a `gradle :java-service:classes` left
    # behind cannot be older than the sources
    classes = javac((EXAMPLES / "java-service" / "src" / "main" / "java").rglob("*.java"), tmp_path / "classes")
    env["PYTHONPATH"] = os.pathsep.join([str(EXAMPLES), env["PYTHONPATH"]]).rstrip(os.pathsep)
    r = _run_example(
        [
            sys.executable,
            "-m",
            "jinfer",
            "run-java",
            "-cp",
            str(classes),
            "com.example.PythonModelService",
            str(bundle),
        ],
        env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend=python" in r.stdout
    java_rows = re.findall(r"-> class (\d) p=\[(.*)\]", r.stdout)
    assert [c for c, _ in java_rows] == [c for c, _ in python_rows] == ["0", "2", "1"]
    for (_, pj), (_, pp) in zip(java_rows, python_rows):
        np.testing.assert_allclose(
            [float(v) for v in pj.split(",")], [float(v) for v in pp.split(",")], rtol=0, atol=1e-6
        )
    assert re.search(r"1000 calls of one row: \d+ µs per call", r.stdout)
