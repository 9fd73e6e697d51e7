"""Careless input through ``jinfer.Model.predict``: every mistake is an :class:`InputError` with a
code, naming the input and what was expected, and the model keeps serving.

The models are live Python objects (``jinfer.register``), run through the Java path like any
bundle: the checks under test sit in front of every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import jinfer
from jinfer import InputError

NUMERIC_IN = [{"name": "features", "dtype": "float32", "shape": [-1, 2], "columns": ["a", "b"]}]
NUMERIC_OUT = [{"name": "prediction", "dtype": "float64", "shape": [-1]}]
TEXT_IN = [{"name": "city", "dtype": "string", "shape": [-1]}]
TEXT_OUT = [{"name": "length", "dtype": "int64", "shape": [-1]}]
MIXED_IN = [{"name": "city", "dtype": "string", "shape": [-1]}, {"name": "size", "dtype": "float32", "shape": [-1]}]


def total(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"prediction": inputs["features"].astype(np.float64).sum(axis=1)}


def lengths(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"length": np.array([len(s) for s in inputs["city"]], dtype=np.int64)}


def mixed(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"prediction": inputs["size"].astype(np.float64) + [len(s) for s in inputs["city"]]}


@pytest.fixture(scope="module")
def models() -> Iterator[dict[str, Any]]:
    jinfer.register("careless-numeric", total, inputs=NUMERIC_IN, outputs=NUMERIC_OUT)
    jinfer.register("careless-text", lengths, inputs=TEXT_IN, outputs=TEXT_OUT)
    jinfer.register("careless-mixed", mixed, inputs=MIXED_IN, outputs=NUMERIC_OUT)
    loaded = {k: jinfer.load(f"python:careless-{k}") for k in ("numeric", "text", "mixed")}
    yield loaded
    for name, m in loaded.items():
        m.close()
        jinfer.unregister(f"careless-{name}")


def refused(model: Any, X: Any, code: str, *words: str) -> InputError:
    with pytest.raises(InputError) as info:
        model.predict(X)
    e = info.value
    assert e.code == code, e
    for w in words:
        assert w in str(e), (w, str(e))
    return e


GOOD = np.array([[1, 2], [3, 4]], dtype=np.float32)


@pytest.mark.parametrize(
    "X",
    [
        GOOD.astype(np.complex128),  # (float16 is a jinfer dtype now, cast safely to float32)
        GOOD.astype(np.complex64),
        np.array([[1, "a"], [2, 3]], dtype=object),
        np.array([["2020-01-01", "2020-01-02"]] * 2, dtype="datetime64[D]"),
        np.array([[1, 2]] * 2, dtype="timedelta64[s]"),
    ],
    ids=["complex128", "complex64", "object", "datetime64", "timedelta64"],
)
def test_arrays_of_no_jinfer_dtype_are_dtype_mismatch(X: np.ndarray, models: dict[str, Any]) -> None:
    refused(models["numeric"], X, "DTYPE_MISMATCH", "input 'features'", "float32")
    np.testing.assert_array_equal(models["numeric"].predict(GOOD)["prediction"], [3, 7])


def test_a_batch_over_2_gib_is_refused_before_anything_is_copied(models: dict[str, Any]) -> None:
    huge = np.broadcast_to(np.float32(1), (2**28 + 1, 2))  # 2 GiB + 8 bytes, no memory behind it
    refused(models["numeric"], huge, "INVALID_VALUE", "input 'features'", "2 GiB", "split the batch")


@pytest.mark.parametrize(
    "values, code, words",
    [
        (["paris", None], "INVALID_VALUE", ["element 1 is a missing value"]),
        (["paris", float("nan")], "INVALID_VALUE", ["element 1 is a missing value"]),
        (["paris", 7], "DTYPE_MISMATCH", ["element 1 is int 7", "str elements only"]),
        (["paris", b"rome"], "DTYPE_MISMATCH", ["element 1 is bytes"]),
        (["paris", "r\ud800me"], "INVALID_VALUE", ["element 1 is not valid Unicode"]),
    ],
    ids=["None", "NaN", "int", "bytes", "lone-surrogate"],
)
def test_strings_holding_other_things_are_named(
    values: list[Any], code: str, words: list[str], models: dict[str, Any]
) -> None:
    refused(models["text"], np.array(values, dtype=object), code, "input 'city'", *words)
    np.testing.assert_array_equal(models["text"].predict(np.array(["paris", "rome"]))["length"], [5, 4])


def test_utf8_bytes_are_text(models: dict[str, Any]) -> None:
    out = models["text"].predict(np.array(["zürich".encode(), b"rome"]))
    np.testing.assert_array_equal(out["length"], [6, 4])
    refused(models["text"], np.array([b"\xff\xfe"]), "INVALID_VALUE", "input 'city'", "not UTF-8")


def test_a_non_numeric_string_in_a_numeric_column_is_refused_alike_on_both_paths(models: dict[str, Any]) -> None:
    """One 2-D input named by its columns, and one input per column: the same error, by column."""
    one = refused(
        models["numeric"], pd.DataFrame({"a": [1.0, 2.0], "b": ["3", "four"]}), "DTYPE_MISMATCH", "column 'b'"
    )
    per = refused(
        models["mixed"], pd.DataFrame({"city": ["x", "y"], "size": ["3", "four"]}), "DTYPE_MISMATCH", "column 'size'"
    )
    assert str(one).split(": ", 1)[1] == str(per).split(": ", 1)[1]
    assert str(one).startswith("input 'features', column 'b': expected float32 values")
    assert str(per).startswith("input 'size', column 'size': expected float32 values")
    np.testing.assert_array_equal(
        models["mixed"].predict(pd.DataFrame({"city": ["ab", "c"], "size": [1.5, 2.0]}))["prediction"], [3.5, 3.0]
    )


def test_a_missing_value_in_a_string_column_is_not_sent_as_text(models: dict[str, Any]) -> None:
    refused(
        models["mixed"],
        pd.DataFrame({"city": ["x", None], "size": [1.0, 2.0]}),
        "INVALID_VALUE",
        "input 'city', column 'city': element 1 is a missing value",
    )


def test_a_frames_string_columns_are_checked_once_and_a_bad_one_on_every_call(
    models: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DataFrame's string columns are checked as they convert (``_column``), and ``predict`` does
    not check them a second time; a missing value is still refused on a layout staged before."""
    from jinfer._runtime import model as runtime

    seen: list[str] = []
    check = runtime._input_array

    def counted(name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(name)
        return check(name, *args, **kwargs)

    monkeypatch.setattr(runtime, "_input_array", counted)
    frame = pd.DataFrame({"city": ["ab", "c"], "size": [1.5, 2.0]})
    for _ in range(2):
        np.testing.assert_array_equal(models["mixed"].predict(frame)["prediction"], [3.5, 3.0])
    assert seen == ["city", "city"]
    for _ in range(2):
        refused(
            models["mixed"],
            pd.DataFrame({"city": ["x", None], "size": [1.0, 2.0]}),
            "INVALID_VALUE",
            "input 'city', column 'city': element 1 is a missing value",
        )
