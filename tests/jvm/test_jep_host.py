"""The python backend in a plain JVM: `java -cp jinfer's jars:classes MAIN` embeds CPython through Jep.

No Python process hosts these JVMs. Each names this test's Python (``-Djinfer.python``, or
``JINFER_PYTHON``, ``VIRTUAL_ENV``); jinfer finds its jep, loads Jep's jar and ``libjep.so`` from
there, and runs the pickled model in that CPython. The battery shared with the JPype host (trust,
checksums, libraries, Python errors, 8 threads) runs under both in test_python_backend.py; here are
the cases of Jep alone: string labels and string inputs, finding (or not) the Python, ``java -jar``
and a web application's class loader, what the model prints at ``System.exit``, Jep never beside
JPype, and every layout of tensors across Jep (bundles of the plain functions that
test_python_backend.py registers as live objects, since live objects need a Python host).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from pyhosts import (
    X32,
    X_IRIS,
    Y_IRIS,
    assert_matches_sklearn,
    child_env,
    cm,
    in_host,
    java_executable,
    outputs,
    predict_in,
    small_result,
)

import jinfer
from jinfer import Artifact, Manifest, TensorSpec, write_bundle
from jinfer._manifest import utc_now
from jinfer._runtime.jvm import classpath
from tables import mixed, table

PYTHON = sys.executable
CLASSES = ("setosa", "versicolor", "virginica")


@pytest.fixture(scope="module")
def named_model() -> Any:
    """The custom pipeline, trained on string class labels."""
    return cm.custom_pipeline(X_IRIS, np.array(CLASSES)[Y_IRIS])


def test_a_classifier_with_string_labels(named_model: Any, java_classes: Path, tmp_path: Path) -> None:
    b = jinfer.export(named_model, X_IRIS, tmp_path / "named.jinfer", formats=("python",))
    assert b.manifest.outputs[0].dtype == "string"
    np.savez(tmp_path / "in.npz", features=X32)
    r = predict_in("jep", java_classes, b.path, "in.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()
    out = outputs(r.stdout)
    assert set(out["label"]) == set(CLASSES)
    assert_matches_sklearn(out, named_model, X32)


def test_string_inputs(java_classes: Path, tmp_path: Path) -> None:
    model = mixed()
    df, _ = table(n=40, seed=5)
    b = jinfer.export(model, df, tmp_path / "mixed.jinfer", formats=("python",))
    specs = {s.name: s.dtype for s in b.manifest.inputs}
    assert specs["color"] == "string", specs
    np.savez(tmp_path / "in.npz", **{n: df[n].to_numpy().astype(str if t == "string" else t) for n, t in specs.items()})
    r = predict_in("jep", java_classes, b.path, "in.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = outputs(r.stdout)
    np.testing.assert_array_equal(out["label"], model.predict(df))
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(df), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- finding the Python


def test_the_python_of_the_virtualenv_the_jvm_runs_in(
    custom_export: tuple[Path, list[str]], java_classes: Path, work: Path
) -> None:
    venv = str(Path(PYTHON).parent.parent)
    r = predict_in("plain", java_classes, custom_export[0], cwd=work, VIRTUAL_ENV=venv)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()
    r = predict_in("plain", java_classes, custom_export[0], cwd=work, JINFER_PYTHON=PYTHON)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()


@pytest.mark.parametrize("how", ["property", "variable"])
def test_a_wrong_python_path_is_named(
    how: str, custom_export: tuple[Path, list[str]], java_classes: Path, work: Path
) -> None:
    wrong = work / "no-such-env" / "bin" / "python"
    if how == "property":
        r = predict_in("jep", java_classes, custom_export[0], cwd=work, python=str(wrong))
        source = "-Djinfer.python"
    else:
        r = predict_in("plain", java_classes, custom_export[0], cwd=work, JINFER_PYTHON=str(wrong))
        source = "JINFER_PYTHON"
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("error io.jinfer.BackendException NO_USABLE_BACKEND"), r.stdout
    assert f"python: {source} names {wrong}, which does not exist" in r.stdout, r.stdout
    assert r.stderr == ""


def test_a_python_without_jep_says_what_to_install(
    custom_export: tuple[Path, list[str]], java_classes: Path, work: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    r = predict_in("jep", java_classes, custom_export[0], cwd=work, python=str(bare / "bin" / "python"))
    assert r.returncode == 3, r.stdout + r.stderr
    assert f"the Python at {bare / 'bin' / 'python'} (-Djinfer.python) has no jep; install it there" in r.stdout, (
        r.stdout
    )
    assert "pip install 'jinfer[jep]' (Jep compiles against the JDK: set JAVA_HOME first)" in r.stdout


def test_the_embedded_python_is_the_named_one_and_nothing_it_prints_is_lost(
    custom_model: Any, java_classes: Path, work: Path, tmp_path: Path
) -> None:
    """The model prints (unflushed) which installation runs it; Java calls System.exit right after."""
    b = jinfer.export(
        custom_model, X_IRIS, tmp_path / "chatty.jinfer", formats=("python",), callable="custom_models:chatty_predict"
    )
    np.savez(tmp_path / "in.npz", features=X32[:7])
    r = in_host("jep", java_classes, "PyPredict", "exit", b.path, "in.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    # the environment's own prefix and numpy, though the first python3 on PATH may be another installation's
    assert f"python prefix={sys.prefix} numpy={np.__file__} rows=7" in r.stdout.splitlines(), r.stdout
    assert "python stderr line" in r.stderr.splitlines(), r.stderr


# ---------------------------------------------------------------- deployed as Java services are


def test_java_jar_with_the_python_named_in_load_options(
    custom_export: tuple[Path, list[str]], custom_model: Any, java_classes: Path, work: Path, tmp_path: Path
) -> None:
    """``java -jar app.jar``, its libraries beside it in lib/ (the manifest's Class-Path), the Python
    named by ``LoadOptions.pythonExecutable``, which comes before a wrong ``-Djinfer.python``."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for jar in map(Path, classpath()):
        (lib / jar.name).symlink_to(jar)
    entry = "Class-Path: " + " ".join(f"lib/{j.name}" for j in sorted(lib.iterdir()))
    # a manifest's lines hold at most 72 bytes; a longer one continues on lines that begin with a space
    lines = [entry[:70], *(" " + entry[i : i + 69] for i in range(70, len(entry), 69))]
    (tmp_path / "MANIFEST.MF").write_text("Main-Class: PyPredict\n" + "\n".join(lines) + "\n")
    app = tmp_path / "app.jar"
    made = subprocess.run(
        ["jar", "--create", f"--file={app}", f"--manifest={tmp_path / 'MANIFEST.MF'}", "-C", str(java_classes), "."],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    wrong = "-Djinfer.python=/no/such/python"
    cmd = [java_executable(), wrong, "-jar", str(app), "named", PYTHON, str(custom_export[0]), "iris32.npz"]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=work, timeout=120, env=child_env())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backend python" in r.stdout.splitlines()
    assert_matches_sklearn(outputs(r.stdout), custom_model, X32)


def test_a_webapps_class_loader_and_a_request_thread(
    custom_export: tuple[Path, list[str]], custom_model: Any, java_classes: Path, work: Path
) -> None:
    """jinfer and the application in a class loader of their own, not on the JVM's classpath, called
    from a container's thread (tests/jvm/javasrc/Container.java), as in a servlet container; then a
    second webapp with its own copy of jinfer, which cannot embed a second CPython, and says so."""
    webapp = os.pathsep.join([*classpath(), str(java_classes)])
    container = [java_executable(), f"-Djinfer.python={PYTHON}", "-cp", str(java_classes), "Container", "2", webapp]
    app = ["PyPredict", "predict", str(custom_export[0]), "iris32.npz", "trust"]
    r = subprocess.run([*container, *app], capture_output=True, text=True, cwd=work, timeout=120, env=child_env())
    first, second = r.stdout.split("webapp 1\n")
    assert first.splitlines()[:2] == ["webapp 0", "backend python"], r.stdout + r.stderr
    assert_matches_sklearn(outputs(first), custom_model, X32)
    assert r.returncode == 3, r.stdout + r.stderr
    assert second.startswith("error io.jinfer.BackendException NO_USABLE_BACKEND"), second
    assert f"this JVM embeds the CPython of {PYTHON} (-Djinfer.python) already, through a copy of jinfer" in second
    assert "Load jinfer from a class loader the applications share" in second


# ---------------------------------------------------------------- Jep and JPype never in one process


def test_a_model_under_jep_cannot_start_a_jvm(
    custom_model: Any, java_classes: Path, work: Path, tmp_path: Path
) -> None:
    b = jinfer.export(
        custom_model, X_IRIS, tmp_path / "jvm.jinfer", formats=("python",), callable="custom_models:jvm_predict"
    )
    r = predict_in("jep", java_classes, b.path, cwd=work)
    assert r.returncode == 3, r.stdout + r.stderr
    # the load's warm-up makes the first call, which fails and says why; the load is refused
    assert r.stdout.splitlines()[:1] == [
        f"error io.jinfer.BackendException BACKEND_FAILURE bundle {b.path}: the warm-up at load "
        "(LoadOptions.warmup) failed on the python backend: Python model raised jinfer._exceptions.JVMError: "
        "this Python is embedded in a JVM through Jep (jinfer's python backend in a plain JVM), and JPype cannot "
        "start a second JVM in that process; Jep and JPype never share one. Code that a python artifact runs "
        "cannot call jinfer.load or jinfer.jvm: predict in Python directly",
    ], r.stdout


def test_a_jvm_that_jpype_started_refuses_to_embed_jep(
    custom_export: tuple[Path, list[str]], java_classes: Path, work: Path
) -> None:
    """JPype starts the JVM without jinfer's host (plain ``jpype.startJVM``): the python backend
    must not embed a second CPython through Jep in this process, and says so."""
    script = """
import sys, jpype
from jinfer._runtime.jvm import classpath
jpype.startJVM("-Djinfer.python=" + sys.executable, classpath=[*classpath(), sys.argv[1]], convertStrings=False)
jpype.JClass("PyPredict").main(["predict", sys.argv[2], "iris32.npz", "trust"])
"""
    r = subprocess.run(
        [PYTHON, "-c", script, str(java_classes), str(custom_export[0])],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=120,
        env=child_env(),
    )
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.startswith("error io.jinfer.BackendException NO_USABLE_BACKEND"), r.stdout
    assert "this JVM runs inside a CPython process (JPype started it)" in r.stdout
    assert "embedding a second CPython through Jep in the same process is refused" in r.stdout


# ---------------------------------------------------------------- every layout of tensors, across Jep


def callable_bundle(path: Path, fn: Any, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> Path:
    """A python bundle whose model is the plain function ``fn`` of tests/pyfixtures (pickled by
    reference), with the tensor specs given: what ``jinfer.register`` declares, as a file."""
    data = pickled(fn)
    manifest = Manifest(
        name=fn.__name__,
        version="1",
        task="transform",
        inputs=tuple(TensorSpec.from_dict(s, "inputs") for s in inputs),
        outputs=tuple(TensorSpec.from_dict(s, "outputs") for s in outputs),
        artifacts=(
            Artifact.of("python", "model.joblib", data, details={"callable": "__call__", "modules": ["custom_models"]}),
        ),
        classes=None,
        created_at=utc_now(),
    )
    return write_bundle(path, manifest, {"model.joblib": data})


def pickled(fn: Any) -> bytes:
    buf = io.BytesIO()
    joblib.dump(fn, buf)
    return buf.getvalue()


def test_results_of_every_layout_cross_back_through_jep(java_classes: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    edge = max(b for b in range(1, 2000) if small_result(b))
    batches = [1, 3, edge, edge + 1, 5000]
    odd = callable_bundle(
        tmp_path / "odd.jinfer",
        cm.odd_layout,
        [{"name": "x", "dtype": "float32", "shape": [-1, 3]}],
        [{"name": "sign", "dtype": "int8", "shape": [-1]}, {"name": "scaled", "dtype": "float64", "shape": [-1, 2]}],
    )
    ragged_spec = {"name": "x", "dtype": "float64", "shape": [-1, -1]}
    ragged = callable_bundle(tmp_path / "ragged.jinfer", cm.ragged, [ragged_spec], [{**ragged_spec, "name": "y"}])
    long = callable_bundle(tmp_path / "long.jinfer", cm.one_row_too_many, [ragged_spec], [{**ragged_spec, "name": "y"}])
    for b in batches:
        x = rng.normal(size=(b, 3)).astype(np.float32)
        np.savez(tmp_path / f"x{b}.npz", x=x)
        r = predict_in("jep", java_classes, odd, f"x{b}.npz", cwd=tmp_path)
        assert r.returncode == 0, r.stdout + r.stderr
        out, expected = outputs(r.stdout), cm.odd_layout({"x": x})
        assert out["sign"].shape == (b,) and out["scaled"].shape == (b, 2)
        np.testing.assert_array_equal(out["sign"], expected["sign"])
        np.testing.assert_array_equal(out["scaled"], expected["scaled"].astype(np.float64))

    wide = rng.normal(size=(4, 5))
    np.savez(tmp_path / "wide.npz", x=wide)
    np.savez(tmp_path / "empty.npz", x=np.zeros((4, 0)))
    r = predict_in("jep", java_classes, ragged, "wide.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    y = outputs(r.stdout)["y"]  # dynamic inner dimension: copied into a buffer Python asked Java for
    assert y.shape == (4, 5)
    np.testing.assert_array_equal(y, wide * 2.0)
    r = predict_in("jep", java_classes, ragged, "empty.npz", cwd=tmp_path)
    assert r.returncode == 0 and "out y float64 4x0" in r.stdout, r.stdout + r.stderr
    r = predict_in("jep", java_classes, long, "wide.npz", cwd=tmp_path)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "error io.jinfer.python.PythonException BACKEND_FAILURE" in r.stdout
    assert "output 'y' with shape [5, 5] for a batch of 4, but the manifest declares [4, -1]" in r.stdout


def test_mixed_dtypes_in_and_strings_out_through_jep(java_classes: Path, tmp_path: Path) -> None:
    a = np.array([[1.5, -2.0, 0.0], [3.0, 4.0, 5.0], [-1.0, -1.0, 2.25]], dtype=np.float32)
    b = np.array([10, -3, 7], dtype=np.int64)
    np.savez(tmp_path / "mixed.npz", a=a, b=b)
    bundle = callable_bundle(
        tmp_path / "mixed.jinfer",
        cm.mixed,
        [{"name": "a", "dtype": "float32", "shape": [-1, 3]}, {"name": "b", "dtype": "int64", "shape": [-1]}],
        [
            {"name": "total", "dtype": "float64", "shape": [-1]},
            {"name": "count", "dtype": "int64", "shape": [-1]},
            {"name": "tag", "dtype": "string", "shape": [-1]},
        ],
    )
    r = predict_in("jep", java_classes, bundle, "mixed.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = outputs(r.stdout)
    np.testing.assert_array_equal(out["total"], a.astype(np.float64).sum(axis=1) + b)
    np.testing.assert_array_equal(out["count"], [1, 3, 1])
    np.testing.assert_array_equal(out["tag"], ["row10", "row-3", "row7"])


def test_inputs_reach_python_as_read_only_views_of_java_memory(java_classes: Path, tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", x=np.ones((3, 4)))
    spec = {"name": "x", "dtype": "float64", "shape": [-1, 4]}
    bundle = callable_bundle(
        tmp_path / "flags.jinfer",
        cm.input_flags,
        [spec],
        [{"name": "writeable", "dtype": "int8", "shape": [-1]}, {"name": "owndata", "dtype": "int8", "shape": [-1]}],
    )
    r = predict_in("jep", java_classes, bundle, "x.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = outputs(r.stdout)
    np.testing.assert_array_equal(out["writeable"], [0, 0, 0])  # Java's tensor, seen read-only
    np.testing.assert_array_equal(out["owndata"], [0, 0, 0])  # a view of Java's buffer, not a copy
