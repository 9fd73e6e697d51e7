"""scikit-learn estimators and Pipelines: the task from scikit-learn's own tags, the expected
outputs from ``predict_proba``/``predict``/``transform``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._dtypes import Array
from .._manifest import TensorSpec
from .base import Expected, Family, Prepared, check_task, refuse_classes
from .sample import sample_of

__all__ = ["SklearnFamily", "expected_of", "task_of"]


class SklearnFamily(Family):
    """A fitted scikit-learn estimator or Pipeline (also the family of any model no other takes)."""

    key = "scikit-learn"

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        sample = sample_of(model, X_sample, dtype, max_rows)
        found = task_of(model)
        check_task(found, task, type(model).__name__)
        refuse_classes(classes, type(model).__name__)
        expected, outputs, cls = expected_of(model, sample.for_model, found, dtype)
        return Prepared(model, sample, found, expected, outputs, cls, type(model).__name__, self.libraries(model))


def task_of(model: Any) -> str:
    from sklearn.base import is_classifier, is_regressor

    if is_classifier(model):
        return "classification"
    if is_regressor(model):
        return "regression"
    if hasattr(model, "transform"):
        return "transform"
    raise TypeError(f"{type(model).__name__} is neither a classifier, a regressor nor a transformer")


def expected_of(model: Any, X: Any, task: str, dtype: str) -> Expected:
    """The model's own outputs on X (canonical names), their specs, and the classes."""
    if task == "classification":
        classes = list(getattr(model, "classes_", []))
        cls: tuple[int | str, ...]
        label: Array
        if all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_)) for c in classes):
            label_dtype, cls = "int64", tuple(int(c) for c in classes)
            label = np.asarray(model.predict(X)).astype(np.int64)
        elif all(isinstance(c, str) for c in classes):
            label_dtype, cls = "string", tuple(str(c) for c in classes)
            label = np.asarray(model.predict(X)).astype(str)
        else:
            raise TypeError(f"classes {classes!r}: jinfer supports integer or string class labels")
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        outputs = (TensorSpec("label", label_dtype, (-1,)), TensorSpec("probabilities", dtype, (-1, len(cls))))
        return {"label": label, "probabilities": proba}, outputs, cls
    if task == "regression":
        pred = np.asarray(model.predict(X), dtype=np.float64)
        shape = (-1,) if pred.ndim == 1 else (-1, pred.shape[1])
        return {"prediction": pred}, (TensorSpec("prediction", dtype, shape),), None
    out = np.asarray(model.transform(X), dtype=np.float64)
    return {"transformed": out}, (TensorSpec("transformed", dtype, (-1, out.shape[1])),), None
