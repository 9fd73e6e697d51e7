"""Parity: how close an artifact's outputs, computed through Java, come to the original model's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["DEFAULT_ATOL", "DEFAULT_RTOL", "compare"]

DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-6


def compare(
    expected: Mapping[str, np.ndarray],
    actual: Mapping[str, np.ndarray],
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> dict[str, Any]:
    """The parity record of ``actual`` against ``expected``, as stored in the manifest.

    Floats pass when ``|a - e| <= atol + rtol * max(|e|)`` everywhere: the relative tolerance is
    taken against the output's largest magnitude, so a regression value that happens to sit near
    zero is judged on the scale of the output, not on its own. Integer, bool and string outputs
    (labels) must be equal. A missing output or a shape difference fails.
    """
    outputs: dict[str, Any] = {}
    passed = True
    rows = 0
    for name, exp in expected.items():
        exp = np.asarray(exp)
        rows = max(rows, int(exp.shape[0]) if exp.ndim else 1)
        got = actual.get(name)
        if got is None:
            outputs[name] = {"error": "output missing", "mismatches": int(exp.size)}
            passed = False
            continue
        got = np.asarray(got)
        if got.shape != exp.shape:
            outputs[name] = {
                "error": f"shape {list(got.shape)}, expected {list(exp.shape)}",
                "mismatches": int(exp.size),
            }
            passed = False
            continue
        outputs[name] = _figures(exp, got, rtol, atol)
        passed = passed and outputs[name]["mismatches"] == 0
    return {
        "rows": rows,
        "passed": passed,
        "checked_with": "java",
        "rtol": rtol,
        "atol": atol,
        "outputs": outputs,
    }


def _numbers(a: np.ndarray) -> np.ndarray:
    """An output as float64; bfloat16 held as raw bytes (``V2``, as ``np.load`` reads it) is
    widened by its bits, which are the upper half of a float32."""
    if a.dtype.kind == "V" and a.dtype.itemsize == 2:
        a = (np.ascontiguousarray(a).view("<u2").astype("<u4") << 16).view("<f4")
    return a.astype(np.float64)


def _figures(exp: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> dict[str, Any]:
    if exp.dtype.kind in "USO" or got.dtype.kind in "USO":
        bad = int(np.sum(exp.astype(str) != got.astype(str)))
        return {"max_abs_error": None, "max_rel_error": None, "mismatches": bad}
    e = _numbers(exp)
    g = _numbers(got)
    if exp.size == 0:
        return {"max_abs_error": 0.0, "max_rel_error": 0.0, "mismatches": 0}
    diff = np.abs(g - e)
    rel = diff / np.maximum(np.abs(e), np.finfo(np.float64).tiny)
    rel = np.where(diff == 0, 0.0, rel)
    if exp.dtype.kind in "iub" and got.dtype.kind in "iub":
        bad = int(np.sum(diff != 0))
    else:
        scale = float(np.nanmax(np.abs(e))) if np.isfinite(e).any() else 0.0
        bad = int(np.sum(~np.isclose(g, e, rtol=0.0, atol=atol + rtol * scale, equal_nan=True)))
    return {
        "max_abs_error": float(np.nanmax(diff)),
        "max_rel_error": float(np.nanmax(rel)),
        "mismatches": bad,
    }
