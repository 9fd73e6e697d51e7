"""The dtype table shared with Java (``io.jinfer.DType``).

Each dtype has an explicit, stable id (never an enum ordinal), its numpy code and its byte size.
``tests/conformance/dtypes.json`` holds the same table; tests in both languages check against it.

numpy has no ``bfloat16``: its code is ``<V2``, what numpy itself reports (and ``np.save`` writes) for
``ml_dtypes.bfloat16`` (a dependency of jinfer), so an array of it is ``ml_dtypes.bfloat16``; read from
a file by numpy alone it is two raw bytes (``V2``). Either way :func:`dtype_of` names it ``bfloat16``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["DTYPES", "Array", "DType", "dtype_by_name", "dtype_of", "strings_array"]

Array: TypeAlias = npt.NDArray[Any]
"""An ndarray of any dtype: what crosses between numpy and the JVM, whose dtype is known at run time."""


@dataclass(frozen=True)
class DType:
    id: int
    name: str
    numpy_code: str
    itemsize: int  # 0 for string: variable width

    @property
    def numpy(self) -> np.dtype[Any]:
        """The numpy dtype in native byte order (``object`` stands in for ``string``)."""
        if self.name == "string":
            return np.dtype(object)
        if self.name == "bfloat16":
            return bfloat16_numpy()
        return np.dtype(self.numpy_code).newbyteorder("=")


DTYPES: tuple[DType, ...] = (
    DType(1, "float32", "<f4", 4),
    DType(2, "float64", "<f8", 8),
    DType(3, "int8", "|i1", 1),
    DType(4, "uint8", "|u1", 1),
    DType(5, "int16", "<i2", 2),
    DType(6, "int32", "<i4", 4),
    DType(7, "int64", "<i8", 8),
    DType(8, "bool", "|b1", 1),
    DType(9, "string", "<U", 0),
    DType(10, "float16", "<f2", 2),
    DType(11, "bfloat16", "<V2", 2),
    DType(12, "uint16", "<u2", 2),
    DType(13, "uint32", "<u4", 4),
    DType(14, "uint64", "<u8", 8),
)

_BY_NAME = {d.name: d for d in DTYPES}
_BY_KIND = {(np.dtype(d.numpy_code).kind, np.dtype(d.numpy_code).itemsize): d for d in DTYPES if d.itemsize}


def bfloat16_numpy() -> np.dtype[Any]:
    """numpy's dtype for bfloat16, ``ml_dtypes.bfloat16`` (ml_dtypes is imported on first use, so
    that importing jinfer does not load it)."""
    import ml_dtypes

    found: np.dtype[Any] = np.dtype(ml_dtypes.bfloat16)
    return found


def dtype_by_name(name: str) -> DType:
    """The dtype called ``name`` (``"float32"``...); ``KeyError`` names the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown dtype {name!r}; expected one of {sorted(_BY_NAME)}") from None


def dtype_of(array: Array) -> DType:
    """The jinfer dtype of a numpy array, whatever its byte order. Strings are ``<U`` or ``O``."""
    dt = array.dtype
    if dt.kind in ("U", "S"):
        return _BY_NAME["string"]
    if dt.kind == "O":
        if all(isinstance(v, str) for v in array.flat):
            return _BY_NAME["string"]
        raise TypeError("object arrays are accepted only when every element is a str")
    found = _BY_KIND.get((dt.kind, dt.itemsize)) if dt.fields is None and dt.subdtype is None else None
    if dt.kind == "V" and found is not None and dt.name not in ("bfloat16", "void16"):
        found = None  # bfloat16 or raw bytes only: another 2-byte extension type is not guessed
    if found is None:
        raise TypeError(f"numpy dtype {dt} has no jinfer dtype; supported: {[d.name for d in DTYPES]}")
    return found


def strings_array(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A numpy str array of ``shape`` from a flat sequence of strings (a Java ``String[]`` as
    JPype or Jep hands it over; copied: Java strings are objects)."""
    flat = [str(v) for v in values]
    return np.array(flat, dtype=str if flat else "<U1").reshape(shape)
