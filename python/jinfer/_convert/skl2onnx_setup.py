"""What skl2onnx needs before it converts some models: onnxmltools' XGBoost and LightGBM
converters registered, a fix of its tree ensembles for protobuf 7, and opsets imported once."""

from __future__ import annotations

import functools
from typing import Any

from .._estimators import holds
from .._optional import require

__all__ = ["allowed_options", "dedupe_opsets", "prepare_skl2onnx"]

_registered: set[str] = set()


def prepare_skl2onnx(model: Any) -> None:
    """Make skl2onnx able to convert ``model``: register onnxmltools' XGBoost and LightGBM
    converters when the model holds such an estimator, and patch skl2onnx's tree ensembles. Raises
    an ImportError naming ``pip install 'jinfer[xgboost]'`` (or lightgbm) when onnxmltools is missing."""
    if "xgboost" not in _registered and holds(model, "xgboost", "XGBModel"):
        _register("xgboost")
    if "lightgbm" not in _registered and holds(model, "lightgbm", "LGBMModel"):
        _register("lightgbm")
    _patch_tree_missing_flag()


def _register(lib: str) -> None:
    require("onnxmltools", f"converting {'XGBoost' if lib == 'xgboost' else 'LightGBM'} models to ONNX", lib)
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )

    clf_options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    if lib == "xgboost":
        import xgboost
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost

        def convert(scope: Any, operator: Any, container: Any) -> None:
            # onnxmltools reads feature indices from names of the form f0, f1...; a model trained on
            # a DataFrame has the column names instead. The columns are positional in the graph.
            booster = operator.raw_operator.get_booster()
            names = booster.feature_names
            booster.feature_names = None
            try:
                convert_xgboost(scope, operator, container)
            finally:
                booster.feature_names = names

        update_registered_converter(
            xgboost.XGBClassifier,
            "XGBoostXGBClassifier",
            calculate_linear_classifier_output_shapes,
            convert,
            options=clf_options,
        )
        update_registered_converter(
            xgboost.XGBRegressor, "XGBoostXGBRegressor", calculate_linear_regressor_output_shapes, convert
        )
    else:
        import lightgbm
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        update_registered_converter(
            lightgbm.LGBMClassifier,
            "LightGbmLGBMClassifier",
            calculate_linear_classifier_output_shapes,
            convert_lightgbm,
            options=clf_options,
        )
        update_registered_converter(
            lightgbm.LGBMRegressor,
            "LightGbmLGBMRegressor",
            calculate_linear_regressor_output_shapes,
            convert_lightgbm,
            options={"split": None},
        )
    _registered.add(lib)


def _patch_tree_missing_flag() -> None:
    """skl2onnx passes a Python ``False`` in the integer attribute ``nodes_missing_value_tracks_true``
    of tree nodes: 1.20 for HistGradientBoosting leaves, and every release for the trees of
    scikit-learn before 1.3, which has no ``missing_go_to_left``. protobuf 7 refuses booleans in
    integer fields, so the conversion fails. Pass ``int(...)`` instead (the same value)."""
    import skl2onnx.common.tree_ensemble as te

    if getattr(te.add_node, "_jinfer_int_missing", False):
        return
    original = te.add_node

    @functools.wraps(original)
    def add_node(*args: Any, nodes_missing_value_tracks_true: Any = 0, **kwargs: Any) -> Any:
        return original(*args, nodes_missing_value_tracks_true=int(nodes_missing_value_tracks_true), **kwargs)

    add_node._jinfer_int_missing = True  # type: ignore[attr-defined]
    te.add_node = add_node


def dedupe_opsets(onx: Any) -> Any:
    """onnxmltools' XGBoost converter can import the default opset twice; keep the highest."""
    seen: dict[str, int] = {}
    for d in onx.opset_import:
        seen[d.domain] = max(seen.get(d.domain, 0), int(d.version))
    if len(seen) != len(onx.opset_import):
        del onx.opset_import[:]
        for domain, v in seen.items():
            entry = onx.opset_import.add()
            entry.domain, entry.version = domain, v
    return onx


def allowed_options(estimator: Any) -> set[str]:
    """The conversion options skl2onnx's converter of ``estimator`` accepts (``zipmap``,
    ``raw_scores``...): skl2onnx refuses an option its converter does not list, and LinearSVC's,
    for one, lists no ``zipmap``. Empty when skl2onnx has no converter for it."""
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common._registration import get_converter

    alias = sklearn_operator_name_map.get(type(estimator))
    if alias is None:
        return set()
    try:
        allowed = get_converter(alias).get_allowed_options()
    except (ValueError, KeyError, TypeError):
        return set()
    return set(allowed or ())
