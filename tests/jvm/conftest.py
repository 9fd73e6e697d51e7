"""Cross-language tests: one JVM for the whole pytest session, started here, as JPype's suite does."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jvm_options import JVM_ARGS
from pyhosts import JAVA_SOURCES, X32, X_IRIS, Y_IRIS, cm, javac

import jinfer
from models import MODELS, fitted


@pytest.fixture(scope="session", autouse=True)
def jvm() -> None:
    with jinfer.jvm(jvm_args=JVM_ARGS):
        yield


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each reference model exported once per dtype: {"logreg-float32": path, ...}."""
    out = tmp_path_factory.mktemp("bundles")
    paths = {}
    for name, (_, X) in MODELS.items():
        model = fitted(name)
        for dtype in ("float32", "float64"):
            p = out / f"{name}-{dtype}.jinfer"
            jinfer.export(model, X, p, name=name, version="1.0.0", dtype=dtype)
            paths[f"{name}-{dtype}"] = p
    return paths


# ---------------------------------------------------------------- the python backend's programs and bundles
# (tests/jvm/test_python_backend.py and test_jep_host.py; the helpers that run them are in pyhosts.py)


@pytest.fixture(scope="session")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/jvm/javasrc/*.java, compiled against jinfer's jars."""
    return javac(JAVA_SOURCES.glob("*.java"), tmp_path_factory.mktemp("java-classes"))


@pytest.fixture(scope="session")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared bundles and input files, and the working directory of the subprocesses."""
    d = tmp_path_factory.mktemp("pybackend")
    np.savez(d / "iris32.npz", features=X32)
    np.savez(d / "iris64.npz", features=X_IRIS)
    return d


@pytest.fixture(scope="session")
def custom_model() -> Any:
    return cm.custom_pipeline(X_IRIS, Y_IRIS)


@pytest.fixture(scope="session")
def custom_export(work: Path, custom_model: Any) -> tuple[Path, list[str]]:
    """The custom pipeline exported with the default formats, and the ExportWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        b = jinfer.export(custom_model, X_IRIS, work / "custom.jinfer", name="custom")
    return b.path, [str(w.message) for w in caught if issubclass(w.category, jinfer.ExportWarning)]


@pytest.fixture(scope="session")
def tripwire_bundle(work: Path) -> Path:
    """A python-only bundle whose model leaves a marker file when it is unpickled."""
    model = cm.custom_pipeline(X_IRIS, Y_IRIS, tripwire=True)
    return jinfer.export(model, X_IRIS, work / "tripwire.jinfer", name="tripwire", formats=("python",)).path
