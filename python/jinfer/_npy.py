"""Reading ``.npy`` and ``.npz`` files from untrusted bytes, within :class:`~jinfer._limits.Limits`.

The rules are those of Java's ``io.jinfer.npy`` (``docs/bundle-format.md``, "Reading rules"): the
header is at most ``max_npy_header_bytes`` long and read as numpy reads it; only the dtypes of the
table (``<U`` strings included, either byte order) and no object, bytes or structured arrays; the
element count is checked against the bytes present before anything is allocated (every element
costs at least one byte of the file, so a ``<U0`` array cannot claim billions of elements); an
``.npz`` is a zip read by :class:`~jinfer._zip.SafeZip`, each member within the budget left.
Every refusal is a ``BundleError`` with code ``INVALID_NPY`` (or ``BUNDLE_TOO_LARGE`` past a limit).
"""

from __future__ import annotations

import inspect
import io
import math
import os
import struct
from typing import Any

import numpy as np

from ._dtypes import DTYPES
from ._exceptions import BundleError
from ._limits import Limits
from ._zip import SafeZip

__all__ = ["read_npy", "read_npz"]

_MAGIC = b"\x93NUMPY"
# what the dtype table holds (bfloat16 as two raw bytes, V2, as numpy reads it), and strings
_KINDS = {(np.dtype(d.numpy_code).kind, d.itemsize) for d in DTYPES if d.itemsize}
_SUPPORTED = ", ".join(d.numpy_code for d in DTYPES if d.itemsize) + " and <U{n} (either byte order)"


_HEADER_BOUND = "max_header_size" in inspect.signature(np.lib.format.read_array_header_1_0).parameters


def _bad(where: str, problem: str) -> BundleError:
    return BundleError(f"{where}: {problem}", code="INVALID_NPY")


def read_npy(data: bytes, where: str, limits: Limits | None = None) -> np.ndarray[Any, Any]:
    """The array in ``.npy`` bytes; ``where`` names the file in messages."""
    limits = limits or Limits()
    if len(data) < 10:
        raise _bad(where, f"not a .npy file: {len(data)} bytes is too short for the magic string and header length")
    if data[:6] != _MAGIC:
        raise _bad(where, f"not a .npy file: bad magic string, expected \\x93NUMPY, got {data[:6]!r}")
    major, minor = data[6], data[7]
    if major not in (1, 2, 3) or minor != 0:
        raise _bad(where, f"unsupported .npy format version {major}.{minor}; expected 1.0, 2.0 or 3.0")
    if major == 1:
        (header_len,), start = struct.unpack("<H", data[8:10]), 10
    elif len(data) < 12:
        raise _bad(where, "truncated .npy header: the file ends inside the header length")
    else:
        (header_len,), start = struct.unpack("<I", data[8:12]), 12
    if header_len > limits.max_npy_header_bytes:
        raise _bad(
            where,
            f".npy header of {header_len} bytes is over the bound of {limits.max_npy_header_bytes} "
            f"(Limits.max_npy_header_bytes)",
        )
    if start + header_len > len(data):
        raise _bad(where, f"truncated .npy header: it declares {header_len} bytes, the file has {len(data) - start}")
    fp = io.BytesIO(data)
    fp.seek(8)
    read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
    # numpy before 1.24 has no max_header_size; the header's length is bounded above already
    bound = {"max_header_size": limits.max_npy_header_bytes} if _HEADER_BOUND else {}
    try:
        shape, fortran, dtype = read(fp, **bound)
    except Exception as e:  # noqa: BLE001 - numpy's parser of untrusted text: whatever it raises, the header is bad
        raise _bad(where, f"bad .npy header: {type(e).__name__}: {e}") from None
    if not all(type(d) is int and d >= 0 for d in shape):
        raise _bad(where, f"bad .npy header: 'shape' should hold integers >= 0, got {shape}")
    if dtype.hasobject:
        raise _bad(where, f"object array (descr {dtype.str!r}): pickled object arrays are not accepted")
    if dtype.fields is not None or dtype.subdtype is not None:
        raise _bad(where, f"unsupported .npy dtype {dtype.descr}: structured (record) arrays are not accepted")
    if dtype.kind != "U" and (dtype.kind, dtype.itemsize) not in _KINDS:
        raise _bad(where, f"unsupported .npy dtype {dtype.str!r}: jinfer reads {_SUPPORTED}")
    count = math.prod(shape)
    present = len(data) - start - header_len
    if count > present:  # checked first, as in Java, whose element count would overflow a long
        raise _bad(
            where,
            f".npy array {dtype.str} {list(shape)} claims {count} elements but holds {present} bytes; "
            "every element takes at least one byte",
        )
    need = count * dtype.itemsize
    if need > present:
        raise _bad(where, f"truncated .npy data: {dtype.str} {list(shape)} needs {need} bytes, found {present}")
    if count == 0 or dtype.itemsize == 0:
        return np.zeros(shape, dtype=dtype if dtype.itemsize else "<U1")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + header_len)
    return flat.reshape(shape, order="F" if fortran else "C").copy(order="K")


def read_npz(
    source: bytes | str | os.PathLike[str], where: str, limits: Limits | None = None, *, budget: int | None = None
) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of an ``.npz`` by name (``NAME.npy`` gives ``NAME``), in the archive's order.

    ``budget`` bounds the bytes its members may inflate to (default ``limits.max_bundle_bytes``);
    a reader of an ``.npz`` inside a bundle passes what the bundle's budget has left.
    """
    limits = limits or Limits()
    budget = limits.max_bundle_bytes if budget is None else budget
    if isinstance(source, bytes) and source[:2] != b"PK":
        raise _bad(where, f"not a .npz file: expected a zip archive (starting 'PK'), got {len(source)} bytes")
    archive = SafeZip(source, where, limits, budget=budget, code="INVALID_NPY", paths=False)
    try:
        out: dict[str, np.ndarray[Any, Any]] = {}
        for name in archive.sizes:
            key = name[:-4] if name.endswith(".npy") else name
            if key in out:
                raise _bad(where, f"array {key!r} appears twice")
            out[key] = read_npy(archive.read(name), f"{where}, array {key!r}", limits)
        return out
    finally:
        archive.close()
