"""The wire format shared with Java: several tensors laid out in one buffer.

Both sides of a call put tensors one after another, in manifest order, each starting at the next
multiple of 8 bytes, in native byte order, C order inside each tensor; padding bytes are zero in
a buffer made for the purpose. Java's ``io.jinfer.wire.Layout`` follows the same
rule, and ``tests/conformance/layout/`` holds a vector that both languages read. Two calls use it:

- the staging buffer of ``FromPython.staged`` and ``predictStaged`` (:mod:`.model`): numeric inputs from byte 0 (a
  string input crosses beside it as a ``String[]``),
  outputs from the byte the call's ``long[]`` names first;
- the python backend's small results (:mod:`.pyhost`): every output in one buffer Java allocated.

Shapes travel beside the buffer, in a ``long[]``: per tensor its dtype id (the table of
:mod:`jinfer._dtypes`), its rank, then its dimensions (:func:`shape_header`).

Layer L1a (runtime), at its bottom: numpy only, no JVM.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .._dtypes import Array, dtype_of

__all__ = [
    "ALIGNMENT",
    "align8",
    "decode_strings",
    "encode_strings",
    "offsets",
    "pack",
    "pack_into",
    "shape_header",
    "size",
    "unpack",
    "views",
]

ALIGNMENT = 8
"""Every tensor of a buffer starts at a multiple of this many bytes."""

Spec = tuple["np.dtype[Any]", tuple[int, ...]]
"""A tensor's dtype and shape: what it takes to find it in a buffer."""


def align8(n: int) -> int:
    """``n`` rounded up to a multiple of 8: where the tensor after one ending at byte ``n`` starts."""
    return (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1)


def offsets(nbytes: Iterable[int], start: int = 0) -> list[int]:
    """The byte at which each tensor starts, for tensors of ``nbytes`` laid out from ``start``."""
    out = []
    at = start
    for n in nbytes:
        at = align8(at)
        out.append(at)
        at += n
    return out


def size(nbytes: Sequence[int], start: int = 0) -> int:
    """Where the last of the tensors of ``nbytes`` ends (no padding after it): the buffer they need."""
    return offsets(nbytes, start)[-1] + nbytes[-1] if nbytes else start


def _nbytes(spec: Spec) -> int:
    return spec[0].itemsize * math.prod(spec[1])


def views(buffer: Array, specs: Sequence[Spec], start: int = 0) -> list[Array]:
    """Views of the tensors of ``specs`` inside ``buffer`` (a 1-D ``uint8`` array), laid out from
    ``start``: no copy; writing into a view writes into the buffer."""
    sizes = [_nbytes(s) for s in specs]
    return [
        buffer[at : at + n].view(dtype).reshape(shape)
        for at, n, (dtype, shape) in zip(offsets(sizes, start), sizes, specs)
    ]


def pack_into(buffer: Array, arrays: Sequence[Array], start: int = 0) -> None:
    """Copy ``arrays`` into ``buffer`` (a 1-D ``uint8`` array) in the layout, from byte ``start``.

    The hot path of both python-backend hosts' small results: one slice, view and copy per array,
    without the generic :func:`views` (which cost several times the copy of a row)."""
    at = start
    for arr in arrays:
        at = align8(at)
        dst = buffer[at : at + arr.nbytes].view(arr.dtype.newbyteorder("="))
        dst.shape = arr.shape
        dst[...] = arr
        at += arr.nbytes


def pack(arrays: Sequence[Array], nbytes: int | None = None) -> bytes:
    """The buffer holding ``arrays`` in the layout, padding zero: :func:`size` bytes, or ``nbytes``."""
    end = size([a.nbytes for a in arrays])
    buffer = np.zeros(end if nbytes is None else nbytes, dtype=np.uint8)
    pack_into(buffer, arrays)
    return buffer.tobytes()


def unpack(data: bytes | bytearray | memoryview, specs: Sequence[Spec]) -> list[Array]:
    """The tensors of ``specs`` read from a buffer in the layout (read-only views of ``data``)."""
    return views(np.frombuffer(data, dtype=np.uint8), specs)


def shape_header(arrays: Iterable[Array]) -> list[int]:
    """The ``long[]`` that says what a buffer's tensors are: per tensor its dtype id, rank and dimensions."""
    header: list[int] = []
    for arr in arrays:
        header += (dtype_of(arr).id, arr.ndim, *arr.shape)
    return header


def encode_strings(values: Sequence[str]) -> Array:
    """Strings in one buffer (a 1-D ``uint8`` array), as Java's ``io.jinfer.wire.Strings`` reads
    them: each one's length in code points (``int32``, native order), then all of them in UTF-8.
    One piece crosses to Java instead of one JPype conversion per string. The strings must be
    Unicode text (no lone surrogate: ``str.encode`` refuses it)."""
    n = len(values)
    text = "".join(values).encode("utf-8")
    out = np.empty(4 * n + len(text), dtype=np.uint8)
    out[: 4 * n].view(np.int32)[:] = np.fromiter(map(len, values), dtype=np.int32, count=n)
    out[4 * n :] = np.frombuffer(text, dtype=np.uint8)
    return out


def decode_strings(buffer: Array, n: int) -> list[str]:
    """The ``n`` strings of a buffer laid out as :func:`encode_strings` lays it out."""
    lengths = np.frombuffer(buffer[: 4 * n].tobytes(), dtype=np.int32)
    text = buffer[4 * n :].tobytes().decode("utf-8")
    ends = np.cumsum(lengths).tolist()
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends)]
