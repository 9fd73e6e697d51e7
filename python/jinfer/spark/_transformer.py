"""``JinferTransformer`` for PySpark (Spark's ``JavaTransformer`` pattern), ``transform`` and the
SQL function: thin wrappers over ``io.jinfer.spark``, which does the work in the JVM.

A pipeline holding a ``JinferTransformer`` saves and loads from Python as any Spark ML pipeline:
PySpark finds a Java stage's Python class by its Java class name, so this module answers to
``io.jinfer.spark`` too (``sys.modules``; the standard library's ``io`` is left as it is).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaTransformer

from ._session import check, java_call

__all__ = ["JinferTransformer", "model_loads", "register_udf", "return_type", "transform"]

JAVA_CLASS = "io.jinfer.spark.JinferTransformer"


_STR, _LIST, _INT = TypeConverters.toString, TypeConverters.toListString, TypeConverters.toInt


def _param(name: str, doc: str, converter: Any) -> Any:
    """A param of the Java stage's (same name); PySpark hands its value over to Java."""
    return Param(Params._dummy(), name, doc, typeConverter=converter)


class _Reader(JavaMLReader):  # type: ignore[misc]  # untyped where pyspark is absent (mypy runs there)
    @classmethod
    def _java_loader_class(cls, clazz: type) -> str:
        return JAVA_CLASS


class JinferTransformer(JavaTransformer, JavaMLReadable, JavaMLWritable):  # type: ignore[misc]
    """A Spark ML ``Transformer`` that scores a DataFrame with a jinfer bundle, in the executor
    JVMs (``io.jinfer.spark.JinferTransformer``; its Javadoc and ``docs/spark.md`` say more).

    ``bundle`` is a local path or a Hadoop FileSystem URI. ``inputCol`` feeds a one-input
    bundle; ``inputCols`` feed the inputs ``inputNames`` names (default: the bundle's, in order);
    otherwise each input reads the column of its own name, or (for ``features`` of a numeric
    table) the scalar columns its spec names. ``outputNames`` (default all) become the columns
    ``outputCols`` (default their names); ``vectorOutputs`` makes float outputs ``[n, k]`` ML
    Vectors instead of arrays. ``batchSize`` rows per predict (1,024), ``intraOpThreads`` per
    call (1), ``backend`` (the first usable), ``onBadRow``: ``error`` fails the task naming the
    partition and row, ``skip`` gives the row null outputs.
    """

    bundle = _param("bundle", "the bundle: a local path or a Hadoop FileSystem URI", _STR)
    inputCol = _param("inputCol", "the column of a one-input bundle's input", _STR)
    inputCols = _param("inputCols", "the columns of the inputs inputNames names", _LIST)
    inputNames = _param("inputNames", "the inputs inputCols feed (default: all, in order)", _LIST)
    outputNames = _param("outputNames", "the outputs to add (default: all)", _LIST)
    outputCols = _param("outputCols", "the outputs' columns (default: the outputs' names)", _LIST)
    vectorOutputs = _param("vectorOutputs", "float outputs [n, k] as ML Vectors", TypeConverters.toBoolean)
    batchSize = _param("batchSize", "rows per predict call", _INT)
    intraOpThreads = _param("intraOpThreads", "threads per predict call (0: the runtime chooses)", _INT)
    backend = _param("backend", "the backend to use (empty: the first usable one)", _STR)
    onBadRow = _param("onBadRow", "a null or malformed row: 'error' fails the task, 'skip' gives null outputs", _STR)

    @keyword_only  # type: ignore[untyped-decorator]  # untyped where pyspark is absent
    def __init__(
        self,
        *,
        bundle: str | os.PathLike[str] | None = None,
        inputCol: str | None = None,
        inputCols: Sequence[str] | None = None,
        inputNames: Sequence[str] | None = None,
        outputNames: Sequence[str] | None = None,
        outputCols: Sequence[str] | None = None,
        vectorOutputs: bool = False,
        batchSize: int = 1024,
        intraOpThreads: int = 1,
        backend: str = "",
        onBadRow: str = "error",
    ) -> None:
        super().__init__()
        self._java_obj = self._new_java_obj(JAVA_CLASS, self.uid)
        self._setDefault(
            inputCols=[], inputNames=[], outputNames=[], outputCols=[], vectorOutputs=False,
            batchSize=1024, intraOpThreads=1, backend="", onBadRow="error",
        )  # fmt: skip
        kwargs = dict(self._input_kwargs)
        if kwargs.get("bundle") is not None:
            kwargs["bundle"] = os.fspath(kwargs["bundle"])
        self._set(**kwargs)

    @classmethod
    def read(cls) -> Any:
        return _Reader(cls)

    def setBundle(self, value: str | os.PathLike[str]) -> JinferTransformer:  # noqa: N802
        return self._set(bundle=os.fspath(value))  # type: ignore[no-any-return]

    def setInputCol(self, value: str) -> JinferTransformer:  # noqa: N802
        return self._set(inputCol=value)  # type: ignore[no-any-return]

    def setInputCols(self, value: Sequence[str]) -> JinferTransformer:  # noqa: N802
        return self._set(inputCols=list(value))  # type: ignore[no-any-return]

    def setOutputCols(self, value: Sequence[str]) -> JinferTransformer:  # noqa: N802
        return self._set(outputCols=list(value))  # type: ignore[no-any-return]

    def setOnBadRow(self, value: str) -> JinferTransformer:  # noqa: N802
        return self._set(onBadRow=value)  # type: ignore[no-any-return]

    def getBundle(self) -> str:  # noqa: N802
        return str(self.getOrDefault(self.bundle))

    def _transform(self, dataset: Any) -> Any:
        check(dataset.sparkSession)
        return java_call(lambda: super(JinferTransformer, self)._transform(dataset))


