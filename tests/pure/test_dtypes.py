"""The dtype table against tests/conformance/dtypes.json, which the Java tests read too (no JVM)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jinfer._dtypes import DTYPES, dtype_by_name, dtype_of

TABLE = json.loads((Path(__file__).resolve().parent.parent / "conformance" / "dtypes.json").read_text())


def test_table_equals_the_conformance_file() -> None:
    assert [{"id": d.id, "name": d.name, "numpy": d.numpy_code, "itemsize": d.itemsize} for d in DTYPES] == TABLE


def test_ids_are_the_documented_stable_ones() -> None:
    assert {d["name"]: d["id"] for d in TABLE} == {
        "float32": 1,
        "float64": 2,
        "int8": 3,
        "uint8": 4,
        "int16": 5,
        "int32": 6,
        "int64": 7,
        "bool": 8,
        "string": 9,
        "float16": 10,
        "bfloat16": 11,
        "uint16": 12,
        "uint32": 13,
        "uint64": 14,
    }
    assert len({d.name for d in DTYPES}) == len(DTYPES)


@pytest.mark.parametrize(
    "entry", [e for e in TABLE if e["name"] not in ("string", "bfloat16")], ids=lambda e: e["name"]
)
def test_fixed_width_entries_agree_with_numpy(entry: dict[str, object]) -> None:
    dt = np.dtype(str(entry["numpy"]))
    assert dt.itemsize == entry["itemsize"] and dt.str == entry["numpy"]
    d = dtype_by_name(str(entry["name"]))
    assert d.numpy.isnative and d.numpy.itemsize == entry["itemsize"]
    assert dtype_of(np.zeros(2, dtype=dt)) is d
    assert dtype_of(np.zeros(2, dtype=dt.newbyteorder(">"))) is d


def test_strings() -> None:
    string = dtype_by_name("string")
    assert dtype_of(np.array(["a", "ü"])) is string
    assert dtype_of(np.array(["a", "b"], dtype=object)) is string
    assert string.numpy == np.dtype(object) and string.itemsize == 0
    with pytest.raises(TypeError, match="str"):
        dtype_of(np.array(["a", 1], dtype=object))


def test_bfloat16_is_ml_dtypes_or_raw_bytes() -> None:
    import ml_dtypes

    bf = dtype_by_name("bfloat16")
    assert bf.numpy == np.dtype(ml_dtypes.bfloat16) and bf.numpy.str == bf.numpy_code == "<V2"
    values = np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)
    assert dtype_of(values) is bf
    assert dtype_of(values.view("V2")) is bf  # what np.load gives for a <V2 file
    assert values.view(np.uint16).tolist() == [0x3FC0, 0xC000]


def test_casts_vector_is_numpys_rule() -> None:
    import ml_dtypes

    casts = json.loads((Path(__file__).resolve().parent.parent / "conformance" / "casts.json").read_text())
    numeric = {e["name"]: dtype_by_name(e["name"]).numpy for e in TABLE if e["name"] != "string"}
    assert numeric["bfloat16"] == np.dtype(ml_dtypes.bfloat16)
    assert casts["safe"] == {
        a: [b for b in numeric if b != a and np.can_cast(numeric[a], numeric[b], "safe")] for a in numeric
    }


def test_unknown_dtypes_are_refused_with_the_known_names() -> None:
    import ml_dtypes

    with pytest.raises(KeyError, match="float32"):
        dtype_by_name("float128")
    with pytest.raises(TypeError, match="float16"):
        dtype_of(np.zeros(1, dtype=np.complex64))
    with pytest.raises(TypeError, match="uint64"):
        dtype_of(np.zeros(1, dtype=ml_dtypes.float8_e4m3fn))
    with pytest.raises(TypeError, match="no jinfer dtype"):
        dtype_of(np.zeros(1, dtype=[("a", "<i1"), ("b", "<i1")]))  # two bytes, but a structure
