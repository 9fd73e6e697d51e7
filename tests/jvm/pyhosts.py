"""Running Java programs that call real CPython, as a user runs them, under either host.

The python backend has two hosts: JPype, when Python hosts the JVM (``jinfer run-java``), and
Jep, when a plain ``java`` embeds CPython (the Python named by ``-Djinfer.python``). The Java
programs of tests/jvm/javasrc/ run in subprocesses under one or the other (:func:`in_host`), with
tests/pyfixtures on their PYTHONPATH, and print what the tests check: ``out NAME DTYPE SHAPE v v
...`` lines (:func:`outputs`), ``name=value`` facts, ``error CLASS CODE MESSAGE``.

The fixtures that compile those programs and export the shared bundles are in conftest.py.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_iris

from jinfer import Bundle, write_bundle
from jinfer._runtime.jvm import classpath

ROOT = Path(__file__).resolve().parents[2]
JAVA_SOURCES = Path(__file__).parent / "javasrc"
PYFIXTURES = ROOT / "tests" / "pyfixtures"
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(PYFIXTURES))

import custom_models as cm  # noqa: E402, F401 - from tests/pyfixtures (on sys.path just above), for the tests

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X32 = X_IRIS.astype(np.float32)

HOSTS = ("run-java", "jep")
"""The python backend's hosts: JPype under ``jinfer run-java``, Jep in a plain ``java``."""

_UNSET = ("JINFER_TRUST_PYTHON", "JINFER_TEST_MARKER", "JINFER_PYTHON", "VIRTUAL_ENV")


def child_env(pyfixtures: bool = True, **extra: str) -> dict[str, str]:
    """This environment without jinfer's trust, marker and Python-naming variables (nor
    ``VIRTUAL_ENV``), with tests/pyfixtures on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    paths = ([str(PYFIXTURES)] if pyfixtures else []) + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


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


def java_executable() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    assert java, "no `java` on PATH and no JAVA_HOME"
    return java


def plain_java(
    classes: Path,
    main: str,
    *args: object,
    cwd: Path,
    python: str | None = None,
    timeout: float = 120,
    pyfixtures: bool = True,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """``java [-Djinfer.python=PYTHON] -cp JARS:CLASSES MAIN ARGS...``: a JVM that no Python
    process hosts; with ``python``, it embeds that Python's CPython through Jep."""
    cp = os.pathsep.join([*classpath(), str(classes)])
    named = [f"-Djinfer.python={python}"] if python else []
    return subprocess.run(
        [java_executable(), *named, "-cp", cp, main, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=child_env(pyfixtures, **env),
    )


def in_host(
    host: str,
    classes: Path,
    main: str,
    *args: object,
    cwd: Path,
    timeout: float = 120,
    python: str = sys.executable,
    **kw: Any,
) -> subprocess.CompletedProcess[str]:
    """``MAIN ARGS...`` with the python backend hosted by ``host``: one of :data:`HOSTS` (under
    ``jinfer run-java``, or in a plain ``java`` that embeds ``python`` through Jep), or ``"plain"``
    (a plain ``java`` that names no Python)."""
    if host == "run-java":
        return run_java(classes, main, *args, cwd=cwd, timeout=timeout, **kw)
    named = python if host == "jep" else None
    return plain_java(classes, main, *args, cwd=cwd, python=named, timeout=timeout, **kw)


def predict_in(
    host: str, classes: Path, location: object, inputs: str = "iris32.npz", *, cwd: Path, trust: bool = True, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """``PyPredict predict LOCATION INPUTS trust|default`` under ``host`` (see :func:`in_host`)."""
    return in_host(
        host, classes, "PyPredict", "predict", location, inputs, "trust" if trust else "default", cwd=cwd, **kw
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
    assert out["probabilities"].shape == (len(X), len(model.classes_))
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X), rtol=0, atol=1e-6)


def small_result(batch: int) -> bool:
    """Whether ``custom_models.odd_layout``'s results at ``batch`` fit the buffer Java allocates for
    small results (io.jinfer.python.PythonSession: 16 KiB; outputs in order, each at a multiple of
    8 bytes), which Python fills; above, JPype hands numpy's memory over, and Jep copies into a
    buffer of the Jep host's."""
    return ((batch + 7) & ~7) + 16 * batch <= 16 << 10


def marker_env(path: Path) -> dict[str, str]:
    return {"JINFER_TEST_MARKER": str(path)}


def patched(src: Path, dst: Path, **details: object) -> Path:
    """``src`` re-written with its artifacts' details updated; checksums stay right."""
    with Bundle.open(src) as b:
        files = {n: b.read(n) for n in b.names() if n != "manifest.json"}
        artifacts = [dataclasses.replace(a, details={**a.details, **details}) for a in b.manifest.artifacts]
        manifest = b.manifest.with_artifacts(artifacts)
    return write_bundle(dst, manifest, files)
