"""A Spark session with jinfer's jars, and the check that a session has them.

The jars are jinfer-spark's (shipped in ``jinfer/spark/jars/``), jinfer's own and its runtime
(ONNX Runtime; JPMML-Evaluator where the ``jpmml-evaluator`` wheel is installed), less those Spark
ships itself (Jackson): Spark's copy is the one its classloader finds first anyway.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from py4j.java_gateway import JavaClass
from py4j.protocol import Py4JJavaError
from pyspark.errors.exceptions.captured import CapturedException
from pyspark.sql import SparkSession

from .._exceptions import BackendError, BundleError, InputError, JinferError, JVMError
from .._runtime.jvm import classpath

__all__ = ["check", "configure", "jars", "java_call", "session"]

T = TypeVar("T")

_SPARK_JARS = Path(__file__).parent / "jars"

_KINDS: dict[str, type[JinferError]] = {
    "io.jinfer.BundleException": BundleError,
    "io.jinfer.InputException": InputError,
    "io.jinfer.BackendException": BackendError,
}


def _artifact(jar: str) -> str:
    """``jackson-core-2.21.2.jar`` -> ``jackson-core``."""
    parts = Path(jar).name[: -len(".jar")].split("-")
    while len(parts) > 1 and parts[-1][:1].isdigit():
        parts.pop()
    return "-".join(parts)


def _spark_has() -> set[str]:
    """The artifacts of the jars the installed PySpark ships (those win on its classpath)."""
    import pyspark

    return {_artifact(str(j)) for j in (Path(pyspark.__file__).parent / "jars").glob("*.jar")}


def jars() -> list[str]:
    """The jars a Spark application needs to score bundles: jinfer-spark's, jinfer's and its
    runtime's, less those Spark ships. Pass them as ``spark.jars`` (``configure`` does).

    Raises :class:`JVMError` when jinfer-spark's jar is missing (build it with ``make jars``).
    """
    own = sorted(str(p) for p in _SPARK_JARS.glob("jinfer-spark-*.jar"))
    if not own:
        raise JVMError(
            f"jinfer-spark's jar is missing from {_SPARK_JARS}; build it with `make jars` "
            "(gradle :jinfer-spark:pythonJars), or install a jinfer wheel, which ships it"
        )
    has = _spark_has() | {"picocli"}  # picocli: the Java CLI's, not needed to score
    return own + [j for j in classpath() if _artifact(j) not in has]


def configure(builder: Any) -> Any:
    """Add :func:`jars` to a ``SparkSession.Builder``'s ``spark.jars`` (keeping any already set),
    and return the builder."""
    options = getattr(builder, "_options", {})
    given = [j for j in str(options.get("spark.jars", "")).split(",") if j]
    return builder.config("spark.jars", ",".join(given + [j for j in jars() if j not in given]))


def session(master: str = "local[2]", app_name: str = "jinfer", conf: Mapping[str, str] | None = None) -> Any:
    """A ``SparkSession`` that can score bundles: ``master`` (default ``local[2]``), jinfer's
    jars on ``spark.jars``, and ``conf``. For a local master, ``SPARK_LOCAL_IP`` defaults to
    127.0.0.1; ``PYSPARK_PYTHON`` defaults to this interpreter.

    When a session is running already, PySpark returns it unchanged: if it lacks jinfer's jars,
    :class:`JVMError` says so (stop it first, or start it with :func:`configure`).
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = configure(SparkSession.builder.master(master).appName(app_name))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    check(spark)
    return spark


def check(spark: Any) -> None:
    """Raise :class:`JVMError` unless ``spark``'s JVM has jinfer-spark's classes."""
    if not isinstance(spark._jvm.io.jinfer.spark.JinferSpark, JavaClass):
        raise JVMError(
            "this Spark session has no jinfer-spark on its classpath: start it with "
            "jinfer.spark.session() or jinfer.spark.configure(builder), or add jinfer.spark.jars() "
            "to spark.jars (on a cluster: --packages io.jinfer:jinfer-spark:VERSION); a running "
            "session must be stopped first, since spark.jars is read at start"
        )


def java_call(call: Callable[[], T]) -> T:
    """``call()``, with a jinfer exception raised in Spark's JVM (or the cause of one Spark
    raised) turned into the matching :class:`JinferError`, keeping its Java class and message."""
    try:
        return call()
    except (Py4JJavaError, CapturedException) as e:  # PySpark turns some Java exceptions into its own
        origin = e.java_exception if isinstance(e, Py4JJavaError) else getattr(e, "_origin", None)
        error = _translate(origin)
        if error is None:
            raise
        raise error from e


def _translate(exc: Any) -> JinferError | None:
    seen = 0
    while exc is not None and seen < 20:  # the cause chain, as far as the first jinfer exception
        cls = str(exc.getClass().getName())
        if cls in _KINDS:
            return _KINDS[cls](str(exc.getMessage()), code=str(exc.code().name()), java_class=cls)
        if cls == "java.lang.IllegalArgumentException":
            return InputError(str(exc.getMessage()), code="INVALID_VALUE", java_class=cls)
        exc = exc.getCause()
        seen += 1
    return None
