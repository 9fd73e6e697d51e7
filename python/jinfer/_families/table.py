"""Which family exports a model: one row per kind, tried in order, with plain ``isinstance``.

A row names a class by its library's module, and that library is looked up in ``sys.modules``
only: a model of a library that was never imported cannot be an instance of its classes, so no
row imports anything (:func:`jinfer._optional.loaded_class`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._artifacts import PyfuncModel
from .._estimators import holds
from .._optional import loaded_class
from .base import Family
from .boosters import LIGHTGBM_DISTS, XGBOOST_DISTS, LightGBMFamily, WrapperFamily, XGBoostFamily
from .mlflow import MLflowFamily, MLflowSource, PyfuncFamily
from .onnx import OnnxFamily
from .sklearn import SklearnFamily
from .sparkml import SparkMLFamily
from .torch import TorchFamily

__all__ = ["family_of"]


def _is(module: str, name: str) -> Callable[[Any], bool]:
    """Whether a model is a ``module.name``."""

    def test(model: Any) -> bool:
        cls = loaded_class(module, name)
        return cls is not None and isinstance(model, cls)

    return test


def _holds(module: str, name: str) -> Callable[[Any], bool]:
    """Whether a model is or holds a ``module.name`` (as a Pipeline's step)."""
    return lambda model: holds(model, module, name)


def _refuse_pyfunc(model: Any) -> Family:
    raise TypeError(
        "a loaded mlflow.pyfunc model cannot be exported as such; export its directory with "
        "jinfer.from_mlflow(DIR, ...), which loads the flavor inside it"
    )


_ROWS: tuple[tuple[Callable[[Any], bool], Callable[[Any], Family]], ...] = (
    (_is("xgboost", "Booster"), lambda m: XGBoostFamily("xgboost", "xgboost", XGBOOST_DISTS)),
    (_is("lightgbm", "Booster"), lambda m: LightGBMFamily("lightgbm", "lightgbm", LIGHTGBM_DISTS)),
    (_holds("xgboost", "XGBModel"), lambda m: WrapperFamily("xgboost", "xgboost", XGBOOST_DISTS)),
    (_holds("lightgbm", "LGBMModel"), lambda m: WrapperFamily("lightgbm", "lightgbm", LIGHTGBM_DISTS)),
    (_is("onnx", "ModelProto"), lambda m: OnnxFamily()),
    (_is("torch.nn", "Module"), lambda m: TorchFamily()),
    (_is("pyspark.ml.base", "Transformer"), lambda m: SparkMLFamily()),
    (lambda m: isinstance(m, MLflowSource), lambda m: MLflowFamily(family_of(m.model))),
    (lambda m: isinstance(m, PyfuncModel), lambda m: PyfuncFamily()),
    (_is("mlflow.pyfunc", "PyFuncModel"), _refuse_pyfunc),
)


def family_of(model: Any) -> Family:
    """The family that exports ``model``: the first row it matches, else scikit-learn's."""
    for matches, family in _ROWS:
        if matches(model):
            return family(model)
    return SklearnFamily()
