"""The PMML backend through Java: parity, mixed-type tables, fallback, invalid values and safety."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import jinfer
from jinfer import Artifact, Manifest, TensorSpec, write_bundle
from jinfer._manifest import utc_now
from models import MODELS, X_IRIS, Y_IRIS, fitted
from tables import mixed, table

CASES = [f"{name}-{dtype}" for name in MODELS for dtype in ("float32", "float64")]


def close_to(actual: np.ndarray, expected: np.ndarray, rel: float) -> None:
    """Within ``rel`` of the output's magnitude, the rule the exporter records."""
    scale = max(1e-12, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rel * scale)


@pytest.mark.parametrize("case", CASES)
def test_foundation_models_with_pmml_forced(case: str, bundles: dict[str, Path]) -> None:
    name, dtype = case.rsplit("-", 1)
    model, X = fitted(name), MODELS[name][1].astype(dtype)
    with jinfer.load(bundles[case], backend="pmml") as m:
        assert m.backend == "pmml"
        out = m.predict(X)
    if m.manifest.task == "classification":
        close_to(out["probabilities"], model.predict_proba(X), 1e-6)
        np.testing.assert_array_equal(out["label"], model.predict(X))
    else:
        close_to(out["prediction"], model.predict(X), 1e-6)


@pytest.mark.parametrize("classifier", ["logreg", "gbc"])
@pytest.mark.parametrize("backend", ["onnx", "pmml"])
def test_mixed_type_table_through_both_backends(classifier: str, backend: str, tmp_path: Path) -> None:
    df, _ = table()
    model = mixed(classifier)
    b = jinfer.export(model, df, tmp_path / "mixed.jinfer", name="mixed")
    assert [a.backend for a in b.manifest.artifacts] == ["onnx", "pmml"]
    assert [(s.name, s.dtype, s.shape) for s in b.manifest.inputs] == [
        ("color", "string", (-1,)),
        ("size", "float32", (-1,)),
        ("weight", "float32", (-1,)),
    ]
    new, _ = table(50, seed=1)
    with jinfer.load(b.path, backend=backend) as m:
        from_frame = m.predict(new)
        from_dict = m.predict(
            {c: new[c].to_numpy() if c == "color" else new[c].to_numpy(np.float32) for c in new.columns}
        )
    expected = model.predict_proba(new.astype({"size": np.float32, "weight": np.float32}))
    close_to(from_frame["probabilities"], expected, 1e-5)
    np.testing.assert_array_equal(from_frame["label"], from_dict["label"])
    np.testing.assert_array_equal(
        from_frame["label"], model.predict(new.astype({"size": np.float32, "weight": np.float32}))
    )


def test_a_model_onnx_cannot_take_falls_back_to_pmml(tmp_path: Path) -> None:
    model = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression(max_iter=1000)).fit(X_IRIS, Y_IRIS)
    with pytest.warns(jinfer.ExportWarning, match="no onnx artifact: conversion failed.*FunctionTransformer"):
        b = jinfer.export(model, X_IRIS, tmp_path / "log1p.jinfer")
    assert [a.backend for a in b.manifest.artifacts] == ["pmml"]
    with jinfer.load(b.path) as m:
        assert m.backend == "pmml"
        out = m.predict(X_IRIS.astype(np.float32))
    close_to(out["probabilities"], model.predict_proba(X_IRIS.astype(np.float32)), 1e-6)


def test_formats_can_be_forced(tmp_path: Path) -> None:
    b = jinfer.export(fitted("logreg"), X_IRIS, tmp_path / "p.jinfer", formats=("pmml",))
    assert [a.backend for a in b.manifest.artifacts] == ["pmml"]


# ---------------------------------------------------------------- invalid values


UNKNOWN = pd.DataFrame({"color": ["purple", "red"], "size": [0.5, 0.5], "weight": [10.0, 10.0]})


