"""XGBoost, LightGBM and more of scikit-learn, exported and run through Java.

Each case asserts the backends the bundle ends with (and why the others were dropped), then runs
every artifact through Java on fresh rows against the original model: labels exact, probabilities
and predictions within 1e-5 of the output's scale, in float32 (and float64 where noted).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from parity_record import export_and_check
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import jinfer

pytest.importorskip("xgboost", reason="XGBoost is not installed: pip install 'jinfer[xgboost]'")
pytest.importorskip("lightgbm", reason="LightGBM is not installed: pip install 'jinfer[lightgbm]'")
pytest.importorskip("onnxmltools", reason="onnxmltools is not installed: pip install 'jinfer[xgboost]'")

import lightgbm as lgb
import xgboost as xgb

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_BIN, Y_BIN = make_classification(n_samples=300, n_features=12, n_informative=6, random_state=7)
X_REG, Y_REG = make_regression(n_samples=300, n_features=10, noise=5.0, random_state=3)


def fresh(X: np.ndarray, seed: int = 11) -> np.ndarray:
    """Rows the export never saw: the training rows, jittered."""
    rng = np.random.default_rng(seed)
    return X + rng.normal(0.0, 0.05 * np.nanstd(X, axis=0), X.shape)


def sk_truth(model: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    if hasattr(model, "predict_proba"):
        return {"label": model.predict(X), "probabilities": model.predict_proba(X)}
    return {"prediction": model.predict(X)}


def xgb_truth(booster: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    objective = _xgb_objective(booster)
    dm = xgb.DMatrix(X)
    if objective == "binary:logistic":
        p = booster.predict(dm)
        return {"label": (p > 0.5).astype(np.int64), "probabilities": np.column_stack([1 - p, p])}
    if objective == "multi:softprob":
        p = booster.predict(dm)
        return {"label": p.argmax(axis=1), "probabilities": p}
    if objective == "multi:softmax":
        from scipy.special import softmax

        return {
            "label": booster.predict(dm).astype(np.int64),
            "probabilities": softmax(booster.predict(dm, output_margin=True), axis=1),
        }
    return {"prediction": booster.predict(dm)}


def _xgb_objective(booster: Any) -> str:
    import json

    return json.loads(booster.save_config())["learner"]["objective"]["name"]


def lgb_truth(booster: Any, X: np.ndarray) -> dict[str, np.ndarray]:
    p = booster.predict(X)
    objective = booster.params.get("objective", "")
    if objective == "binary":
        proba = np.column_stack([1 - p, p])
        return {"label": proba.argmax(axis=1), "probabilities": proba}
    if objective == "multiclass":
        return {"label": p.argmax(axis=1), "probabilities": p}
    return {"prediction": p}


IRIS, BINARY, REGRESSION = (X_IRIS, Y_IRIS), (X_BIN, Y_BIN), (X_REG, Y_REG)
X_HOLES = np.where(np.random.default_rng(5).random(X_IRIS.shape) < 0.1, np.nan, X_IRIS)
BOTH_DTYPES = ("float32", "float64")


@dataclass
class Case:
    family: str
    model_name: str
    fit: Callable[[np.ndarray, np.ndarray], Any]  # trains the model on ``data`` and returns it
    data: tuple[np.ndarray, np.ndarray]  # X, y
    truth: Callable[[Any, np.ndarray], dict[str, np.ndarray]] = sk_truth
    backends: tuple[str, ...] = ("onnx", "pmml")
    dropped: dict[str, str] = field(default_factory=dict)
    dtypes: tuple[str, ...] = ("float32",)


def _xgb_train(params: dict[str, Any]) -> Callable[[np.ndarray, np.ndarray], Any]:
    return lambda X, y: xgb.train({"max_depth": 3, "eta": 0.3, **params}, xgb.DMatrix(X, label=y), num_boost_round=15)


def _lgb_train(params: dict[str, Any]) -> Callable[[np.ndarray, np.ndarray], Any]:
    return lambda X, y: lgb.train(
        {"num_leaves": 8, "verbose": -1, **params}, lgb.Dataset(X, label=y), num_boost_round=15
    )


def _library_cases(
    prefix: str,
    family: str,
    classifier: Callable[[], Any],
    regressor: Callable[[], Any],
    train: Callable[[dict[str, Any]], Callable[[np.ndarray, np.ndarray], Any]],
    truth: Callable[[Any, np.ndarray], dict[str, np.ndarray]],
    objectives: tuple[str, str, str],
) -> dict[str, Case]:
    """What XGBoost and LightGBM both offer: the scikit-learn API's classifier (binary, multiclass)
    and regressor, and the native Booster with a binary, a multiclass and a regression objective."""
    binary, multiclass, regression = objectives
    clf, reg = type(classifier()).__name__, type(regressor()).__name__
    return {
        f"{prefix}-classifier-binary": Case(family, f"{clf} (binary)", classifier().fit, BINARY, dtypes=BOTH_DTYPES),
        f"{prefix}-classifier-multiclass": Case(family, f"{clf} (multiclass)", classifier().fit, IRIS),
        f"{prefix}-regressor": Case(family, reg, regressor().fit, REGRESSION, dtypes=BOTH_DTYPES),
        f"{prefix}-booster-binary": Case(family, f"Booster {binary}", train({"objective": binary}), BINARY, truth),
        f"{prefix}-booster-multiclass": Case(
            family, f"Booster {multiclass}", train({"objective": multiclass, "num_class": 3}), IRIS, truth
        ),
        f"{prefix}-booster-regression": Case(
            family, f"Booster {regression}", train({"objective": regression}), REGRESSION, truth
        ),
    }


def _sklearn(estimator: Any, data: tuple[np.ndarray, np.ndarray], name: str = "", **more: Any) -> Case:
    return Case("scikit-learn", name or type(estimator).__name__, estimator.fit, data, **more)


CASES: dict[str, Case] = {
    **_library_cases(
        "xgb",
        "XGBoost",
        lambda: xgb.XGBClassifier(n_estimators=15, max_depth=3),
        lambda: xgb.XGBRegressor(n_estimators=15, max_depth=3),
        _xgb_train,
        xgb_truth,
        ("binary:logistic", "multi:softprob", "reg:squarederror"),
    ),
    "xgb-booster-softmax": Case(
        "XGBoost",
        "Booster multi:softmax",
        _xgb_train({"objective": "multi:softmax", "num_class": 3}),
        IRIS,
        xgb_truth,
        ("pmml",),
        {"onnx": "parity through Java failed: .*probabilities"},
    ),
    "xgb-pipeline": Case(
        "XGBoost",
        "Pipeline(SimpleImputer, XGBClassifier), 10% missing",
        make_pipeline(SimpleImputer(), xgb.XGBClassifier(n_estimators=15, max_depth=3)).fit,
        (X_HOLES, Y_IRIS),
    ),
    # A float transform ahead of trees: ONNX scales in float32 where scikit-learn scales in float64,
    # and the trees then pick other leaves for rows at a threshold. Neither format reaches parity,
    # so the bundle falls back to the python artifact. (Reported as such in docs/models.md.)
    "xgb-pipeline-scaled": Case(
        "XGBoost",
        "Pipeline(StandardScaler, XGBClassifier)",
        make_pipeline(StandardScaler(), xgb.XGBClassifier(n_estimators=15, max_depth=3)).fit,
        IRIS,
        backends=("python",),
        dropped={"onnx": "parity through Java failed", "pmml": "parity through Java failed"},
    ),
    **_library_cases(
        "lgbm",
        "LightGBM",
        lambda: lgb.LGBMClassifier(n_estimators=15, num_leaves=8, verbose=-1),
        lambda: lgb.LGBMRegressor(n_estimators=15, num_leaves=8, verbose=-1),
        _lgb_train,
        lgb_truth,
        ("binary", "multiclass", "regression"),
    ),
    "sklearn-hist-gradient-boosting-classifier": _sklearn(
        HistGradientBoostingClassifier(max_iter=15, random_state=0), IRIS
    ),
    "sklearn-hist-gradient-boosting-regressor": _sklearn(
        HistGradientBoostingRegressor(max_iter=15, random_state=0), REGRESSION
    ),
    "sklearn-svc-probability": _sklearn(
        SVC(probability=True, random_state=0),
        IRIS,
        "SVC(probability=True)",
        backends=("onnx",),
        dropped={"pmml": "parity through Java failed: .*probabilities: [1-9]"},
    ),
    "sklearn-kneighbors-classifier": _sklearn(
        KNeighborsClassifier(n_neighbors=5), IRIS, backends=("onnx",), dropped={"pmml": "gives no probabilities"}
    ),
    "sklearn-kneighbors-regressor": _sklearn(KNeighborsRegressor(n_neighbors=5), REGRESSION),
    "sklearn-mlp-classifier": _sklearn(MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0), IRIS),
    "sklearn-mlp-regressor": _sklearn(MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=0), REGRESSION),
}

PARAMS = [pytest.param(name, dtype, id=f"{name}-{dtype}") for name, case in CASES.items() for dtype in case.dtypes]


@pytest.mark.parametrize(("name", "dtype"), PARAMS)
def test_family_round_trips_through_java(name: str, dtype: str, tmp_path: Path) -> None:
    case = CASES[name]
    X = case.data[0]
    model = case.fit(*case.data)
    X_new = fresh(X).astype(dtype)
    truth = case.truth(model, X_new)
    bundle = export_and_check(
        f"{name}-{dtype}",
        case.family,
        case.model_name,
        lambda: jinfer.export(model, X, tmp_path / f"{name}.jinfer", name=name, dtype=dtype),
        X_new,
        truth,
        backends=list(case.backends),
        dropped_reasons=case.dropped,
        trust_python=True,
    )
    m = bundle.manifest
    assert [s.name for s in m.outputs] == (["label", "probabilities"] if "label" in truth else ["prediction"])
    assert m.inputs[0].name == "features" and m.inputs[0].dtype == dtype
    libs = m.producer["libraries"]
    if case.family == "XGBoost":
        assert "onnxmltools" in libs and ({"xgboost", "xgboost-cpu"} & set(libs))
    if case.family == "LightGBM":
        assert {"lightgbm", "onnxmltools"} <= set(libs)
    converters = {a.backend: a.details.get("converter", "") for a in m.artifacts}
    if "onnx" in converters:
        assert converters["onnx"].startswith("skl2onnx")
        assert ("onnxmltools" in converters["onnx"]) == (case.family != "scikit-learn")
    if "pmml" in converters:
        assert converters["pmml"].startswith("sklearn2pmml")


def test_a_booster_trained_on_named_columns_keeps_them(tmp_path: Path) -> None:
    import pandas as pd

    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    df = pd.DataFrame(X_IRIS, columns=names)
    booster = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 2},
        xgb.DMatrix(df, label=Y_IRIS),
        num_boost_round=5,
    )
    b = jinfer.export(booster, df, tmp_path / "named.jinfer")
    assert b.manifest.inputs[0].columns == tuple(names)
    assert [a.backend for a in b.manifest.artifacts] == ["onnx", "pmml"]
    with jinfer.load(b.path) as m:
        out = m.predict(df.astype(np.float32))
    np.testing.assert_allclose(out["probabilities"], booster.predict(xgb.DMatrix(df.astype(np.float32))), atol=1e-5)


def test_string_classes_of_lightgbm_stay_strings(tmp_path: Path) -> None:
    y = np.array(["setosa", "versicolor", "virginica"])[Y_IRIS]
    model = lgb.LGBMClassifier(n_estimators=10, num_leaves=8, verbose=-1).fit(X_IRIS, y)
    b = jinfer.export(model, X_IRIS, tmp_path / "strings.jinfer")
    assert b.manifest.classes == ("setosa", "versicolor", "virginica")
    for artifact in b.manifest.artifacts:
        with jinfer.load(b.path, backend=artifact.backend) as m:
            out = m.predict(X_IRIS.astype(np.float32))
        np.testing.assert_array_equal(out["label"], model.predict(X_IRIS.astype(np.float32)))


@pytest.mark.parametrize(
    ("lib", "train"),
    [
        ("xgboost", lambda: xgb.train({"objective": "rank:pairwise"}, xgb.DMatrix(X_BIN, label=Y_BIN), 3)),
        (
            "lightgbm",
            lambda: lgb.train(
                {"objective": "lambdarank", "verbose": -1}, lgb.Dataset(X_BIN, label=Y_BIN, group=[100, 100, 100]), 3
            ),
        ),
    ],
)
def test_an_unsupported_objective_is_named(lib: str, train: Callable[[], Any], tmp_path: Path) -> None:
    booster = train()
    with pytest.raises(TypeError, match=r"objective '(rank:pairwise|lambdarank)'"):
        jinfer.export(booster, X_BIN, tmp_path / "rank.jinfer")
    assert not (tmp_path / "rank.jinfer").exists()


def test_a_missing_converter_names_the_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without onnxmltools, the ONNX artifact is dropped with the pip command; PMML still works."""
    from jinfer._convert import skl2onnx_setup

    monkeypatch.setitem(sys.modules, "onnxmltools", None)  # import onnxmltools now raises ImportError
    monkeypatch.setattr(skl2onnx_setup, "_registered", set())
    model = xgb.XGBRegressor(n_estimators=5, max_depth=2).fit(X_REG, Y_REG)
    with pytest.warns(jinfer.ExportWarning, match=r"no onnx artifact: .*pip install 'jinfer\[xgboost\]'"):
        b = jinfer.export(model, X_REG, tmp_path / "no-onnxmltools.jinfer")
    assert [a.backend for a in b.manifest.artifacts] == ["pmml"]
    with pytest.raises(ImportError, match=r"pip install 'jinfer\[xgboost\]'"):
        skl2onnx_setup.prepare_skl2onnx(model)


