"""Nine memory layouts of the same values through ``jinfer.Model.predict``, on both paths into Java
(the staging buffer for small batches, buffers handed over for large ones): the answers are
exactly those of the C-contiguous array, and the caller's array is left as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import jinfer
from models import MODELS


def unaligned(a: np.ndarray) -> np.ndarray:
    raw = np.zeros(a.nbytes + 1, dtype=np.uint8)
    view = raw[1:].view(a.dtype).reshape(a.shape)
    view[...] = a
    assert not view.flags.aligned
    return view


def read_only(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


LAYOUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "c-contiguous": lambda a: a.copy(),
    "fortran": np.asfortranarray,
    "every-other-row": lambda a: np.repeat(a, 2, axis=0)[::2],
    "column-slice": lambda a: np.hstack([a, a])[:, : a.shape[1]],
    "reversed-rows": lambda a: a[::-1].copy()[::-1],
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "unaligned": unaligned,
    "read-only": read_only,
    "broadcast-row": lambda a: np.broadcast_to(a[:1], a.shape),
}


@pytest.fixture(scope="module")
def model(bundles: dict[str, Path]) -> jinfer.Model:
    with jinfer.load(bundles["forest-float32"]) as m:
        yield m


@pytest.mark.parametrize("rows", [3, 2000], ids=["staged", "handed-over"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_gives_the_contiguous_answers_exactly(layout: str, rows: int, model: jinfer.Model) -> None:
    base = np.resize(MODELS["forest"][1].astype(np.float32), (rows, MODELS["forest"][1].shape[1]))
    if layout == "broadcast-row":
        base = np.broadcast_to(base[:1], base.shape).copy()
    X = LAYOUTS[layout](base)
    np.testing.assert_array_equal(X, base)
    before = X.copy()
    want = model.predict(np.ascontiguousarray(base))
    got = model.predict(X)
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=f"{layout}: {name}")
    np.testing.assert_array_equal(X, before)
