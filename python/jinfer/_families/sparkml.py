"""Spark ML: a fitted ``pyspark.ml.PipelineModel`` (or one fitted stage), exported to ONNX.

The sample is a Spark DataFrame (or a pandas one, made into a Spark one by the active session).
The bundle's inputs are the columns the pipeline reads and no stage makes: a numeric table
becomes one ``features`` input ``[n, d]`` with the column names, a table with strings one input
per column, and a Vector or array column an input ``[n, d]`` of its own. The expected outputs,
and so parity, come from the pipeline's own ``transform`` on the sample (its float columns
rounded to the bundle's float type first, as the bundle will see them).

ONNX comes from onnxmltools' Spark ML converter, with one fix: a ``OneHotEncoder`` with Spark's
defaults (``dropLast=True``, ``handleInvalid='error'``) is encoded too (the last category is all
zeros). PMML (JPMML-SparkML, through pyspark2pmml) is not offered: each JPMML-SparkML release
refuses every Spark but its own minor version, and none exists for the Spark 4.3 that jinfer's
``spark`` extra installs (docs/decisions.md).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._convert.formats import Converted
from .._dtypes import Array
from .._exceptions import InputError
from .._manifest import TensorSpec
from .._optional import require, version_of
from .base import Family, Prepared, check_task, classifier_outputs, refuse_classes, regressor_outputs
from .sample import Sample, bad_shape

__all__ = ["SparkMLFamily"]

_DISTS = ("pyspark", "onnxmltools", "onnx")
_OHE = "pyspark.ml.feature.OneHotEncoderModel"


@dataclass(frozen=True)
class SparkJob:
    """The pipeline as the converter takes it, with what it needs to convert."""

    pipeline: Any  # pyspark.ml.PipelineModel
    spark: Any  # the SparkSession that ran it
    columns: tuple[tuple[str, str, int], ...]  # (column, jinfer dtype, width: 0 for a scalar)
    assembled: bool  # the numeric columns feed one `features` input
    outputs: dict[str, str]  # canonical output -> the pipeline's column


class SparkMLFamily(Family):
    """A fitted Spark ML pipeline: VectorAssembler, StandardScaler, StringIndexer, OneHotEncoder,
    and the classifiers and regressors onnxmltools converts (LogisticRegression, the tree
    ensembles, LinearRegression…), exported as ONNX with parity against its own ``transform``."""

    key = "sparkml"
    extra = "spark"

    def formats(self, model: Any) -> tuple[str, ...]:
        return ("onnx",)

    def libraries(self, model: Any) -> dict[str, str]:
        return version_of(*_DISTS)

    def prepare(
        self, model: Any, X_sample: Any, dtype: str, max_rows: int, *, task: str | None, classes: Sequence[Any] | None
    ) -> Prepared:
        require("pyspark", "exporting a Spark ML pipeline", "spark")
        from pyspark.ml import PipelineModel

        if dtype != "float32":
            raise ValueError("dtype: onnxmltools converts Spark ML pipelines to float32 graphs; use dtype='float32'")
        refuse_classes(classes, "a Spark ML pipeline")
        pipeline = model if isinstance(model, PipelineModel) else PipelineModel(stages=[model])
        final = pipeline.stages[-1]
        found = "classification" if final.hasParam("probabilityCol") and hasattr(final, "numClasses") else "regression"
        check_task(found, task, f"this Spark ML pipeline (its last stage is a {type(final).__name__})")
        sdf = _spark_frame(X_sample)
        columns = _input_columns(pipeline, sdf.columns)
        table, specs = _table(sdf.select(*columns).limit(max_rows).toPandas(), sdf.schema, columns, dtype)
        # the pipeline's own outputs, on the very values the bundle will see
        spark = sdf.sparkSession
        scored = pipeline.transform(spark.createDataFrame(table.frame, schema=sdf.select(*columns).schema)).toPandas()
        prediction = final.getOrDefault("predictionCol")
        if found == "classification":
            probability = final.getOrDefault("probabilityCol")
            if not probability:
                raise TypeError(f"{type(final).__name__}: jinfer exports Spark ML classifiers with probabilities")
            proba = np.stack([np.asarray(v.toArray()) for v in scored[probability]])
            label = scored[prediction].to_numpy().astype(np.int64)
            expected, outputs, cls = classifier_outputs(proba, label, range(int(final.numClasses)), dtype)
            names = {"label": prediction, "probabilities": probability}
        else:
            expected, outputs, cls = regressor_outputs(scored[prediction].to_numpy(), dtype)
            names = {"prediction": prediction}
        sample = Sample(table.feeds, specs, sdf, list(columns))
        job = SparkJob(pipeline, spark, table.columns, table.assembled, names)
        return Prepared(job, sample, found, expected, outputs, cls, type(final).__name__, self.libraries(model))

    def convert(self, fmt: str, prepared: Prepared, dtype: str, callable_spec: str | None) -> Converted:
        if fmt != "onnx":
            raise TypeError(
                f"a Spark ML pipeline is exported as ONNX only, not {fmt}: JPMML-SparkML has no release "
                "for this Spark version (docs/decisions.md)"
            )
        job: SparkJob = prepared.model
        onx = _to_onnx(job)
        graph_outputs = [o.name for o in onx.graph.output]
        output_names = {
            k: v if v in graph_outputs else graph_outputs[i] for i, (k, v) in enumerate(job.outputs.items())
        }
        opsets = {d.domain or "": int(d.version) for d in onx.opset_import}
        import onnxmltools

        return onx.SerializeToString(), {
            "opset": opsets.get("", 0),
            "ml_opset": opsets.get("ai.onnx.ml", 0),
            "converter": f"onnxmltools {onnxmltools.__version__} (Spark ML)",
            "input_names": {s.name: s.name for s in prepared.sample.specs},
            "output_names": output_names,
        }


def _spark_frame(X_sample: Any) -> Any:
    """``X_sample`` as a Spark DataFrame: itself, or a pandas one made into one by the active session."""
    from pyspark.sql import DataFrame, SparkSession

    if isinstance(X_sample, DataFrame):
        return X_sample
    spark = SparkSession.getActiveSession()
    if spark is None or not hasattr(X_sample, "columns"):
        raise InputError(
            "X_sample: a Spark ML pipeline takes a Spark DataFrame (or a pandas one while a SparkSession "
            f"is active), got {type(X_sample).__name__}",
            code="DTYPE_MISMATCH",
        )
    return spark.createDataFrame(X_sample)


def _param(stage: Any, name: str) -> Any:
    return stage.getOrDefault(name) if stage.hasParam(name) and stage.isDefined(stage.getParam(name)) else None


def _input_columns(pipeline: Any, available: Sequence[str]) -> list[str]:
    """The columns the pipeline reads and no earlier stage makes, in the sample's column order."""
    made: set[str] = set()
    read: set[str] = set()
    final = pipeline.stages[-1]
    label = _param(final, "labelCol")
    for i, stage in enumerate(pipeline.stages):
        ins = [_param(stage, "inputCol"), _param(stage, "featuresCol"), *(_param(stage, "inputCols") or [])]
        outs = [_param(stage, n) for n in ("outputCol", "predictionCol", "probabilityCol", "rawPredictionCol")]
        outs += list(_param(stage, "outputCols") or [])
        if label is not None and stage is not final and label in outs:
            raise TypeError(
                f"stage {i} ({type(stage).__name__}) makes the label column {label!r}: export the pipeline "
                "without its label indexer (the bundle's classes are the classifier's indices 0..k-1)"
            )
        read.update(c for c in ins if c and c not in made)
        made.update(c for c in outs if c)
    missing = sorted(read - set(available))
    if missing:
        raise InputError(
            f"X_sample: the pipeline reads the columns {missing}, which the sample lacks (it has {list(available)})",
            code="MISSING_INPUT",
        )
    return [c for c in available if c in read]