def test_unknown_category_ignored_when_the_model_ignores_it(tmp_path: Path) -> None:
    """OneHotEncoder(handle_unknown="ignore") becomes invalidValueTreatment="asIs": all-zero encoding."""
    model = mixed("logreg", "ignore")
    b = jinfer.export(model, table()[0], tmp_path / "ignore.jinfer")
    expected = model.predict_proba(UNKNOWN.astype({"size": np.float32, "weight": np.float32}))
    for backend in ("pmml", "onnx"):
        with jinfer.load(b.path, backend=backend) as m:
            close_to(m.predict(UNKNOWN)["probabilities"], expected, 1e-5)


def test_unknown_category_refused_when_the_model_refuses_it(tmp_path: Path) -> None:
    """handle_unknown="error" becomes PMML's default "returnInvalid": the row is refused, by name."""
    model = mixed("logreg", "error")
    with pytest.raises(ValueError):
        model.predict(UNKNOWN)
    b = jinfer.export(model, table()[0], tmp_path / "error.jinfer")
    with jinfer.load(b.path, backend="pmml") as m:
        with pytest.raises(jinfer.InputError) as info:
            m.predict(UNKNOWN)
        assert info.value.code == "INVALID_VALUE"
        assert "row 0" in str(info.value) and "color" in str(info.value) and "purple" in str(info.value)
        ok = m.predict(UNKNOWN.iloc[1:])  # the model keeps working
        assert ok["label"].shape == (1,)
    with jinfer.load(b.path, backend="onnx") as m:  # the categories the exporter recorded name row and value
        with pytest.raises(jinfer.InputError) as info:
            m.predict(UNKNOWN)
        assert info.value.code == "INVALID_VALUE"
        assert "row 0, input 'color': category \"purple\"" in str(info.value), str(info.value)
        assert "known: [blue, green, red]" in str(info.value)
        assert m.predict(UNKNOWN.iloc[1:])["label"].shape == (1,)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    b = jinfer.export(mixed(), table()[0], tmp_path / "m.jinfer")
    with jinfer.load(b.path, backend="pmml") as m:
        with pytest.raises(jinfer.InputError, match="weight") as info:
            m.predict(UNKNOWN.drop(columns=["weight"]))
        assert info.value.code == "MISSING_INPUT"
        with pytest.raises(jinfer.InputError, match="missing input 'weight'"):
            m.predict({"color": np.array(["red"]), "size": np.array([1.0], dtype=np.float32)})


# ---------------------------------------------------------------- bad PMML


def crafted(path: Path, pmml: str) -> Path:
    data = pmml.encode()
    m = Manifest(
        name="crafted",
        version="1",
        task="regression",
        inputs=(TensorSpec("features", "float64", (-1, 1), ("x1",)),),
        outputs=(TensorSpec("prediction", "float64", (-1,)),),
        artifacts=(Artifact.of("pmml", "model.pmml", data),),
        classes=None,
        created_at=utc_now(),
    )
    return write_bundle(path, m, {"model.pmml": data})


HEAD = (
    '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>'
    '<DataField name="x1" optype="continuous" dataType="double"/>'
    '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
)
REGRESSION = (
    '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x1"/>'
    '<MiningField name="y" usageType="target"/></MiningSchema><RegressionTable intercept="1.5">'
    '<NumericPredictor name="x1" coefficient="2"/></RegressionTable></RegressionModel></PMML>'
)


def test_a_hand_written_pmml_runs(tmp_path: Path) -> None:
    with jinfer.load(crafted(tmp_path / "ok.jinfer", HEAD + REGRESSION)) as m:
        np.testing.assert_array_equal(m.predict(np.array([[1.0], [2.0]]))["prediction"], [3.5, 5.5])


