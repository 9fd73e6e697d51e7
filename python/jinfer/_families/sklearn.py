"""scikit-learn estimators and Pipelines: the task from scikit-learn's own tags, the expected
outputs from ``predict_proba``/``decision_function``/``predict``/``transform``.

A classifier gives ``label`` and ``probabilities`` when it has ``predict_proba``, ``label`` and
``scores`` (its ``decision_function``: ``[n]`` for two classes, ``[n, k]`` otherwise) when it has
only that, and ``label`` alone when it has neither. Clusterers and outlier detectors that can
``predict`` are exported the same way: their labels (cluster ids; ``-1`` outlier, ``1`` inlier)
are the classes, and ``scores`` is their ``decision_function`` where they have one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._dtypes import Array
from .._estimators import call, final_estimator
from .._exceptions import InputError, JinferError, UnsupportedModelError
from .._manifest import TensorSpec
from .base import Expected, Family, Prepared, check_task, refuse_classes
from .sample import sample_of

__all__ = ["SklearnFamily", "expected_of", "kind_of", "task_of"]


class SklearnFamily(Family):
    """A fitted scikit-learn estimator or Pipeline."""

    key = "scikit-learn"

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        require_fitted(model)
        sample = sample_of(model, X_sample, dtype, max_rows)
        found = task_of(model)
        check_task(found, task, type(model).__name__)
        refuse_classes(classes, type(model).__name__)
        try:
            expected, outputs, cls = expected_of(model, sample.for_model, found, dtype)
        except (ValueError, TypeError) as e:
            if isinstance(e, JinferError):
                raise
            raise _refused(model, dtype, e) from e
        return Prepared(model, sample, found, expected, outputs, cls, type(model).__name__, self.libraries(model))


def _refused(model: Any, dtype: str, e: Exception) -> InputError:
    """The typed error for a model that refuses its own export sample, in ``dtype``."""
    name = type(model).__name__
    if dtype == "float32":
        return InputError(
            f"{name} refuses the export sample as float32: {e}. A step fitted on float64 values that "
            "float32 does not hold exactly (a OneHotEncoder's or OrdinalEncoder's categories, say) refuses "
            "float32 rows: export it with dtype='float64' (dtype=None picks float64 where float32 cannot serve)",
            code="DTYPE_MISMATCH",
        )
    return InputError(f"{name} refuses the export sample as {dtype}: {e}", code="INVALID_VALUE")


def require_fitted(model: Any) -> None:
    """An :class:`UnsupportedModelError` for an estimator that was never fitted."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        raise UnsupportedModelError(
            f"{type(model).__name__} is not fitted: call fit(X, y) before exporting it"
        ) from None
    except TypeError:
        pass  # not an estimator check_is_fitted knows; prepare says what it lacks


def kind_of(model: Any) -> str:
    """classifier, regressor, clusterer, outlier_detector or transformer, by scikit-learn's tags."""
    import sklearn.base
    from sklearn.base import is_classifier, is_outlier_detector, is_regressor

    if is_classifier(model):
        return "classifier"
    if is_regressor(model):
        return "regressor"
    if is_outlier_detector(model):
        return "outlier_detector"
    # is_clusterer arrived in scikit-learn 1.6; before it, the estimator type said so
    is_clusterer = getattr(sklearn.base, "is_clusterer", None)
    if is_clusterer(model) if is_clusterer else getattr(model, "_estimator_type", None) == "clusterer":
        return "clusterer"
    return "transformer"


def task_of(model: Any) -> str:
    kind = kind_of(model)
    if kind == "regressor":
        return "regression"
    if kind in ("classifier", "clusterer", "outlier_detector") and hasattr(model, "predict"):
        return "classification"
    if hasattr(model, "transform"):
        return "transform"
    raise UnsupportedModelError(
        f"{type(model).__name__} is a {kind} without predict (it labels only the rows it was fitted on, "
        "with fit_predict), so there is nothing to run on new rows"
        if kind in ("clusterer", "outlier_detector")
        else f"{type(model).__name__} is neither a classifier, a regressor, a clusterer or outlier detector "
        "with predict, nor a transformer"
    )


def expected_of(model: Any, X: Any, task: str, dtype: str) -> Expected:
    """The model's own outputs on X (canonical names), their specs, and the classes."""
    if task == "classification":
        label = np.asarray(call(model.predict, X))
        classes = _classes(model, label)
        cls: tuple[int | str, ...]
        if all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_)) for c in classes):
            label_dtype, cls = "int64", tuple(int(c) for c in classes)
            label = label.astype(np.int64)
        elif all(isinstance(c, str) for c in classes):
            label_dtype, cls = "string", tuple(str(c) for c in classes)
            label = label.astype(str)
        else:
            raise UnsupportedModelError(f"classes {classes!r}: jinfer supports integer or string class labels")
        expected: dict[str, Array] = {"label": label}
        outputs = [TensorSpec("label", label_dtype, (-1,))]
        if hasattr(model, "predict_proba"):
            expected["probabilities"] = np.asarray(call(model.predict_proba, X), dtype=np.float64)
            outputs.append(TensorSpec("probabilities", dtype, (-1, len(cls))))
        elif hasattr(model, "decision_function"):
            scores = np.asarray(call(model.decision_function, X), dtype=np.float64)
            expected["scores"] = scores
            outputs.append(TensorSpec("scores", dtype, (-1, *scores.shape[1:])))
        return expected, tuple(outputs), cls
    if task == "regression":
        pred = np.asarray(model.predict(X), dtype=np.float64)
        shape = (-1,) if pred.ndim == 1 else (-1, pred.shape[1])
        return {"prediction": pred}, (TensorSpec("prediction", dtype, shape),), None
    out = np.asarray(model.transform(X), dtype=np.float64)
    return {"transformed": out}, (TensorSpec("transformed", dtype, (-1, out.shape[1])),), None


def _classes(model: Any, label: Array) -> list[Any]:
    """The labels a model can give: a classifier's ``classes_``; a clusterer's cluster ids; an
    outlier detector's -1 and 1."""
    found = getattr(model, "classes_", None)
    if found is not None:
        return list(found)
    final = final_estimator(model)
    if kind_of(model) == "outlier_detector":
        return [-1, 1]
    if getattr(final, "cluster_centers_", None) is not None:
        ids = set(range(len(final.cluster_centers_)))
    elif getattr(final, "subcluster_labels_", None) is not None:
        ids = {int(c) for c in np.unique(final.subcluster_labels_)}
    else:
        ids = {int(c) for c in np.unique(getattr(final, "labels_", label))}
    return sorted(ids | {int(c) for c in np.unique(label)})
