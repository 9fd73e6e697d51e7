"""Cross-language tests: one JVM for the whole pytest session, started here, as JPype's suite does."""

from __future__ import annotations

from pathlib import Path

import pytest
from jvm_options import JVM_ARGS

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
