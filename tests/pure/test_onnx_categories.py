"""``jinfer._convert.onnx.refused_categories``: the categories of each ONNX OneHotEncoder that refuses
others, traced back to the input and column it encodes, on graphs skl2onnx really makes."""

from __future__ import annotations

import numpy as np
import skl2onnx
from skl2onnx.common.data_types import StringTensorType
from sklearn.preprocessing import OneHotEncoder

from jinfer._convert.onnx import refused_categories

TABLE = np.array([["red", "s"], ["blue", "m"], ["green", "l"], ["red", "m"]])


def converted(handle_unknown: str) -> object:
    encoder = OneHotEncoder(handle_unknown=handle_unknown).fit(TABLE)
    return skl2onnx.to_onnx(encoder, initial_types=[("native", StringTensorType([None, 2]))], target_opset=17)


def test_each_column_of_a_refusing_encoder_is_traced_to_its_input() -> None:
    found = refused_categories(converted("error"), {"features": "native"})
    assert found == [
        {"input": "features", "column": 0, "categories": ["blue", "green", "red"]},
        {"input": "features", "column": 1, "categories": ["l", "m", "s"]},
    ]


def test_an_encoder_that_ignores_unknown_categories_refuses_none() -> None:
    assert refused_categories(converted("ignore"), {"features": "native"}) == []
