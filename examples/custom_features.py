"""Custom feature engineering for examples/python_model.py: plain Python, in an importable module.

Neither ONNX nor PMML can express this function, so the bundle falls back to the ``python``
artifact, which pickles a *reference* to it (``custom_features.flower_features``). Whatever runs
the bundle must be able to import this module: run it with ``PYTHONPATH=examples``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def flower_features(X: Any) -> np.ndarray:
    """The four iris measurements, plus ratios and a botanist's hand-written rule."""
    rows = []
    for sepal_length, sepal_width, petal_length, petal_width in np.asarray(X, dtype=np.float64):
        elongation = petal_length / max(petal_width, 0.1)
        petal_share = petal_length / (petal_length + sepal_length)
        # a rule of thumb, the kind of code that lives in a notebook and nowhere else
        looks_like_setosa = 1.0 if petal_length < 2.5 and sepal_width >= 3.0 else 0.0
        rows.append([sepal_length, sepal_width, petal_length, petal_width, elongation, petal_share,
                     math.log1p(petal_length * petal_width), looks_like_setosa])
    return np.array(rows, dtype=np.float64)