def test_task_must_agree_with_the_model(tmp_path: Path) -> None:
    model = xgb.XGBRegressor(n_estimators=3).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="regression model, not 'classification'"):
        jinfer.export(model, X_REG, tmp_path / "t.jinfer", task="classification")
    with pytest.raises(ValueError, match="classes"):
        jinfer.export(model, X_REG, tmp_path / "t.jinfer", classes=[0, 1])


def test_an_onnx_model_is_exported_as_given(tmp_path: Path) -> None:
    """An onnx.ModelProto made elsewhere: its ZipMap is taken off, its string classes kept."""
    import skl2onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestClassifier

    y = np.array(["setosa", "versicolor", "virginica"])[Y_IRIS]
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_IRIS, y)
    onx = skl2onnx.to_onnx(rf, initial_types=[("input", FloatTensorType([None, 4]))])  # with its ZipMap
    assert "ZipMap" in [n.op_type for n in onx.graph.node]
    X_new = fresh(X_IRIS).astype(np.float32)
    b = export_and_check(
        "onnx-model-as-given",
        "ONNX",
        "onnx.ModelProto (skl2onnx RandomForest, ZipMap, string classes)",
        lambda: jinfer.export(onx, X_IRIS, tmp_path / "given.jinfer"),
        X_new,
        sk_truth(rf, X_new),
        backends=["onnx"],
    )
    assert b.manifest.classes == ("setosa", "versicolor", "virginica")
    assert b.manifest.artifacts[0].details["output_names"]["label"] == "output_label"
