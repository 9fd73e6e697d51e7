"""Model families beyond scikit-learn's own estimators: how ``jinfer.export`` takes each.

``export`` asks :func:`family_of` first. ``None`` means a scikit-learn estimator, which takes
export's own path; anything else is a :class:`Family` that prepares the sample, the task and the
model's own outputs, and converts::

    Family                     prepare() → Prepared, convert(fmt) → bytes; scikit-learn's own path
    ├── WrapperFamily          XGBoost's and LightGBM's scikit-learn wrappers (and Pipelines of them)
    │   ├── XGBoostFamily      xgboost.Booster, in ``_boosters``
    │   └── LightGBMFamily     lightgbm.Booster, in ``_boosters``
    ├── OnnxFamily             onnx.ModelProto: the graph as given, ZipMap taken off, in ``_onnxgiven``
    ├── TorchFamily            torch.nn.Module, in ``_torch``
    └── MLflowFamily, PyfuncFamily   an MLflow model directory, in ``_mlflow``

:func:`prepare_skl2onnx` registers onnxmltools' converters with skl2onnx when a model holds an
XGBoost or LightGBM estimator (alone or inside a Pipeline), and works around a skl2onnx 1.20 bug
that stops HistGradientBoosting from converting under protobuf 7.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._manifest import TensorSpec

__all__ = ["Family", "Prepared", "WrapperFamily", "check_task", "classifier_outputs", "dedupe_opsets", "family_of",
           "is_instance", "missing_extra", "numeric_sample", "prepare_skl2onnx", "refuse_classes", "regressor_outputs",
           "require", "version_of"]

Expected = tuple[dict[str, np.ndarray], tuple[TensorSpec, ...], tuple[int | str, ...] | None]


def missing_extra(what: str, extra: str, error: ImportError | None = None) -> ImportError:
    """The ImportError for an optional dependency that is absent, naming the pip command to run."""
    detail = f" ({error})" if error is not None else ""
    return ImportError(f"{what} needs jinfer's optional dependencies: pip install 'jinfer[{extra}]'{detail}")


def require(module: str, what: str, extra: str) -> Any:
    """Import ``module``, or raise the ImportError that names ``pip install 'jinfer[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise missing_extra(what, extra, e) from e


def is_instance(obj: Any, module_prefix: str, names: Sequence[str]) -> bool:
    """``isinstance`` by name, without importing a library the object does not come from."""
    for cls in type(obj).__mro__:
        if cls.__name__ in names and (cls.__module__ or "").startswith(module_prefix):
            return True
    return False


def version_of(*dists: str) -> dict[str, str]:
    out = {}
    for dist in dists:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


@dataclass
class Prepared:
    """What export needs from a family: the model as the converters take it, the sample, the
    task and the original model's own outputs on the sample."""

    model: Any
    sample: Any                       # jinfer._export._Sample
    task: str
    expected: dict[str, np.ndarray]
    outputs: tuple[TensorSpec, ...]
    classes: tuple[int | str, ...] | None
    name: str
    libraries: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] | None = None      # where the model came from (an MLflow directory)
    notes: dict[str, Any] = field(default_factory=dict)   # what the family's convert() needs besides


class Family:
    """How one kind of model is exported. Subclasses override what differs from scikit-learn."""

    key = "scikit-learn"
    extra: str | None = None

    def formats(self, model: Any) -> tuple[str, ...]:
        from ._export import _available_formats

        return _available_formats()

    def prepare(self, model: Any, X_sample: Any, dtype: str, max_rows: int, *,
                task: str | None, classes: Sequence[Any] | None) -> Prepared:
        """The scikit-learn way: export's own ``_sample``, ``_task`` and ``_expected``."""
        from ._export import _expected, _sample, _task

        sample = _sample(model, X_sample, dtype, max_rows)
        found = _task(model)
        check_task(found, task, type(model).__name__)
        refuse_classes(classes, type(model).__name__)
        expected, outputs, cls = _expected(model, sample.for_model, found, dtype)
        return Prepared(model, sample, found, expected, outputs, cls, type(model).__name__, self.libraries(model))

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None
                ) -> tuple[bytes, str, dict[str, Any]]:
        from ._export import _convert

        return _convert(fmt, prepared.model, prepared.sample, prepared.task, dtype, callable_spec)

    def libraries(self, model: Any) -> dict[str, str]:
        return {}


