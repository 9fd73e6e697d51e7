"""Pickle trust on every path that could unpickle: none does without an explicit trust.

The bundles hold a python artifact whose model leaves a marker file when it is unpickled
(``custom_models.Tripwire``), alone, or before or after an ONNX artifact; the ``.npy``/``.npz``
files hold a pickled Tripwire in an object array. Each path below (the Python API, both CLIs, a
JVM that Python hosts) must refuse the python artifact (``UNTRUSTED_ARTIFACT``), or take the
other artifact, or refuse the pickled array, and the marker must never appear.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import jinfer
from jinfer import Bundle, BundleError, write_bundle
from jinfer._runtime.jvm import classpath
from models import MODELS, fitted

ROOT = Path(__file__).resolve().parents[2]
PYFIXTURES = ROOT / "tests" / "pyfixtures"
JAVA_CLI = ROOT / "build" / "install" / "jinfer" / "bin" / "jinfer"
sys.path.insert(0, str(PYFIXTURES))

import custom_models as cm  # noqa: E402 - tests/pyfixtures, put on sys.path just above

X = MODELS["logreg"][1]
Y = fitted("logreg").predict(X)


@dataclasses.dataclass(frozen=True)
class Files:
    python_only: Path
    python_dir: Path
    python_first: Path
    python_second: Path
    onnx_only: Path
    pickled_npy: Path
    pickled_npz: Path
    pickled_parity: Path
    inputs: Path
    classes: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    d = tmp_path_factory.mktemp("trust")
    tripwire = cm.custom_pipeline(X, Y, tripwire=True)  # exported here, before any marker is set
    py = jinfer.export(tripwire, X, d / "python.jinfer", name="t", formats=("python",)).path
    py_dir = jinfer.export(tripwire, X, d / "python-dir", name="t", formats=("python",), as_directory=True).path
    onnx = jinfer.export(fitted("logreg"), X, d / "onnx.jinfer", name="t", formats=("onnx",)).path
    with Bundle.open(py) as p, Bundle.open(onnx) as o:
        contents = {**{n: o.read(n) for n in o.names()}, **{n: p.read(n) for n in p.names()}}
        contents.pop("manifest.json")
        pa, oa = p.manifest.artifacts[0], o.manifest.artifacts[0]
        first = write_bundle(d / "python-first.jinfer", p.manifest.with_artifacts([pa, oa]), contents)
        second = write_bundle(d / "python-second.jinfer", p.manifest.with_artifacts([oa, pa]), contents)
        pickled = np.array([cm.Tripwire()], dtype=object)
        np.save(d / "pickled.npy", pickled, allow_pickle=True)
        np.savez(d / "pickled.npz", features=pickled)
        parity = {n: p.read(n) for n in p.names() if n != "manifest.json"}
        parity["parity/inputs.npz"] = (d / "pickled.npz").read_bytes()
        pickled_parity = write_bundle(d / "pickled-parity.jinfer", p.manifest, parity)
    np.savez(d / "iris32.npz", features=X.astype(np.float32))
    np.save(d / "iris32.npy", X.astype(np.float32))
    classes = d / "classes"
    sources = [str(ROOT / "tests" / "jvm" / "javasrc" / "PyPredict.java")]
    r = subprocess.run(["javac", "--release", "17", "-d", str(classes), "-cp", os.pathsep.join(classpath()), *sources])
    assert r.returncode == 0
    return Files(
        py, py_dir, first, second, onnx, d / "pickled.npy", d / "pickled.npz", pickled_parity, d / "iris32.npz", classes
    )


def env(marker: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k != "JINFER_TRUST_PYTHON"}
    out.update(JINFER_TEST_MARKER=str(marker), PYTHONPATH=str(PYFIXTURES))
    return out


def py_cli(marker: Path, *args: object) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "jinfer", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env(marker), timeout=300)


def java_cli(marker: Path, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JAVA_CLI), *map(str, args)], capture_output=True, text=True, env=env(marker), timeout=300
    )


def run_java(f: Files, marker: Path, *args: object) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "jinfer", "run-java", "-cp", str(f.classes), "PyPredict", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env(marker), timeout=300)


def untrusted(fn: Callable[[], Any]) -> None:
    with pytest.raises(BundleError) as info:
        fn()
    assert info.value.code == "UNTRUSTED_ARTIFACT", info.value


def refused(r: subprocess.CompletedProcess[str], *words: str, code: int | None = 2) -> None:
    """Exit ``code`` (None: any but 0), with ``words`` in the output."""
    assert r.returncode == code if code is not None else r.returncode != 0, (r.returncode, r.stdout, r.stderr)
    for w in words:
        assert w in r.stdout + r.stderr, (w, r.stdout, r.stderr)


def answered_by_onnx(m: Any) -> None:
    assert m.backend == "onnx"
    np.testing.assert_array_equal(m.predict(X.astype(np.float32))["label"], Y)


def bundle_bytes_only(f: Files) -> None:
    for path in (f.python_only, f.python_dir):
        with Bundle.open(path) as b:
            b.verify()
            assert b.read_artifact(b.manifest.artifacts[0])[:2] != b""  # bytes, never unpickled
            b.parity_inputs()


def parity_of_pickles(f: Files) -> None:
    with Bundle.open(f.pickled_parity) as b, pytest.raises(BundleError, match="not a readable .npz|pickle"):
        b.parity_inputs()


PATHS: dict[str, Callable[[Files, Path], None]] = {
    # the Python API, in this process
    "load-zip": lambda f, m: untrusted(lambda: jinfer.load(f.python_only)),
    "load-directory": lambda f, m: untrusted(lambda: jinfer.load(f.python_dir)),
    "load-backend-python": lambda f, m: untrusted(lambda: jinfer.load(f.python_only, backend="python")),
    "load-python-listed-first": lambda f, m: untrusted(lambda: jinfer.load(f.python_first)),
    "load-python-listed-second": lambda f, m: answered_by_onnx(jinfer.load(f.python_second)),
    "bundle-open-verify-read": lambda f, m: bundle_bytes_only(f),
    "bundle-parity-with-pickles": lambda f, m: parity_of_pickles(f),
    # the Python CLI
    "py-inspect": lambda f, m: refused(py_cli(m, "inspect", f.python_only), "python", code=0),
    "py-verify": lambda f, m: refused(py_cli(m, "verify", f.python_only), "pickled", "--trust-python"),
    "py-verify-backend": lambda f, m: refused(py_cli(m, "verify", f.python_only, "--backend", "python"), "trust"),
    "py-predict": lambda f, m: refused(py_cli(m, "predict", f.python_only, "--input", f.inputs), "--trust-python"),
    "py-bench": lambda f, m: refused(py_cli(m, "bench", f.python_only, "--batch", "1"), "trust"),
    "py-predict-second": lambda f, m: refused(py_cli(m, "predict", f.python_second, "--input", f.inputs), code=0),
    "py-predict-pickled-npy": lambda f, m: refused(
        py_cli(m, "predict", f.onnx_only, "--input", f.pickled_npy), "pickle"
    ),
    # the Java CLI (a plain JVM: no python backend)
    "java-inspect": lambda f, m: refused(java_cli(m, "inspect", f.python_only), "python", code=0),
    "java-verify": lambda f, m: refused(java_cli(m, "verify", f.python_only), "no artifact could be verified"),
    "java-predict": lambda f, m: refused(java_cli(m, "predict", f.python_only, "--input", f.inputs), "python"),
    "java-bench": lambda f, m: refused(java_cli(m, "bench", f.python_only, "--batch", "1"), "python"),
    "java-predict-pickled-npy": lambda f, m: refused(
        java_cli(m, "predict", f.onnx_only, "--input", f.pickled_npy), "object"
    ),
    # a JVM that Python hosts (jinfer run-java): the python backend is there
    "run-java-zip": lambda f, m: refused(
        run_java(f, m, "predict", f.python_only, f.inputs, "default"), "UNTRUSTED", code=3
    ),
    "run-java-directory": lambda f, m: refused(
        run_java(f, m, "predict", f.python_dir, f.inputs, "default"), "UNTRUSTED", code=3
    ),
    "run-java-python-first": lambda f, m: refused(
        run_java(f, m, "predict", f.python_first, f.inputs, "default"), "UNTRUSTED", code=3
    ),
    "run-java-python-second": lambda f, m: refused(
        run_java(f, m, "predict", f.python_second, f.inputs, "default"), "backend onnx", code=0
    ),
    "run-java-pickled-npz": lambda f, m: refused(
        run_java(f, m, "predict", f.onnx_only, f.pickled_npz, "default"), code=None
    ),
}


@pytest.mark.parametrize("path", PATHS)
def test_nothing_is_unpickled_without_trust(
    path: str, files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "unpickled.txt"
    monkeypatch.setenv("JINFER_TEST_MARKER", str(marker))  # for the paths in this process
    monkeypatch.delenv("JINFER_TRUST_PYTHON", raising=False)
    PATHS[path](files, marker)
    assert not marker.exists(), f"{path} unpickled the model: {marker.read_text()}"


def test_the_tripwire_does_trip_when_trusted(files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: with trust, the same bundle is unpickled and the marker appears."""
    marker = tmp_path / "unpickled.txt"
    monkeypatch.setenv("JINFER_TEST_MARKER", str(marker))
    with jinfer.load(files.python_only, trust_python=True) as m:
        np.testing.assert_array_equal(m.predict(X.astype(np.float32))["label"], Y)
    assert "Tripwire unpickled" in marker.read_text()
