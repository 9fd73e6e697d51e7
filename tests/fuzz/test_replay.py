"""The Python fuzz targets replay their seeds and every minimised finding of tests/fuzz/regressions/.

A finding committed there once crashed a reader; replayed here in ``make test``, it stays fixed.
The Java targets replay the same way in ``io.jinfer.fuzz.FuzzReplayTest``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TARGETS = json.loads((HERE / "targets.json").read_text(encoding="utf-8"))
PYTHON = {name: t for name, t in TARGETS.items() if "python" in t}


def _targets() -> object:
    spec = importlib.util.spec_from_file_location("jinfer_fuzz_targets", HERE / "targets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inputs(name: str) -> list[Path]:
    dirs = [ROOT / s for s in TARGETS[name]["seeds"]] + [HERE / "regressions" / name]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*") if p.is_file())


def test_every_target_is_driven_and_replayed() -> None:
    functions = _targets().TARGETS  # type: ignore[attr-defined]
    assert {t["python"] for t in PYTHON.values()} == set(functions)
    for name, target in TARGETS.items():
        assert ("java" in target) != ("python" in target), name
        assert all((ROOT / s).is_dir() for s in target["seeds"]), name


@pytest.mark.parametrize("name", sorted(PYTHON))
def test_replay(name: str) -> None:
    target = _targets().TARGETS[PYTHON[name]["python"]]  # type: ignore[attr-defined]
    files = inputs(name)
    assert files, f"{name} has no seeds"
    for path in files:
        target(path.read_bytes())  # only a JinferError may pass inside: anything else fails here