def test_an_unsupported_element_is_named_at_load(tmp_path: Path) -> None:
    seq = HEAD + (
        '<SequenceModel functionName="associationRules" numberOfTransactions="1" numberOfTransactionFields="1"'
        ' numberOfItems="1" numberOfSets="1" numberOfSequences="1" numberOfRules="0"><MiningSchema>'
        '<MiningField name="x1"/></MiningSchema></SequenceModel></PMML>'
    )
    with pytest.raises(jinfer.BundleError) as info:
        jinfer.load(crafted(tmp_path / "seq.jinfer", seq))
    assert info.value.code == "UNSUPPORTED_ARTIFACT"
    assert "SequenceModel" in str(info.value)


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    """The entity points at a FIFO: a parser that opened it would block until a writer came.
    The load must fail at once with UNSAFE_CONTENT, and never open the FIFO."""
    fifo = tmp_path / "secret.fifo"
    os.mkfifo(fifo)
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file://{fifo}">]>'
        + HEAD.replace("<Header/>", '<Header description="&xxe;"/>')
        + REGRESSION
    )
    path = crafted(tmp_path / "xxe.jinfer", doc)
    result: dict[str, BaseException] = {}

    def load() -> None:
        try:
            jinfer.load(path)
        except BaseException as e:  # noqa: BLE001 - recorded for the main thread
            result["error"] = e

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(timeout=30)
    opened = t.is_alive()
    if opened:  # release the reader so the process can end, then fail
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        t.join(timeout=10)
    assert not opened, "the PMML parser opened the external entity's file"
    err = result["error"]
    assert isinstance(err, jinfer.BundleError) and err.code == "UNSAFE_CONTENT", err
    assert "DOCTYPE" in str(err)

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc2 = doc.replace(f"file://{fifo}", f"file://{secret}")
    with pytest.raises(jinfer.BundleError) as info:
        jinfer.load(crafted(tmp_path / "xxe2.jinfer", doc2))
    assert "TOP-SECRET" not in str(info.value)


# ---------------------------------------------------------------- optional dependency


def test_a_pmml_only_bundle_without_jpmml_names_the_maven_coordinates(tmp_path: Path) -> None:
    path = crafted(tmp_path / "only.jinfer", HEAD + REGRESSION)
    code = (
        "import jinfer, sys\ntry:\n    jinfer.load(sys.argv[1])\nexcept jinfer.BackendError as e:\n"
        "    print(e.code, e)\n"
    )
    env = {**os.environ, "JINFER_NO_PMML": "1"}
    r = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("NO_USABLE_BACKEND")
    assert "org.jpmml:pmml-evaluator-metro:1.7.7" in r.stdout


def test_text_in_and_out_crosses_whole(tmp_path: Path) -> None:
    """String inputs and string labels cross between Python and Java in one buffer each
    (``io.jinfer.wire.Strings``): non-ASCII text, characters beyond the BMP and empty strings come
    through as the model gives them, on the PMML backend (the mixed-type table's model)."""
    import sklearn.base

    names = {"red": "rød", "green": "grün😀", "blue": ""}
    df, y = table(400)
    df["color"] = df["color"].map(names)
    labels = np.array(["nein", "ja 日本😀"])[y]
    model = sklearn.base.clone(mixed("logreg")).fit(df, labels)
    b = jinfer.export(model, df, tmp_path / "text.jinfer", name="text", formats=("pmml",))
    new, _ = table(1500, seed=2)  # more than one chunk of rows per thread, and a large buffer
    new["color"] = new["color"].map(names)
    typed = new.astype({"size": np.float32, "weight": np.float32})
    with jinfer.load(b.path, backend="pmml") as m:
        out = m.predict(new)
        as_dict = m.predict({c: typed[c].to_numpy() for c in typed.columns})
    np.testing.assert_array_equal(out["label"], model.predict(typed))
    assert set(out["label"].tolist()) == {"nein", "ja 日本😀"}
    np.testing.assert_array_equal(as_dict["label"], out["label"])
    close_to(out["probabilities"], model.predict_proba(typed), 1e-5)
