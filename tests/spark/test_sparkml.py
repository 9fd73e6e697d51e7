"""Spark ML pipelines exported to bundles, checked against the pipeline's own transform, and
scored in a plain JVM (jinfer's Java CLI, no Spark) and by JinferTransformer."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyspark", reason="the Spark tests run in `make test-spark` (build/venv-spark has pyspark)")

import jinfer
import jinfer.spark as jspark
import tables

JAVA_CLI = Path(__file__).parents[2] / "build" / "install" / "jinfer" / "bin" / "jinfer"


def _frame(spark: Any, n: int, seed: int) -> Any:
    table, y = tables.table(n=n, seed=seed)
    return spark.createDataFrame(table.assign(label=y.astype(float)))


def _pipeline(spark: Any, model: Any) -> Any:
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler

    stages = [
        StringIndexer(inputCol="color", outputCol="color_index"),
        OneHotEncoder(inputCol="color_index", outputCol="color_vec"),  # Spark's defaults: dropLast
        VectorAssembler(inputCols=["color_vec", "size", "weight"], outputCol="raw"),
        StandardScaler(inputCol="raw", outputCol="features", withMean=True),
        model,
    ]
    return Pipeline(stages=stages).fit(_frame(spark, 300, 0))


def _models() -> list[Any]:
    from pyspark.ml.classification import GBTClassifier, LogisticRegression, RandomForestClassifier
    from pyspark.ml.regression import LinearRegression

    return [
        LogisticRegression(),
        RandomForestClassifier(numTrees=5, maxDepth=4, seed=1),
        GBTClassifier(maxIter=5, maxDepth=3, seed=1),
        LinearRegression(),
    ]


@pytest.mark.parametrize("index", range(4), ids=["logreg", "forest", "gbt", "linear"])
def test_a_spark_ml_pipeline_exported_and_scored_in_a_plain_jvm(spark: Any, tmp_path: Path, index: int) -> None:
    pipeline = _pipeline(spark, _models()[index])
    bundle = jinfer.export(pipeline, _frame(spark, 300, 0), tmp_path / "pipeline.jinfer", name="sparkml")
    (artifact,) = bundle.manifest.artifacts
    assert artifact.backend == "onnx" and artifact.parity["passed"], artifact.parity
    assert [s.name for s in bundle.manifest.inputs] == ["color", "size", "weight"]
    # new rows, scored by jinfer's Java CLI (a JVM with no Spark) and by the pipeline itself
    fresh = tables.table(n=200, seed=5)[0]
    np.savez(tmp_path / "in.npz", color=fresh["color"].to_numpy().astype(str),
             size=fresh["size"].to_numpy(np.float32), weight=fresh["weight"].to_numpy(np.float32))  # fmt: skip
    run = subprocess.run(
        [str(JAVA_CLI), "predict", str(tmp_path / "pipeline.jinfer"), "--input", str(tmp_path / "in.npz"),
         "--output", str(tmp_path / "out.npz")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    java = np.load(tmp_path / "out.npz")
    fresh32 = fresh.assign(size=fresh["size"].astype(np.float32).astype(float),
                           weight=fresh["weight"].astype(np.float32).astype(float))  # fmt: skip
    own = pipeline.transform(spark.createDataFrame(fresh32)).toPandas()
    if bundle.manifest.task == "classification":
        np.testing.assert_array_equal(java["label"], own["prediction"].to_numpy().astype(np.int64))
        proba = np.stack([v.toArray() for v in own["probability"]])
        np.testing.assert_allclose(java["probabilities"], proba, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(java["prediction"], own["prediction"].to_numpy(), rtol=1e-5, atol=1e-5)


def test_a_numeric_pipeline_takes_features_and_scores_back_in_spark(spark: Any, tmp_path: Path) -> None:
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler

    df = _frame(spark, 300, 0)
    stages = [VectorAssembler(inputCols=["size", "weight"], outputCol="features"), LogisticRegression()]
    pipeline = Pipeline(stages=stages).fit(df)
    bundle = jinfer.export(pipeline, df, tmp_path / "numeric.jinfer")
    (spec,) = bundle.manifest.inputs
    assert (spec.name, spec.shape, spec.columns) == ("features", (-1, 2), ("size", "weight"))
    # JinferTransformer assembles the columns the spec names; the pipeline scores the same rows
    fresh = _frame(spark, 500, 3).selectExpr("color", "CAST(CAST(size AS FLOAT) AS DOUBLE) AS size",
                                             "CAST(CAST(weight AS FLOAT) AS DOUBLE) AS weight")  # fmt: skip
    ours = jspark.transform(fresh, bundle.path, output_cols=["jlabel", "jproba"]).toPandas()
    own = pipeline.transform(fresh).toPandas()
    np.testing.assert_array_equal(ours["jlabel"], own["prediction"].to_numpy().astype(np.int64))
    np.testing.assert_allclose(np.stack(ours["jproba"]), np.stack([v.toArray() for v in own["probability"]]),
                               atol=1e-6)  # fmt: skip


def test_pmml_is_refused_saying_why(spark: Any, tmp_path: Path) -> None:
    from pyspark.ml.classification import LogisticRegression

    pipeline = _pipeline(spark, LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jinfer.ExportWarning)
        with pytest.raises(jinfer.ParityError, match="pmml: conversion failed: TypeError: .*JPMML-SparkML"):
            jinfer.export(pipeline, _frame(spark, 50, 0), tmp_path / "x.jinfer", formats=("pmml",))
    assert not (tmp_path / "x.jinfer").exists()