def transform(
    df: Any,
    bundle: str | os.PathLike[str],
    *,
    input_col: str | None = None,
    input_cols: Sequence[str] | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    output_cols: Sequence[str] | None = None,
    vector_outputs: bool = False,
    batch_size: int = 1024,
    intra_op_threads: int = 1,
    backend: str | None = None,
    on_bad_row: str = "error",
) -> Any:
    """``df`` scored by ``bundle`` in the executor JVMs: a DataFrame with the output columns
    appended (lazily, as any transformation). The keywords are :class:`JinferTransformer`'s params.

    Errors the driver sees (a missing column, a bundle that is not one) raise the matching
    :class:`jinfer.JinferError`; a bad row fails the action that reads it (Spark's error names
    the ``io.jinfer.InputException``, the partition and the row).
    """
    optional = {"inputCol": input_col, "inputCols": input_cols, "inputNames": input_names,
                "outputNames": output_names, "outputCols": output_cols}  # fmt: skip
    stage = JinferTransformer(
        bundle=bundle,
        vectorOutputs=vector_outputs,
        batchSize=batch_size,
        intraOpThreads=intra_op_threads,
        backend=backend or "",
        onBadRow=on_bad_row,
        **{k: list(v) if isinstance(v, (list, tuple)) else v for k, v in optional.items() if v is not None},
    )
    return stage.transform(df)


def register_udf(spark: Any, name: str, bundle: str | os.PathLike[str], *, on_bad_row: str = "error") -> None:
    """Register ``bundle`` as the SQL function ``name`` (row at a time, in the JVM): its argument
    is a one-input bundle's input, or a struct of the inputs by name; it returns a struct of the
    outputs. ``on_bad_row``: ``error`` fails the query on a null or malformed argument, ``skip``
    gives null."""
    check(spark)
    jvm = spark._jvm
    java_call(
        lambda: jvm.io.jinfer.spark.JinferSpark.registerUdf(spark._jsparkSession, name, os.fspath(bundle), on_bad_row)
    )


_SQL_TYPES = {"float32": "float", "float64": "double", "int64": "bigint", "int32": "int", "int16": "int",
              "int8": "int", "uint8": "int", "bool": "boolean", "string": "string"}  # fmt: skip


def return_type(bundle: str | os.PathLike[str]) -> str:
    """The SQL type of ``bundle``'s function, ``struct<label:bigint,probabilities:array<float>>``:
    what ``spark.udf.registerJavaFunction(name, "io.jinfer.spark.BundleFunction", ...)`` needs,
    from a Spark Connect client too (it reads the manifest here, with no JVM)."""
    from .._bundle import Bundle

    with Bundle.open(bundle) as b:
        fields = []
        for spec in b.manifest.outputs:
            element = _SQL_TYPES.get(spec.dtype, "double")
            fields.append(f"`{spec.name}`:{element if len(spec.shape) <= 1 else f'array<{element}>'}")
    return f"struct<{','.join(fields)}>"


def model_loads(spark: Any) -> int:
    """How many models the driver's JVM has loaded: in local mode, where the executors share it,
    one per bundle (and load options) however many tasks scored it."""
    check(spark)
    return int(spark._jvm.io.jinfer.spark.JinferSpark.modelLoads())


# PySpark loads a saved pipeline's Java stages into Python by their Java class name.
sys.modules.setdefault("io.jinfer.spark", sys.modules[__name__.rsplit(".", 1)[0]])
