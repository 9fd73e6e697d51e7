"""MLflow model directories, made here with MLflow's own ``save_model``, exported and run through Java.

``jinfer.from_mlflow`` and ``jinfer export --from-mlflow``: the signature gives the input specs,
the input example is the parity sample, the flavor inside is exported as its family is; a pyfunc
model with no convertible flavor becomes a python artifact. Bad directories fail clearly.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from parity_record import export_and_check
from sklearn.datasets import load_iris, make_regression
from sklearn.linear_model import LogisticRegression

import jinfer

pytest.importorskip("mlflow", reason="MLflow is not installed: pip install 'jinfer[mlflow]'")
import mlflow.pyfunc
import mlflow.sklearn
from mlflow.models import infer_signature

IRIS = load_iris(as_frame=True)
DF, Y = IRIS.data, IRIS.target.to_numpy()
X_REG, Y_REG = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
COLUMNS = list(DF.columns)


def jitter(df: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return df + rng.normal(0, 0.05, df.shape)


class Linear(mlflow.pyfunc.PythonModel):
    """A pyfunc model with no flavor jinfer converts: exported as a python artifact."""

    def __init__(self, w: np.ndarray, b: float) -> None:
        self.w, self.b = np.asarray(w, dtype=np.float64), float(b)

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> np.ndarray:
        return np.tanh(model_input.to_numpy(dtype=np.float64) @ self.w + self.b)


@pytest.fixture(scope="module")
def logreg() -> LogisticRegression:
    return LogisticRegression(max_iter=1000).fit(DF, Y)


def clf(model: Any, X: Any) -> dict[str, np.ndarray]:
    return {"label": model.predict(X), "probabilities": model.predict_proba(X)}


def save_sklearn(model: Any, where: Path, *, signature: Any = None, example: Any = None) -> Path:
    mlflow.sklearn.save_model(
        model,
        str(where),
        signature=signature,
        input_example=example,
        serialization_format="cloudpickle",
        pip_requirements=["scikit-learn"],
    )
    return where


def record_case(
    case: str,
    model_name: str,
    directory: Path,
    out: Path,
    X_new: Any,
    truth: dict[str, np.ndarray],
    backends: list[str],
    dropped: dict[str, str] | None = None,
    **kw: Any,
) -> jinfer.Bundle:
    return export_and_check(
        case,
        "MLflow",
        model_name,
        lambda: jinfer.from_mlflow(directory, out, **kw),
        X_new,
        truth,
        backends=backends,
        trust_python=True,
        dropped_reasons=dropped,
    )


# ---------------------------------------------------------------- flavors


def test_sklearn_flavor_takes_the_signature_and_the_example(logreg: LogisticRegression, tmp_path: Path) -> None:
    d = save_sklearn(
        logreg, tmp_path / "iris-model", signature=infer_signature(DF, logreg.predict(DF)), example=DF.iloc[:40]
    )
    new = jitter(DF)
    b = record_case(
        "mlflow-sklearn-float64",
        "sklearn flavor: LogisticRegression (signature: double columns)",
        d,
        tmp_path / "iris.jinfer",
        new,
        clf(logreg, new),
        ["onnx", "pmml"],
    )
    m = b.manifest
    assert m.name == "iris-model"
    (spec,) = m.inputs
    assert (spec.name, spec.dtype, spec.shape, spec.columns) == ("features", "float64", (-1, 4), tuple(COLUMNS))
    assert m.artifacts[0].parity["rows"] == 40  # the input example
    source = m.producer["source"]["mlflow"]
    assert source["flavor"] == "sklearn" and source["mlflow_version"] == mlflow.__version__
    assert [c["name"] for c in source["signature"]["inputs"]] == COLUMNS
    assert source["model_uuid"]
    assert set(m.producer["libraries"]) & {"mlflow", "mlflow-skinny"}


def test_dtype_can_override_the_signature(logreg: LogisticRegression, tmp_path: Path) -> None:
    d = save_sklearn(logreg, tmp_path / "m", signature=infer_signature(DF, logreg.predict(DF)), example=DF.iloc[:40])
    new = jitter(DF).astype(np.float32)
    b = record_case(
        "mlflow-sklearn-float32",
        "sklearn flavor: LogisticRegression, dtype='float32'",
        d,
        tmp_path / "m.jinfer",
        new,
        clf(logreg, new),
        ["onnx", "pmml"],
        dtype="float32",
    )
    assert b.manifest.inputs[0].dtype == "float32"


def test_a_mixed_type_table_keeps_its_columns(tmp_path: Path) -> None:
    from tables import mixed, table

    df, _ = table()
    model = mixed("logreg")
    d = save_sklearn(model, tmp_path / "mixed", signature=infer_signature(df, model.predict(df)), example=df.iloc[:50])
    new, _ = table(60, seed=9)
    b = record_case(
        "mlflow-sklearn-mixed",
        "sklearn flavor: ColumnTransformer(OneHotEncoder, StandardScaler) + "
        "LogisticRegression (string and double columns)",
        d,
        tmp_path / "mixed.jinfer",
        new,
        clf(model, new),
        ["pmml"],
        # skl2onnx 1.20 writes a float Normalizer into this float64 graph, which ONNX Runtime
        # refuses at load; the same happens with jinfer.export(..., dtype="float64")
        dropped={"onnx": "the Java onnx backend refused it: .*NormalizerNorm"},
    )
    assert [(s.name, s.dtype) for s in b.manifest.inputs] == [
        ("color", "string"),
        ("size", "float64"),
        ("weight", "float64"),
    ]


def test_xgboost_flavor(tmp_path: Path) -> None:
    xgb = pytest.importorskip("xgboost", reason="pip install 'jinfer[xgboost]'")
    import mlflow.xgboost

    model = xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(DF, Y)
    mlflow.xgboost.save_model(
        model,
        str(tmp_path / "xgb"),
        signature=infer_signature(DF, model.predict(DF)),
        input_example=DF.iloc[:40],
        pip_requirements=["xgboost"],
    )
    new = jitter(DF)
    b = record_case(
        "mlflow-xgboost",
        "xgboost flavor: XGBClassifier (named columns)",
        tmp_path / "xgb",
        tmp_path / "xgb.jinfer",
        new,
        clf(model, new),
        ["onnx", "pmml"],
    )
    assert b.manifest.producer["source"]["mlflow"]["flavor"] == "xgboost"
    assert b.manifest.inputs[0].columns == tuple(COLUMNS)


def test_lightgbm_flavor_with_a_tensor_signature(tmp_path: Path) -> None:
    lgb = pytest.importorskip("lightgbm", reason="pip install 'jinfer[lightgbm]'")
    import mlflow.lightgbm

    booster = lgb.train(
        {"objective": "regression", "num_leaves": 8, "verbose": -1}, lgb.Dataset(X_REG, label=Y_REG), num_boost_round=10
    )
    X32 = X_REG.astype(np.float32)
    mlflow.lightgbm.save_model(
        booster,
        str(tmp_path / "lgb"),
        signature=infer_signature(X32, booster.predict(X32)),
        input_example=X32[:40],
        pip_requirements=["lightgbm"],
    )
    new = (X_REG + 0.01).astype(np.float32)
    b = record_case(
        "mlflow-lightgbm",
        "lightgbm flavor: Booster (tensor signature, float32)",
        tmp_path / "lgb",
        tmp_path / "lgb.jinfer",
        new,
        {"prediction": booster.predict(new)},
        ["onnx", "pmml"],
    )
    assert (b.manifest.inputs[0].dtype, b.manifest.inputs[0].shape) == ("float32", (-1, 5))


def test_onnx_flavor_loses_its_zipmap(tmp_path: Path) -> None:
    import mlflow.onnx
    import skl2onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestClassifier

    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(DF.to_numpy(), Y)
    onx = skl2onnx.to_onnx(rf, initial_types=[("X", FloatTensorType([None, 4]))])  # ZipMap on, as by default
    X32 = DF.to_numpy(np.float32)
    mlflow.onnx.save_model(
        onx, str(tmp_path / "onnx"), input_example=X32[:40], signature=False, pip_requirements=["onnx"]
    )
    new = jitter(DF).to_numpy(np.float32)
    b = record_case(
        "mlflow-onnx",
        "onnx flavor: skl2onnx RandomForest with ZipMap (no signature)",
        tmp_path / "onnx",
        tmp_path / "onnx.jinfer",
        new,
        clf(rf, new),
        ["onnx"],
    )
    assert b.manifest.classes == (0, 1, 2)
    assert "signature" not in b.manifest.producer["source"]["mlflow"]
    assert b.manifest.artifacts[0].details["input_names"] == {"features": "X"}


def test_pyfunc_model_becomes_a_python_artifact(tmp_path: Path) -> None:
    frame = pd.DataFrame(X_REG, columns=list("abcde"))
    model = Linear(np.linspace(-0.2, 0.2, 5), 0.1)
    mlflow.pyfunc.save_model(
        str(tmp_path / "pyfunc"),
        python_model=model,
        signature=infer_signature(frame, model.predict(None, frame)),
        input_example=frame.iloc[:30],
        pip_requirements=["mlflow"],
    )
    new = frame + 0.01
    b = record_case(
        "mlflow-pyfunc",
        "python_function flavor only (a custom PythonModel)",
        tmp_path / "pyfunc",
        tmp_path / "pyfunc.jinfer",
        new,
        {"prediction": model.predict(None, new)},
        ["python"],
    )
    details = b.manifest.artifacts[0].details
    assert set(details["requirements"]) & {"mlflow", "mlflow-skinny"}
    assert b.manifest.inputs[0].columns == tuple("abcde")


# ---------------------------------------------------------------- bad directories


def test_no_signature_falls_back_to_the_sample_with_a_warning(logreg: LogisticRegression, tmp_path: Path) -> None:
    d = save_sklearn(logreg, tmp_path / "nosig", signature=False, example=DF.iloc[:40])
    assert "signature" not in (d / "MLmodel").read_text()
    with pytest.warns(jinfer.ExportWarning, match=r"nosig/MLmodel has no signature; the input specs are inferred"):
        b = jinfer.from_mlflow(d, tmp_path / "nosig.jinfer", dtype="float32")
    assert b.manifest.inputs[0].columns == tuple(COLUMNS)  # from the example's columns
    assert "signature" not in b.manifest.producer["source"]["mlflow"]
    with jinfer.load(b.path) as m:
        X32 = DF.astype(np.float32)
        np.testing.assert_array_equal(m.predict(X32)["label"], logreg.predict(X32))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"flavors: {sklearn: [unclosed\n", "not valid YAML"),
        (b"- just\n- a list\n", "expected a YAML mapping"),
        (b"artifact_path: model\n", "no 'flavors' mapping"),
        (b"flavors:\n  sklearn: {}\nsignature:\n  inputs: '[{not json'\n", "signature is not JSON"),
        (b"\x00\x01\x02binary garbage\xff", "corrupt MLmodel"),
    ],
)
def test_a_corrupt_mlmodel_is_named(content: bytes, problem: str, tmp_path: Path) -> None:
    d = tmp_path / "broken"
    d.mkdir()
    (d / "MLmodel").write_bytes(content)
    with pytest.raises(jinfer.MLflowModelError) as info:
        jinfer.from_mlflow(d, tmp_path / "out.jinfer")
    assert str(d / "MLmodel") in str(info.value) and problem in str(info.value)
    assert isinstance(info.value, jinfer.InputError) and isinstance(info.value, ValueError)
    assert not (tmp_path / "out.jinfer").exists()


def test_not_an_mlflow_directory(tmp_path: Path) -> None:
    with pytest.raises(jinfer.MLflowModelError, match="no MLmodel file"):
        jinfer.from_mlflow(tmp_path, tmp_path / "out.jinfer")


def test_no_example_and_no_sample_asks_for_one(logreg: LogisticRegression, tmp_path: Path) -> None:
    d = save_sklearn(logreg, tmp_path / "noex", signature=infer_signature(DF, logreg.predict(DF)))
    with pytest.raises(jinfer.MLflowModelError, match=r"no input example.*X_sample"):
        jinfer.from_mlflow(d, tmp_path / "out.jinfer")
    b = jinfer.from_mlflow(d, tmp_path / "out.jinfer", X_sample=DF.iloc[:30])
    assert b.manifest.artifacts[0].parity["rows"] == 30


def test_a_sample_missing_a_signature_column_is_named(logreg: LogisticRegression, tmp_path: Path) -> None:
    d = save_sklearn(logreg, tmp_path / "m", signature=infer_signature(DF, logreg.predict(DF)), example=DF.iloc[:10])
    with pytest.raises(jinfer.MLflowModelError, match=r"lacks the signature's column\(s\) \['petal width \(cm\)'\]"):
        jinfer.from_mlflow(d, tmp_path / "out.jinfer", X_sample=DF.drop(columns=["petal width (cm)"]))


def test_without_mlflow_the_message_names_the_extra(
    logreg: LogisticRegression, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = save_sklearn(logreg, tmp_path / "m", signature=infer_signature(DF, logreg.predict(DF)), example=DF.iloc[:10])
    for name in [m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'jinfer\[mlflow\]'"):
        jinfer.from_mlflow(d, tmp_path / "out.jinfer")


# ---------------------------------------------------------------- the CLI


def py_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jinfer", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_cli_exports_from_mlflow(logreg: LogisticRegression, tmp_path: Path) -> None:
    save_sklearn(
        logreg, tmp_path / "iris-model", signature=infer_signature(DF, logreg.predict(DF)), example=DF.iloc[:40]
    )
    r = py_cli("export", "--from-mlflow", "iris-model", "-o", "iris.jinfer", "--version", "3.1.0", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "wrote iris.jinfer with onnx, pmml" in r.stdout
    m = jinfer.Bundle.open(tmp_path / "iris.jinfer").manifest
    assert (m.name, m.version, m.inputs[0].dtype) == ("iris-model", "3.1.0", "float64")


def test_cli_reports_a_corrupt_mlmodel_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "MLmodel").write_text("flavors: [oops\n")
    r = py_cli("export", "--from-mlflow", "bad", "-o", "x.jinfer", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jinfer: error: ") and "bad/MLmodel" in lines[0], r.stderr
    assert "not valid YAML" in lines[0]


def test_cli_needs_a_model_or_a_directory(tmp_path: Path) -> None:
    r = py_cli("export", "-o", "x.jinfer", cwd=tmp_path)
    assert r.returncode == 2 and "either MODEL_FILE or --from-mlflow DIR" in r.stderr
