"""The wire format of several tensors in one buffer (``jinfer._runtime.wire``) against the vector
that Java's ``Layout`` is tested on too (``tests/conformance/layout/``): the same bytes, both ways."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jinfer._dtypes import dtype_by_name
from jinfer._runtime import wire

LAYOUT = Path(__file__).resolve().parents[1] / "conformance" / "layout"
CASES = (
    json.loads((LAYOUT / "cases.json").read_text(encoding="utf-8"))["cases"]
    if (LAYOUT / "cases.json").is_file()
    else []
)

pytestmark = [
    pytest.mark.skipif(
        not CASES, reason=f"no layout vector at {LAYOUT} (cases.json): it comes with the Java side's Layout test"
    ),
    pytest.mark.skipif(
        sys.byteorder != "little", reason="the vector's bytes are little-endian, this machine's native order is not"
    ),
]


def _arrays(case: dict[str, Any]) -> list[np.ndarray]:
    return [np.array(t["values"], dtype=dtype_by_name(t["dtype"]).numpy).reshape(t["shape"]) for t in case["tensors"]]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_packing_gives_the_vector_byte_for_byte(case: dict[str, Any]) -> None:
    data = (LAYOUT / case["file"]).read_bytes()
    arrays = _arrays(case)
    assert len(data) == case["bytes"]
    assert wire.offsets([a.nbytes for a in arrays]) == [t["offset"] for t in case["tensors"]]
    assert wire.size([a.nbytes for a in arrays]) <= len(data)
    assert wire.pack(arrays, nbytes=len(data)) == data  # padding bytes included: zero


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_the_vector_reads_back_into_the_arrays(case: dict[str, Any]) -> None:
    data = (LAYOUT / case["file"]).read_bytes()
    expected = _arrays(case)
    got = wire.unpack(data, [(a.dtype, a.shape) for a in expected])
    assert len(got) == len(expected)
    for g, e, t in zip(got, expected, case["tensors"]):
        assert g.dtype == e.dtype, t
        assert g.shape == tuple(t["shape"]), t
        np.testing.assert_array_equal(g, e)