def check_task(found: str, wanted: str | None, what: str) -> None:
    if wanted is not None and wanted != found:
        raise ValueError(f"task: {what} is a {found} model, not {wanted!r}; leave task unset for it")


def refuse_classes(classes: Sequence[Any] | None, what: str) -> None:
    if classes is not None:
        raise ValueError(f"classes: {what} carries its own classes; pass classes only for PyTorch modules and "
                         "ONNX models")


def family_of(model: Any) -> Family | None:
    """The family that exports ``model``, or ``None`` for a scikit-learn estimator."""
    if is_instance(model, "xgboost", ("Booster",)):
        from ._boosters import XGBoostFamily

        return XGBoostFamily("xgboost", "xgboost", ("xgboost-cpu", "xgboost", "onnxmltools"))
    if is_instance(model, "lightgbm", ("Booster",)):
        from ._boosters import LightGBMFamily

        return LightGBMFamily("lightgbm", "lightgbm", ("lightgbm", "onnxmltools"))
    libs = {(type(part).__module__ or "").split(".")[0] for part in _parts(model)}  # a Pipeline's steps too
    if "xgboost" in libs:
        return WrapperFamily("xgboost", "xgboost", ("xgboost-cpu", "xgboost", "onnxmltools"))
    if "lightgbm" in libs:
        return WrapperFamily("lightgbm", "lightgbm", ("lightgbm", "onnxmltools"))
    if is_instance(model, "onnx", ("ModelProto",)):
        from ._onnxgiven import OnnxFamily

        return OnnxFamily()
    if is_instance(model, "torch.nn", ("Module",)):
        from ._torch import TorchFamily

        return TorchFamily()
    if is_instance(model, "jinfer._mlflow", ("MLflowSource",)):
        from ._mlflow import MLflowFamily

        return MLflowFamily()
    if is_instance(model, "jinfer._mlflow", ("PyfuncModel",)):
        from ._mlflow import PyfuncFamily

        return PyfuncFamily()
    if is_instance(model, "mlflow.pyfunc", ("PyFuncModel",)):
        raise TypeError("a loaded mlflow.pyfunc model cannot be exported as such; export its directory with "
                        "jinfer.from_mlflow(DIR, ...), which loads the flavor inside it")
    return None


class WrapperFamily(Family):
    """XGBoost's and LightGBM's scikit-learn wrappers: scikit-learn's path, their own libraries."""

    def __init__(self, key: str, extra: str, dists: tuple[str, ...]) -> None:
        self.key, self.extra, self._dists = key, extra, dists

    def libraries(self, model: Any) -> dict[str, str]:
        return version_of(*self._dists)

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None
                ) -> tuple[bytes, str, dict[str, Any]]:
        data, filename, details = super().convert(fmt, prepared, dtype, callable_spec)
        if fmt == "onnx":
            details["converter"] += f" + onnxmltools {version_of('onnxmltools').get('onnxmltools', '?')}"
        return data, filename, details


# ---------------------------------------------------------------- skl2onnx: converters and fixes


_registered: set[str] = set()


def prepare_skl2onnx(model: Any) -> None:
    """Make skl2onnx able to convert ``model``: register onnxmltools' XGBoost and LightGBM
    converters when the model holds such an estimator, and patch skl2onnx's HistGradientBoosting
    trees. Raises an ImportError naming ``pip install 'jinfer[xgboost]'`` (or lightgbm) when
    onnxmltools is missing."""
    mods = {(type(m).__module__ or "").split(".")[0] for m in _parts(model)}
    names = {type(m).__name__ for m in _parts(model)}
    if "xgboost" in mods and "xgboost" not in _registered:
        _register("xgboost")
    if "lightgbm" in mods and "lightgbm" not in _registered:
        _register("lightgbm")
    if names & {"HistGradientBoostingClassifier", "HistGradientBoostingRegressor"}:
        _patch_hist_gradient_boosting()