@dataclass
class _Table:
    frame: Any  # pandas: the input columns, floats rounded to the bundle's dtype
    feeds: dict[str, Array]
    columns: tuple[tuple[str, str, int], ...]
    assembled: bool


def _table(frame: Any, schema: Any, columns: Sequence[str], dtype: str) -> tuple[_Table, tuple[TensorSpec, ...]]:
    """The sample's inputs: one ``features`` input for numeric columns, else one input per column."""
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql.types import ArrayType, BooleanType, DoubleType, FloatType, NumericType, StringType

    if len(frame) == 0:
        raise bad_shape("a non-empty sample", (0, len(columns)))
    kinds: list[tuple[str, str, int]] = []
    values: dict[str, Array] = {}
    for col in columns:
        t = schema[col].dataType
        if isinstance(t, StringType):
            values[col] = frame[col].astype(str).to_numpy().astype(str)
            kinds.append((col, "string", 0))
        elif isinstance(t, (NumericType, BooleanType)):
            values[col] = frame[col].to_numpy(dtype=dtype)
            if isinstance(t, (FloatType, DoubleType)):
                frame[col] = values[col].astype(np.float64)
            kinds.append((col, dtype, 0))
        elif isinstance(t, (VectorUDT, ArrayType)):
            rows = np.stack([np.asarray(v.toArray() if hasattr(v, "toArray") else v, dtype=dtype) for v in frame[col]])
            values[col] = rows
            frame[col] = [_like(v, row) for v, row in zip(frame[col], rows)]
            kinds.append((col, dtype, rows.shape[1]))
        else:
            raise InputError(
                f"X_sample column {col!r}: {t.simpleString()} is not supported; expected numbers, strings or vectors",
                code="DTYPE_MISMATCH",
            )
    if all(dt != "string" and width == 0 for _, dt, width in kinds):
        X = np.ascontiguousarray(np.column_stack([values[c] for c in columns]))
        spec = TensorSpec("features", dtype, (-1, len(columns)), tuple(columns))
        return _Table(frame, {"features": X}, tuple(kinds), True), (spec,)
    specs = tuple(TensorSpec(c, dt, (-1,) if w == 0 else (-1, w)) for c, dt, w in kinds)
    feeds = {c: np.ascontiguousarray(values[c]) for c in columns}
    return _Table(frame, feeds, tuple(kinds), False), specs


