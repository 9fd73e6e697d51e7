"""Which family exports a model: one row per kind, tried in order, with plain ``isinstance``.

A row names a class by its library's module, and that library is looked up in ``sys.modules``
only: a model of a library that was never imported cannot be an instance of its classes, so no
row imports anything (:func:`jinfer._optional.loaded_class`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .._artifacts import PyfuncModel
from .._estimators import holds
from .._exceptions import UnsupportedModelError
from .._optional import loaded_class
from .base import Family
from .boosters import LIGHTGBM_DISTS, XGBOOST_DISTS, LightGBMFamily, WrapperFamily, XGBoostFamily
from .h2o import H2OFamily
from .keras import KerasFamily, is_saved_model_dir
from .mlflow import MLflowFamily, MLflowSource, PyfuncFamily
from .onnx import OnnxFamily
from .sklearn import SklearnFamily
from .sparkml import SparkMLFamily
from .torch import TorchFamily

__all__ = ["SUPPORTED", "family_of"]


def _is(module: str, name: str) -> Callable[[Any], bool]:
    """Whether a model is a ``module.name``."""

    def test(model: Any) -> bool:
        cls = loaded_class(module, name)
        return cls is not None and isinstance(model, cls)

    return test


def _holds(module: str, name: str) -> Callable[[Any], bool]:
    """Whether a model is or holds a ``module.name`` (as a Pipeline's step)."""
    return lambda model: holds(model, module, name)


SUPPORTED = (
    "scikit-learn estimators and Pipelines (XGBoost's and LightGBM's scikit-learn wrappers included), "
    "xgboost.Booster, lightgbm.Booster, torch.nn.Module, onnx.ModelProto, MLflow model directories "
    "(jinfer.from_mlflow), and a dict holding one of these under 'model'"
)


def _refuse_pyfunc(model: Any) -> Family:
    raise UnsupportedModelError(
        "a loaded mlflow.pyfunc model cannot be exported as such; export its directory with "
        "jinfer.from_mlflow(DIR, ...), which loads the flavor inside it"
    )


def _is_estimator(model: Any) -> bool:
    base = loaded_class("sklearn.base", "BaseEstimator")
    return base is not None and isinstance(model, base)


_ROWS: tuple[tuple[Callable[[Any], bool], Callable[[Any], Family]], ...] = (
    (_is("xgboost", "Booster"), lambda m: XGBoostFamily("xgboost", "xgboost", XGBOOST_DISTS)),
    (_is("lightgbm", "Booster"), lambda m: LightGBMFamily("lightgbm", "lightgbm", LIGHTGBM_DISTS)),
    (_holds("xgboost", "XGBModel"), lambda m: WrapperFamily("xgboost", "xgboost", XGBOOST_DISTS)),
    (_holds("lightgbm", "LGBMModel"), lambda m: WrapperFamily("lightgbm", "lightgbm", LIGHTGBM_DISTS)),
    (_is("onnx", "ModelProto"), lambda m: OnnxFamily()),
    (_is("torch.nn", "Module"), lambda m: TorchFamily()),
    (_is("h2o.model.model_base", "ModelBase"), lambda m: H2OFamily()),
    (_is("keras", "Model"), lambda m: KerasFamily()),
    (is_saved_model_dir, lambda m: KerasFamily()),  # a TensorFlow SavedModel directory
    (_is("tensorflow.python.trackable.autotrackable", "AutoTrackable"), lambda m: KerasFamily()),  # a loaded one
    (
        _is("tensorflow.python.eager.polymorphic_function.concrete_function", "ConcreteFunction"),
        lambda m: KerasFamily(),
    ),
    (_is("pyspark.ml.base", "Transformer"), lambda m: SparkMLFamily()),
    (lambda m: isinstance(m, MLflowSource), lambda m: MLflowFamily(family_of(m.model))),
    (lambda m: isinstance(m, PyfuncModel), lambda m: PyfuncFamily()),
    (_is("mlflow.pyfunc", "PyFuncModel"), _refuse_pyfunc),
)


def family_of(model: Any) -> Family:
    """The family that exports ``model``: the first row it matches, else scikit-learn's for an
    estimator; an :class:`UnsupportedModelError` naming the type and the families otherwise."""
    for matches, family in _ROWS:
        if matches(model):
            return family(model)
    if _is_estimator(model):
        return SklearnFamily()
    raise UnsupportedModelError(f"jinfer cannot export {_described(model)}: it exports {SUPPORTED}")


def _described(obj: Any) -> str:
    """What ``obj`` is, by qualified name: ``a numpy.ndarray``, ``the function posixpath.join``."""
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__} (an instance of it, fitted, may be exportable)"
    if inspect.isroutine(obj):
        return f"the function {getattr(obj, '__module__', None) or '?'}.{getattr(obj, '__qualname__', obj)}"
    kind = type(obj)
    return f"a {kind.__module__}.{kind.__qualname__}"