def _parts(model: Any) -> list[Any]:
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

        update_registered_converter(xgboost.XGBClassifier, "XGBoostXGBClassifier",
                                    calculate_linear_classifier_output_shapes, convert, options=clf_options)
        update_registered_converter(xgboost.XGBRegressor, "XGBoostXGBRegressor",
                                    calculate_linear_regressor_output_shapes, convert)
    else:
        import lightgbm
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        update_registered_converter(lightgbm.LGBMClassifier, "LightGbmLGBMClassifier",
                                    calculate_linear_classifier_output_shapes, convert_lightgbm, options=clf_options)
        update_registered_converter(lightgbm.LGBMRegressor, "LightGbmLGBMRegressor",
                                    calculate_linear_regressor_output_shapes, convert_lightgbm, options={"split": None})
    _registered.add(lib)


def _patch_hist_gradient_boosting() -> None:
    """skl2onnx 1.20 passes a Python ``False`` in the integer attribute
    ``nodes_missing_value_tracks_true`` of HistGradientBoosting leaves; protobuf 7 refuses booleans
    in integer fields, so the conversion fails. Pass ``int(...)`` instead (the same value)."""
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


# ---------------------------------------------------------------- helpers of the families


def numeric_sample(X_sample: Any, dtype: str, max_rows: int, columns: Sequence[str] | None) -> Any:
    """A ``features`` sample for a model that takes one numeric matrix (a Booster, an ONNX graph)."""
    from ._exceptions import InputError
    from ._export import _Sample

    if hasattr(X_sample, "columns") and hasattr(X_sample, "dtypes"):
        names = [str(c) for c in X_sample.columns]
        X = X_sample.iloc[:max_rows].to_numpy(dtype=dtype)
        columns = columns or names
    else:
        X = np.asarray(X_sample)
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise InputError(f"X_sample: expected a non-empty 2-D array [rows, features], got shape {list(X.shape)}",
                             code="SHAPE_MISMATCH")
        if X.dtype.kind not in "fiub":
            raise InputError(f"X_sample: expected numbers, got dtype {X.dtype}", code="DTYPE_MISMATCH")
        X = X[:max_rows].astype(dtype)
    X = np.ascontiguousarray(X)
    cols = list(columns) if columns else [f"x{i + 1}" for i in range(X.shape[1])]
    if len(cols) != X.shape[1]:
        raise InputError(f"X_sample: expected {len(cols)} columns ({cols[:5]}...), got {X.shape[1]}",
                         code="SHAPE_MISMATCH")
    spec = TensorSpec("features", dtype, (-1, X.shape[1]), tuple(cols))
    return _Sample({"features": X}, (spec,), X, cols)


def classifier_outputs(proba: np.ndarray, label: np.ndarray, classes: Sequence[Any], dtype: str) -> Expected:
    cls = tuple(int(c) for c in classes) if all(isinstance(c, (int, np.integer)) for c in classes) \
        else tuple(str(c) for c in classes)
    label_dtype = "int64" if all(isinstance(c, int) for c in cls) else "string"
    label = np.asarray(label).astype(np.int64 if label_dtype == "int64" else str)
    outputs = (TensorSpec("label", label_dtype, (-1,)), TensorSpec("probabilities", dtype, (-1, len(cls))))
    return {"label": label, "probabilities": np.asarray(proba, dtype=np.float64)}, outputs, cls


def regressor_outputs(pred: np.ndarray, dtype: str) -> Expected:
    pred = np.asarray(pred, dtype=np.float64)
    if pred.ndim == 2 and pred.shape[1] == 1:
        pred = pred[:, 0]
    shape = (-1,) if pred.ndim == 1 else (-1, *pred.shape[1:])
    return {"prediction": pred}, (TensorSpec("prediction", dtype, shape),), None
