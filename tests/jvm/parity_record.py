"""Shared by the model-family tests: check every artifact of a bundle through Java on fresh rows,
and, when ``JINFER_SUPPORT_DIR`` is set (``scripts/support_matrix.py`` sets it), record what was
measured, one JSON file per case, from which docs/models.md is written."""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

import jinfer

REL = 1e-5  # relative to the output's largest magnitude, as the exporter's parity rule


def scale_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """The largest error relative to the output's largest magnitude."""
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return float(np.abs(a - e).max() / max(1e-12, float(np.abs(e).max()))) if e.size else 0.0


def check(
    bundle: jinfer.Bundle, X_new: Any, truth: Mapping[str, np.ndarray], *, trust_python: bool = False
) -> dict[str, dict[str, Any]]:
    """Load each artifact with its backend forced, predict ``X_new`` through Java, and compare with
    ``truth`` (the original model's outputs on ``X_new``): labels exact, floats within REL of the
    output's scale. Returns the figures per backend."""
    figures: dict[str, dict[str, Any]] = {}
    for artifact in bundle.manifest.artifacts:
        parity = artifact.parity
        assert parity["passed"] is True and parity["checked_with"] == "java", parity
        # the families with holes in their rows (an imputer, XGBoost) take NaN, which jinfer refuses
        # unless told (tests/jvm/test_non_finite.py tests the refusal)
        with jinfer.load(bundle.path, backend=artifact.backend, trust_python=trust_python, allow_non_finite=True) as m:
            assert m.backend == artifact.backend
            out = m.predict(X_new)
        fresh: dict[str, float] = {}
        for name, want in truth.items():
            got = out[name]
            spec = bundle.manifest.output(name)
            assert got.dtype == (np.dtype(spec.dtype) if spec.dtype != "string" else got.dtype), (name, got.dtype)
            if np.asarray(want).dtype.kind in "iuUSOb" or spec.dtype in ("int64", "string"):
                np.testing.assert_array_equal(
                    got.astype(str), np.asarray(want).astype(str), err_msg=f"{artifact.backend} {name}"
                )
                fresh[name] = 0.0
            else:
                err = scale_error(got, want)
                assert err <= REL, f"{artifact.backend} {name}: error {err:.3g} of the output's scale > {REL}"
                fresh[name] = err
        figures[artifact.backend] = {
            "parity": _scale_parity(bundle, artifact),
            "fresh": fresh,
            "fresh_rows": len(next(iter(truth.values()))),
        }
    return figures


def _scale_parity(bundle: jinfer.Bundle, artifact: Any) -> dict[str, Any]:
    """The manifest's figures, with the max abs error also put relative to the output's scale."""
    expected = bundle.parity_expected()
    out = {}
    for name, f in artifact.parity["outputs"].items():
        entry = dict(f)
        if f.get("max_abs_error") is not None and name in expected and expected[name].dtype.kind == "f":
            entry["scale_rel_error"] = f["max_abs_error"] / max(1e-12, float(np.abs(expected[name]).max()))
        out[name] = entry
    return {"rows": artifact.parity["rows"], "outputs": out}


def dropped(caught: list[warnings.WarningMessage]) -> dict[str, str]:
    """backend → why it was dropped, from the export's warnings."""
    out = {}
    for w in caught:
        text = str(w.message)
        m = re.match(r"jinfer: (?:no (\w+) artifact|dropped the (\w+) artifact): (.*)", text)
        if m and issubclass(w.category, jinfer.ExportWarning):
            out[m.group(1) or m.group(2)] = m.group(3)
    return out


def export_and_check(
    case: str,
    family: str,
    model_name: str,
    export: Callable[[], jinfer.Bundle],
    X_new: Any,
    truth: Mapping[str, np.ndarray],
    *,
    backends: list[str],
    trust_python: bool = False,
    dropped_reasons: Mapping[str, str] | None = None,
    note: str = "",
) -> jinfer.Bundle:
    """Export (capturing the warnings), assert the bundle ends with exactly ``backends`` and that
    each dropped backend says why (regex per backend), check each backend on fresh rows, record."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundle = export()
    why = dropped(caught)
    assert [a.backend for a in bundle.manifest.artifacts] == backends, why
    for backend, pattern in (dropped_reasons or {}).items():
        assert backend in why and re.search(pattern, why[backend]), (backend, why)
    figures = check(bundle, X_new, truth, trust_python=trust_python)
    record(
        case,
        {
            "family": family,
            "model": model_name,
            "task": bundle.manifest.task,
            "dtype": next((s.dtype for s in bundle.manifest.outputs if s.dtype.startswith("float")), ""),
            "backends": figures,
            "dropped": why,
            "note": note,
            "libraries": bundle.manifest.producer.get("libraries", {}),
        },
    )
    return bundle


def record(case: str, data: dict[str, Any]) -> None:
    where = os.environ.get("JINFER_SUPPORT_DIR")
    if not where:
        return
    Path(where).mkdir(parents=True, exist_ok=True)
    (Path(where) / f"{case}.json").write_text(json.dumps({"case": case, **data}, indent=1, default=str))
