"""Walking a fitted estimator: its final step, its nested parts, whether it holds trees.

Export (the ONNX converter, the families) and predict time (the python-backend host) both need
these, so they live here, below both. Layer L0 (contracts): scikit-learn is never imported here;
these read the attributes scikit-learn's composites have (``steps``, ``get_params``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._optional import loaded_class

__all__ = ["call", "final_estimator", "has_trees", "holds", "parts"]

_TREE_MODULES = ("sklearn.ensemble", "sklearn.tree", "xgboost", "lightgbm")


def final_estimator(model: Any) -> Any:
    """The last step of a Pipeline (of nested Pipelines too), or the model itself."""
    steps = getattr(model, "steps", None)
    return final_estimator(steps[-1][1]) if steps else model


def parts(model: Any) -> list[Any]:
    """The model and every estimator nested in it (Pipeline steps, ColumnTransformer parts)."""
    out = [model]
    get_params = getattr(model, "get_params", None)
    if callable(get_params):
        try:
            params = get_params(deep=True)
        except Exception:  # noqa: BLE001 - a model whose params cannot be listed has no nested parts
            params = {}
        out += [v for v in params.values() if hasattr(v, "fit") or hasattr(v, "get_params")]
    return out


def has_trees(model: Any) -> bool:
    """Whether the model (or a step of its Pipeline) is a tree model of scikit-learn, XGBoost or LightGBM."""
    steps = getattr(model, "steps", None)
    if steps:
        return any(has_trees(step) for _, step in steps)
    return type(model).__module__.startswith(_TREE_MODULES)


def holds(model: Any, module: str, *names: str) -> bool:
    """Whether the model, or an estimator nested in it, is an instance of ``module.NAME`` for one of
    ``names``. Imports nothing: a library that is not imported yet made none of the model's parts."""
    classes = tuple(c for c in (loaded_class(module, n) for n in names) if c is not None)
    return bool(classes) and any(isinstance(part, classes) for part in parts(model))


_FLOAT64_ONLY = ("Buffer dtype mismatch", "should have the same dtype as X")


def call(method: Callable[[Any], Any], X: Any) -> Any:
    """``method(X)``, once more with float64 values when scikit-learn refuses float32 ones, whose
    values float64 holds exactly: KMeans (and its kin) fitted on float64 raise "Buffer dtype
    mismatch" on a float32 batch, NMF "H should have the same dtype as X"."""
    try:
        return method(X)
    except (ValueError, TypeError) as e:
        if not any(m in str(e) for m in _FLOAT64_ONLY) or getattr(X, "dtype", None) != np.float32:
            raise
        return method(X.astype(np.float64))
