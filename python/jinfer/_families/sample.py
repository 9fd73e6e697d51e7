"""``X_sample`` as a bundle's inputs: one validator, one set of messages for every family.

A numeric table becomes one ``features`` input ``[n, d]`` with its column names; a table that
mixes types becomes one input per column (string columns as ``string`` tensors), named by the
columns. Every fault is an :class:`InputError` that says what was expected and what came.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._dtypes import Array
from .._exceptions import InputError
from .._manifest import TensorSpec

__all__ = ["Sample", "bad_dtype", "bad_shape", "numeric_sample", "sample_of"]


@dataclass
class Sample:
    """The export sample in every form the export needs."""

    feeds: dict[str, Array]  # canonical inputs, as Java gets them
    specs: tuple[TensorSpec, ...]
    for_model: Any  # the same values as the model takes them (ndarray or DataFrame)
    columns: list[str]  # the table's column names, in order (PMML's input fields)


def bad_shape(expected: str, shape: Sequence[int]) -> InputError:
    """``X_sample`` has the wrong shape: ``expected`` says what it should be."""
    return InputError(f"X_sample: expected {expected}, got shape {list(shape)}", code="SHAPE_MISMATCH")


def bad_dtype(dtype: Any, hint: str = "") -> InputError:
    """``X_sample`` holds no numbers; ``hint`` says what to pass instead, where there is a way."""
    return InputError(f"X_sample: expected numbers, got dtype {dtype}{hint}", code="DTYPE_MISMATCH")


_MATRIX = "a non-empty 2-D array [rows, features]"


def _is_table(X: Any) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes")


def _matrix(X_sample: Any, hint: str = "") -> Array:
    """``X_sample`` as a non-empty 2-D numeric array (not yet cut or cast)."""
    X = np.asarray(X_sample)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise bad_shape(_MATRIX, X.shape)
    if X.dtype.kind not in "fiub":
        raise bad_dtype(X.dtype, hint)
    return X


def sample_of(model: Any, X_sample: Any, dtype: str, max_rows: int) -> Sample:
    """The sample of a scikit-learn model: a numeric matrix or table, or a table of mixed types."""
    if isinstance(X_sample, Mapping):
        import pandas as pd

        X_sample = pd.DataFrame({str(k): np.asarray(v) for k, v in X_sample.items()})
    if _is_table(X_sample):
        df = X_sample.iloc[:max_rows]
        if len(df) == 0 or len(df.columns) == 0:
            raise bad_shape("a non-empty table", df.shape)
        columns = [str(c) for c in df.columns]
        if all(np.dtype(t).kind in "fiub" for t in df.dtypes if not _is_categorical(t)) and not any(
            _is_categorical(t) for t in df.dtypes
        ):
            X = np.ascontiguousarray(df.to_numpy(dtype=dtype))
            return _tabular(model, X, columns, dtype)
        return _columnar(df, columns, dtype)
    X = _matrix(X_sample, "; pass a pandas DataFrame for a table that mixes types")
    names = getattr(model, "feature_names_in_", None)
    columns = [str(c) for c in names] if names is not None else [f"x{i + 1}" for i in range(X.shape[1])]
    return _tabular(model, np.ascontiguousarray(X[:max_rows], dtype=dtype), columns, dtype)


def numeric_sample(X_sample: Any, dtype: str, max_rows: int, columns: Sequence[str] | None) -> Sample:
    """A ``features`` sample for a model that takes one numeric matrix (a Booster, an ONNX graph)."""
    if _is_table(X_sample):
        names = [str(c) for c in X_sample.columns]
        X = X_sample.iloc[:max_rows].to_numpy(dtype=dtype)
        columns = columns or names
    else:
        X = _matrix(X_sample)[:max_rows].astype(dtype)
    X = np.ascontiguousarray(X)
    cols = list(columns) if columns else [f"x{i + 1}" for i in range(X.shape[1])]
    if len(cols) != X.shape[1]:
        raise InputError(
            f"X_sample: expected {len(cols)} columns ({cols[:5]}...), got {X.shape[1]}", code="SHAPE_MISMATCH"
        )
    spec = TensorSpec("features", dtype, (-1, X.shape[1]), tuple(cols))
    return Sample({"features": X}, (spec,), X, cols)


def _tabular(model: Any, X: Array, columns: list[str], dtype: str) -> Sample:
    spec = TensorSpec("features", dtype, (-1, X.shape[1]), tuple(columns))
    for_model: Any = X
    if getattr(model, "feature_names_in_", None) is not None:
        import pandas as pd

        for_model = pd.DataFrame(X, columns=columns)
    return Sample({"features": X}, (spec,), for_model, columns)


def _columnar(df: Any, columns: list[str], dtype: str) -> Sample:
    import pandas as pd

    feeds: dict[str, Array] = {}
    specs = []
    for col, src in zip(columns, df.columns):
        values = df[src]
        kind = "O" if _is_categorical(values.dtype) else np.dtype(values.dtype).kind
        if kind in "OUS":
            arr = values.astype(str).to_numpy().astype(str)
            specs.append(TensorSpec(col, "string", (-1,)))
        elif kind == "f":
            arr = values.to_numpy(dtype=dtype)
            specs.append(TensorSpec(col, dtype, (-1,)))
        elif kind in "iub":
            arr = values.to_numpy(dtype=np.int64)
            specs.append(TensorSpec(col, "int64", (-1,)))
        else:
            raise InputError(
                f"X_sample column {col!r}: dtype {values.dtype} is not supported; expected numbers or strings",
                code="DTYPE_MISMATCH",
            )
        feeds[col] = np.ascontiguousarray(arr)
    for_model = pd.DataFrame({src: feeds[col] for col, src in zip(columns, df.columns)})
    return Sample(feeds, tuple(specs), for_model, columns)


def _is_categorical(t: Any) -> bool:
    return str(t) == "category" or str(t).startswith("string") or str(t) == "str"