def _like(original: Any, row: Array) -> Any:
    """``row`` (rounded to the bundle's dtype) in the form of the column's value: a Vector or a list."""
    from pyspark.ml.linalg import Vectors

    if hasattr(original, "toArray"):
        return Vectors.dense(row.astype(np.float64))
    return row.astype(np.float64).tolist()


def _to_onnx(job: SparkJob) -> Any:
    """onnxmltools' graph of the pipeline, behind one ``features`` input when the columns are assembled."""
    from onnxmltools import convert_sparkml
    from onnxmltools.convert.common.data_types import FloatTensorType, StringTensorType

    types = [
        (col, StringTensorType([None, 1]) if dt == "string" else FloatTensorType([None, max(width, 1)]))
        for col, dt, width in job.columns
    ]
    with contextlib.redirect_stdout(io.StringIO()):  # onnxmltools prints its linear models' attributes
        onx = convert_sparkml(
            job.pipeline,
            "jinfer-sparkml",
            types,
            custom_conversion_functions={_OHE: _one_hot_converter},
            custom_shape_calculators={_OHE: _one_hot_shapes},
            spark_session=job.spark,
        )
    if job.assembled:
        onx = _split_features(onx, [c for c, _, _ in job.columns])
    return onx


def _split_features(onx: Any, columns: list[str]) -> Any:
    """The same graph with one ``features`` input ``[n, d]``, split into its ``[n, 1]`` column inputs."""
    from onnx import TensorProto, helper

    g = onx.graph
    inner = "jinfer_sparkml_features"  # a stage's own column called `features` is renamed inside
    for node in g.node:
        node.input[:] = [inner if n == "features" else n for n in node.input]
        node.output[:] = [inner if n == "features" else n for n in node.output]
    for inp in list(g.input):
        if inp.name in columns:
            g.input.remove(inp)
    g.input.insert(0, helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, len(columns)]))
    ones = [1] * len(columns)
    opset = next(int(d.version) for d in onx.opset_import if d.domain in ("", "ai.onnx"))
    if opset >= 13:  # Split takes the sizes as an input from opset 13 on, as an attribute before
        g.initializer.append(helper.make_tensor("jinfer_split", TensorProto.INT64, [len(columns)], ones))
        split = helper.make_node("Split", ["features", "jinfer_split"], columns, axis=1, name="jinfer_features")
    else:
        split = helper.make_node("Split", ["features"], columns, axis=1, split=ones, name="jinfer_features")
    g.node.insert(0, split)
    return onx


def _one_hot_categories(op: Any) -> tuple[list[list[int]], int]:
    """The categories ONNX's OneHotEncoder needs to give Spark's vectors, and its ``zeros`` flag."""
    sizes = list(op.categorySizes)
    invalid, drop_last = op.getHandleInvalid(), op.getDropLast()
    if invalid == "keep" and not drop_last:
        raise RuntimeError("OneHotEncoder(handleInvalid='keep', dropLast=False) has no ONNX form (its extra bit)")
    if invalid == "error" and drop_last:  # the last category is all zeros: leave it out, with zeros=1
        return [list(range(size - 1)) for size in sizes], 1
    return [list(range(size)) for size in sizes], 1 if invalid == "keep" else 0


def _one_hot_converter(scope: Any, operator: Any, container: Any) -> None:
    """onnxmltools' OneHotEncoder conversion, for every setting Spark's vectors allow."""
    from onnx import TensorProto

    categories, zeros = _one_hot_categories(operator.raw_operator)
    n = operator.inputs[0].type.shape[0] or -1
    for i, cats in enumerate(categories):
        encoded = scope.get_unique_variable_name(f"encoded_feature_at_{i}")
        container.add_node(
            "OneHotEncoder",
            [operator.inputs[i].full_name],
            [encoded],
            op_domain="ai.onnx.ml",
            op_version=1,
            name=scope.get_unique_operator_name("OneHotEncoder"),
            cats_int64s=cats,
            zeros=zeros,
        )
        shape = scope.get_unique_variable_name(f"shape_at_{i}")
        container.add_initializer(shape, TensorProto.INT64, [2], [n, len(cats)])
        container.add_node("Reshape", [encoded, shape], [operator.outputs[i].full_name], op_version=13)


def _one_hot_shapes(operator: Any) -> None:
    from onnxmltools.convert.common.data_types import FloatTensorType

    categories, _ = _one_hot_categories(operator.raw_operator)
    n = operator.inputs[0].type.shape[0]
    for i, output in enumerate(operator.outputs):
        output.type = FloatTensorType([n, len(categories[i])])
