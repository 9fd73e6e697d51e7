"""The shared tensor layer: zero copy where the layout allows, one copy otherwise, and lifetimes."""

from __future__ import annotations

import gc

import jpype
import numpy as np
import pytest

from jinfer._dtypes import DTYPES, dtype_by_name
from jinfer.tensor import from_java, is_zero_copy, to_java

ALL_NUMERIC = [d.name for d in DTYPES if d.name != "string"]


@pytest.mark.parametrize("dtype", ALL_NUMERIC)
def test_round_trip_every_dtype(dtype: str) -> None:
    a = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype_by_name(dtype).numpy)
    t = to_java(a)
    assert str(t.dtype().typeName()) == dtype
    assert list(t.shape()) == [2, 3, 4]
    back = from_java(t)
    assert back.dtype == a.dtype
    np.testing.assert_array_equal(back, a)


@pytest.mark.parametrize(
    ("dtype", "values"),
    [
        ("float16", [0.5, -65504.0, 2.0**-24, 0.1]),
        ("bfloat16", [1.5, -3.0e38, 2.0**-126, 0.1]),
        ("uint16", [0, 65535, 40000, 1]),
        ("uint32", [0, 4294967295, 2147483648, 1]),
        ("uint64", [0, 18446744073709551615, 9223372036854775808, 1]),
    ],
)
def test_java_reads_the_new_dtypes_as_numpy_holds_them(dtype: str, values: list[float]) -> None:
    a = np.array(values, dtype=dtype_by_name(dtype).numpy)
    t = to_java(a)
    doubles = [float(t.getDouble(i)) for i in range(len(values))]
    assert doubles == a.astype(np.float64).tolist()
    if dtype.startswith("uint"):
        assert [int(str(s)) for s in t.toStringArray()] == [int(v) for v in values]
    widened = t.castTo(jpype.JClass("io.jinfer.DType").FLOAT64)
    np.testing.assert_array_equal(from_java(widened), a.astype(np.float64))


def test_strings_round_trip() -> None:
    a = np.array([["a", "ünïcødé"], ["", "x y"]])
    t = to_java(a)
    assert str(t.dtype().typeName()) == "string"
    np.testing.assert_array_equal(from_java(t), a)
    objs = np.array(["p", "q"], dtype=object)
    np.testing.assert_array_equal(from_java(to_java(objs)), objs.astype(str))


def test_a_write_into_numpy_shows_in_the_java_tensor_handed_over_without_copy() -> None:
    a = np.zeros((3, 4), dtype=np.float32)
    assert is_zero_copy(a)
    t = to_java(a)
    a[1, 2] = 42.5
    a[2, 3] = -1.0
    assert t.getDouble(1 * 4 + 2) == 42.5
    assert t.getDouble(2 * 4 + 3) == -1.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.arange(40, dtype=np.float32).reshape(5, 8)[:, ::2],  # non-contiguous
        lambda: np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),  # Fortran order
        lambda: np.arange(12, dtype=">f8").reshape(3, 4),  # big-endian
        lambda: np.arange(12, dtype=">i4").reshape(4, 3),  # big-endian ints
    ],
    ids=["strided", "fortran", "big-endian-f8", "big-endian-i4"],
)
def test_other_layouts_are_copied_once_with_the_right_values(make) -> None:
    a = make()
    assert not is_zero_copy(a)
    t = to_java(a)
    np.testing.assert_array_equal(from_java(t), a)
    a_before = a.copy()
    a[...] = 0  # the Java tensor holds its own copy
    np.testing.assert_array_equal(from_java(t), a_before)


def test_empty_arrays() -> None:
    a = np.zeros((0, 4), dtype=np.float32)
    t = to_java(a)
    assert list(t.shape()) == [0, 4]
    assert from_java(t).shape == (0, 4)


def test_a_numpy_view_of_a_java_buffer_outlives_every_java_reference() -> None:
    Tensor = jpype.JClass("io.jinfer.Tensor")
    System = jpype.JClass("java.lang.System")
    values = np.random.default_rng(0).random(100_000)
    t = Tensor.of(jpype.JArray(jpype.JDouble)(values), jpype.JArray(jpype.JLong)([values.size]))
    view = from_java(t)
    assert not view.flags.writeable
    del t
    gc.collect()
    ByteBuffer = jpype.JClass("java.nio.ByteBuffer")
    for _ in range(3):
        System.gc()
        junk = [ByteBuffer.allocateDirect(800_000) for _ in range(20)]  # reuse freed native memory
        for b in junk:
            b.put(0, 0x7F)
        del junk
    np.testing.assert_array_equal(view, values)


def test_from_java_is_a_view_not_a_copy() -> None:
    Tensor = jpype.JClass("io.jinfer.Tensor")
    t = Tensor.of(jpype.JArray(jpype.JFloat)([1.0, 2.0, 3.0]), jpype.JArray(jpype.JLong)([3]))
    v1, v2 = from_java(t), from_java(t)
    assert np.shares_memory(v1, v2)
