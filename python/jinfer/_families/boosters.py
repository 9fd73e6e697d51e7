"""XGBoost and LightGBM: their scikit-learn wrappers, and native ``Booster`` objects.

A Booster is converted through the scikit-learn wrapper that holds the same trees
(``XGBClassifier.load_model``; an ``LGBMClassifier`` around the Booster), so ONNX (onnxmltools,
registered with skl2onnx) and PMML (sklearn2pmml's jpmml-xgboost and jpmml-lightgbm) see what
they know. The expected outputs, and so parity, come from the Booster's own predictions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._convert.formats import Converted
from .._optional import require, version_of
from .base import Prepared, check_task, classifier_outputs, refuse_classes, regressor_outputs
from .sample import numeric_sample
from .sklearn import SklearnFamily

__all__ = ["LightGBMFamily", "WrapperFamily", "XGBoostFamily"]

XGBOOST_DISTS = ("xgboost-cpu", "xgboost", "onnxmltools")
LIGHTGBM_DISTS = ("lightgbm", "onnxmltools")


class WrapperFamily(SklearnFamily):
    """XGBoost's and LightGBM's scikit-learn wrappers: scikit-learn's path, their own libraries."""

    def __init__(self, key: str, extra: str, dists: tuple[str, ...]) -> None:
        self.key, self.extra, self._dists = key, extra, dists

    def libraries(self, model: Any) -> dict[str, str]:
        return version_of(*self._dists)

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        data, details = super().convert(fmt, prepared, dtype, callable_spec)
        if fmt == "onnx":
            details["converter"] += f" + onnxmltools {version_of('onnxmltools').get('onnxmltools', '?')}"
        return data, details


def _default_names(names: Sequence[str] | None, pattern: str) -> bool:
    return not names or all(n == pattern.format(i) for i, n in enumerate(names))


class XGBoostFamily(WrapperFamily):
    """``xgboost.Booster``: binary:logistic, multi:softprob, multi:softmax and regression objectives."""

    CLASSIFIERS = ("binary:logistic", "multi:softprob", "multi:softmax")
    UNSUPPORTED = ("binary:logitraw", "binary:hinge", "rank:", "survival:", "reg:quantileerror", "multi:")

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        xgb = require("xgboost", "exporting an XGBoost Booster", "xgboost")
        config = json.loads(model.save_config())
        objective = config["learner"]["objective"]["name"]
        found = "classification" if objective in self.CLASSIFIERS else "regression"
        if found == "regression" and objective.startswith(self.UNSUPPORTED):
            raise TypeError(
                f"XGBoost objective {objective!r}: jinfer exports {', '.join(self.CLASSIFIERS)} "
                "and regression objectives (reg:*, count:poisson)"
            )
        check_task(found, task, f"this XGBoost Booster ({objective})")
        refuse_classes(classes, "an XGBoost Booster")
        names = model.feature_names
        sample = numeric_sample(X_sample, dtype, max_rows, None if _default_names(names, "f{}") else names)
        dm = xgb.DMatrix(sample.for_model, feature_names=names)
        wrapper = (xgb.XGBClassifier if found == "classification" else xgb.XGBRegressor)()
        wrapper.load_model(bytearray(model.save_raw("ubj")))
        if found == "regression":
            expected, outputs, cls = regressor_outputs(model.predict(dm), dtype)
        else:
            k = max(2, int(config["learner"]["learner_model_param"]["num_class"]))
            if objective == "binary:logistic":
                p = model.predict(dm)
                proba, label = np.column_stack([1 - p, p]), (p > 0.5).astype(np.int64)
            elif objective == "multi:softprob":
                proba = model.predict(dm)
                label = proba.argmax(axis=1)
            else:  # multi:softmax: labels from the Booster, probabilities as XGBClassifier gives them
                from scipy.special import softmax  # scikit-learn's own dependency

                label = model.predict(dm).astype(np.int64)
                proba = softmax(model.predict(dm, output_margin=True), axis=1)
            expected, outputs, cls = classifier_outputs(proba, label, range(k), dtype)
        return Prepared(wrapper, sample, found, expected, outputs, cls, "Booster", self.libraries(model))


class LightGBMFamily(WrapperFamily):
    """``lightgbm.Booster``: binary, multiclass and regression objectives."""

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        require("lightgbm", "exporting a LightGBM Booster", "lightgbm")
        objective = str(model.dump_model(num_iteration=0).get("objective", "")).split(" ")[0]
        if objective in ("lambdarank", "rank_xendcg", "multiclassova", "custom", ""):
            raise TypeError(
                f"LightGBM objective {objective or 'custom'!r}: jinfer exports binary, multiclass "
                "and regression objectives"
            )
        found = "classification" if objective in ("binary", "multiclass") else "regression"
        check_task(found, task, f"this LightGBM Booster ({objective})")
        refuse_classes(classes, "a LightGBM Booster")
        names = model.feature_name()
        sample = numeric_sample(X_sample, dtype, max_rows, None if _default_names(names, "Column_{}") else names)
        raw = model.predict(sample.for_model)
        wrapper = _lgbm_wrapper(model, objective, found)
        if found == "regression":
            expected, outputs, cls = regressor_outputs(raw, dtype)
        else:
            proba = np.column_stack([1 - raw, raw]) if raw.ndim == 1 else raw
            expected, outputs, cls = classifier_outputs(proba, proba.argmax(axis=1), range(proba.shape[1]), dtype)
        return Prepared(wrapper, sample, found, expected, outputs, cls, "Booster", self.libraries(model))


def _lgbm_wrapper(booster: Any, objective: str, task: str) -> Any:
    """The LGBMClassifier/LGBMRegressor that holds ``booster`` as if it had trained it."""
    import lightgbm
    from sklearn.preprocessing import LabelEncoder

    n = booster.num_feature()
    if task == "classification":
        k = max(2, booster.num_model_per_iteration())
        w: Any = lightgbm.LGBMClassifier(objective=objective)
        w._n_classes = k
        w._classes = np.arange(k)
        w._le = LabelEncoder().fit(np.arange(k))
    else:
        w = lightgbm.LGBMRegressor(objective=objective)
    w._Booster = booster
    w._objective = objective
    w._n_features = n
    w._n_features_in = n
    w.fitted_ = True
    return w
