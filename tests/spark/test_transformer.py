"""JinferTransformer, transform and the SQL function from PySpark, in local[2], checked against
the Python models the bundles were exported from."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pyspark", reason="the Spark tests run in `make test-spark` (build/venv-spark has pyspark)")

from pyspark.sql import functions as F

import jinfer
import jinfer.spark as jspark
import tables
from models import fitted

D = 12  # the forest's features


def _random_rows(spark: Any, n: int, partitions: int) -> Any:
    cols = [(F.rand(seed=j) * 6 - 3).cast("float") for j in range(D)]
    return spark.range(n, numPartitions=partitions).select("id", F.array(*cols).alias("features"))


def test_a_million_rows_through_the_transformer_match_the_python_model(spark: Any, bundles: dict[str, Path]) -> None:
    n, every = 1_000_000, 997
    scored = jspark.transform(_random_rows(spark, n, 8), bundles["forest"], output_cols=["label", "p"])
    # one pass over the million rows: the counts, and every 997th row to check against scikit-learn
    row = scored.agg(
        F.count("*").alias("rows"),
        F.count("p").alias("scored"),
        F.collect_list(F.when(F.col("id") % every == 0, F.struct("id", "features", "label", "p"))).alias("sample"),
    ).first()
    assert (row.rows, row.scored) == (n, n)
    sample = sorted(row.sample, key=lambda r: r.id)
    assert [r.id for r in sample] == list(range(0, n, every))
    X = np.array([r.features for r in sample], dtype=np.float32)
    model = fitted("forest")
    np.testing.assert_allclose(np.array([r.p for r in sample]), model.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(np.array([r.label for r in sample]), model.predict(X))


def test_a_mixed_type_table_with_strings(spark: Any, bundles: dict[str, Path]) -> None:
    table, _ = tables.table(n=2000, seed=1)
    df = spark.createDataFrame(table.assign(id=np.arange(len(table)))).repartition(3)
    out = jspark.transform(df, bundles["mixed"], batch_size=100).orderBy("id").toPandas()
    model = tables.mixed()
    np.testing.assert_allclose(np.stack(out["probabilities"]), model.predict_proba(table), atol=1e-6)
    np.testing.assert_array_equal(out["label"].to_numpy(), model.predict(table))


def test_the_sql_function_from_pyspark(spark: Any, bundles: dict[str, Path]) -> None:
    jspark.register_udf(spark, "forest_py", bundles["forest"])
    _random_rows(spark, 500, 2).createOrReplaceTempView("forest_py_rows")
    out = spark.sql("SELECT id, features, forest_py(features) AS r FROM forest_py_rows ORDER BY id").collect()
    X = np.array([r.features for r in out], dtype=np.float32)
    np.testing.assert_allclose(np.array([r.r.probabilities for r in out]), fitted("forest").predict_proba(X), atol=1e-6)
    # a mixed-type bundle takes a struct of its inputs by name
    table, _ = tables.table(n=200, seed=2)
    spark.createDataFrame(table).createOrReplaceTempView("mixed_py_rows")
    jspark.register_udf(spark, "mixed_py", bundles["mixed"])
    labels = [r.label for r in spark.sql("SELECT mixed_py(struct(*)).label AS label FROM mixed_py_rows").collect()]
    np.testing.assert_array_equal(labels, tables.mixed().predict(table))


def test_the_function_class_for_spark_connect_clients(spark: Any, bundles: dict[str, Path]) -> None:
    assert jspark.return_type(bundles["forest"]) == "struct<`label`:bigint,`probabilities`:array<float>>"
    spark.conf.set("spark.jinfer.bundle", str(bundles["forest"]))
    spark.udf.registerJavaFunction(
        "forest_class", "io.jinfer.spark.BundleFunction", jspark.return_type(bundles["forest"])
    )
    spark.conf.unset("spark.jinfer.bundle")  # the function keeps the bundle it was registered with
    _random_rows(spark, 300, 2).createOrReplaceTempView("forest_class_rows")
    out = spark.sql("SELECT features, forest_class(features) AS r FROM forest_class_rows").collect()
    X = np.array([r.features for r in out], dtype=np.float32)
    np.testing.assert_array_equal([r.r.label for r in out], fitted("forest").predict(X))
    with pytest.raises(Exception, match="set spark.jinfer.bundle"):
        spark.udf.registerJavaFunction("nothing", "io.jinfer.spark.BundleFunction", "struct<label:bigint>")


def test_the_model_is_loaded_once_per_executor_jvm(spark: Any, bundles: dict[str, Path], tmp_path: Path) -> None:
    spark._jvm.io.jinfer.spark.JinferSpark.clearModelCache()
    before = jspark.model_loads(spark)
    df = _random_rows(spark, 20_000, 8)  # 8 tasks, two at a time, in the one executor JVM of local[2]
    for _ in range(3):
        assert jspark.transform(df, bundles["forest"], batch_size=256).count() == 20_000
    assert jspark.model_loads(spark) - before == 1
    copy = tmp_path / "same-content.jinfer"  # the cache is by content (sha256), not by path
    shutil.copy(bundles["forest"], copy)
    assert jspark.transform(df, copy).count() == 20_000
    assert jspark.model_loads(spark) - before == 1


def _with_bad_rows(spark: Any) -> Any:
    rows = [(i, None if i == 4 else [0.5] * (D - 1 if i == 7 else D)) for i in range(10)]
    return spark.createDataFrame(rows, "id long, features array<float>").coalesce(1)


def test_a_bad_row_under_each_policy(spark: Any, bundles: dict[str, Path]) -> None:
    with pytest.raises(
        Exception, match=r"(?s)io\.jinfer\.InputException: partition 0, row 4 .*column 'features' is null"
    ):
        jspark.transform(_with_bad_rows(spark), bundles["forest"]).collect()
    out = jspark.transform(_with_bad_rows(spark), bundles["forest"], on_bad_row="skip").orderBy("id").collect()
    assert [r.id for r in out if r.label is None] == [4, 7]
    good = np.full((1, D), 0.5, dtype=np.float32)
    assert all(r.label == fitted("forest").predict(good)[0] for r in out if r.id not in (4, 7))


def test_a_saved_and_reloaded_pipeline(spark: Any, bundles: dict[str, Path], tmp_path: Path) -> None:
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.feature import VectorAssembler

    names = [f"x{j + 1}" for j in range(D)]
    df = _random_rows(spark, 300, 2).select("id", *[F.col("features")[j].alias(names[j]) for j in range(D)])
    stages = [
        VectorAssembler(inputCols=names, outputCol="vec"),
        jspark.JinferTransformer(bundle=bundles["forest"], inputCol="vec", outputCols=["churn", "churn_p"],
                                 vectorOutputs=True, batchSize=50),
    ]  # fmt: skip
    fitted_pipeline = Pipeline(stages=stages).fit(df)
    fitted_pipeline.write().overwrite().save(str(tmp_path / "pipeline"))
    loaded = PipelineModel.load(str(tmp_path / "pipeline"))
    stage = loaded.stages[1]
    assert isinstance(stage, jspark.JinferTransformer)
    assert stage.getBundle() == str(bundles["forest"])
    assert stage.getOrDefault("batchSize") == 50
    before = fitted_pipeline.transform(df).orderBy("id").select("churn", "churn_p").collect()
    after = loaded.transform(df).orderBy("id").select("churn", "churn_p").collect()
    assert [(r.churn, r.churn_p.toArray().tolist()) for r in after] == [
        (r.churn, r.churn_p.toArray().tolist()) for r in before
    ]
    X = df.orderBy("id").select(*names).toPandas().to_numpy(dtype=np.float32)
    np.testing.assert_allclose(np.stack([r.churn_p.toArray() for r in after]), fitted("forest").predict_proba(X),
                               atol=1e-6)  # fmt: skip


def test_the_driver_raises_jinfer_errors(spark: Any, bundles: dict[str, Path], tmp_path: Path) -> None:
    df = _random_rows(spark, 10, 1)
    with pytest.raises(jinfer.InputError, match="no column 'nope'"):
        jspark.transform(df, bundles["forest"], input_col="nope")
    with pytest.raises(jinfer.BundleError, match="no bundle at"):
        jspark.transform(df, tmp_path / "missing.jinfer")
    with pytest.raises(jinfer.InputError, match="'id' exists already"):
        jspark.transform(df, bundles["forest"], output_cols=["id", "p"])


def test_the_public_face_of_jinfer_spark() -> None:
    assert list(jspark.__all__) == sorted(jspark.__all__)
    assert all(hasattr(jspark, name) for name in jspark.__all__)
    assert all(Path(j).is_file() for j in jspark.jars())
    assert Path(jspark.jars()[0]).name.startswith("jinfer-spark-")
